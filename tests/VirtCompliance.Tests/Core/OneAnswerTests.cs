using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Newtonsoft.Json.Linq;
using VirtCompliance.Assessments;
using VirtCompliance.Controls;
using VirtCompliance.Firewall;
using VirtCompliance.Model;
using VirtCompliance.Pci;
using VirtCompliance.Reporting;
using VirtCompliance.Scope;
using VirtCompliance.Tests.Cmdlets;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Soap;
using Xunit;
using PS = System.Management.Automation.PowerShell;

namespace VirtCompliance.Tests.Core
{
    /// <summary>
    /// One question, one answer: every way of asking gets the same result, nothing passes on data
    /// nobody reported, one problem is one result, and a gate that checked nothing does not pass.
    /// </summary>
    public class OneAnswerTests
    {
        private static (object[] output, string[] warnings, ErrorRecord[] errors) RunWithWarnings(string script, params (string name, object value)[] variables)
        {
            using var ps = PS.Create(CmdletTests.ModuleState());
            foreach (var (name, value) in variables) ps.Runspace.SessionStateProxy.SetVariable(name, value);
            ps.AddScript(script);
            var output = ps.Invoke().Select(o => o?.BaseObject).ToArray();
            return (output, ps.Streams.Warning.Select(w => w.Message).ToArray(), ps.Streams.Error.ToArray());
        }

        private static string SamplePolicy => Path.Combine(Lab.ModuleFolder, "samples", "pci-lab.policy.yaml");

        // ---- one answer ---------------------------------------------------------------------------

        [Fact]
        public void One_scope_map_gives_the_same_cde_vms_to_separation_the_evidence_bundle_and_a_policys_scope_group()
        {
            using var dir = new TempFolder();
            // old-ftp-01 has no scope in vSphere: only the map makes it CDE.
            var map = dir.File("scope.json");
            File.WriteAllText(map, "{ \"vms\": { \"old-ftp-01\": \"cde\" } }");
            var policy = dir.File("cde.policy.yaml");
            File.WriteAllText(policy, "name: cde-only\ngroups:\n  cde: { scope: cde }\nrules:\n  - { name: nothing-in, from: any, to: cde, protocol: tcp, ports: [22], action: drop }\n");
            var inv = InventorySnapshot.Read(Lab.SamplePath);

            var (scope, _, e1) = RunWithWarnings("Get-PciScope -Inventory $inv -ObjectType Vm -Scope Cde -ScopeMap $map", ("inv", inv), ("map", map));
            Assert.Empty(e1);
            var cde = scope.Cast<PciScopeEntry>().Select(s => s.Name).OrderBy(n => n).ToArray();
            Assert.Contains("old-ftp-01", cde);

            var (_, _, e2) = RunWithWarnings("Save-ComplianceEvidence -Inventory $inv -Path $p -ScopeMap $map -Confirm:$false", ("inv", inv), ("p", dir.File("bundle")), ("map", map));
            Assert.Empty(e2);
            var filed = JArray.Parse(File.ReadAllText(Path.Combine(dir.File("bundle"), "pci-scope.json")))
                .Where(e => (string)e["objectType"] == "Vm" && (string)e["scope"] == "cde").Select(e => (string)e["name"]).OrderBy(n => n).ToArray();
            Assert.Equal(cde, filed);

            var (plan, _, e3) = RunWithWarnings("Invoke-VmFirewallPolicy -Policy $policy -Inventory $inv -ScopeMap $map -PassThru -WhatIf -WarningAction SilentlyContinue",
                ("inv", inv), ("policy", policy), ("map", map));
            Assert.Empty(e3);
            var protectedVms = plan.OfType<VmFirewallPolicyChange>().Select(c => c.Vm).Distinct().OrderBy(n => n).ToArray();
            Assert.Equal(cde, protectedVms);

            // Test-PciSeparation reads the same map: old-ftp-01 is no longer a VM of unknown scope.
            var (without, _, _) = RunWithWarnings("Test-PciSeparation -Inventory $inv -RuleId pci.unknown-scope-vm", ("inv", inv));
            var (with, _, _) = RunWithWarnings("Test-PciSeparation -Inventory $inv -RuleId pci.unknown-scope-vm -ScopeMap $map", ("inv", inv), ("map", map));
            Assert.Contains(without.Cast<PciSeparationFinding>(), f => f.Vms.Contains("old-ftp-01"));
            Assert.DoesNotContain(with.Cast<PciSeparationFinding>(), f => f.Vms.Contains("old-ftp-01"));
        }

        [Fact]
        public void Invoke_and_Test_VmFirewallPolicy_name_the_same_hosts_as_unable_to_enforce_a_filter()
        {
            using var dir = new TempFolder();
            // Failing open with hostControls: esx-pay-03 is on the switch but lacks the IDS agent, so it cannot enforce.
            var policy = dir.File("open.policy.yaml");
            File.WriteAllText(policy, File.ReadAllText(SamplePolicy).Replace("failureMode: closed", "failureMode: open"));
            var sample = InventorySnapshot.Read(Lab.SamplePath);
            // As if the policy had been applied: every protected port carries its filter, so Test- judges placement.
            var desired = Assessment.FirewallPlan(sample, new AssessmentOptions { Policy = PolicyReader.Load(policy) }).Compiled.Vms.ToDictionary(v => v.VmId, v => v.Filter);
            var inv = new VirtCompliance.Model.Inventory(sample.Source, sample.CollectedAt, sample.Collector, sample.Datacenters, sample.Clusters, sample.Hosts, sample.Networks,
                sample.DistributedSwitches, sample.Datastores, sample.Vms.Select(v => desired.TryGetValue(v.Id, out var f) ? v with { Nics = v.Nics.Select(n => n.PortKey == null ? n : n with { PortFilter = f }).ToArray() } : v));
            var (_, warnings, _) = RunWithWarnings("Invoke-VmFirewallPolicy -Policy $policy -Inventory $inv -WhatIf", ("inv", inv), ("policy", policy));
            var (statuses, _, _) = RunWithWarnings("Test-VmFirewallPolicy -Policy $policy -Inventory $inv -PassThru -WarningAction SilentlyContinue", ("inv", inv), ("policy", policy));
            var fromInvoke = warnings.Where(w => w.Contains("failing open")).OrderBy(w => w).ToArray();
            var fromTest = statuses.Cast<VmFirewallPolicyStatus>().Where(s => s.Status == EnforcementStatus.FailOpenExposure).Select(s => s.Message).Distinct().OrderBy(m => m).ToArray();
            Assert.NotEmpty(fromTest);
            Assert.Contains(fromTest, m => m.Contains("esx-pay-03") && m.Contains("acme-ids-sensor"));
            Assert.Equal(fromTest, fromInvoke);
        }

        // ---- nothing passes that was not reported -------------------------------------------------

        private static Lab ThreeHosts(Func<Host, Host> changeThird) => new Lab().Cluster("domain-c1", "Prod")
            .Host("host-1", "domain-c1").Host("host-2", "domain-c1").Host("host-3", "domain-c1", changeThird);

        [Fact]
        public void A_host_whose_services_were_not_reported_is_not_evaluated_for_ssh_shell_and_snmp_and_does_not_vote()
        {
            // host-3 reports no service list; host-1 and host-2 disagree on SSH, so the tie stays a tie: host-3 does not vote.
            var lab = new Lab().Cluster("domain-c1", "Prod")
                .Host("host-1", "domain-c1")
                .Host("host-2", "domain-c1", h => Lab.WithService(h, "TSM-SSH", true, ServicePolicy.On))
                .Host("host-3", "domain-c1", h => h with { Services = Array.Empty<HostService>(), NotReported = new Dictionary<string, string> { ["services"] = "the server did not report config.service (NoPermission)" } });
            var inv = lab.Build();
            var pci = Assessment.Drift(inv, new AssessmentOptions { Baseline = Baseline.Load("pci-dss") }).Hosts.Where(d => d.Host == "esx-3.test").ToArray();
            foreach (var id in new[] { "esx-9.ssh", "esx-9.deactivate-shell", "esx-9.snmp" })
            {
                var d = Assert.Single(pci, r => r.ControlId == id);
                Assert.Equal(Outcome.NotEvaluated, d.Outcome);
                Assert.Contains("NoPermission", d.Reason);
            }
            var peer = Assessment.Drift(inv, new AssessmentOptions { Peer = true }).Hosts.Where(d => d.ControlId == "esx-9.ssh").ToArray();
            Assert.Equal(Outcome.NotEvaluated, peer.Single(d => d.Host == "esx-3.test").Outcome);
            Assert.All(peer.Where(d => d.Host != "esx-3.test"), d => Assert.True(d.NoMajority, d.Host));
            Assert.Equal("no majority among 2 hosts", peer.Single(d => d.Host == "esx-1.test").PeerAgreement);
        }

        [Fact]
        public void Properties_a_server_answers_with_NoPermission_become_not_reported_areas_of_the_host()
        {
            var host = new ObjectContent(new VimRef("HostSystem", "host-1"));
            host.Properties["name"] = new VimText("esx-1.test");
            host.Properties["runtime.connectionState"] = new VimText("connected");
            host.Properties["config.product"] = new VimObject { Type = "AboutInfo" };
            host.Properties["config.lockdownMode"] = new VimText("lockdownNormal");
            host.Properties["config.dateTimeInfo"] = new VimObject { Type = "HostDateTimeInfo" };
            host.Properties["config.virtualNicManagerInfo"] = new VimObject { Type = "HostVirtualNicManagerInfo" };
            host.Properties["capability.uefiSecureBoot"] = new VimText("true");
            foreach (var path in new[] { "config.firewall", "config.service", "config.option" }) host.Missing[path] = "NoPermission";
            var inv = InventoryCollector.BuildFrom(new[] { host }, new Dictionary<int, string>(), new Uri("https://vc.test/sdk"), "recorded answers");
            var read = inv.Hosts.Single();
            // Software, lockdown exception users and ESXCLI answers come from method calls, which recorded property answers do not hold.
            Assert.Equal(new[] { "esxcli", "firewall", "lockdownExceptions", "options", "services", "software" }, read.NotReported.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.Contains("config.firewall (NoPermission)", read.NotReported["firewall"]);
            // The twin that reports everything fails these controls; this one is not evaluated, never passed.
            var results = Assessment.Drift(inv, new AssessmentOptions { Baseline = Baseline.Load("pci-dss"), IncludePass = true }).Hosts;
            foreach (var id in new[] { "esx-9.firewall-incoming-default", "esx-9.ssh", "esx-9.log-forwarding", "esx-9.vib-acceptance-level-supported" })
                Assert.Equal(Outcome.NotEvaluated, results.Single(r => r.ControlId == id).Outcome);
            // The snapshot keeps it, and reads it back.
            var again = InventorySnapshot.Read(new MemoryStream(InventorySnapshot.ToBytes(inv)), "again.json");
            Assert.Equal(read.NotReported, again.Hosts.Single().NotReported);
        }

        [Fact]
        public void Software_that_was_not_read_leaves_the_acceptance_level_not_evaluated_with_the_reason()
        {
            var inv = ThreeHosts(h => h).Build();
            var unread = new VirtCompliance.Model.Inventory(inv.Source, inv.CollectedAt, inv.Collector, inv.Datacenters, inv.Clusters,
                inv.Hosts.Select(h => h with { AcceptanceLevel = null, Packages = Array.Empty<HostPackage>(), NotReported = new Dictionary<string, string> { ["software"] = "software not read (Get-VirtInventory -SkipSoftware)" } }),
                inv.Networks, inv.DistributedSwitches, inv.Datastores, inv.Vms);
            var acceptance = Assessment.Drift(unread, new AssessmentOptions { Baseline = Baseline.Load("pci-dss") }).Hosts.Where(d => d.ControlId == "esx-9.vib-acceptance-level-supported").ToArray();
            Assert.Equal(3, acceptance.Length);
            Assert.All(acceptance, d => Assert.Equal((Outcome.NotEvaluated, "software not read (Get-VirtInventory -SkipSoftware)"), (d.Outcome, d.Reason)));
            Assert.DoesNotContain(Assessment.Drift(unread, new AssessmentOptions { Peer = true }).Hosts, d => d.Outcome == Outcome.Fail);
        }

        // ---- one problem, one result --------------------------------------------------------------

        [Fact]
        public void One_insecure_distributed_portgroup_is_one_result_even_when_its_hosts_are_disconnected()
        {
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var trunk = Assessment.Drift(inv, new AssessmentOptions()).Networks.Where(d => d.Network == "dvpg-trunk" && d.Outcome == Outcome.Fail).ToArray();
            var promiscuous = Assert.Single(trunk, d => d.ControlId == "vcenter-9.network-reject-promiscuous-mode-dvportgroup");
            Assert.Equal((NetworkObjectKind.DistributedPortgroup, "dvs-lab", (string)null), (promiscuous.ObjectKind, promiscuous.Switch, promiscuous.Host));
            Assert.DoesNotContain(Assessment.Drift(inv, new AssessmentOptions()).Hosts, d => d.ControlId.Contains("dvportgroup"));

            var dark = new VirtCompliance.Model.Inventory(inv.Source, inv.CollectedAt, inv.Collector, inv.Datacenters, inv.Clusters,
                inv.Hosts.Select(h => h with { ConnectionState = ConnectionState.Disconnected }), inv.Networks, inv.DistributedSwitches, inv.Datastores, inv.Vms);
            Assert.Single(Assessment.Drift(dark, new AssessmentOptions()).Networks,
                d => d.Network == "dvpg-trunk" && d.ControlId == "vcenter-9.network-reject-promiscuous-mode-dvportgroup" && d.Outcome == Outcome.Fail);
        }

        [Fact]
        public void A_vm_is_exposed_by_its_own_portgroups_on_the_target_host_and_not_by_portgroups_it_does_not_use()
        {
            var sniffer = new HostPortgroup { Name = "Sniffer", VSwitch = "vSwitch0", VlanId = 30, Security = new SecurityPolicy { AllowPromiscuous = true } };
            var inv = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1")
                .Host("host-2", "domain-c1", h => h with { Portgroups = h.Portgroups.Append(sniffer).ToArray() })
                .Vm("vm-1", "host-1").Build();
            Assert.Empty(Assessment.Exposure(inv, new AssessmentOptions()).Exposures);

            // The VM's own portgroup, weaker on host-2: that is a loss.
            var weaker = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1")
                .Host("host-2", "domain-c1", h => h with { Portgroups = h.Portgroups.Select(p => p.Name == "VM Network" ? p with { Security = new SecurityPolicy { MacChanges = true } } : p).ToArray() })
                .Vm("vm-1", "host-1").Build();
            var e = Assert.Single(Assessment.Exposure(weaker, new AssessmentOptions()).Exposures);
            Assert.Equal("esx-2.test", e.TargetHost);
            Assert.Equal(new[] { "esx-9.network-standard-reject-mac-changes (VM Network)" }, e.LostControls);
        }

        // ---- gates that checked nothing do not pass -----------------------------------------------

        [Fact]
        public void A_separation_gate_with_no_vm_in_cde_scope_fails_and_says_why()
        {
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var (quiet, _, _) = RunWithWarnings("Test-PciSeparation -Inventory $inv -ScopeTagCategory PCI-Scoep -ScopeAttribute PCI-Scoep -Quiet", ("inv", inv));
            Assert.Equal(new object[] { false }, quiet);
            var (findings, _, _) = RunWithWarnings("Test-PciSeparation -Inventory $inv -ScopeTagCategory PCI-Scoep -ScopeAttribute PCI-Scoep", ("inv", inv));
            var f = Assert.Single(findings.Cast<PciSeparationFinding>(), x => x.RuleId == PciSeparationAnalyzer.NothingInCdeScope);
            Assert.Equal(FindingOutcome.Fail, f.Outcome);
            Assert.Contains("PCI-Scoep", f.Message);
            Assert.Contains("none of the", f.Message, StringComparison.OrdinalIgnoreCase);
        }

        [Fact]
        public void A_firewall_gate_whose_policy_selects_no_vm_fails_and_says_why()
        {
            using var dir = new TempFolder();
            var policy = dir.File("empty.policy.yaml");
            File.WriteAllText(policy, "name: nobody\ngroups:\n  ghosts: { name: 'no-such-vm-*' }\nrules:\n  - { name: r, from: any, to: ghosts, action: drop }\n");
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var (quiet, _, _) = RunWithWarnings("Test-VmFirewallPolicy -Policy $p -Inventory $inv -Quiet -WarningAction SilentlyContinue", ("inv", inv), ("p", policy));
            Assert.Equal(new object[] { false }, quiet);
            var (statuses, _, _) = RunWithWarnings("Test-VmFirewallPolicy -Policy $p -Inventory $inv -WarningAction SilentlyContinue", ("inv", inv), ("p", policy));
            var s = Assert.Single(statuses.Cast<VmFirewallPolicyStatus>());
            Assert.Equal(EnforcementStatus.NothingProtected, s.Status);
            Assert.Contains("protects no VM", s.Message);
        }

        [Fact]
        public void NotEvaluated_fails_the_separation_gate_unless_allowed()
        {
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            // Every host's services not reported: in-scope hosts cannot be verified.
            var blind = new VirtCompliance.Model.Inventory(inv.Source, inv.CollectedAt, inv.Collector, inv.Datacenters, inv.Clusters,
                inv.Hosts.Select(h => h with { NotReported = new Dictionary<string, string> { ["services"] = "the server did not report config.service (NoPermission)" } }),
                inv.Networks, inv.DistributedSwitches, inv.Datastores, inv.Vms);
            var options = new AssessmentOptions { Interpretation = PciInterpretation.HypervisorIsolation, RuleIds = new[] { PciSeparationAnalyzer.InScopeHostUnverified } };
            var strictGate = Assessment.Separation(blind, options);
            Assert.NotEmpty(strictGate.Findings);
            Assert.All(strictGate.Findings, f => Assert.Equal(FindingOutcome.NotEvaluated, f.Outcome));
            Assert.False(strictGate.Passed);
            Assert.True(Assessment.Separation(blind, options with { AllowNotEvaluated = true }).Passed);
        }

        [Fact]
        public void Unknown_control_and_rule_ids_are_errors_not_empty_results()
        {
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var control = CmdletTests.Throws("Get-HostControlDrift -Inventory $inv -ControlId esx-9.sshh", ("inv", inv));
            Assert.Equal("UnknownControlId", control.ErrorRecord.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Contains("esx-9.sshh", control.Message);
            var rule = CmdletTests.Throws("Test-PciSeparation -Inventory $inv -RuleId nonsense", ("inv", inv));
            Assert.Equal("UnknownRuleId", rule.ErrorRecord.FullyQualifiedErrorId.Split(',')[0]);
            // A wildcard that matches nothing is a filter, not a mistake.
            var (output, errors) = CmdletTests.Run("Get-HostControlDrift -Inventory $inv -ControlId 'zz-*'", ("inv", inv));
            Assert.Empty(output);
            Assert.Empty(errors);
        }

        // ---- the structure ------------------------------------------------------------------------

        [Fact]
        public void No_cmdlet_runs_an_analysis_step_itself_each_calls_the_assessments()
        {
            var cmdlets = Path.Combine(Lab.RepositoryRoot, "src", "VirtCompliance.PowerShell");
            var steps = new[]
            {
                "ControlEvaluator", "DriftAnalyzer", "ExposureAnalyzer", "MigrationDomains", "PciScopeModel", "PciScopeClassifier", "PciSeparationAnalyzer",
                "PciSegmentationMatrix", "PolicyCompiler", "PolicyPlanner", "FailClosedPlanner", "FirewallStatus.Check", "EvidenceBundle.Save", "InventoryComparer",
            };
            var offenders = Directory.GetFiles(cmdlets, "*.cs", SearchOption.AllDirectories)
                .SelectMany(f => File.ReadAllLines(f).Select((line, i) => (file: Path.GetFileName(f), line: i + 1, text: line)))
                .Where(l => !l.text.TrimStart().StartsWith("//", StringComparison.Ordinal) && !l.text.TrimStart().StartsWith("///", StringComparison.Ordinal))
                .Where(l => steps.Any(s => l.text.Contains(s + ".") || l.text.Contains("new " + s)))
                .Select(l => $"{l.file}:{l.line}: {l.text.Trim()}").ToArray();
            Assert.True(offenders.Length == 0, "analysis steps in cmdlets:\n" + string.Join("\n", offenders));
        }

        // ---- what release 0.1 wrote ---------------------------------------------------------------

        [Fact]
        public void A_snapshot_written_by_release_0_1_still_imports_with_the_same_inventory()
        {
            var old = InventorySnapshot.Read(Path.Combine(Lab.FixturesFolder, "compat", "pci-lab.snapshot-0.1.json"));
            var now = InventorySnapshot.Read(Lab.SamplePath);
            Assert.Equal(AtomicFileHash(Path.Combine(Lab.FixturesFolder, "compat", "pci-lab.snapshot-0.1.json")), old.Sha256);
            Assert.Equal(now.Hosts.Select(h => h.Id), old.Hosts.Select(h => h.Id));
            Assert.Equal(now.Vms.Select(v => v.Name), old.Vms.Select(v => v.Name));
            Assert.All(old.Hosts, h => Assert.Null(h.NotReported));
            Assert.NotEmpty(Assessment.Drift(old, new AssessmentOptions()).Hosts);
        }

        [Fact]
        public void An_evidence_bundle_written_by_release_0_1_still_verifies()
        {
            using var dir = new TempFolder();
            var copy = dir.File("bundle");
            Directory.CreateDirectory(copy);
            foreach (var f in Directory.GetFiles(Path.Combine(Lab.FixturesFolder, "compat", "evidence-0.1"))) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
            var (output, errors) = CmdletTests.Run("Test-ComplianceEvidence -Path $p", ("p", copy));
            Assert.Empty(errors);
            var checks = output.Cast<EvidenceCheck>().ToArray();
            Assert.True(checks.Length >= 10, $"{checks.Length} checks");
            // Release 0.1 did not sign: its manifest is Unsigned, which passes unless a signature is asked for.
            Assert.Equal(EvidenceStatus.Unsigned, checks.Single(c => c.File == "manifest.json").Status);
            Assert.All(checks.Where(c => c.File != "manifest.json"), c => Assert.Equal(EvidenceStatus.Ok, c.Status));
            Assert.Equal(true, CmdletTests.Run("Test-ComplianceEvidence -Path $p -Quiet", ("p", copy)).output.Single());
        }

        private static string AtomicFileHash(string path) => VirtCompliance.Common.AtomicFile.Sha256Hex(File.ReadAllBytes(path));
    }
}
