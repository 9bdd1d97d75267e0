using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using VirtCompliance.Firewall;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Ports;
using VirtCompliance.Vim.Soap;
using Xunit;
using PS = System.Management.Automation.PowerShell;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>Remove-VmFirewallPolicy against the simulator: exactly the policy's filters come off, every other filter stays.</summary>
    [Collection("vcsim")]
    public class FirewallRemoveTests
    {
        private const string PolicyText = "name: lab-fw\nfailureMode: open\ngroups:\n  app: { name: 'DC0_C0*' }\n  admin: { cidrs: [10.1.0.0/16] }\n" +
                                          "rules:\n  - { name: admin-ssh, from: admin, to: app, protocol: tcp, ports: [22], action: allow }\n";

        private const string Connect = "$null = Connect-VirtServer -Server $url -Credential $cred -SkipCertificateCheck; ";

        /// <summary>A script in a fresh runspace with the module, connected to the simulator: output, warnings, errors, and the exception that stopped it (if any).</summary>
        private static (object[] output, string[] warnings, ErrorRecord[] errors, Exception stopped) Run(VcsimServer sim, string policyPath, string script)
        {
            var password = new System.Security.SecureString();
            foreach (var ch in sim.Password) password.AppendChar(ch);
            using var ps = PS.Create(VirtCompliance.Tests.Cmdlets.CmdletTests.ModuleState());
            ps.Runspace.SessionStateProxy.SetVariable("url", sim.Url.ToString());
            ps.Runspace.SessionStateProxy.SetVariable("cred", new PSCredential(sim.User, password));
            ps.Runspace.SessionStateProxy.SetVariable("policy", policyPath);
            ps.AddScript(Connect + script);
            object[] output = Array.Empty<object>();
            Exception stopped = null;
            try { output = ps.Invoke().Select(o => o?.BaseObject).ToArray(); }
            catch (RuntimeException ex) { stopped = ex; }
            return (output, ps.Streams.Warning.Select(w => w.Message).ToArray(), ps.Streams.Error.ToArray(), stopped);
        }

        private static JArray Ports(VcsimServer sim) => JArray.Parse(VcsimIntegrationTests.Python("ports.py", sim));

        /// <summary>The port of the VM (by name), as pyVmomi reads it; null when it carries no filter policy of its own.</summary>
        private static JToken PortOf(JArray ports, string vmId) => ports.SingleOrDefault(p => (string)p["vm"] == vmId);

        private static IEnumerable<string> Descriptions(JToken filter) => filter["rules"].Select(r => (string)r["description"]);

        private static async Task<VirtCompliance.Model.Inventory> Collect(VimClient client) =>
            await new InventoryCollector(client) { ReadSoftware = false, ReadTags = false, ReadEsxCli = false }.CollectAsync(null, CancellationToken.None);

        [Fact]
        public async Task Remove_takes_the_policy_off_exactly_its_ports_and_leaves_every_other_filter_as_it_was()
        {
            using (var sim = new VcsimServer())
            using (var temp = new TempFolder())
            using (var client = await VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None))
            {
                var policy = Path.Combine(temp.Path, "lab-fw.yaml");
                File.WriteAllText(policy, PolicyText);
                var inv = await Collect(client);
                string Id(string name) => inv.Vms.Single(v => v.Name == name).Id;

                var (applied, _, applyErrors, _) = Run(sim, policy, "Invoke-VmFirewallPolicy -Policy $policy -Confirm:$false -WarningAction SilentlyContinue");
                Assert.Empty(applyErrors);
                Assert.Equal(new[] { "DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1" }, applied.OfType<VmFirewallPolicyChange>().Where(c => c.Applied).Select(c => c.Vm).OrderBy(v => v));

                // Other tools' filters, written with pyVmomi: one beside the policy's on a protected port, one of
                // its own on an unprotected VM, and one that mixes a rule named like the policy's with someone else's.
                VcsimIntegrationTests.Python("ports.py", sim, "--add-filter", "DC0_C0_RP0_VM0", "ids/mirror");
                VcsimIntegrationTests.Python("ports.py", sim, "--set-filter", "DC0_H0_VM0", "other/allow-dns");
                VcsimIntegrationTests.Python("ports.py", sim, "--set-filter", "DC0_H0_VM1", "lab-fw/admin-ssh", "other/allow-dns");
                var before = Ports(sim);
                Assert.Equal(2, PortOf(before, Id("DC0_C0_RP0_VM0"))["filters"].Count());

                // -WhatIf: every port the policy owns, with the rules that would come off; nothing changes.
                var (plan, planWarnings, planErrors, _) = Run(sim, policy, "Remove-VmFirewallPolicy -Policy $policy -WhatIf");
                Assert.Empty(planErrors);
                var planned = plan.OfType<VmFirewallPolicyChange>().ToList();
                Assert.Equal(new[] { "DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1" }, planned.Select(c => c.Vm).OrderBy(v => v));
                Assert.All(planned, c => Assert.Equal(PortChangeAction.Remove, c.Action));
                Assert.All(planned, c => Assert.False(c.Applied));
                Assert.All(planned, c => Assert.All(c.Diff, line => Assert.Contains("[lab-fw/", line)));
                Assert.Contains(planWarnings, w => w.Contains("DC0_H0_VM1") && w.Contains("left as it is"));
                Assert.Equal(before.ToString(), Ports(sim).ToString());

                var (removed, _, errors, stopped) = Run(sim, policy, "Remove-VmFirewallPolicy -Policy $policy -Confirm:$false -WarningAction SilentlyContinue");
                Assert.Null(stopped);
                Assert.Empty(errors);
                var changes = removed.OfType<VmFirewallPolicyChange>().ToList();
                Assert.Equal(2, changes.Count);
                Assert.All(changes, c => Assert.True(c.Applied, $"{c.Vm}: {c.Message}"));
                var kept = Assert.Single(changes.Single(c => c.Vm == "DC0_C0_RP0_VM0").KeptFilters);
                Assert.Empty(changes.Single(c => c.Vm == "DC0_C0_RP0_VM1").KeptFilters);

                // pyVmomi reads the ports: the policy's filters are gone, every other filter is as it was.
                var after = Ports(sim);
                Assert.DoesNotContain(after.SelectMany(p => p["filters"]), f => f["rules"].Any() && Descriptions(f).All(d => d.StartsWith("lab-fw/", StringComparison.Ordinal)));
                var beside = Assert.Single(PortOf(after, Id("DC0_C0_RP0_VM0"))["filters"]);
                Assert.Equal(new[] { "ids/mirror" }, Descriptions(beside));
                Assert.StartsWith((string)beside["key"] + " ", kept);
                Assert.Equal(PortOf(before, Id("DC0_C0_RP0_VM0"))["filters"].Single(f => Descriptions(f).SequenceEqual(new[] { "ids/mirror" })).ToString(), beside.ToString());
                Assert.Empty(PortOf(after, Id("DC0_C0_RP0_VM1"))["filters"]);
                foreach (var other in new[] { "DC0_H0_VM0", "DC0_H0_VM1" })
                    Assert.Equal(PortOf(before, Id(other)).ToString(), PortOf(after, Id(other)).ToString());

                // The module agrees: a second removal finds nothing, and the protected VMs no longer enforce the policy.
                var (again, _, againErrors, _) = Run(sim, policy, "Remove-VmFirewallPolicy -Policy $policy -Confirm:$false -WarningAction SilentlyContinue");
                Assert.Empty(again);
                Assert.Empty(againErrors);
                var (statuses, _, _, _) = Run(sim, policy, "Test-VmFirewallPolicy -Policy $policy -WarningAction SilentlyContinue");
                var byVm = statuses.OfType<VmFirewallPolicyStatus>().ToDictionary(s => s.Vm);
                Assert.Equal(EnforcementStatus.Missing, byVm["DC0_C0_RP0_VM1"].Status);
                Assert.Equal(EnforcementStatus.Different, byVm["DC0_C0_RP0_VM0"].Status); // the other tool's filter is the port's own now
            }
        }

        [Fact]
        public async Task Invoke_takes_its_filter_off_a_VM_it_no_longer_protects_and_leaves_the_other_filters()
        {
            using (var sim = new VcsimServer())
            using (var temp = new TempFolder())
            using (var client = await VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None))
            {
                var policy = Path.Combine(temp.Path, "lab-fw.yaml");
                File.WriteAllText(policy, PolicyText);
                Assert.Empty(Run(sim, policy, "Invoke-VmFirewallPolicy -Policy $policy -Confirm:$false -WarningAction SilentlyContinue").errors);
                VcsimIntegrationTests.Python("ports.py", sim, "--add-filter", "DC0_C0_RP0_VM1", "ids/mirror");

                // The policy now protects VM0 only: VM1's port loses the policy's filter and keeps the other one.
                File.WriteAllText(policy, PolicyText.Replace("'DC0_C0*'", "'DC0_C0_RP0_VM0'"));
                var (output, _, errors, _) = Run(sim, policy, "Invoke-VmFirewallPolicy -Policy $policy -Confirm:$false -WarningAction SilentlyContinue");
                Assert.Empty(errors);
                var removed = Assert.Single(output.OfType<VmFirewallPolicyChange>(), c => c.Action == PortChangeAction.Remove);
                Assert.Equal("DC0_C0_RP0_VM1", removed.Vm);
                Assert.True(removed.Applied);
                Assert.Single(removed.KeptFilters);
                var nic = (await Collect(client)).Vms.Single(v => v.Name == "DC0_C0_RP0_VM1").Nics.Single();
                Assert.Equal(new[] { "ids/mirror" }, nic.PortFilter.Rules.Select(r => r.Description));
            }
        }

        [Fact]
        public void Without_confirm_false_the_removal_asks_and_a_host_that_cannot_ask_changes_nothing()
        {
            using (var sim = new VcsimServer())
            using (var temp = new TempFolder())
            {
                var policy = Path.Combine(temp.Path, "lab-fw.yaml");
                File.WriteAllText(policy, PolicyText);
                Assert.Empty(Run(sim, policy, "Invoke-VmFirewallPolicy -Policy $policy -Confirm:$false -WarningAction SilentlyContinue").errors);
                var before = Ports(sim).ToString();

                // ConfirmImpact High at the default $ConfirmPreference (High): both cmdlets ask before changing a port.
                foreach (var script in new[] { "Remove-VmFirewallPolicy -Policy $policy", "Invoke-VmFirewallPolicy -Policy $policy -FailureMode Closed -WarningAction SilentlyContinue" })
                {
                    var (output, _, errors, stopped) = Run(sim, policy, script);
                    var failure = stopped?.Message ?? string.Join(" | ", errors.Select(e => e.Exception.Message));
                    Assert.Contains("prompt", failure, StringComparison.OrdinalIgnoreCase);
                    Assert.DoesNotContain(output.OfType<VmFirewallPolicyChange>(), c => c.Applied);
                }
                Assert.Equal(before, Ports(sim).ToString());
                foreach (var type in new[] { typeof(VirtCompliance.PowerShell.Cmdlets.RemoveVmFirewallPolicyCommand), typeof(VirtCompliance.PowerShell.Cmdlets.InvokeVmFirewallPolicyCommand) })
                    Assert.Equal(ConfirmImpact.High, ((CmdletAttribute)Attribute.GetCustomAttribute(type, typeof(CmdletAttribute))).ConfirmImpact);
            }
        }

        [Fact]
        public async Task A_port_that_refuses_the_removal_is_one_error_for_its_VM_and_the_output_says_which_ports_changed()
        {
            const string faulty = "fw-refuses";
            using (var sim = new VcsimServer("-fault-dvport-vm", faulty))
            using (var temp = new TempFolder())
            using (var client = await VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None))
            {
                var policy = Path.Combine(temp.Path, "lab-fw.yaml");
                File.WriteAllText(policy, PolicyText);
                Assert.Empty(Run(sim, policy, "Invoke-VmFirewallPolicy -Policy $policy -Confirm:$false -WarningAction SilentlyContinue").errors);
                // The VM gets the name whose ports the simulator refuses to change, once its port carries the policy.
                var vm = (await Collect(client)).Vms.Single(v => v.Name == "DC0_C0_RP0_VM0");
                using (var w = new SoapWriter("Rename_Task", new VimRef("VirtualMachine", vm.Id)).Text("newName", faulty))
                    await client.InvokeTaskAsync(w, TimeSpan.FromMinutes(1), CancellationToken.None);

                var (output, _, errors, stopped) = Run(sim, policy, "Remove-VmFirewallPolicy -Policy $policy -Confirm:$false");
                Assert.Null(stopped);
                var error = Assert.Single(errors);
                Assert.StartsWith("FirewallRemoveFailed", error.FullyQualifiedErrorId);
                Assert.Equal(faulty, error.TargetObject);
                Assert.Contains("was not changed", error.ErrorDetails.Message);
                var changes = output.OfType<VmFirewallPolicyChange>().ToList();
                var refused = Assert.Single(changes, c => c.Vm == faulty);
                Assert.False(refused.Applied);
                Assert.StartsWith("not changed:", refused.Message);
                Assert.True(Assert.Single(changes, c => c.Vm == "DC0_C0_RP0_VM1").Applied);

                // The server agrees: only the refusing VM's port still carries the policy.
                var (pending, _, _, _) = Run(sim, policy, "Remove-VmFirewallPolicy -Policy $policy -WhatIf");
                Assert.Equal(new[] { faulty }, pending.OfType<VmFirewallPolicyChange>().Select(c => c.Vm));
            }
        }

        [Fact]
        public async Task A_port_changed_after_the_plan_is_judged_again_and_one_rewritten_by_someone_else_is_left_alone()
        {
            using (var sim = new VcsimServer())
            using (var client = await VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None))
            {
                var policy = PolicyReader.Parse(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(PolicyText)), "lab-fw.yaml");
                var inv = await Collect(client);
                var writer = new PortFilterWriter(client);
                foreach (var c in PolicyPlanner.Plan(PolicyCompiler.Compile(policy, inv), inv).Where(c => c.Action == PortChangeAction.Add))
                    await writer.WriteAsync(new VimRef(c.SwitchType, c.SwitchId), c.PortKey, c.PortConfigVersion, c.Desired, CancellationToken.None);
                var warnings = new List<string>();
                var plan = PolicyPlanner.PlanRemoval("lab-fw", await Collect(client), null, warnings);
                Assert.Equal(2, plan.Count);
                Assert.Empty(warnings);

                // Another tool adds its filter to the first port after the plan was made: the plan's configVersion is
                // refused (ConcurrentAccess), the port is read and judged again, and only the policy's filter comes off.
                var first = plan[0];
                var vmName = first.Vm;
                VcsimIntegrationTests.Python("ports.py", sim, "--add-filter", vmName, "ids/mirror");
                var removal = await writer.RemoveAsync(new VimRef(first.SwitchType, first.SwitchId), first.PortKey, first.PortConfigVersion, "lab-fw", CancellationToken.None);
                Assert.Equal(PortFilterRemovalOutcome.Removed, removal.Outcome);
                Assert.Equal(2, writer.Attempts);
                Assert.Single(removal.KeptFilters);
                var nic = (await Collect(client)).GetVm(first.VmId).Nics.Single(n => n.Key == first.NicKey);
                Assert.Equal(new[] { "ids/mirror" }, nic.PortFilter.Rules.Select(r => r.Description));

                // Taking it off again: it is gone, and nothing is written.
                var version = nic.PortConfigVersion;
                var gone = await writer.RemoveAsync(new VimRef(first.SwitchType, first.SwitchId), first.PortKey, version, "lab-fw", CancellationToken.None);
                Assert.Equal(PortFilterRemovalOutcome.Gone, gone.Outcome);
                Assert.Equal(version, gone.ConfigVersion);

                // Someone rewrites the second port's filter after the plan: it is no longer the policy's, so it stays.
                var second = plan[1];
                VcsimIntegrationTests.Python("ports.py", sim, "--set-filter", second.Vm, "lab-fw/admin-ssh", "ops/allow-backup");
                var refused = await writer.RemoveAsync(new VimRef(second.SwitchType, second.SwitchId), second.PortKey, second.PortConfigVersion, "lab-fw", CancellationToken.None);
                Assert.Equal(PortFilterRemovalOutcome.NotOwned, refused.Outcome);
                var untouched = (await Collect(client)).GetVm(second.VmId).Nics.Single(n => n.Key == second.NicKey);
                Assert.Equal(new[] { "lab-fw/admin-ssh", "ops/allow-backup" }, untouched.PortFilter.Rules.Select(r => r.Description));
                Assert.Equal(refused.ConfigVersion, untouched.PortConfigVersion);
            }
        }

        [Fact]
        public async Task Where_the_portgroup_has_a_filter_of_the_same_key_the_port_takes_the_portgroups_back()
        {
            using (var sim = new VcsimServer())
            using (var temp = new TempFolder())
            using (var client = await VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None))
            {
                var policy = Path.Combine(temp.Path, "lab-fw.yaml");
                File.WriteAllText(policy, PolicyText);
                // The portgroup's own filter has the key the module writes its filters under.
                VcsimIntegrationTests.Python("ports.py", sim, "--portgroup-filter", "DC0_DVPG0", "com.vmware.vds.trafficfilter", "portgroup/allow-all");
                Assert.Empty(Run(sim, policy, "Invoke-VmFirewallPolicy -Policy $policy -Confirm:$false -WarningAction SilentlyContinue").errors);

                var (removed, _, errors, _) = Run(sim, policy, "Remove-VmFirewallPolicy -Policy $policy -Vm DC0_C0_RP0_VM0 -Confirm:$false");
                Assert.Empty(errors);
                Assert.True(Assert.Single(removed.OfType<VmFirewallPolicyChange>()).Applied);

                // vCenter does not remove a filter the portgroup also has: the port inherits the portgroup's again.
                var inv = await Collect(client);
                var nic = inv.Vms.Single(v => v.Name == "DC0_C0_RP0_VM0").Nics.Single();
                Assert.Null(nic.PortFilter);
                Assert.Equal(new[] { "portgroup/allow-all" }, nic.EffectiveFilter(inv).Rules.Select(r => r.Description));
                var port = PortOf(Ports(sim), inv.Vms.Single(v => v.Name == "DC0_C0_RP0_VM0").Id);
                var filter = Assert.Single(port["filters"]);
                Assert.True((bool)filter["inherited"]);
                Assert.Equal(new[] { "portgroup/allow-all" }, Descriptions(filter));
                // The other protected VM keeps the policy.
                Assert.NotNull(inv.Vms.Single(v => v.Name == "DC0_C0_RP0_VM1").Nics.Single().PortFilter);
            }
        }

        [Fact]
        public void The_removal_request_matches_the_vim25_schema()
        {
            using (var w = PortFilterWriter.RemovalRequest(new VimRef("VmwareDistributedVirtualSwitch", "dvs-9"), "12", "3", new[] { ("com.vmware.vds.trafficfilter", false), ("shared", true) }))
            {
                var bytes = w.ToArray();
                Assert.Empty(VimSchema.Validate(bytes));
                var xml = System.Text.Encoding.UTF8.GetString(bytes);
                Assert.Contains("<operation>remove</operation>", xml);
                Assert.Contains("<operation>edit</operation>", xml);
            }
        }
    }
}
