using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Firewall;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Ports;
using VirtCompliance.Vim.Soap;
using Xunit;
using Inv = VirtCompliance.Inventory.Inventory;

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
                await writer.WriteAsync(dvs, change.PortKey, change.PortConfigVersion, new VirtCompliance.Inventory.TrafficFilter(), CancellationToken.None);
                await writer.WriteAsync(dvs, change.PortKey, change.PortConfigVersion, change.Desired, CancellationToken.None);
                Assert.Equal(2, writer.Attempts);
                var nic = (await Collect(client)).GetVm(change.VmId).Nics.Single(n => n.Key == change.NicKey);
                Assert.Empty(PolicyPlanner.Diff(nic.PortFilter, change.Desired));
            }
        }

        [Fact]
        public void The_port_reconfiguration_request_matches_the_vim25_schema()
        {
            var filter = new VirtCompliance.Inventory.TrafficFilter
            {
                OnFailure = "failClosed",
                Rules = new[]
                {
                    new VirtCompliance.Inventory.TrafficRule { Sequence = 10, Description = "p/a", Direction = "incomingPackets", Action = "allow", Protocol = 6, SourceAddresses = new[] { "10.0.0.0/8" }, DestinationPorts = "8000-8080" },
                    new VirtCompliance.Inventory.TrafficRule { Sequence = 20, Description = "p/b", Direction = "outgoingPackets", Action = "drop", DestinationAddresses = new[] { "10.1.2.3" }, DestinationPorts = "22", Protocol = 17 },
                    new VirtCompliance.Inventory.TrafficRule { Sequence = 60000, Description = "p/default-inbound", Direction = "incomingPackets", Action = "drop" },
                },
            };
            using (var w = PortFilterWriter.Request(new VimRef("VmwareDistributedVirtualSwitch", "dvs-9"), "12", "3", filter))
                Assert.Empty(VimSchema.Validate(w.ToArray()));
            using (var w = PortFilterWriter.Request(new VimRef("VmwareDistributedVirtualSwitch", "dvs-9"), "12", "3", null))
                Assert.Empty(VimSchema.Validate(w.ToArray()));
        }
    }
}
