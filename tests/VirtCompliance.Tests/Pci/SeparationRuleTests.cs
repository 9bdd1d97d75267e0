using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Model;
using VirtCompliance.Pci;
using Xunit;
using static VirtCompliance.Tests.Pci.PciLab;
using A = VirtCompliance.Pci.PciSeparationAnalyzer;

namespace VirtCompliance.Tests.Pci
{
    /// <summary>Every separation rule under both interpretations, with its boundary cases.</summary>
    public class SeparationRuleTests
    {
        private const PciInterpretation Strict = PciInterpretation.Strict;
        private const PciInterpretation Isolation = PciInterpretation.HypervisorIsolation;

        // ---- mixed-scope host --------------------------------------------------------------------

        private static Lab MixedHost(Func<Host, Host> hostChange = null, string outsideNetwork = Office)
        {
            var lab = New();
            if (hostChange != null) lab.Hosts[0] = hostChange(lab.Hosts[0]);
            return lab.Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11", "pay-db"))
                .Vm("vm-2", "host-1", Scoped("OutOfScope", outsideNetwork, "10.0.20.21", "print"));
        }

        [Fact]
        public void Strict_fails_a_host_running_cde_and_out_of_scope_vms()
        {
            var f = Analyze(MixedHost().Build(), Strict).Rule(A.MixedScopeHost).Single();
            Assert.Equal(FindingOutcome.Fail, f.Outcome);
            Assert.Equal(new[] { "esx-1.test" }, f.Hosts);
            Assert.Equal(new[] { "pay-db", "print" }, f.Vms);
            Assert.Contains("2.2.3", f.PciDss);
            Assert.Contains("esx-1.test", f.Message);
            Assert.Contains("pay-db", f.Message);
            Assert.Contains("print", f.Message);
            Assert.False(string.IsNullOrWhiteSpace(f.Remediation));
        }

        [Fact]
        public void Hypervisor_isolation_accepts_a_mixed_host_when_all_three_conditions_hold()
        {
            var f = Analyze(MixedHost().Build(), Isolation).Rule(A.MixedScopeHost).Single();
            Assert.Equal(FindingOutcome.Info, f.Outcome);
            Assert.Equal(3, f.Evidence.Count(e => e.StartsWith("Condition", StringComparison.Ordinal) && e.Contains(" met:")));
            Assert.DoesNotContain(f.Evidence, e => e.Contains("NOT met"));
        }

        [Fact]
        public void Hypervisor_isolation_fails_a_mixed_host_that_is_not_hardened()
        {
            var lab = MixedHost(h => h with { LockdownMode = LockdownMode.LockdownDisabled });
            var f = Analyze(lab.Build(), Isolation).Rule(A.MixedScopeHost).Single();
            Assert.Equal(FindingOutcome.Fail, f.Outcome);
            Assert.Contains(f.Evidence, e => e.StartsWith("Condition 3 NOT met", StringComparison.Ordinal) && e.Contains("esx-9.lockdown-mode"));
            Assert.Contains("1 of the 3 hypervisor-isolation conditions is not met", f.Message);
        }

        [Fact]
        public void Hypervisor_isolation_ignores_portgroup_controls_for_hardening_but_not_for_the_network()
        {
            // A portgroup control failing (promiscuous on an unrelated portgroup) is not a host hardening failure.
            var lab = MixedHost();
            lab.Networks.Add(Portgroup("dvportgroup-90", "dvpg-lab", 90) with { Security = new SecurityPolicy { AllowPromiscuous = true } });
            var f = Analyze(lab.Build(), Isolation).Rule(A.MixedScopeHost).Single();
            Assert.Equal(FindingOutcome.Info, f.Outcome);
        }

        [Fact]
        public void Hypervisor_isolation_fails_a_mixed_host_whose_out_of_scope_vm_shares_the_cde_segment()
        {
            var f = Analyze(MixedHost(outsideNetwork: Cde).Build(), Isolation).Rule(A.MixedScopeHost).Single();
            Assert.Equal(FindingOutcome.Fail, f.Outcome);
            Assert.Contains(f.Evidence, e => e.StartsWith("Condition 1 NOT met", StringComparison.Ordinal) && e.Contains("print"));
        }

        [Fact]
        public void Hypervisor_isolation_fails_a_mixed_host_whose_cde_segment_accepts_forged_transmits()
        {
            var lab = MixedHost();
            lab.Networks[1] = lab.Networks[1] with { Security = new SecurityPolicy { ForgedTransmits = true } };
            var f = Analyze(lab.Build(), Isolation).Rule(A.MixedScopeHost).Single();
            Assert.Equal(FindingOutcome.Fail, f.Outcome);
            Assert.Contains(f.Evidence, e => e.StartsWith("Condition 2 NOT met", StringComparison.Ordinal) && e.Contains("forgedTransmits"));
        }

        [Theory]
        [InlineData(Strict)]
        [InlineData(Isolation)]
        public void A_host_with_only_connected_and_cde_vms_is_not_mixed(PciInterpretation interpretation)
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11")).Vm("vm-2", "host-1", Scoped("Connected", Office, "10.0.20.5"));
            var findings = Analyze(lab.Build(), interpretation);
            Assert.Empty(findings.Rule(A.MixedScopeHost));
            Assert.Empty(findings.Rule(A.PotentialMixedScopeHost));
            var info = findings.Rule(A.CdeWithConnected);
            if (interpretation == Strict) Assert.Equal(FindingOutcome.Info, Assert.Single(info).Outcome);
            else Assert.Empty(info);
        }

        // ---- potential mixed-scope host ------------------------------------------------------------

        private static Lab Apart(DrsAutomationLevel level = DrsAutomationLevel.FullyAutomated, bool drs = true) =>
            New(level, drs).Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11", "pay-db"))
                .Vm("vm-2", "host-2", Scoped("OutOfScope", Office, "10.0.20.21", "print"));

        [Fact]
        public void Fully_automated_drs_can_bring_them_together_which_strict_fails_per_host()
        {
            var findings = Analyze(Apart().Build(), Strict);
            Assert.Empty(findings.Rule(A.MixedScopeHost));
            var potential = findings.Rule(A.PotentialMixedScopeHost);
            Assert.Equal(new[] { "esx-1.test", "esx-2.test" }, potential.SelectMany(f => f.Hosts).OrderBy(h => h));
            Assert.All(potential, f => Assert.Equal(FindingOutcome.Fail, f.Outcome));
            Assert.All(potential, f => Assert.Contains("DRS may do so on its own", f.Message));
            Assert.Contains(potential[0].Evidence, e => e.Contains("fullyAutomated"));
        }

        [Theory]
        [InlineData(DrsAutomationLevel.Manual, true)]
        [InlineData(DrsAutomationLevel.PartiallyAutomated, true)]
        [InlineData(DrsAutomationLevel.FullyAutomated, false)]
        public void Without_automatic_drs_moves_it_is_a_warning(DrsAutomationLevel level, bool drsEnabled)
        {
            var potential = Analyze(Apart(level, drsEnabled).Build(), Strict).Rule(A.PotentialMixedScopeHost);
            Assert.Equal(2, potential.Count);
            Assert.All(potential, f => Assert.Equal(FindingOutcome.Warning, f.Outcome));
            Assert.All(potential, f => Assert.Contains("by vMotion or HA", f.Message));
        }

        [Fact]
        public void A_per_vm_drs_override_to_manual_takes_the_vm_out_of_automatic_moves()
        {
            var lab = Apart().ChangeCluster("domain-c1", c => c with
            {
                DrsVmOverrides = new[] { new DrsVmOverride { VmId = "vm-1", Behavior = DrsAutomationLevel.Manual }, new DrsVmOverride { VmId = "vm-2", Enabled = false } },
            });
            Assert.All(Analyze(lab.Build(), Strict).Rule(A.PotentialMixedScopeHost), f => Assert.Equal(FindingOutcome.Warning, f.Outcome));
        }

        [Fact]
        public void A_mandatory_vm_host_rule_that_keeps_them_apart_clears_the_finding_and_a_should_rule_does_not()
        {
            Lab WithRule(bool mandatory) => Apart().ChangeCluster("domain-c1", c => c with
            {
                VmGroups = new[] { new ClusterGroup { Name = "cde-vms", Members = new[] { "vm-1" } }, new ClusterGroup { Name = "office-vms", Members = new[] { "vm-2" } } },
                HostGroups = new[] { new ClusterGroup { Name = "cde-hosts", Members = new[] { "host-1" } }, new ClusterGroup { Name = "office-hosts", Members = new[] { "host-2" } } },
                Rules = new[]
                {
                    new ClusterRule { Name = "cde-on-cde-hosts", Kind = ClusterRuleKind.VmHost, Mandatory = mandatory, VmGroup = "cde-vms", AffineHostGroup = "cde-hosts" },
                    new ClusterRule { Name = "office-on-office-hosts", Kind = ClusterRuleKind.VmHost, Mandatory = mandatory, VmGroup = "office-vms", AffineHostGroup = "office-hosts" },
                },
            });
            Assert.Empty(Analyze(WithRule(true).Build(), Strict).Rule(A.PotentialMixedScopeHost));
            Assert.Equal(2, Analyze(WithRule(false).Build(), Strict).Rule(A.PotentialMixedScopeHost).Count);
        }

        [Fact]
        public void An_anti_affinity_rule_covering_every_pair_keeps_them_apart()
        {
            var lab = Apart().ChangeCluster("domain-c1", c => c with
            {
                Rules = new[] { new ClusterRule { Name = "apart", Kind = ClusterRuleKind.VmAntiAffinity, VmIds = new[] { "vm-1", "vm-2" } } },
            });
            Assert.Empty(Analyze(lab.Build(), Strict).Rule(A.PotentialMixedScopeHost));
            // A third, uncovered out-of-scope VM brings the finding back.
            lab.Vm("vm-3", "host-2", Scoped("OutOfScope", Office, "10.0.20.22"));
            Assert.NotEmpty(Analyze(lab.Build(), Strict).Rule(A.PotentialMixedScopeHost));
        }

        [Fact]
        public void Hypervisor_isolation_accepts_a_potential_mix_on_hardened_separated_hosts_only()
        {
            var lab = Apart();
            lab.Hosts[1] = lab.Hosts[1] with { LockdownMode = LockdownMode.LockdownDisabled };
            var potential = Analyze(lab.Build(), Isolation).Rule(A.PotentialMixedScopeHost).ToDictionary(f => f.Hosts.Single());
            Assert.Equal(FindingOutcome.Info, potential["esx-1.test"].Outcome);
            Assert.Equal(FindingOutcome.Fail, potential["esx-2.test"].Outcome);
            Assert.Contains(potential["esx-2.test"].Evidence, e => e.StartsWith("Condition 3 NOT met", StringComparison.Ordinal));
        }

        [Fact]
        public void Vms_on_standalone_hosts_cannot_be_moved_together()
        {
            var lab = New();
            lab.Host("host-9", null, h => h with { DvsIds = new[] { "dvs-1" }, NetworkIds = lab.Networks.Select(n => n.Id).ToArray() });
            lab.Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11")).Vm("vm-2", "host-9", Scoped("OutOfScope", Office, "10.0.20.21"));
            Assert.Empty(Analyze(lab.Build(), Strict).Rule(A.PotentialMixedScopeHost));
        }

        // ---- shared segment, two NICs, trunks, switch policy ---------------------------------------------

        [Theory]
        [InlineData(Strict)]
        [InlineData(Isolation)]
        public void Cde_and_out_of_scope_vms_on_one_portgroup_fail_under_both_readings(PciInterpretation interpretation)
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11", "pay-db")).Vm("vm-2", "host-2", Scoped("OutOfScope", Cde, "10.0.10.50", "test-db"));
            var f = Analyze(lab.Build(), interpretation).Rule(A.SharedSegment).Single();
            Assert.Equal(FindingOutcome.Fail, f.Outcome);
            Assert.Equal(Severity.Critical, f.Severity);
            Assert.Equal(new[] { "dvpg-cde" }, f.Networks);
            Assert.Contains("11.4.5", f.PciDss);
            Assert.Contains(f.Evidence, e => e.Contains("No enabled traffic filter"));
        }

        [Fact]
        public void Different_portgroups_with_the_same_vlan_on_the_same_switch_are_one_segment()
        {
            var lab = New(extraNetworks: Portgroup("dvportgroup-11", "dvpg-test", 10));
            lab.Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11")).Vm("vm-2", "host-2", Scoped("OutOfScope", "dvportgroup-11", "10.0.10.50"));
            var f = Analyze(lab.Build(), Strict).Rule(A.SharedSegment).Single();
            Assert.Equal(new[] { "dvpg-cde", "dvpg-test" }, f.Networks);
            Assert.Contains("VLAN 10", f.Message);
        }

        [Fact]
        public void The_same_vlan_on_another_switch_is_another_segment()
        {
            var lab = New(extraNetworks: Portgroup("dvportgroup-11", "dvpg-other", 10, dvs: "dvs-2"));
            lab.Switches.Add(new DistributedSwitch { Id = "dvs-2", Name = "dvs-other", DatacenterId = "datacenter-1" });
            lab.Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11")).Vm("vm-2", "host-2", Scoped("OutOfScope", "dvportgroup-11", "10.0.10.50"));
            Assert.Empty(Analyze(lab.Build(), Strict).Rule(A.SharedSegment));
        }

        private static Lab FilteredSegment(params TrafficRule[] rules)
        {
            var lab = New();
            lab.Networks[1] = lab.Networks[1] with { TrafficFilter = new TrafficFilter { Rules = rules } };
            return lab.Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11")).Vm("vm-2", "host-2", Scoped("OutOfScope", Cde, "10.0.10.50"));
        }

        [Theory]
        [InlineData(Strict)]
        [InlineData(Isolation)]
        public void A_filter_that_drops_both_directions_separates_and_leaves_only_evidence(PciInterpretation interpretation)
        {
            var lab = FilteredSegment(
                new TrafficRule { Sequence = 10, Description = "https from office", Direction = PortDirection.ToVm, Action = TrafficAction.Allow, Protocol = 6, SourceAddresses = new[] { "10.0.10.0/24" }, DestinationPorts = "443" },
                new TrafficRule { Sequence = 20, Description = "nothing else", Direction = TrafficDirection.Both, Action = TrafficAction.Drop });
            var f = Analyze(lab.Build(), interpretation).Rule(A.SharedSegment).Single();
            Assert.Equal(FindingOutcome.Info, f.Outcome);
            Assert.Contains(f.Evidence, e => e.StartsWith("Permitted exception", StringComparison.Ordinal) && e.Contains("https from office"));
        }

        [Fact]
        public void Drop_rules_for_incoming_traffic_on_a_shared_portgroup_separate_both_ways()
        {
            // Both ports carry the filter: each direction is dropped where it enters the other VM.
            var lab = FilteredSegment(new TrafficRule { Sequence = 10, Description = "inbound", Direction = PortDirection.ToVm, Action = TrafficAction.Drop });
            Assert.Equal(FindingOutcome.Info, Analyze(lab.Build(), Strict).Rule(A.SharedSegment).Single().Outcome);
        }

        [Fact]
        public void A_filter_that_drops_only_incoming_traffic_on_the_cde_side_does_not_separate()
        {
            var lab = New(extraNetworks: Portgroup("dvportgroup-11", "dvpg-test", 10));
            lab.Networks[1] = lab.Networks[1] with
            {
                TrafficFilter = new TrafficFilter { Rules = new[] { new TrafficRule { Sequence = 10, Description = "inbound", Direction = PortDirection.ToVm, Action = TrafficAction.Drop } } },
            };
            lab.Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11")).Vm("vm-2", "host-2", Scoped("OutOfScope", "dvportgroup-11", "10.0.10.50"));
            var f = Analyze(lab.Build(), Strict).Rule(A.SharedSegment).Single();
            Assert.Equal(FindingOutcome.Fail, f.Outcome);
            Assert.Contains(f.Evidence, e => e.Contains("is allowed") && e.Contains("10.0.10.11"));
        }

        [Fact]
        public void A_filter_naming_addresses_cannot_separate_a_vm_whose_address_is_unknown()
        {
            var lab = New();
            lab.Networks[1] = lab.Networks[1] with
            {
                TrafficFilter = new TrafficFilter { Rules = new[] { new TrafficRule { Sequence = 10, Direction = TrafficDirection.Both, Action = TrafficAction.Drop, SourceAddresses = new[] { "10.0.10.0/24" } } } },
            };
            lab.Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11")).Vm("vm-2", "host-2", Scoped("OutOfScope", Cde, null));
            var f = Analyze(lab.Build(), Strict).Rule(A.SharedSegment).Single();
            Assert.Equal(FindingOutcome.Fail, f.Outcome);
            Assert.Contains(f.Evidence, e => e.Contains("cannot be shown to be dropped"));
        }

        [Fact]
        public void A_filter_on_the_cde_vms_own_port_separates_too()
        {
            var drop = new TrafficFilter { Rules = new[] { new TrafficRule { Sequence = 10, Direction = TrafficDirection.Both, Action = TrafficAction.Drop } } };
            var lab = New().Vm("vm-1", "host-1", v => Scoped("CDE", Cde, "10.0.10.11")(v) with { Nics = new[] { Nic(4000, Cde, "10.0.10.11") with { PortKey = "7", PortFilter = drop } } })
                .Vm("vm-2", "host-2", Scoped("OutOfScope", Cde, "10.0.10.50"));
            var f = Analyze(lab.Build(), Strict).Rule(A.SharedSegment).Single();
            Assert.Equal(FindingOutcome.Info, f.Outcome);
            Assert.Contains(f.Evidence, e => e.Contains("on the VMs' ports"));
        }

        [Fact]
        public void A_disabled_filter_does_not_separate()
        {
            var lab = FilteredSegment(new TrafficRule { Sequence = 10, Direction = TrafficDirection.Both, Action = TrafficAction.Drop });
            lab.Networks[1] = lab.Networks[1] with { TrafficFilter = lab.Networks[1].TrafficFilter with { Enabled = false } };
            Assert.Equal(FindingOutcome.Fail, Analyze(lab.Build(), Strict).Rule(A.SharedSegment).Single().Outcome);
        }

        [Fact]
        public void A_cde_vm_with_a_second_nic_on_the_office_segment_shares_that_segment()
        {
            var lab = New().Vm("vm-1", "host-1", v => Scoped("CDE", Cde, "10.0.10.11", "pay-app")(v) with
            {
                Nics = new[] { Nic(4000, Cde, "10.0.10.11"), Nic(4001, Office, "10.0.20.11") },
            }).Vm("vm-2", "host-2", Scoped("OutOfScope", Office, "10.0.20.21", "print"));
            var f = Analyze(lab.Build(), Isolation).Rule(A.SharedSegment).Single();
            Assert.Equal(new[] { "dvpg-office" }, f.Networks);
            Assert.Equal(new[] { "pay-app", "print" }, f.Vms);
        }

        [Theory]
        [InlineData(Strict)]
        [InlineData(Isolation)]
        public void A_connected_vm_with_nics_on_cde_and_office_segments_is_dual_homed(PciInterpretation interpretation)
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11"))
                .Vm("vm-2", "host-2", Scoped("OutOfScope", Office, "10.0.20.21"))
                .Vm("vm-3", "host-2", v => Scoped("Connected", Cde, null, "jump")(v) with { Nics = new[] { Nic(4000, Cde, "10.0.10.5"), Nic(4001, Office, "10.0.20.5") } });
            var findings = Analyze(lab.Build(), interpretation);
            var f = findings.Rule(A.DualHomedVm).Single();
            Assert.Equal(FindingOutcome.Warning, f.Outcome);
            Assert.Equal(new[] { "jump" }, f.Vms);
            Assert.Empty(findings.Rule(A.SharedSegment));
        }

        private static Lab Trunk(string attachedScope)
        {
            var lab = New(extraNetworks: Portgroup("dvportgroup-30", "dvpg-trunk", 0) with
            {
                VlanId = null,
                VlanTrunkRanges = new[] { new VlanRange { Start = 1, End = 15 } },
            });
            lab.Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11"));
            if (attachedScope != null) lab.Vm("vm-2", "host-2", Scoped(attachedScope, "dvportgroup-30", null, "sensor"));
            return lab;
        }

        [Theory]
        [InlineData("OutOfScope", FindingOutcome.Fail)]
        [InlineData("Connected", FindingOutcome.Warning)]
        [InlineData(null, FindingOutcome.Warning)]
        public void A_trunk_carrying_a_cde_vlan_is_reported_by_who_is_on_it(string attachedScope, FindingOutcome expected)
        {
            foreach (var interpretation in new[] { Strict, Isolation })
            {
                var f = Analyze(Trunk(attachedScope).Build(), interpretation).Rule(A.TrunkCarriesCde).Single();
                Assert.Equal(expected, f.Outcome);
                Assert.Equal(new[] { "dvpg-trunk" }, f.Networks);
                Assert.Contains(f.Evidence, e => e.Contains("dvpg-cde (VLAN 10)"));
            }
        }

        [Fact]
        public void A_trunk_whose_ranges_miss_the_cde_vlan_is_not_reported()
        {
            var lab = Trunk("OutOfScope");
            var i = lab.Networks.FindIndex(n => n.Id == "dvportgroup-30");
            lab.Networks[i] = lab.Networks[i] with { VlanTrunkRanges = new[] { new VlanRange { Start = 100, End = 200 } } };
            Assert.Empty(Analyze(lab.Build(), Strict).Rule(A.TrunkCarriesCde));
        }

        [Fact]
        public void A_standard_vgt_portgroup_carries_the_vlans_of_its_vswitch()
        {
            var lab = new Lab().Cluster("domain-c1", "Prod");
            lab.Networks.Add(new Network { Id = "network-2", Name = "CDE", Kind = NetworkKind.StandardPortgroup, DatacenterId = "datacenter-1" });
            lab.Networks.Add(new Network { Id = "network-3", Name = "All VLANs", Kind = NetworkKind.StandardPortgroup, DatacenterId = "datacenter-1" });
            lab.Host("host-1", "domain-c1", h => h with
            {
                NetworkIds = new[] { "network-1", "network-2", "network-3" },
                Portgroups = h.Portgroups.Concat(new[]
                {
                    new HostPortgroup { Name = "CDE", VSwitch = "vSwitch0", VlanId = 10 },
                    new HostPortgroup { Name = "All VLANs", VSwitch = "vSwitch0", VlanId = 4095 },
                }).ToArray(),
            });
            lab.Vm("vm-1", "host-1", Scoped("CDE", "network-2", "10.0.10.11")).Vm("vm-2", "host-1", Scoped("OutOfScope", "network-3", null));
            var f = Analyze(lab.Build(), Strict).Rule(A.TrunkCarriesCde).Single();
            Assert.Equal(FindingOutcome.Fail, f.Outcome);
            Assert.Equal(new[] { "All VLANs" }, f.Networks);
        }

        [Theory]
        [InlineData(true, false, Severity.High)]
        [InlineData(false, true, Severity.Medium)]
        public void An_insecure_switch_policy_on_a_cde_segment_fails(bool promiscuous, bool forged, Severity severity)
        {
            foreach (var interpretation in new[] { Strict, Isolation })
            {
                var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11"));
                lab.Networks[1] = lab.Networks[1] with { Security = new SecurityPolicy { AllowPromiscuous = promiscuous, ForgedTransmits = forged } };
                var f = Analyze(lab.Build(), interpretation).Rule(A.InsecureSwitchPolicy).Single();
                Assert.Equal(FindingOutcome.Fail, f.Outcome);
                Assert.Equal(severity, f.Severity);
            }
        }

        [Fact]
        public void An_insecure_policy_without_cde_vms_is_not_a_separation_finding()
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("OutOfScope", Office, "10.0.20.21"));
            lab.Networks[2] = lab.Networks[2] with { Security = new SecurityPolicy { AllowPromiscuous = true } };
            Assert.Empty(Analyze(lab.Build(), Strict).Rule(A.InsecureSwitchPolicy));
        }

        [Fact]
        public void A_standard_portgroup_inherits_the_esxi_defaults_when_its_switch_sets_nothing()
        {
            var lab = new Lab().Cluster("domain-c1", "Prod");
            lab.Host("host-1", "domain-c1", h => h with { StandardSwitches = new[] { new StandardSwitch { Name = "vSwitch0" } } });
            lab.Vm("vm-1", "host-1", Scoped("CDE", "network-1", "10.0.20.11"));
            var f = Analyze(lab.Build(), Strict).Rule(A.InsecureSwitchPolicy).Single();
            Assert.Contains(f.Evidence, e => e.Contains("VM Network on esx-1.test: macChanges, forgedTransmits"));
        }

        // ---- in-scope hosts, datastores, scope ------------------------------------------------------

        [Theory]
        [InlineData(Strict)]
        [InlineData(Isolation)]
        public void Hosts_that_run_or_can_run_cde_vms_are_held_to_the_baseline(PciInterpretation interpretation)
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11", "pay-db"));
            lab.Hosts[1] = Lab.WithService(lab.Hosts[1], "TSM-SSH", true, ServicePolicy.On);
            var f = Analyze(lab.Build(), interpretation).Rule(A.InScopeHostControls).Single();
            Assert.Equal(FindingOutcome.Fail, f.Outcome);
            Assert.Equal(new[] { "esx-2.test" }, f.Hosts);
            Assert.Contains("can run CDE VM pay-db", f.Message);
            Assert.Contains(f.Evidence, e => e.StartsWith("esx-9.ssh:", StringComparison.Ordinal));
            Assert.Contains("2.2.1", f.PciDss);
        }

        [Fact]
        public void Out_of_scope_hosts_failing_the_baseline_are_not_separation_findings()
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("OutOfScope", Office, "10.0.20.21"));
            lab.Hosts[1] = Lab.WithService(lab.Hosts[1], "TSM-SSH", true, ServicePolicy.On);
            Assert.Empty(Analyze(lab.Build(), Strict).Rule(A.InScopeHostControls));
        }

        [Fact]
        public void A_disconnected_in_scope_host_is_unverified()
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11"));
            lab.Hosts[0] = lab.Hosts[0] with { ConnectionState = ConnectionState.NotResponding };
            var f = Analyze(lab.Build(), Strict).Rule(A.InScopeHostUnverified).Single();
            // Nothing about it could be verified: not a pass, not a failure either.
            Assert.Equal(FindingOutcome.NotEvaluated, f.Outcome);
            Assert.Contains("NotResponding", f.Message);
        }

        [Theory]
        [InlineData(Strict, FindingOutcome.Warning)]
        [InlineData(Isolation, FindingOutcome.Info)]
        public void A_datastore_shared_by_cde_and_out_of_scope_vms(PciInterpretation interpretation, FindingOutcome expected)
        {
            var f = Analyze(Apart().Build(), interpretation).Rule(A.SharedDatastore).Single();
            Assert.Equal(expected, f.Outcome);
            Assert.Equal(new[] { "shared" }, f.Datastores);
        }

        [Fact]
        public void Separate_datastores_are_not_shared()
        {
            var lab = Apart();
            lab.Datastores.Add(new Datastore { Id = "datastore-2", Name = "cde-only" });
            lab.Hosts[0] = lab.Hosts[0] with { DatastoreIds = new[] { "datastore-1", "datastore-2" } };
            lab.Hosts[1] = lab.Hosts[1] with { DatastoreIds = new[] { "datastore-1", "datastore-2" } };
            lab.Vms[0] = lab.Vms[0] with { DatastoreIds = new[] { "datastore-2" } };
            Assert.Empty(Analyze(lab.Build(), Strict).Rule(A.SharedDatastore));
        }

        [Theory]
        [InlineData(Strict)]
        [InlineData(Isolation)]
        public void Unknown_scope_vms_on_in_scope_hosts_or_cde_segments_must_be_confirmed(PciInterpretation interpretation)
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11"))
                .Vm("vm-2", "host-1", Scoped(null, Office, null, "mystery-host"))
                .Vm("vm-3", "host-2", Scoped(null, Cde, null, "mystery-segment"));
            var findings = Analyze(lab.Build(), interpretation).Rule(A.UnknownScopeVm);
            Assert.Equal(new[] { "mystery-host", "mystery-segment" }, findings.SelectMany(f => f.Vms).OrderBy(n => n));
            Assert.All(findings, f => Assert.Equal(new[] { "12.5.2" }, f.PciDss));
            Assert.Contains(findings, f => f.Networks.Contains("dvpg-cde"));
        }

        [Fact]
        public void An_unknown_scope_vm_that_can_be_moved_to_a_cde_host_must_be_confirmed()
        {
            // host-2 runs only the unknown VM; a mandatory rule keeps the CDE VM on host-1, so host-2 is out of scope.
            var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11")).Vm("vm-2", "host-2", Scoped(null, Office, null, "mystery"))
                .ChangeCluster("domain-c1", c => c with
                {
                    VmGroups = new[] { new ClusterGroup { Name = "cde", Members = new[] { "vm-1" } } },
                    HostGroups = new[] { new ClusterGroup { Name = "cde-hosts", Members = new[] { "host-1" } } },
                    Rules = new[] { new ClusterRule { Name = "pin", Kind = ClusterRuleKind.VmHost, Mandatory = true, VmGroup = "cde", AffineHostGroup = "cde-hosts" } },
                });
            var f = Analyze(lab.Build(), Strict).Rule(A.UnknownScopeVm).Single();
            Assert.Contains("can be moved to in-scope hosts (esx-1.test)", f.Message);
        }

        [Fact]
        public void Unknown_scope_vms_away_from_the_cde_are_not_reported()
        {
            var lab = new Lab().Cluster("domain-c1", "Office").Host("host-1", "domain-c1")
                .Vm("vm-1", "host-1", Scoped("OutOfScope", "network-1", "10.0.20.21")).Vm("vm-2", "host-1", Scoped(null, "network-1", null));
            Assert.Empty(Analyze(lab.Build(), Strict).Rule(A.UnknownScopeVm));
        }

        [Fact]
        public void Conflicting_sources_are_a_finding_with_every_claim()
        {
            var lab = New().Vm("vm-1", "host-1", v => Scoped("CDE", Cde, "10.0.10.11", "batch")(v) with
            {
                Tags = new[] { new VmTag { Category = "PCI-Scope", Name = "Connected" } },
            });
            var f = Analyze(lab.Build(), Strict).Rule(A.ScopeConflict).Single();
            Assert.Equal(FindingOutcome.Warning, f.Outcome);
            Assert.Equal(2, f.Evidence.Count);
            Assert.Contains("treated as CDE", f.Message);
        }

        [Fact]
        public void Templates_are_never_placed_or_reported()
        {
            var lab = New().Vm("vm-1", "host-1", Scoped("CDE", Cde, "10.0.10.11")).Vm("vm-2", "host-1", v => Scoped("OutOfScope", Cde, null)(v) with { Template = true });
            var findings = Analyze(lab.Build(), Strict);
            Assert.Empty(findings.Rule(A.MixedScopeHost));
            Assert.Empty(findings.Rule(A.SharedSegment));
        }

        // ---- summary ---------------------------------------------------------------------------

        [Fact]
        public void The_summary_counts_per_cluster_and_fails_only_on_fail_outcomes()
        {
            var inventory = Apart(DrsAutomationLevel.Manual).Build();
            var findings = Analyze(inventory, Strict);
            var summary = PciSeparationAnalyzer.Summarize(inventory, findings, Strict).Single();
            Assert.Equal("Prod", summary.Cluster);
            Assert.True(summary.Passed);
            Assert.Equal(0, summary.Fail);
            Assert.Equal(findings.Count(f => f.Outcome == FindingOutcome.Warning), summary.Warning);
            Assert.Equal(2, summary.ByRule[A.PotentialMixedScopeHost]);

            var failing = Analyze(Apart().Build(), Strict);
            Assert.False(PciSeparationAnalyzer.Summarize(inventory, failing, Strict).Single().Passed);
        }

        [Fact]
        public void Every_finding_names_objects_pci_ids_evidence_and_remediation()
        {
            var sample = InventorySnapshot.Read(Lab.SamplePath);
            foreach (var interpretation in new[] { Strict, Isolation })
            {
                var findings = Analyze(sample, interpretation);
                Assert.NotEmpty(findings);
                Assert.All(findings, f =>
                {
                    Assert.Contains(f.RuleId, A.RuleIds);
                    Assert.NotEmpty(f.PciDss);
                    Assert.NotEmpty(f.Evidence);
                    Assert.False(string.IsNullOrWhiteSpace(f.Remediation));
                    Assert.True(f.Hosts.Count + f.Vms.Count + f.Datastores.Count + f.Networks.Count > 0, f.Message);
                    Assert.Contains(f.Hosts.Concat(f.Vms).Concat(f.Datastores).Concat(f.Networks), name => f.Message.Contains(name));
                    Assert.Equal(interpretation, f.Interpretation);
                });
            }
        }

        [Fact]
        public void The_sample_lab_reads_differently_under_the_two_interpretations()
        {
            var sample = InventorySnapshot.Read(Lab.SamplePath);
            var strict = Analyze(sample, Strict);
            var isolation = Analyze(sample, Isolation);
            PciSeparationFinding Mixed(List<PciSeparationFinding> f, string host) => f.Rule(A.MixedScopeHost).Single(x => x.Hosts.Contains(host));
            // esx-pay-04 is hardened and its build agent is on a VLAN of its own.
            Assert.Equal(FindingOutcome.Fail, Mixed(strict, "esx-pay-04.lab.local").Outcome);
            Assert.Equal(FindingOutcome.Info, Mixed(isolation, "esx-pay-04.lab.local").Outcome);
            // esx-gen-01 is not hardened (lockdown off, shell timeout), so it fails both ways.
            Assert.Equal(FindingOutcome.Fail, Mixed(strict, "esx-gen-01.lab.local").Outcome);
            Assert.Equal(FindingOutcome.Fail, Mixed(isolation, "esx-gen-01.lab.local").Outcome);
            Assert.All(strict.Rule(A.SharedDatastore), f => Assert.Equal(FindingOutcome.Warning, f.Outcome));
            Assert.All(isolation.Rule(A.SharedDatastore), f => Assert.Equal(FindingOutcome.Info, f.Outcome));
            // The test database on the production DB VLAN, through another portgroup.
            var shared = strict.Rule(A.SharedSegment).Single();
            Assert.Equal(new[] { "dvpg-cde-db", "dvpg-pay-test" }, shared.Networks);
            Assert.Contains("pay-db-test-01", shared.Vms);
            Assert.Equal("pay-batch-01", strict.Rule(A.ScopeConflict).Single().Vms.Single());
        }
    }
}
