using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Firewall;
using VirtCompliance.Model;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Ports;
using VirtCompliance.Vim.Soap;
using Xunit;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>Per-VM firewall policy written to the simulator's distributed ports and read back.</summary>
    [Collection("vcsim")]
    public class FirewallApplyTests
    {
        private const string PolicyText = "name: lab-fw\nfailureMode: closed\ngroups:\n  app: { name: 'DC0_C0*' }\n  admin: { cidrs: [10.1.0.0/16, 192.168.5.9] }\n" +
                                          "rules:\n  - { name: admin-ssh, from: admin, to: app, protocol: tcp, ports: [22, 8000-8080], action: allow }\n";

        private static FirewallPolicy Policy() => PolicyReader.Parse(new MemoryStream(Encoding.UTF8.GetBytes(PolicyText)), "lab-fw.yaml");

        private static async Task<Inv> Collect(VimClient client) => await new InventoryCollector(client) { ReadSoftware = false, ReadTags = false }.CollectAsync(null, CancellationToken.None);

        private static async Task<int> Apply(VimClient client, Inv inv, IReadOnlyList<VmFirewallPolicyChange> plan)
        {
            var writer = new PortFilterWriter(client);
            var written = 0;
            foreach (var change in plan.Where(c => c.Action == PortChangeAction.Add || c.Action == PortChangeAction.Update || c.Action == PortChangeAction.Remove))
            {
                var dvs = new VimRef(change.SwitchType, change.SwitchId);
                await writer.WriteAsync(dvs, change.PortKey, change.PortConfigVersion, change.Desired, CancellationToken.None);
                written++;
            }
            return written;
        }

        [Fact]
        public async Task A_policy_applied_to_the_ports_reads_back_the_same_and_a_second_run_changes_nothing()
        {
            using (var sim = new VcsimServer())
            using (var client = await VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None))
            {
                var inv = await Collect(client);
                Assert.All(inv.Vms.SelectMany(v => v.Nics).Where(n => n.DvsId != null), n => Assert.NotNull(n.PortConfigVersion));
                var compiled = PolicyCompiler.Compile(Policy(), inv);
                Assert.NotEmpty(compiled.Vms);
                var plan = PolicyPlanner.Plan(compiled, inv);
                Assert.Contains(plan, c => c.Action == PortChangeAction.Add);
                Assert.Equal(plan.Count(c => c.Action == PortChangeAction.Add), await Apply(client, inv, plan));

                var after = await Collect(client);
                foreach (var vm in compiled.Vms)
                    foreach (var nic in after.GetVm(vm.VmId).Nics.Where(n => n.DvsId != null))
                    {
                        Assert.NotNull(nic.PortFilter);
                        Assert.Equal("failClosed", nic.PortFilter.OnFailure);
                        Assert.Empty(PolicyPlanner.Diff(nic.PortFilter, vm.Filter));
                    }
                var second = PolicyPlanner.Plan(PolicyCompiler.Compile(Policy(), after), after);
                Assert.All(second, c => Assert.True(c.Action == PortChangeAction.NoChange || c.Action == PortChangeAction.Unenforceable, $"{c.Vm} {c.PortKey}: {c.Action} {string.Join(" | ", c.Diff)}"));

                // The filter is on the port, so it follows the VM to another host.
                var moved = compiled.Vms.Select(v => after.GetVm(v.VmId)).First(v => after.GetHost(v.HostId)?.ClusterId != null);
                var target = after.HostsInCluster(after.GetHost(moved.HostId).ClusterId).First(h => h.Id != moved.HostId && !h.InMaintenanceMode);
                using (var w = new SoapWriter("MigrateVM_Task", new VimRef("VirtualMachine", moved.Id)).Ref("host", new VimRef("HostSystem", target.Id)).Text("priority", "defaultPriority"))
                    await client.InvokeTaskAsync(w, TimeSpan.FromMinutes(1), CancellationToken.None);
                var afterMove = await Collect(client);
                Assert.Equal(target.Id, afterMove.GetVm(moved.Id).HostId);
                Assert.All(PolicyPlanner.Plan(PolicyCompiler.Compile(Policy(), afterMove), afterMove).Where(c => c.VmId == moved.Id),
                    c => Assert.Equal(PortChangeAction.NoChange, c.Action));
            }
        }

        [Fact]
        public async Task Pyvmomi_reads_the_written_ports_as_the_policy_says_and_a_vm_moved_to_a_standard_portgroup_is_unenforceable()
        {
            using (var sim = new VcsimServer())
            using (var client = await VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None))
            {
                var inv = await Collect(client);
                var compiled = PolicyCompiler.Compile(Policy(), inv);
                await Apply(client, inv, PolicyPlanner.Plan(compiled, inv));
                var ports = Newtonsoft.Json.Linq.JArray.Parse(VcsimIntegrationTests.Python("ports.py", sim));
                var expected = compiled.Vms.SelectMany(v => inv.GetVm(v.VmId).Nics.Where(n => n.PortKey != null).Select(n => (v, n))).ToList();
                Assert.Equal(expected.Count, ports.Count);
                foreach (var (vm, nic) in expected)
                {
                    var port = ports.Single(p => (string)p["key"] == nic.PortKey && (string)p["switch"] == nic.DvsId);
                    Assert.Equal(vm.VmId, (string)port["vm"]);
                    Assert.Equal("failClosed", (string)port["onFailure"]);
                    var read = port["rules"].Select(r => $"{r["sequence"]} {r["direction"]} {r["action"]} {r["protocol"]} {r["source"]} {r["destination"]} {r["ports"]} {r["description"]}");
                    var want = vm.Filter.Rules.OrderBy(r => r.Sequence).Select(r => $"{r.Sequence} {Camel(r.Direction.ToString())} {Camel(r.Action.ToString())} {r.Protocol} {r.SourceAddresses.FirstOrDefault()} {r.DestinationAddresses.FirstOrDefault()} {r.DestinationPorts} {r.Description}");
                    Assert.Equal(want, read);
                }

                // The ports as pyVmomi read them, judged packet by packet by an evaluator of this test's own
                // (SwitchPortFilter below), which knows only VMware's meaning of a rule's direction.
                var (first, firstNic) = expected[0];
                var portOfFirst = ports.Single(p => (string)p["key"] == firstNic.PortKey && (string)p["switch"] == firstNic.DvsId);
                var self = firstNic.IpAddresses.FirstOrDefault() ?? "10.200.0.10";
                var toVm = SwitchPortFilter.IntoSwitch(sentByVm: false);
                var fromVm = SwitchPortFilter.IntoSwitch(sentByVm: true);
                Assert.Equal("allow", SwitchPortFilter.Verdict(portOfFirst, toVm, "10.1.2.3", self, 6, 22));      // admin-ssh
                Assert.Equal("allow", SwitchPortFilter.Verdict(portOfFirst, toVm, "192.168.5.9", self, 6, 8080));
                Assert.Equal("drop", SwitchPortFilter.Verdict(portOfFirst, toVm, "10.2.0.1", self, 6, 22));       // not admin: default inbound
                Assert.Equal("drop", SwitchPortFilter.Verdict(portOfFirst, toVm, "10.1.2.3", self, 6, 443));      // admin, but not that port
                Assert.Equal("allow", SwitchPortFilter.Verdict(portOfFirst, fromVm, self, "10.2.0.1", 6, 443));   // default outbound
                Assert.Equal("allow", SwitchPortFilter.Verdict(portOfFirst, fromVm, self, "10.1.2.3", 6, 22));

                // Someone reconnects a protected VM to a standard portgroup: no switch filters it there any more.
                var victim = inv.GetVm(compiled.Vms[0].VmId);
                VcsimIntegrationTests.Python("ports.py", sim, "--to-standard", victim.Name, "VM Network");
                var after = await Collect(client);
                var status = PolicyPlanner.Plan(PolicyCompiler.Compile(Policy(), after), after).Where(c => c.VmId == victim.Id).Select(VmFirewallPolicyStatus.From).ToList();
                Assert.Contains(status, s => s.Status == EnforcementStatus.Unenforceable && s.Message.Contains("VM Network"));
            }
        }

        [Fact]
        public async Task A_port_edited_between_read_and_write_is_read_again_and_written()
        {
            using (var sim = new VcsimServer())
            using (var client = await VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None))
            {
                var inv = await Collect(client);
                var change = PolicyPlanner.Plan(PolicyCompiler.Compile(Policy(), inv), inv).First(c => c.Action == PortChangeAction.Add);
                var dvs = new VimRef(change.SwitchType, change.SwitchId);
                var writer = new PortFilterWriter(client);
                // Someone else edits the port after it was read: its configVersion moves on.
                await writer.WriteAsync(dvs, change.PortKey, change.PortConfigVersion, new VirtCompliance.Model.TrafficFilter(), CancellationToken.None);
                await writer.WriteAsync(dvs, change.PortKey, change.PortConfigVersion, change.Desired, CancellationToken.None);
                Assert.Equal(2, writer.Attempts);
                var nic = (await Collect(client)).GetVm(change.VmId).Nics.Single(n => n.Key == change.NicKey);
                Assert.Empty(PolicyPlanner.Diff(nic.PortFilter, change.Desired));
            }
        }

        [Fact]
        public async Task Fail_closed_placement_is_created_once_and_follows_hosts_that_change()
        {
            using (var sim = new VcsimServer())
            using (var client = await VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None))
            {
                var writer = new ClusterPlacementWriter(client);
                async Task<IReadOnlyList<ClusterPlacementChange>> PlanNow()
                {
                    var inv = await Collect(client);
                    return FailClosedPlanner.Plan(PolicyCompiler.Compile(Policy(), inv), inv);
                }
                var first = await PlanNow();
                Assert.Equal(new[] { PlacementAction.Add, PlacementAction.Add, PlacementAction.Add }, first.Select(c => c.Action));
                foreach (var cluster in first.GroupBy(c => c.ClusterId)) await writer.ApplyAsync(cluster.Key, cluster.ToList(), CancellationToken.None);
                var second = await PlanNow();
                Assert.All(second, c => Assert.Equal(PlacementAction.NoChange, c.Action));

                // A capable host goes into maintenance: it leaves the host group on the next run, and nothing else changes.
                var hostGroup = second.Single(c => c.Kind == PlacementKind.HostGroup);
                using (var enter = new SoapWriter("EnterMaintenanceMode_Task", new VimRef("HostSystem", hostGroup.Members.Last())).Int("timeout", 0))
                    await client.InvokeTaskAsync(enter, TimeSpan.FromMinutes(1), CancellationToken.None);
                var third = await PlanNow();
                Assert.Equal(PlacementAction.Update, third.Single(c => c.Kind == PlacementKind.HostGroup).Action);
                Assert.DoesNotContain(hostGroup.Members.Last(), third.Single(c => c.Kind == PlacementKind.HostGroup).Members);
                Assert.All(third.Where(c => c.Kind != PlacementKind.HostGroup), c => Assert.Equal(PlacementAction.NoChange, c.Action));
                foreach (var cluster in third.GroupBy(c => c.ClusterId)) await writer.ApplyAsync(cluster.Key, cluster.ToList(), CancellationToken.None);
                Assert.All(await PlanNow(), c => Assert.Equal(PlacementAction.NoChange, c.Action));
            }
        }

        [Fact]
        public void A_port_that_refuses_the_change_is_one_error_for_its_VM_and_the_other_ports_are_written()
        {
            const string faulty = "DC0_C0_RP0_VM0";
            using (var sim = new VcsimServer("-fault-dvport-vm", faulty))
            using (var temp = new VirtCompliance.Tests.TempFolder())
            {
                var policyPath = Path.Combine(temp.Path, "lab-fw.yaml");
                File.WriteAllText(policyPath, PolicyText);
                var password = new System.Security.SecureString();
                foreach (var ch in sim.Password) password.AppendChar(ch);
                var credential = new System.Management.Automation.PSCredential(sim.User, password);
                const string connect = "$null = Connect-VirtServer -Server $url -Credential $cred -SkipCertificateCheck; ";
                var (output, errors) = VirtCompliance.Tests.Cmdlets.CmdletTests.Run(
                    connect + "Invoke-VmFirewallPolicy -Policy $policy -FailureMode Open -Confirm:$false -WarningAction SilentlyContinue",
                    ("url", sim.Url.ToString()), ("cred", credential), ("policy", policyPath));
                var changes = output.OfType<VmFirewallPolicyChange>().Where(c => c.Action != PortChangeAction.Unenforceable).ToList();

                // One error, for the VM whose port refused, saying it was not changed.
                var error = Assert.Single(errors);
                Assert.StartsWith("FirewallApplyFailed", error.FullyQualifiedErrorId);
                Assert.Equal(faulty, error.TargetObject);
                Assert.Contains("was not changed", error.ErrorDetails.Message);
                // The output says exactly which ports changed: the faulty VM's did not, every other did.
                Assert.Contains(changes, c => c.Vm == faulty);
                Assert.All(changes.Where(c => c.Vm == faulty), c => Assert.False(c.Applied));
                Assert.All(changes.Where(c => c.Vm == faulty), c => Assert.StartsWith("not changed:", c.Message));
                Assert.Contains(changes, c => c.Vm != faulty);
                Assert.All(changes.Where(c => c.Vm != faulty), c => Assert.True(c.Applied, $"{c.Vm} {c.PortKey}"));

                // The server agrees: a second plan has only the faulty VM's ports left to write.
                var (again, _) = VirtCompliance.Tests.Cmdlets.CmdletTests.Run(
                    connect + "Invoke-VmFirewallPolicy -Policy $policy -FailureMode Open -WhatIf -PassThru -WarningAction SilentlyContinue",
                    ("url", sim.Url.ToString()), ("cred", credential), ("policy", policyPath));
                var pending = again.OfType<VmFirewallPolicyChange>().Where(c => c.Action == PortChangeAction.Add || c.Action == PortChangeAction.Update).ToList();
                Assert.NotEmpty(pending);
                Assert.All(pending, c => Assert.Equal(faulty, c.Vm));
                Assert.All(again.OfType<VmFirewallPolicyChange>().Where(c => c.Vm != faulty && c.Action != PortChangeAction.Unenforceable),
                    c => Assert.Equal(PortChangeAction.NoChange, c.Action));
            }
        }

        [Fact]
        public void The_placement_request_matches_the_vim25_schema()
        {
            var changes = new[]
            {
                new ClusterPlacementChange { Kind = PlacementKind.Rule, Name = "vc-fw-p-keep", Action = PlacementAction.Update, RuleKey = 7, Members = new[] { "vc-fw-p-vms", "vc-fw-p-hosts" } },
                new ClusterPlacementChange { Kind = PlacementKind.VmGroup, Name = "vc-fw-p-vms", Action = PlacementAction.Add, Members = new[] { "vm-1", "vm-2" } },
                new ClusterPlacementChange { Kind = PlacementKind.HostGroup, Name = "vc-fw-p-hosts", Action = PlacementAction.Update, Members = new[] { "host-1" } },
            };
            using (var w = ClusterPlacementWriter.Request("domain-c7", changes))
                Assert.Empty(VimSchema.Validate(w.ToArray()));
        }

        [Fact]
        public void The_port_reconfiguration_request_matches_the_vim25_schema()
        {
            var filter = new VirtCompliance.Model.TrafficFilter
            {
                OnFailure = "failClosed",
                Rules = new[]
                {
                    new VirtCompliance.Model.TrafficRule { Sequence = 10, Description = "p/a", Direction = TrafficDirection.IncomingPackets, Action = TrafficAction.Allow, Protocol = 6, SourceAddresses = new[] { "10.0.0.0/8" }, DestinationPorts = "8000-8080" },
                    new VirtCompliance.Model.TrafficRule { Sequence = 20, Description = "p/b", Direction = TrafficDirection.OutgoingPackets, Action = TrafficAction.Drop, DestinationAddresses = new[] { "10.1.2.3" }, DestinationPorts = "22", Protocol = 17 },
                    new VirtCompliance.Model.TrafficRule { Sequence = 60000, Description = "p/default-inbound", Direction = TrafficDirection.IncomingPackets, Action = TrafficAction.Drop },
                },
            };
            using (var w = PortFilterWriter.Request(new VimRef("VmwareDistributedVirtualSwitch", "dvs-9"), "12", "3", filter))
                Assert.Empty(VimSchema.Validate(w.ToArray()));
            using (var w = PortFilterWriter.Request(new VimRef("VmwareDistributedVirtualSwitch", "dvs-9"), "12", "3", null))
                Assert.Empty(VimSchema.Validate(w.ToArray()));
        }

        private static string Camel(string pascal) => char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
    }

    /// <summary>
    /// A distributed port's traffic filter as the switch applies it, written apart from the module's
    /// compiler and evaluator, from VMware's words only: rules sit "on the data path between the virtual
    /// machine network adapter and distributed port", and direction is "according to the traffic direction
    /// in the switch" (vSphere Networking guide), so incomingPackets is a packet entering the switch from
    /// the VM and outgoingPackets one leaving the switch towards it; the IP qualifier matches the packet's
    /// own source and destination; the first rule in sequence that matches decides; no match passes.
    /// </summary>
    internal static class SwitchPortFilter
    {
        /// <summary>The vSphere direction of a packet on a VM's port: into the switch when the VM sends it.</summary>
        public static string IntoSwitch(bool sentByVm) => sentByVm ? "incomingPackets" : "outgoingPackets";

        public static string Verdict(Newtonsoft.Json.Linq.JToken port, string direction, string source, string destination, int protocol, int destinationPort)
        {
            foreach (var rule in port["rules"].OrderBy(r => (int)r["sequence"]))
            {
                var d = (string)rule["direction"];
                if (d != "both" && d != direction) continue;
                if (rule["protocol"].Type != Newtonsoft.Json.Linq.JTokenType.Null && (int)rule["protocol"] != protocol) continue;
                if (!Within((string)rule["source"], source) || !Within((string)rule["destination"], destination)) continue;
                var ports = (string)rule["ports"];
                if (ports != null)
                {
                    var range = ports.Split('-');
                    var low = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
                    var high = int.Parse(range[range.Length - 1], System.Globalization.CultureInfo.InvariantCulture);
                    if (destinationPort < low || destinationPort > high) continue;
                }
                return (string)rule["action"];
            }
            return "allow";
        }

        private static bool Within(string block, string address)
        {
            if (block == null) return true;
            var parts = block.Split('/');
            var bits = parts.Length == 2 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 32;
            uint Value(string ip) => System.Net.IPAddress.Parse(ip).GetAddressBytes().Aggregate(0u, (acc, b) => (acc << 8) | b);
            var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
            return (Value(parts[0]) & mask) == (Value(address) & mask);
        }
    }
}
