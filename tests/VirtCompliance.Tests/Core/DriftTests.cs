using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Assessments;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Model;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    public class HostDriftTests
    {
        private static HostControlDrift[] Drift(VirtCompliance.Model.Inventory inv, Baseline baseline, bool peer = false,
            string[] clusters = null, string[] controlIds = null) =>
            Drift(inv, baseline, out _, peer, clusters, controlIds);

        private static HostControlDrift[] Drift(VirtCompliance.Model.Inventory inv, Baseline baseline, out IReadOnlyList<string> warnings,
            bool peer = false, string[] clusters = null, string[] controlIds = null)
        {
            var result = Assessment.Drift(inv, new AssessmentOptions { Baseline = baseline, Peer = peer, Clusters = clusters, ControlIds = controlIds });
            warnings = result.Warnings;
            return result.Hosts.ToArray();
        }

        private static NetworkControlDrift[] NetworkDrift(VirtCompliance.Model.Inventory inv, Baseline baseline, bool peer = false) =>
            Assessment.Drift(inv, new AssessmentOptions { Baseline = baseline, Peer = peer }).Networks.ToArray();

        private static Lab ThreeHosts(Func<Host, Host> changeThird = null) => new Lab().Cluster("domain-c1", "Prod")
            .Host("host-1", "domain-c1").Host("host-2", "domain-c1").Host("host-3", "domain-c1", changeThird);

        [Fact]
        public void A_compliant_cluster_has_no_drift_under_either_basis()
        {
            var inv = ThreeHosts().Build();
            Assert.Empty(Drift(inv, Baseline.Load("pci-dss")));
            Assert.Empty(Drift(inv, Baseline.PeerOfAll(), peer: true));
        }

        [Fact]
        public void Baseline_mode_reports_each_failed_control_with_expected_actual_and_pci_ids()
        {
            var inv = ThreeHosts(h => Lab.WithService(h, "TSM-SSH", true, ServicePolicy.On)).Build();
            var drift = Assert.Single(Drift(inv, Baseline.Load("pci-dss")));
            Assert.Equal("esx-3.test", drift.Host);
            Assert.Equal("Prod", drift.Cluster);
            Assert.Equal("esx-9.ssh", drift.ControlId);
            Assert.Equal("running, policy on", drift.Actual);
            Assert.Equal("one of: stopped, policy off, not installed", drift.Expected);
            Assert.Equal(DriftBasis.Baseline, drift.Basis);
            Assert.Equal(Severity.High, drift.Severity);
            Assert.Equal(new[] { "2.2.4" }, drift.PciDss);
            Assert.Contains("VCFE-9X-000096", drift.Stig);
            Assert.False(string.IsNullOrEmpty(drift.Remediation));
        }

        [Fact]
        public void Peer_mode_flags_the_odd_host_out_against_the_majority_value()
        {
            var inv = ThreeHosts(h => Lab.WithOption(h, "Syslog.global.logHost", "")).Build();
            var drift = Assert.Single(Drift(inv, Baseline.PeerOfAll(), peer: true));
            Assert.Equal("esx-3.test", drift.Host);
            Assert.Equal("esx-9.log-forwarding", drift.ControlId);
            Assert.Equal(DriftBasis.Peer, drift.Basis);
            Assert.Equal("tcp://syslog.test:514", drift.Expected);
            Assert.Equal("2 of 3 hosts", drift.PeerAgreement);
            Assert.Equal("(empty)", drift.Actual);
        }

        [Fact]
        public void Peer_mode_requires_every_package_and_service_the_cluster_has()
        {
            var inv = ThreeHosts(h => Lab.WithService(Lab.WithoutPackage(h, "ids-agent"), "ids-agentd", false, ServicePolicy.Off)).Build();
            var ids = Drift(inv, Baseline.PeerOfAll(), peer: true).Select(d => d.ControlId).OrderBy(x => x).ToArray();
            Assert.Equal(new[] { "vc.package-installed:ids-agent", "vc.service-running:ids-agentd" }, ids);
        }

        [Fact]
        public void A_control_checked_by_the_catalog_is_not_reported_again_as_a_service_template()
        {
            var inv = ThreeHosts(h => Lab.WithService(h, "TSM-SSH", true, ServicePolicy.On)).Build();
            Assert.Equal(new[] { "esx-9.ssh" }, Drift(inv, Baseline.PeerOfAll(), peer: true).Select(d => d.ControlId));
        }

        [Fact]
        public void Controls_all_hosts_agree_on_are_not_peer_drift_even_when_they_fail_the_baseline()
        {
            var inv = new Lab().Cluster("domain-c1", "Prod")
                .Host("host-1", "domain-c1", h => h with { LockdownMode = LockdownMode.LockdownDisabled })
                .Host("host-2", "domain-c1", h => h with { LockdownMode = LockdownMode.LockdownDisabled }).Build();
            Assert.Empty(Drift(inv, Baseline.PeerOfAll(), peer: true));
            Assert.Equal(2, Drift(inv, Baseline.Load("pci-dss")).Count(d => d.ControlId == "esx-9.lockdown-mode"));
        }

        [Fact]
        public void A_tie_is_reported_for_every_host_and_not_guessed()
        {
            var inv = new Lab().Cluster("domain-c1", "Prod")
                .Host("host-1", "domain-c1").Host("host-2", "domain-c1")
                .Host("host-3", "domain-c1", h => Lab.WithOption(h, "UserVars.DcuiTimeOut", "300"))
                .Host("host-4", "domain-c1", h => Lab.WithOption(h, "UserVars.DcuiTimeOut", "300")).Build();
            var drift = Drift(inv, Baseline.PeerOfAll(), peer: true);
            Assert.Equal(4, drift.Length);
            Assert.All(drift, d => Assert.True(d.NoMajority));
            Assert.All(drift, d => Assert.Equal(Outcome.NotEvaluated, d.Outcome));
            Assert.All(drift, d => Assert.Equal("no majority: 300 (2 hosts) | 600 (2 hosts)", d.Expected));
        }

        [Fact]
        public void Disconnected_hosts_are_not_evaluated_with_a_warning_and_do_not_vote()
        {
            var inv = new Lab().Cluster("domain-c1", "Prod")
                .Host("host-1", "domain-c1").Host("host-2", "domain-c1", h => Lab.WithOption(h, "UserVars.DcuiTimeOut", "300"))
                .Host("host-3", "domain-c1", h => Lab.WithOption(h, "UserVars.DcuiTimeOut", "300") with { ConnectionState = ConnectionState.Disconnected })
                .Host("host-4", "domain-c1", h => h with { ConnectionState = ConnectionState.NotResponding }).Build();
            var drift = Drift(inv, Baseline.PeerOfAll(), out var warnings, peer: true);
            // Only host-1 and host-2 vote: a tie, so both are reported; the disconnected hosts are NotEvaluated, every control, saying why.
            Assert.Equal(new[] { "esx-1.test", "esx-2.test" }, drift.Where(d => d.NoMajority).Select(d => d.Host));
            Assert.All(drift.Where(d => d.Host == "esx-3.test" || d.Host == "esx-4.test"), d => Assert.Equal(Outcome.NotEvaluated, d.Outcome));
            Assert.Contains(drift, d => d.Host == "esx-3.test" && d.ControlId == "esx-9.ssh" && d.Reason.Contains("Disconnected"));
            Assert.DoesNotContain(drift, d => d.Outcome == Outcome.Fail);
            Assert.Contains(warnings, w => w.Contains("esx-3.test") && w.Contains("Disconnected"));
            Assert.Contains(warnings, w => w.Contains("esx-4.test") && w.Contains("NotResponding"));
        }

        [Fact]
        public void Hosts_in_maintenance_mode_are_still_evaluated()
        {
            var inv = ThreeHosts(h => Lab.WithService(h, "TSM-SSH", true, ServicePolicy.On) with { InMaintenanceMode = true }).Build();
            Assert.Single(Drift(inv, Baseline.PeerOfAll(), peer: true));
        }

        [Fact]
        public void Standalone_hosts_get_baseline_checks_but_no_peer_checks()
        {
            var inv = new Lab().Host("host-9", null, h => Lab.WithService(h, "TSM-SSH", true, ServicePolicy.On)).Build();
            var drift = Assert.Single(Drift(inv, Baseline.Load("pci-dss")));
            Assert.Null(drift.Cluster);
            // No peers: every peer control is NotEvaluated (not a pass), saying so.
            var peer = Drift(inv, Baseline.PeerOfAll(), peer: true);
            Assert.NotEmpty(peer);
            Assert.All(peer, d => Assert.Equal(Outcome.NotEvaluated, d.Outcome));
            Assert.All(peer, d => Assert.Contains("standalone", d.Reason));
        }

        [Fact]
        public void A_single_host_cluster_has_no_peers_and_an_empty_cluster_has_nothing()
        {
            var inv = new Lab().Cluster("domain-c1", "Solo").Cluster("domain-c2", "Empty")
                .Host("host-1", "domain-c1", h => Lab.WithService(h, "TSM-SSH", true, ServicePolicy.On)).Build();
            var peer = Drift(inv, Baseline.PeerOfAll(), peer: true);
            Assert.NotEmpty(peer);
            Assert.All(peer, d => Assert.Equal(("esx-1.test", Outcome.NotEvaluated), (d.Host, d.Outcome)));
            Assert.All(peer, d => Assert.Contains("compare", d.Reason));
        }

        [Fact]
        public void Cluster_and_control_filters_narrow_the_result()
        {
            var inv = new Lab().Cluster("domain-c1", "Prod").Cluster("domain-c2", "Test")
                .Host("host-1", "domain-c1", h => h with { LockdownMode = LockdownMode.LockdownDisabled })
                .Host("host-2", "domain-c2", h => Lab.WithService(h with { LockdownMode = LockdownMode.LockdownDisabled }, "TSM-SSH", true, ServicePolicy.On)).Build();
            var pci = Baseline.Load("pci-dss");
            Assert.Equal(3, Drift(inv, pci).Length);
            Assert.Equal(new[] { "esx-2.test", "esx-2.test" }, Drift(inv, pci, clusters: new[] { "te*" }).Select(d => d.Host));
            Assert.Equal(new[] { "esx-9.ssh" }, Drift(inv, pci, controlIds: new[] { "esx-9.s*" }).Select(d => d.ControlId));
        }

        [Fact]
        public void A_failing_standard_portgroup_is_one_network_result_naming_its_host_not_a_host_result()
        {
            var inv = ThreeHosts(h => h with
            {
                Portgroups = h.Portgroups.Append(new HostPortgroup { Name = "Sniffer", VSwitch = "vSwitch0", VlanId = 30, Security = new SecurityPolicy { AllowPromiscuous = true } }).ToArray(),
            }).Build();
            Assert.Empty(Drift(inv, Baseline.Load("pci-dss")));
            var drift = Assert.Single(NetworkDrift(inv, Baseline.Load("pci-dss")));
            Assert.Equal(("esx-9.network-standard-reject-promiscuous-mode", "Sniffer", "esx-3.test", NetworkObjectKind.StandardPortgroup, Outcome.Fail, "true"),
                (drift.ControlId, drift.Network, drift.Host, drift.ObjectKind, drift.Outcome, drift.Actual));
            // Peer mode compares object by object: Sniffer exists on one host only, so it has no peers (not "drift"),
            // and the portgroups the three hosts share agree.
            var peer = NetworkDrift(inv, Baseline.PeerOfAll(), peer: true);
            Assert.DoesNotContain(peer, d => d.Outcome == Outcome.Fail);
            Assert.All(peer, d => Assert.Equal(("Sniffer", Outcome.NotEvaluated), (d.Network, d.Outcome)));
        }
    }

    public class MigrationExposureTests
    {
        private static VmMigrationExposure[] Exposure(VirtCompliance.Model.Inventory inv, bool peer = true, string[] vms = null) =>
            Exposure(inv, out _, peer, vms);

        private static VmMigrationExposure[] Exposure(VirtCompliance.Model.Inventory inv, out IReadOnlyList<string> warnings, bool peer = true, string[] vms = null)
        {
            var result = Assessment.Exposure(inv, new AssessmentOptions { Peer = peer, Vms = vms });
            warnings = result.Warnings;
            return result.Exposures.ToArray();
        }

        /// <summary>host-1 and host-2 are good; host-3 lacks the IDS agent and log forwarding.</summary>
        private static Lab WeakThird(Func<Host, Host> changeThird = null) => new Lab().Cluster("domain-c1", "Prod")
            .Host("host-1", "domain-c1").Host("host-2", "domain-c1")
            .Host("host-3", "domain-c1", h =>
            {
                var weak = Lab.WithOption(Lab.WithoutPackage(h, "ids-agent"), "Syslog.global.logHost", "");
                return changeThird == null ? weak : changeThird(weak);
            });

        [Fact]
        public void A_vm_that_could_move_to_a_weaker_host_is_exposed_with_the_controls_it_would_lose()
        {
            var inv = WeakThird().Vm("vm-1", "host-1").Build();
            var e = Assert.Single(Exposure(inv));
            Assert.Equal("app-1", e.Vm);
            Assert.Equal("esx-1.test", e.CurrentHost);
            Assert.Equal("esx-3.test", e.TargetHost);
            Assert.Equal(new[] { "esx-9.log-forwarding", "vc.package-installed:ids-agent" }, e.LostControls);
            Assert.Equal(Severity.High, e.Severity);
            Assert.True(e.AutomatedByDrs);
            Assert.Equal("fullyAutomated", e.DrsAutomation);
            Assert.Contains("10.3.3", e.PciDss);
        }

        [Fact]
        public void A_vm_already_on_the_weak_host_loses_nothing_by_moving()
        {
            Assert.Empty(Exposure(WeakThird().Vm("vm-1", "host-3").Build()));
        }

        private static Lab Pinned(bool mandatory, bool enabled = true) => WeakThird().Vm("vm-1", "host-1").ChangeCluster("domain-c1", c => c with
        {
            VmGroups = new[] { new ClusterGroup { Name = "db-vms", Members = new[] { "vm-1" } } },
            HostGroups = new[] { new ClusterGroup { Name = "secure-hosts", Members = new[] { "host-1", "host-2" } } },
            Rules = new[] { new ClusterRule { Name = "pin-db", Kind = ClusterRuleKind.VmHost, Mandatory = mandatory, Enabled = enabled, VmGroup = "db-vms", AffineHostGroup = "secure-hosts" } },
        });

        [Fact]
        public void A_vm_pinned_by_a_mandatory_rule_to_strong_hosts_is_not_exposed()
        {
            Assert.Empty(Exposure(Pinned(mandatory: true).Build()));
        }

        [Fact]
        public void A_should_rule_or_a_disabled_rule_does_not_protect_the_vm()
        {
            Assert.Single(Exposure(Pinned(mandatory: false).Build()));
            Assert.Single(Exposure(Pinned(mandatory: true, enabled: false).Build()));
        }

        [Fact]
        public void A_mandatory_anti_affinity_host_rule_keeps_the_vm_off_the_named_hosts()
        {
            var inv = WeakThird().Vm("vm-1", "host-1").ChangeCluster("domain-c1", c => c with
            {
                VmGroups = new[] { new ClusterGroup { Name = "db-vms", Members = new[] { "vm-1" } } },
                HostGroups = new[] { new ClusterGroup { Name = "weak", Members = new[] { "host-3" } } },
                Rules = new[] { new ClusterRule { Name = "not-weak", Kind = ClusterRuleKind.VmHost, Mandatory = true, VmGroup = "db-vms", AntiAffineHostGroup = "weak" } },
            }).Build();
            Assert.Empty(Exposure(inv));
        }

        [Fact]
        public void Rules_naming_unknown_groups_or_hosts_are_ignored_with_a_warning_and_do_not_crash()
        {
            var inv = WeakThird().Vm("vm-1", "host-1").Vm("vm-2", "host-2").ChangeCluster("domain-c1", c => c with
            {
                VmGroups = new[] { new ClusterGroup { Name = "g", Members = new[] { "vm-1", "vm-404" } } },
                HostGroups = new[] { new ClusterGroup { Name = "h", Members = new[] { "host-1", "host-404" } } },
                Rules = new[]
                {
                    new ClusterRule { Name = "ok", Kind = ClusterRuleKind.VmHost, Mandatory = true, VmGroup = "g", AffineHostGroup = "h" },
                    new ClusterRule { Name = "broken", Kind = ClusterRuleKind.VmHost, Mandatory = true, VmGroup = "g", AffineHostGroup = "gone" },
                },
            }).Build();
            var exposures = Exposure(inv, out var warnings);
            Assert.Equal(new[] { "app-2" }, exposures.Select(e => e.Vm));
            Assert.Contains(warnings, w => w.Contains("'broken'") && w.Contains("'gone'"));
        }

        [Fact]
        public void Hosts_in_maintenance_disconnected_or_missing_the_vms_network_or_datastore_are_not_targets()
        {
            Assert.Empty(Exposure(WeakThird(h => h with { InMaintenanceMode = true }).Vm("vm-1", "host-1").Build()));
            Assert.Empty(Exposure(WeakThird(h => h with { ConnectionState = ConnectionState.Disconnected }).Vm("vm-1", "host-1").Build()));
            Assert.Empty(Exposure(WeakThird(h => h with { NetworkIds = Array.Empty<string>() }).Vm("vm-1", "host-1").Build()));
            Assert.Empty(Exposure(WeakThird(h => h with { DatastoreIds = Array.Empty<string>() }).Vm("vm-1", "host-1").Build()));
        }

        [Fact]
        public void Membership_of_the_distributed_switch_gives_a_host_all_its_portgroups()
        {
            var lab = WeakThird(h => h with { DvsIds = new[] { "dvs-1" } });
            lab.Switches.Add(new DistributedSwitch { Id = "dvs-1", Name = "dvs", HostIds = new[] { "host-1", "host-3" } });
            lab.Networks.Add(new Network { Id = "dvportgroup-1", Name = "pg", Kind = NetworkKind.DistributedPortgroup, DvsId = "dvs-1", VlanId = 10 });
            lab.Hosts[0] = lab.Hosts[0] with { DvsIds = new[] { "dvs-1" }, NetworkIds = new[] { "network-1", "dvportgroup-1" } };
            lab.Vm("vm-1", "host-1", v => v with { Nics = new[] { new VmNic { Key = 4000, NetworkId = "dvportgroup-1", DvsId = "dvs-1", PortKey = "12" } } });
            var e = Assert.Single(Exposure(lab.Build()));
            Assert.Equal("esx-3.test", e.TargetHost);
        }

        [Theory]
        [InlineData(true, DrsAutomationLevel.FullyAutomated, null, true, "fullyAutomated", true)]
        [InlineData(true, DrsAutomationLevel.PartiallyAutomated, null, true, "partiallyAutomated", false)]
        [InlineData(false, DrsAutomationLevel.FullyAutomated, null, true, "disabled", false)]
        [InlineData(true, DrsAutomationLevel.FullyAutomated, DrsAutomationLevel.Manual, true, "manual", false)]
        [InlineData(true, DrsAutomationLevel.FullyAutomated, null, false, "disabled", false)]
        public void Drs_automation_says_whether_a_move_needs_a_person(bool drs, DrsAutomationLevel level, DrsAutomationLevel? vmBehavior,
            bool overrideEnabled, string expectedLevel, bool automated)
        {
            var lab = WeakThird().Vm("vm-1", "host-1").ChangeCluster("domain-c1", c => c with
            {
                DrsEnabled = drs,
                DrsAutomationLevel = level,
                DrsVmOverrides = vmBehavior != null || !overrideEnabled
                    ? new[] { new DrsVmOverride { VmId = "vm-1", Behavior = vmBehavior, Enabled = overrideEnabled } }
                    : Array.Empty<DrsVmOverride>(),
            });
            var e = Assert.Single(Exposure(lab.Build()));
            Assert.Equal(expectedLevel, e.DrsAutomation);
            Assert.Equal(automated, e.AutomatedByDrs);
        }

        [Fact]
        public void A_powered_off_vm_is_exposed_but_not_moved_by_drs_on_its_own()
        {
            var e = Assert.Single(Exposure(WeakThird().Vm("vm-1", "host-1", v => v with { PowerState = PowerState.PoweredOff }).Build()));
            Assert.False(e.AutomatedByDrs);
        }

        [Fact]
        public void Templates_and_vms_on_standalone_hosts_are_not_exposed()
        {
            var inv = WeakThird().Host("host-9", null).Vm("vm-1", "host-1", v => v with { Template = true }).Vm("vm-2", "host-9").Build();
            Assert.Empty(Exposure(inv));
        }

        [Fact]
        public void Baseline_mode_exposes_vms_to_hosts_failing_baseline_controls_their_host_passes()
        {
            var inv = WeakThird().Vm("vm-1", "host-1").Build();
            var e = Assert.Single(Exposure(inv, peer: false));
            Assert.Equal(new[] { "esx-9.log-forwarding" }, e.LostControls);
            Assert.Equal(DriftBasis.Baseline, e.Basis);
        }

        [Fact]
        public void The_vm_filter_accepts_wildcards()
        {
            var inv = WeakThird().Vm("vm-1", "host-1").Vm("vm-2", "host-2").Build();
            Assert.Equal(2, Exposure(inv).Length);
            Assert.Equal(new[] { "app-2" }, Exposure(inv, vms: new[] { "*-2" }).Select(e => e.Vm));
        }
    }
}
