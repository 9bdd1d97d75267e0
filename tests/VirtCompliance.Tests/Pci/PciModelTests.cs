using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using VirtCompliance.Common;
using VirtCompliance.Drift;
using VirtCompliance.Firewall;
using VirtCompliance.Model;
using VirtCompliance.Pci;
using Xunit;
using static VirtCompliance.Tests.Pci.PciLab;
using VirtCompliance.Scope;

namespace VirtCompliance.Tests.Pci
{
    /// <summary>The parts the separation rules stand on: segments, filters, addresses, scope of hosts and segments, the map file, the matrix.</summary>
    public class PciModelTests
    {
        // ---- segments ----------------------------------------------------------------------------

        [Fact]
        public void Standard_portgroups_with_the_same_vlan_on_one_vswitch_are_one_segment_and_a_name_is_one_network_across_hosts()
        {
            var lab = new Lab().Cluster("domain-c1", "Prod");
            lab.Networks.Add(new Network { Id = "network-2", Name = "Backup", Kind = NetworkKind.StandardPortgroup, DatacenterId = "datacenter-1" });
            lab.Networks.Add(new Network { Id = "network-3", Name = "Isolated", Kind = NetworkKind.StandardPortgroup, DatacenterId = "datacenter-1" });
            // host-1: VM Network and Backup share VLAN 20 on vSwitch0; Isolated is on vSwitch1 with VLAN 20.
            lab.Host("host-1", "domain-c1", h => h with
            {
                StandardSwitches = h.StandardSwitches.Concat(new[] { new StandardSwitch { Name = "vSwitch1" } }).ToArray(),
                Portgroups = new[]
                {
                    new HostPortgroup { Name = "VM Network", VSwitch = "vSwitch0", VlanId = 20 },
                    new HostPortgroup { Name = "Backup", VSwitch = "vSwitch0", VlanId = 20 },
                    new HostPortgroup { Name = "Isolated", VSwitch = "vSwitch1", VlanId = 20 },
                },
            });
            lab.Host("host-2", "domain-c1");
            var segments = new NetworkSegments(lab.Build());
            Assert.Same(segments.OfNetwork("network-1"), segments.OfNetwork("network-2"));
            Assert.NotSame(segments.OfNetwork("network-1"), segments.OfNetwork("network-3"));
            // Named after its networks in id order.
            Assert.Equal("VM Network + Backup", segments.OfNetwork("network-1").Name);
            Assert.Equal("vSwitch0 (standard)", segments.OfNetwork("network-1").Switch);
        }

        [Fact]
        public void Untagged_distributed_portgroups_share_the_native_vlan_and_pvlans_do_not_merge_with_vlans()
        {
            var lab = New(extraNetworks: new[]
            {
                Portgroup("dvportgroup-40", "dvpg-a", 0), Portgroup("dvportgroup-41", "dvpg-b", 0),
                Portgroup("dvportgroup-42", "dvpg-pvlan", 0) with { VlanId = null, PvlanId = 10 },
            });
            var segments = new NetworkSegments(lab.Build());
            Assert.Same(segments.OfNetwork("dvportgroup-40"), segments.OfNetwork("dvportgroup-41"));
            Assert.Equal("untagged", segments.OfNetwork("dvportgroup-40").Vlan);
            Assert.NotSame(segments.OfNetwork(Cde), segments.OfNetwork("dvportgroup-42"));
            Assert.Equal("pvlan 10", segments.OfNetwork("dvportgroup-42").Vlan);
        }

        [Fact]
        public void A_trunk_is_its_own_segment_and_knows_the_segments_it_carries()
        {
            var lab = New(extraNetworks: Portgroup("dvportgroup-30", "dvpg-trunk", 0) with
            {
                VlanId = null,
                VlanTrunkRanges = new[] { new VlanRange { Start = 5, End = 10 }, new VlanRange { Start = 200, End = 300 } },
            });
            var segments = new NetworkSegments(lab.Build());
            var trunk = segments.OfNetwork("dvportgroup-30");
            Assert.True(trunk.IsTrunk);
            Assert.Equal("trunk 5-10,200-300", trunk.Vlan);
            Assert.Equal(new[] { "dvpg-cde" }, trunk.CarriedSegments.Select(s => s.Name));
            Assert.DoesNotContain(segments.All, s => s.Networks.Any(n => n.IsUplink));
        }

        [Fact]
        public void A_vm_with_two_nics_is_on_both_segments_and_templates_on_none()
        {
            var lab = New().Vm("vm-1", "host-1", v => v with { Nics = new[] { Nic(4000, Cde, "10.0.10.1"), Nic(4001, Office, "10.0.20.1") } })
                .Vm("vm-2", "host-1", v => Scoped("CDE", Cde)(v) with { Template = true });
            var segments = new NetworkSegments(lab.Build());
            Assert.Equal(new[] { "dvpg-cde", "dvpg-office" }, segments.OfVm("vm-1").Select(s => s.Name).OrderBy(n => n));
            Assert.Empty(segments.OfVm("vm-2"));
            Assert.Single(segments.OfNetwork(Cde).Attachments);
        }

        // ---- addresses and filters ------------------------------------------------------------------

        [Theory]
        [InlineData("10.0.0.0/8", "10.200.3.4", true)]
        [InlineData("10.0.0.0/8", "11.0.0.1", false)]
        [InlineData("10.1.2.3", "10.1.2.3", true)]
        [InlineData("10.1.2.0/23", "10.1.3.255", true)]
        [InlineData("10.1.2.0/23", "10.1.4.0", false)]
        [InlineData("0.0.0.0/0", "192.168.1.1", true)]
        [InlineData("fd00::/64", "fd00::1", true)]
        [InlineData("fd00::/64", "fd00:0:0:1::1", false)]
        [InlineData("10.0.0.0/8", "fd00::1", false)]
        public void Ip_blocks_contain_what_they_should(string block, string address, bool expected)
        {
            Assert.True(IpNetwork.TryParse(block, out var network));
            Assert.Equal(expected, network.Contains(IPAddress.Parse(address)));
        }

        [Theory]
        [InlineData("10.0.0.0/33")]
        [InlineData("not-an-address")]
        [InlineData("10.0.0.0/")]
        [InlineData("")]
        public void Malformed_blocks_are_refused(string text) => Assert.False(IpNetwork.TryParse(text, out _));

        private static readonly IPAddress A = IPAddress.Parse("10.0.10.11"), B = IPAddress.Parse("10.0.20.21");

        [Fact]
        public void The_first_rule_covering_all_traffic_decides_and_narrower_allows_are_exceptions()
        {
            var filter = new TrafficFilter
            {
                Rules = new[]
                {
                    new TrafficRule { Sequence = 30, Description = "drop all", Action = TrafficAction.Drop },
                    new TrafficRule { Sequence = 10, Description = "ssh", Action = TrafficAction.Allow, Protocol = 6, DestinationPorts = "22" },
                    new TrafficRule { Sequence = 20, Description = "other net", Action = TrafficAction.Allow, SourceAddresses = new[] { "192.168.0.0/16" } },
                },
            };
            var d = TrafficFilterEvaluator.Decide(filter, PacketDirection.ToVm, B, A);
            Assert.Equal(FilterVerdict.Dropped, d.Verdict);
            Assert.Equal(30, d.Rule.Sequence);
            Assert.Equal(new[] { "ssh" }, d.PermittedServices.Select(r => r.Description));
        }

        [Fact]
        public void Direction_is_the_switch_ports_so_traffic_to_the_vm_is_outgoing_packets()
        {
            var filter = new TrafficFilter { Rules = new[] { new TrafficRule { Sequence = 1, Direction = TrafficDirection.OutgoingPackets, Action = TrafficAction.Drop } } };
            Assert.Equal(FilterVerdict.Dropped, TrafficFilterEvaluator.Decide(filter, PacketDirection.ToVm, B, A).Verdict);
            Assert.Equal(FilterVerdict.Allowed, TrafficFilterEvaluator.Decide(filter, PacketDirection.FromVm, A, B).Verdict);
        }

        [Fact]
        public void Unknown_addresses_are_undecided_only_where_a_rule_names_addresses()
        {
            var named = new TrafficFilter { Rules = new[] { new TrafficRule { Sequence = 1, Action = TrafficAction.Drop, DestinationAddresses = new[] { "10.0.10.0/24" } } } };
            Assert.Equal(FilterVerdict.Undecided, TrafficFilterEvaluator.Decide(named, PacketDirection.ToVm, null, null).Verdict);
            var any = new TrafficFilter { Rules = new[] { new TrafficRule { Sequence = 1, Action = TrafficAction.Drop } } };
            Assert.Equal(FilterVerdict.Dropped, TrafficFilterEvaluator.Decide(any, PacketDirection.ToVm, null, null).Verdict);
        }

        [Fact]
        public void No_filter_a_disabled_filter_and_no_matching_rule_all_let_traffic_pass()
        {
            Assert.Equal(FilterVerdict.Allowed, TrafficFilterEvaluator.Decide(null, PacketDirection.ToVm, A, B).Verdict);
            var rules = new[] { new TrafficRule { Sequence = 1, Action = TrafficAction.Drop, SourceAddresses = new[] { "172.16.0.0/12" } } };
            Assert.Equal(FilterVerdict.Allowed, TrafficFilterEvaluator.Decide(new TrafficFilter { Enabled = false, Rules = rules }, PacketDirection.ToVm, A, B).Verdict);
            var d = TrafficFilterEvaluator.Decide(new TrafficFilter { Rules = rules }, PacketDirection.ToVm, A, B);
            Assert.Equal(FilterVerdict.Allowed, d.Verdict);
            Assert.Null(d.Rule);
        }

        // ---- host and segment scope, domains -------------------------------------------------------

        [Fact]
        public void Hosts_take_the_scope_of_what_they_run_or_can_run()
        {
            var lab = New();
            lab.Host("host-3", "domain-c1", h => h with { DvsIds = new[] { "dvs-1" }, NetworkIds = lab.Networks.Select(n => n.Id).ToArray(), InMaintenanceMode = true });
            lab.Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11", "pay-db")).Vm("vm-2", "host-3", Scoped(null, Office, null, "mystery"));
            var model = new PciScopeModel(lab.Build(), new ScopeSources());
            var byName = lab.Hosts.ToDictionary(h => h.Id, h => model.HostScope(h));
            Assert.Equal((PciScope.Cde, "runs CDE VM pay-db"), (byName["host-1"].Scope, byName["host-1"].Source));
            Assert.Equal((PciScope.Cde, "can run CDE VM pay-db"), (byName["host-2"].Scope, byName["host-2"].Source));
            // In maintenance mode: no VM can be moved there, so only its own unknown VM counts.
            Assert.Equal(PciScope.Unknown, byName["host-3"].Scope);
            Assert.Contains("mystery", byName["host-3"].Source);
        }

        [Fact]
        public void Segments_take_the_scope_of_their_strictest_vm_and_an_unknown_vm_outranks_out_of_scope_ones()
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("OutOfScope", Office)).Vm("vm-2", "host-1", Scoped(null, Office, null, "mystery"));
            var model = new PciScopeModel(lab.Build(), new ScopeSources());
            var office = model.SegmentScope(model.Segments.OfNetwork(Office));
            Assert.Equal(PciScope.Unknown, office.Scope);
            Assert.Equal("VM mystery of unknown scope attached", office.Source);
            Assert.Equal(PciScope.OutOfScope, model.SegmentScope(model.Segments.OfNetwork(Cde)).Scope);
            Assert.Equal("no VM adapters", model.SegmentScope(model.Segments.OfNetwork(Cde)).Source);
        }

        [Fact]
        public void Shared_domain_lists_equal_the_per_vm_domain()
        {
            var inventory = InventorySnapshot.Read(Lab.SamplePath);
            var domains = new MigrationDomains(inventory);
            foreach (var vm in inventory.Vms)
                Assert.Equal(domains.Domain(vm).Select(h => h.Id).OrderBy(id => id), domains.DomainOf(vm).Select(h => h.Id).OrderBy(id => id));
        }

        // ---- scope map file ------------------------------------------------------------------------

        private static ScopeMapFile Map(string json) => ScopeMapFile.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)), "scope.json");

        [Fact]
        public void A_scope_map_gives_patterns_in_order_and_names()
        {
            var map = Map("{ \"patterns\": [ { \"match\": \"pay-*\", \"scope\": \"cde\" }, { \"match\": \"/DC/vm/Test\", \"scope\": \"out-of-scope\" } ], \"vms\": { \"jump\": \"Connected\" } }");
            Assert.Equal(new[] { "pay-*", "/DC/vm/Test" }, map.Patterns.Select(p => p.Key));
            Assert.Equal(PciScope.OutOfScope, map.Patterns[1].Value);
            Assert.Equal(PciScope.Connected, map.Vms["JUMP"]);
        }

        [Theory]
        [InlineData("{\n  \"vms\": {\n    \"a\": \"secret\"\n  }\n}", "scope.json:3:", "'secret' is not a PCI scope")]
        [InlineData("{\n  \"patterns\": [\n    { \"scope\": \"cde\" }\n  ]\n}", "scope.json:3:", "no 'match'")]
        [InlineData("{\n  \"vm\": {}\n}", "scope.json:2:", "unknown member 'vm'")]
        [InlineData("[]", "scope.json:1:", "a scope map is a JSON object")]
        [InlineData("{ \"vms\": { \"a\": \"cde\" ", "scope.json:1:", "")]
        public void A_bad_scope_map_is_refused_naming_the_line(string json, string where, string problem)
        {
            var ex = Assert.Throws<DataFileException>(() => Map(json));
            Assert.Contains(where, ex.Message);
            Assert.Contains(problem, ex.Message);
        }

        [Fact]
        public async System.Threading.Tasks.Task The_sample_scope_map_resolves_the_unknown_vm_and_matches_its_schema()
        {
            var map = ScopeMapFile.Load(Path.Combine(Lab.ModuleFolder, "samples", "pci-lab.scope.json"));
            var inventory = InventorySnapshot.Read(Lab.SamplePath);
            var scopes = PciScopeClassifier.Classify(inventory, new ScopeSources { Patterns = map.Patterns, Map = map.Vms });
            Assert.Equal(PciScope.OutOfScope, scopes.Single(s => s.Vm == "scratch-ubuntu-01").Scope);
            Assert.Equal(new[] { "old-ftp-01" }, scopes.Where(s => s.Scope == PciScope.Unknown).Select(s => s.Vm));
            var schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(Lab.ModuleFolder, "schemas", "pci-scope-map.schema.json"));
            Assert.Empty(schema.Validate(File.ReadAllText(Path.Combine(Lab.ModuleFolder, "samples", "pci-lab.scope.json"))));
        }

        // ---- matrix ------------------------------------------------------------------------------

        [Fact]
        public void The_matrix_says_what_each_pair_of_classes_shares()
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11", "pay-db"))
                .Vm("vm-2", "host-2", Scoped("OutOfScope", Office, "10.0.20.21", "print"))
                .Vm("vm-3", "host-1", Scoped("Connected", Cde, "10.0.10.5", "jump"));
            var model = new PciScopeModel(lab.Build(), new ScopeSources());
            var matrix = PciSegmentationMatrix.Classes(model).ToDictionary(p => (p.ScopeA, p.ScopeB));
            Assert.Equal(6, matrix.Count);
            var cdeOut = matrix[(PciScope.Cde, PciScope.OutOfScope)];
            Assert.Empty(cdeOut.SharedHosts);
            Assert.Equal(new[] { "esx-1.test", "esx-2.test" }, cdeOut.MigrationHosts);
            Assert.Empty(cdeOut.SharedSegments);
            Assert.Equal(new[] { "shared" }, cdeOut.SharedDatastores);
            Assert.False(cdeOut.Separated);
            var cdeConnected = matrix[(PciScope.Cde, PciScope.Connected)];
            Assert.Equal(new[] { "esx-1.test" }, cdeConnected.SharedHosts);
            Assert.Equal(new[] { "dvpg-cde" }, cdeConnected.SharedSegments);
            Assert.True(matrix[(PciScope.OutOfScope, PciScope.Unknown)].Separated);
            Assert.Equal((1, 0), (matrix[(PciScope.OutOfScope, PciScope.Unknown)].VmsA, matrix[(PciScope.OutOfScope, PciScope.Unknown)].VmsB));
        }

        [Fact]
        public void Detailed_pairs_list_each_pair_of_different_scope_once()
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11", "pay-db"))
                .Vm("vm-2", "host-1", Scoped("OutOfScope", Cde, "10.0.10.50", "test-db"))
                .Vm("vm-3", "host-2", Scoped("CDE", Cde, "10.0.10.12", "pay-db2"));
            var model = new PciScopeModel(lab.Build(), new ScopeSources());
            var pairs = PciSegmentationMatrix.VmPairs(model, null).ToList();
            Assert.Equal(2, pairs.Count);
            var same = pairs.Single(p => p.VmA == "pay-db" || p.VmB == "pay-db");
            Assert.Equal("esx-1.test", same.SharedHost);
            Assert.Equal(new[] { "dvpg-cde" }, same.SharedSegments);
            Assert.Equal(new[] { "shared" }, same.SharedDatastores);
            Assert.Equal(2, same.MigrationHosts.Count);
            var filtered = PciSegmentationMatrix.VmPairs(model, NameFilter.Create(new[] { "pay-db2" })).ToList();
            Assert.Equal("test-db", filtered.Single().VmB);
        }
    }
}
