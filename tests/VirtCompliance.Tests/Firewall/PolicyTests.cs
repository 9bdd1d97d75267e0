using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using Newtonsoft.Json;
using VirtCompliance.Firewall;
using VirtCompliance.Model;
using VirtCompliance.Common;
using Xunit;

namespace VirtCompliance.Tests.Firewall
{
    public class PolicyReaderTests
    {
        private static FirewallPolicy Read(string text, string file = "policy.yaml") => PolicyReader.Parse(new MemoryStream(Encoding.UTF8.GetBytes(text)), file);

        private const string Minimal = "name: p\ngroups:\n  db:\n    name: db-*\nrules:\n  - name: r1\n    from: any\n    to: db\n    protocol: tcp\n    ports: [22, 8000-8080]\n    action: allow\n";

        [Fact]
        public void Yaml_and_json_read_the_same_policy()
        {
            var yaml = Read(Minimal);
            var json = Read("{ \"name\": \"p\", \"groups\": { \"db\": { \"name\": \"db-*\" } }, \"rules\": [ { \"name\": \"r1\", \"from\": \"any\", \"to\": \"db\", \"protocol\": \"tcp\", \"ports\": [22, \"8000-8080\"], \"action\": \"allow\" } ] }", "policy.json");
            foreach (var p in new[] { yaml, json })
            {
                var r = p.Rules.Single();
                Assert.Equal(("any", "db", PolicyProtocol.Tcp, PolicyAction.Allow), (r.From, r.To, r.Protocol, r.Action));
                Assert.Equal(new[] { "22", "8000-8080" }, r.Ports.Select(x => x.ToString()));
                Assert.Equal((FailureMode.Closed, PolicyAction.Drop, PolicyAction.Allow), (p.FailureMode, p.DefaultInbound, p.DefaultOutbound));
            }
        }

        [Theory]
        [InlineData("name: p\nrules:\n  - name: r\n    from: any\n    to: nosuch\n    action: allow\n", 5, "unknown group 'nosuch'")]
        [InlineData("name: p\nbogus: 1\n", 2, "unknown member 'bogus'")]
        [InlineData("name: p\ngroups:\n  g:\n    cidrs: [10.0.0.0/33]\n", 4, "'10.0.0.0/33' is not an address or CIDR block")]
        [InlineData("name: p\ngroups:\n  g:\n    scope: secret\n", 4, "'secret' is not a PCI scope")]
        [InlineData("name: p\nrules:\n  - name: r\n    from: any\n    to: any\n    protocol: icmp\n    ports: [22]\n    action: allow\n", 7, "ports need protocol tcp or udp")]
        [InlineData("name: p\nrules:\n  - name: r\n    from: any\n    to: any\n    protocol: tcp\n    ports: [70000]\n    action: allow\n", 7, "'70000' is not a port")]
        [InlineData("name: p\nrules:\n  - name: r\n    from: any\n    to: any\n    action: maybe\n", 6, "'maybe' is not a valid action")]
        [InlineData("name: p\nrules:\n  - { name: r, from: any, to: any, action: allow }\n  - { name: r, from: any, to: any, action: drop }\n", 4, "a rule named 'r' already exists")]
        [InlineData("name: p\ngroups:\n  any:\n    name: x\n", 3, "'any' is built in")]
        [InlineData("name: p\ngroups:\n  empty: {}\n", 3, "selects nothing")]
        [InlineData("name: p\n  bad: [\n", 2, "")]
        [InlineData("name: p\nhostControls: [esx-9.nosuch]\n", 2, "unknown control id 'esx-9.nosuch'")]
        [InlineData("name: p\nhostControls:\n  - vc.package-installed\n", 3, "needs its package")]
        public void A_bad_policy_is_refused_naming_line_and_value(string text, int line, string problem)
        {
            var ex = Assert.Throws<DataFileException>(() => Read(text));
            Assert.Contains($"policy.yaml:{line}:", ex.Message);
            Assert.Contains(problem, ex.Message);
        }

        [Fact]
        public void A_rule_an_earlier_rule_covers_is_reported_as_never_matching()
        {
            var p = Read("name: p\ngroups:\n  db:\n    name: db-*\nrules:\n" +
                         "  - { name: all-tcp, from: any, to: db, protocol: tcp, action: drop }\n" +
                         "  - { name: ssh, from: any, to: db, protocol: tcp, ports: [22], action: allow }\n" +
                         "  - { name: dns, from: any, to: db, protocol: udp, ports: [53], action: allow }\n");
            var w = Assert.Single(p.Warnings);
            Assert.Contains("rule 'ssh' can never match", w);
            Assert.Contains("'all-tcp'", w);
            Assert.Contains("policy.yaml:7:", w);
        }

        [Fact]
        public async System.Threading.Tasks.Task The_sample_policy_matches_its_schema()
        {
            var yaml = new YamlDotNet.Serialization.DeserializerBuilder().Build()
                .Deserialize<object>(File.ReadAllText(Path.Combine(Lab.ModuleFolder, "samples", "pci-lab.policy.yaml")));
            var json = Newtonsoft.Json.JsonConvert.SerializeObject(yaml);
            // YAML scalars arrive as strings: numbers and booleans are put back as JSON would have them.
            json = System.Text.RegularExpressions.Regex.Replace(json, "\"([0-9]+|true|false)\"", "$1");
            var schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(Lab.ModuleFolder, "schemas", "firewall-policy.schema.json"));
            Assert.Empty(schema.Validate(json));
            Assert.NotEmpty(schema.Validate(json.Replace("\"allow\"", "\"permit\"")));
        }

        [Fact]
        public void A_rule_partly_taken_by_an_earlier_rule_with_the_opposite_action_is_reported()
        {
            var p = Read("name: p\ngroups:\n  db:\n    name: db-*\nrules:\n" +
                         "  - { name: block-low, from: any, to: db, protocol: tcp, ports: [1-1024], action: drop }\n" +
                         "  - { name: web, from: any, to: db, protocol: tcp, ports: [443, 8443], action: allow }\n" +
                         "  - { name: dns, from: any, to: db, protocol: udp, ports: [53], action: allow }\n");
            var w = Assert.Single(p.Warnings);
            Assert.Contains("rule 'web' overlaps rule 'block-low'", w);
            Assert.Contains("is dropped by the earlier one", w);
        }

        [Fact]
        public void The_sample_policy_reads_cleanly()
        {
            var p = PolicyReader.Load(Path.Combine(Lab.ModuleFolder, "samples", "pci-lab.policy.yaml"));
            Assert.Equal("pci-lab-cde", p.Name);
            Assert.Empty(p.Warnings);
            Assert.True(p.Rules.Count >= 4);
        }
    }

    public class PolicyCompilerTests
    {
        private static CompiledPolicy Sample()
        {
            var policy = PolicyReader.Load(Path.Combine(Lab.ModuleFolder, "samples", "pci-lab.policy.yaml"));
            return PolicyCompiler.Compile(policy, InventorySnapshot.Read(Lab.SamplePath));
        }

        [Fact]
        public void Failing_closed_keeps_vms_off_hosts_that_fail_the_policys_host_controls()
        {
            var compiled = Sample();
            Assert.Equal(new[] { "vc.package-installed:acme-ids-sensor", "esx-9.ssh" }, compiled.Policy.HostControls);
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var payments = FailClosedPlanner.CapableHosts(compiled, inv)["domain-c10"];
            // esx-pay-03 is the host without the IDS agent.
            Assert.Equal(new[] { "host-21", "host-22", "host-24" }, payments.capable.OrderBy(h => h));
            Assert.Contains("vc.package-installed:acme-ids-sensor", payments.why["host-23"]);
            var plan = FailClosedPlanner.Plan(compiled, inv).Where(c => c.ClusterId == "domain-c10").ToList();
            Assert.Equal(new[] { "host-21", "host-22", "host-24" }, plan.Single(c => c.Kind == PlacementKind.HostGroup).Members);
            Assert.Equal("vc-fw-pci-lab-cde-keep-on-capable-hosts", plan.Single(c => c.Kind == PlacementKind.Rule).Name);
            Assert.All(plan, c => Assert.Equal(PlacementAction.Add, c.Action));
        }

        [Fact]
        public void Ports_with_the_same_pair_of_filters_share_one_diff_equal_to_the_diff_worked_out_alone()
        {
            var compiled = Sample();
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var desired = compiled.Vms.ToDictionary(v => v.VmId, v => v.Filter);
            var planned = PolicyPlanner.Plan(compiled, inv).Where(c => c.Action == PortChangeAction.Add || c.Action == PortChangeAction.Update).ToList();
            // Filters told apart by identity, as the planner tells them apart (records would compare by value).
            var filters = new List<TrafficFilter?>();
            int Id(TrafficFilter? f)
            {
                var i = filters.FindIndex(x => ReferenceEquals(x, f));
                if (i < 0) filters.Add(f);
                return i < 0 ? filters.Count - 1 : i;
            }
            var byPair = planned.GroupBy(c => (current: Id(inv.GetVm(c.VmId)!.Nics.Single(n => n.Key == c.NicKey).EffectiveFilter(inv)), desired: Id(desired[c.VmId!]))).ToList();
            // The sample has VMs alike on one portgroup: some pair is shared, or this test would test nothing.
            Assert.Contains(byPair, g => g.Count() > 1);
            foreach (var pair in byPair)
            {
                var alone = PolicyPlanner.Diff(filters[pair.Key.current], filters[pair.Key.desired]!);
                Assert.NotEmpty(alone);
                Assert.All(pair, c => Assert.Equal(alone, c.Diff));
                Assert.All(pair, c => Assert.Same(pair.First().Diff, c.Diff));
            }
        }

        [Fact]
        public void Compiling_twice_gives_the_same_rules_byte_for_byte()
        {
            Assert.Equal(JsonConvert.SerializeObject(Sample().Vms), JsonConvert.SerializeObject(Sample().Vms));
        }

        [Fact]
        public void A_database_vm_accepts_sql_from_the_app_tier_and_ssh_from_the_jump_host_only()
        {
            var compiled = Sample();
            var db = compiled.Vms.Single(v => v.Vm == "pay-db-01");
            Assert.Equal(new[] { "cde-db" }, db.Groups);
            Assert.Equal("failClosed", db.Filter.OnFailure);
            Verdict(db, "10.12.0.21", 6, 1433).Should("allow");   // pay-app-01
            Verdict(db, "10.12.0.21", 6, 22).Should("drop");      // app tier: no SSH
            Verdict(db, "10.12.0.5", 6, 22).Should("allow");      // pay-jump-01's CDE-side address
            Verdict(db, "10.40.0.21", 6, 1433).Should("drop");    // print-01
            var last = db.Filter.Rules.Where(r => r.Direction == PortDirection.ToVm).OrderBy(r => r.Sequence).Last();
            Assert.Equal((TrafficAction.Drop, 0), (last.Action, last.SourceAddresses.Count));
            Assert.All(db.Filter.Rules.Where(r => r.Sequence < PolicyCompiler.DefaultSequenceBase),
                r => Assert.True(r.SourceAddresses.Count + r.DestinationAddresses.Count == 1, r.Description));
        }

        [Fact]
        public void Vms_without_a_known_address_are_reported_and_never_widen_a_rule()
        {
            var inv = new Lab().Cluster("domain-c1", "P").Host("host-1", "domain-c1")
                .Vm("vm-1", "host-1", v => v with { Name = "db", Nics = new[] { new VmNic { Key = 4000, NetworkId = "network-1", IpAddresses = new[] { "10.0.0.1" } } } })
                .Vm("vm-2", "host-1", v => v with { Name = "app" })
                .Build();
            var policy = PolicyReader.Parse(new MemoryStream(Encoding.UTF8.GetBytes(
                "name: p\ngroups:\n  db: { vms: [db] }\n  app: { vms: [app] }\nrules:\n  - { name: app-db, from: app, to: db, action: allow }\n")), "p.yaml");
            var compiled = PolicyCompiler.Compile(policy, inv);
            Assert.Contains(compiled.Warnings, w => w.Contains("VM app has no known IP address"));
            Assert.Contains(compiled.Warnings, w => w.Contains("Rule 'app-db' left out (inbound)"));
            var db = compiled.Vms.Single(v => v.Vm == "db");
            Assert.DoesNotContain(db.Filter.Rules, r => r.Description == "p/app-db");
            Assert.All(db.Filter.Rules, r => Assert.StartsWith("p/", r.Description));
        }

        [Theory]
        [InlineData("10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7", "10.0.0.4/30")]
        [InlineData("10.0.0.3 10.0.0.4 10.0.0.5", "10.0.0.3 10.0.0.4/31")]
        [InlineData("10.0.0.1 10.0.0.3", "10.0.0.1 10.0.0.3")]
        [InlineData("10.0.0.255 10.0.1.0", "10.0.0.255 10.0.1.0")]
        [InlineData("192.168.0.9 fd00::1 192.168.0.8", "192.168.0.8/31 fd00::1")]
        public void Addresses_collapse_into_exact_blocks(string input, string expected)
        {
            var collapsed = PolicyCompiler.Collapse(input.Split(' ').Select(IPAddress.Parse)).ToArray();
            Assert.Equal(expected.Split(' '), collapsed);
        }

        [Fact]
        public void Collapsed_blocks_hold_exactly_the_addresses_given()
        {
            var rng = new Random(7);
            for (int round = 0; round < 50; round++)
            {
                var set = Enumerable.Range(0, rng.Next(1, 60)).Select(_ => (uint)(0x0A000000 + rng.Next(0, 300))).Distinct().ToHashSet();
                var blocks = PolicyCompiler.Collapse(set.Select(x => new IPAddress(new[] { (byte)(x >> 24), (byte)(x >> 16), (byte)(x >> 8), (byte)x })))
                    .Select(t => { Assert.True(IpNetwork.TryParse(t, out var n)); return n; }).ToArray();
                for (uint x = 0x0A000000; x < 0x0A000000 + 300; x++)
                {
                    var address = new IPAddress(new[] { (byte)(x >> 24), (byte)(x >> 16), (byte)(x >> 8), (byte)x });
                    Assert.Equal(set.Contains(x), blocks.Any(b => b.Contains(address)));
                }
            }
        }

        private static (VmRuleset vm, string src, int proto, int port) Verdict(VmRuleset vm, string src, int proto, int port) => (vm, src, proto, port);
    }

    internal static class VerdictExtensions
    {
        public static void Should(this (VmRuleset vm, string src, int proto, int port) v, string action)
        {
            var rule = TrafficFilterEvaluator.Match(v.vm.Filter, PacketDirection.ToVm, IPAddress.Parse(v.src), null, v.proto, v.port);
            Assert.True(rule != null && rule.Action.ToString().ToLowerInvariant() == action, $"{v.src} → {v.vm.Vm} {v.proto}/{v.port}: expected {action}, rule {rule?.Sequence} {rule?.Description} {rule?.Action}");
        }
    }
}

namespace VirtCompliance.Tests.Firewall
{
    public class FirewallStatusTests
    {
        /// <summary>The sample with every protected port already carrying the compiled filter, as if the policy had been applied.</summary>
        private static (CompiledPolicy compiled, VirtCompliance.Model.Inventory inventory) Enforced(FailureMode mode)
        {
            var policy = PolicyReader.Load(Path.Combine(Lab.ModuleFolder, "samples", "pci-lab.policy.yaml"));
            policy.FailureMode = mode;
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var compiled = PolicyCompiler.Compile(policy, inv);
            var filters = compiled.Vms.ToDictionary(v => v.VmId, v => v.Filter);
            var vms = inv.Vms.Select(v => filters.TryGetValue(v.Id, out var f) ? v with { Nics = v.Nics.Select(n => n.PortKey == null ? n : n with { PortFilter = f }).ToArray() } : v);
            var applied = new VirtCompliance.Model.Inventory(inv.Source, inv.CollectedAt, inv.Collector, inv.Datacenters, inv.Clusters, inv.Hosts, inv.Networks, inv.DistributedSwitches, inv.Datastores, vms);
            return (PolicyCompiler.Compile(policy, applied), applied);
        }

        [Fact]
        public void Failing_closed_a_vm_on_a_host_that_fails_the_host_controls_is_outside_the_capable_hosts()
        {
            var (compiled, inv) = Enforced(FailureMode.Closed);
            var statuses = FirewallStatus.Check(compiled, inv);
            // pay-batch-01 runs on esx-pay-03, the host without the IDS agent.
            var batch = statuses.Single(s => s.Vm == "pay-batch-01");
            Assert.Equal(EnforcementStatus.OutsideCapableHosts, batch.Status);
            Assert.Contains("esx-pay-03", batch.Message);
            Assert.Contains("acme-ids-sensor", batch.Message);
            Assert.Equal(EnforcementStatus.Enforced, statuses.Single(s => s.Vm == "pay-db-01").Status);
        }

        [Fact]
        public void A_port_written_by_release_0_1_with_inverted_directions_is_recognised_and_rewritten()
        {
            var (compiled, inv) = Enforced(FailureMode.Closed);
            var db = inv.Vms.Single(v => v.Name == "pay-db-01");
            var desired = compiled.Vms.Single(v => v.VmId == db.Id).Filter;
            // What 0.1 wrote: the same rules with incomingPackets for traffic to the VM.
            var old = desired with { Rules = desired.Rules.Select(r => r with { Direction = PortDirection.Inverted(r.Direction) }).ToArray() };
            var vms = inv.Vms.Select(v => v.Id == db.Id ? v with { Nics = v.Nics.Select(n => n with { PortFilter = old }).ToArray() } : v);
            var written = new VirtCompliance.Model.Inventory(inv.Source, inv.CollectedAt, inv.Collector, inv.Datacenters, inv.Clusters, inv.Hosts, inv.Networks, inv.DistributedSwitches, inv.Datastores, vms);
            var change = PolicyPlanner.Plan(PolicyCompiler.Compile(compiled.Policy, written), written).Single(c => c.VmId == db.Id);
            Assert.Equal(PortChangeAction.Update, change.Action);
            Assert.Contains("0.1", change.Message);
            Assert.Contains(change.Diff, l => l.StartsWith("+ ", StringComparison.Ordinal) && l.Contains("to-VM"));
            Assert.Equal(EnforcementStatus.Different, FirewallStatus.Check(PolicyCompiler.Compile(compiled.Policy, written), written).Single(s => s.VmId == db.Id).Status);
            // A port that is merely different is not called a 0.1 port.
            Assert.False(PolicyPlanner.WrittenInverted(desired with { Rules = desired.Rules.Take(1).ToArray() }, desired));
            Assert.False(PolicyPlanner.WrittenInverted(desired, desired));
        }

        [Fact]
        public void Compiled_rules_for_traffic_to_the_vm_are_outgoing_packets_naming_the_peer_as_source()
        {
            var (compiled, inv) = Enforced(FailureMode.Closed);
            var db = compiled.Vms.Single(v => v.Vm == "pay-db-01").Filter;
            var sql = db.Rules.First(r => r.DestinationPorts == "1433");
            Assert.Equal(TrafficDirection.OutgoingPackets, sql.Direction);
            Assert.Single(sql.SourceAddresses);
            Assert.Empty(sql.DestinationAddresses);
            var defaults = db.Rules.Where(r => r.Sequence >= PolicyCompiler.DefaultSequenceBase).ToArray();
            Assert.Equal((TrafficDirection.OutgoingPackets, TrafficAction.Drop), (defaults[0].Direction, defaults[0].Action));   // inbound: drop
            Assert.Equal((TrafficDirection.IncomingPackets, TrafficAction.Allow), (defaults[1].Direction, defaults[1].Action));  // outbound: allow
        }

        [Fact]
        public void Failing_open_a_vm_that_can_reach_an_incapable_host_is_exposed()
        {
            var (compiled, inv) = Enforced(FailureMode.Open);
            var statuses = FirewallStatus.Check(compiled, inv);
            var app = statuses.Single(s => s.Vm == "pay-app-01");
            Assert.Equal(EnforcementStatus.FailOpenExposure, app.Status);
            Assert.Contains("esx-pay-03", app.Message);
            Assert.Contains("10.7.2", app.PciDss);
            // The databases are pinned to esx-pay-01/02 by a mandatory rule: they cannot reach esx-pay-03.
            Assert.Equal(EnforcementStatus.Enforced, statuses.Single(s => s.Vm == "pay-db-01").Status);
        }
    }
}
