using System.Linq;
using VirtCompliance.Assessments;
using VirtCompliance.Controls;
using VirtCompliance.Evaluation;
using VirtCompliance.Model;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    /// <summary>Switch, portgroup policy, cluster and vCenter controls: one result per object, nothing judged that was not read.</summary>
    public class EstateControlTests
    {
        private static DriftResult Drift(VirtCompliance.Model.Inventory inv, string baseline = "scg", bool includePass = false) =>
            Assessment.Drift(inv, new AssessmentOptions { Baseline = Baseline.Load(baseline), IncludePass = includePass });

        [Fact]
        public void The_sample_fails_its_vCenter_event_forwarding_SSH_and_password_expiry_and_its_switch_mirroring_once_each()
        {
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var drift = Drift(inv);
            var failing = drift.Estate.Where(d => d.Outcome == Outcome.Fail && d.ObjectKind == EstateObjectKind.VCenter).ToArray();
            Assert.Equal(new[] { "vcenter-9.events-remote-logging", "vcenter-9.ssh", "vcenter-9.vami-password-max-age" }, failing.Select(d => d.ControlId).OrderBy(i => i, System.StringComparer.Ordinal));
            var vcenter = failing[0];
            // Of the clusters, General runs without EVC.
            var evc = Assert.Single(drift.Estate, d => d.ObjectKind == EstateObjectKind.Cluster && d.Outcome == Outcome.Fail);
            Assert.Equal(("vcenter-9.service-resilience-evc", "General", "(empty)"), (evc.ControlId, evc.Object, evc.Actual));
            Assert.Equal((EstateObjectKind.VCenter, "vcsa-01.lab.local"), (vcenter.ObjectKind, vcenter.Object));
            Assert.Equal("false", failing.Single(d => d.ControlId == "vcenter-9.events-remote-logging").Actual);
            // The appliance passwords expire after 90 days: the guide wants no expiry, PCI DSS 8.3.9 at most 90 days.
            Assert.DoesNotContain(Drift(inv, "pci-dss").Estate, d => d.ControlId == "vcenter-9.vami-password-max-age");
            var mirroring = Assert.Single(drift.Networks, d => d.ControlId == "vcenter-9.network-restrict-port-mirroring");
            Assert.Equal((NetworkObjectKind.DistributedSwitch, "dvs-lab", "ids-tap"), (mirroring.ObjectKind, mirroring.Switch, mirroring.Actual));
            var overrides = Assert.Single(drift.Networks, d => d.ControlId == "vcenter-9.network-restrict-port-level-overrides");
            Assert.Equal("dvpg-shared-services", overrides.Network);
            // Clusters are judged too: every cluster of the sample has DRS and HA.
            Assert.Contains(Drift(inv, includePass: true).Estate, d => d.ObjectKind == EstateObjectKind.Cluster && d.ControlId == "vcenter-9.drs" && d.Outcome == Outcome.Pass);
        }

        [Fact]
        public void An_inventory_without_vCenter_switch_or_portgroup_settings_gives_not_evaluated_never_pass()
        {
            var lab = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1");
            lab.Switches.Add(new DistributedSwitch { Id = "dvs-1", Name = "dvs", HostIds = new[] { "host-1" } });
            lab.Networks.Add(new Network { Id = "dvportgroup-1", Name = "pg", Kind = NetworkKind.DistributedPortgroup, DvsId = "dvs-1", Security = SecurityPolicy.DistributedDefaults });
            var drift = Drift(lab.Build());
            Assert.All(drift.Estate.Where(d => d.ObjectKind == EstateObjectKind.VCenter), d => Assert.Equal(Outcome.NotEvaluated, d.Outcome));
            Assert.Contains(drift.Estate, d => d.Reason != null && d.Reason.Contains("no vCenter Server settings"));
            Assert.All(drift.Networks.Where(d => d.ObjectKind == NetworkObjectKind.DistributedSwitch), d => Assert.Equal(Outcome.NotEvaluated, d.Outcome));
            var reset = Assert.Single(drift.Networks, d => d.ControlId == "vcenter-9.network-reset-port");
            Assert.Equal(Outcome.NotEvaluated, reset.Outcome);
            Assert.Contains("no policy settings for portgroup pg", reset.Reason);
        }

        [Fact]
        public void A_vCenter_setting_the_collection_did_not_ask_for_is_not_evaluated_and_an_absent_one_takes_its_default()
        {
            var vcenter = new VCenterServer { Name = "vc", SettingKeys = new[] { "config.vpxd.hostPasswordLength" }, Settings = new System.Collections.Generic.Dictionary<string, string>() };
            var lab = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1");
            var built = lab.Build();
            var inv = new VirtCompliance.Model.Inventory(built.Source, built.CollectedAt, built.Collector, built.Datacenters, built.Clusters, built.Hosts, built.Networks,
                built.DistributedSwitches, built.Datastores, built.Vms, built.VmExtraConfigKeys, vcenter);
            var all = Drift(inv, includePass: true).Estate.Where(d => d.ObjectKind == EstateObjectKind.VCenter).ToArray();
            var length = Assert.Single(all, d => d.ControlId == "vcenter-9.vpxuser-length");
            Assert.Equal((Outcome.Pass, "32 (default)"), (length.Outcome, length.Actual));
            var syslog = Assert.Single(all, d => d.ControlId == "vcenter-9.events-remote-logging");
            Assert.Equal(Outcome.NotEvaluated, syslog.Outcome);
            Assert.Contains("did not read vCenter setting vpxd.event.syslog.enabled", syslog.Reason);
        }
    }
}
