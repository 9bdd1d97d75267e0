using System;
using System.IO;
using System.Linq;
using System.Text;
using VirtCompliance.Assessments;
using VirtCompliance.Controls;
using VirtCompliance.Evaluation;
using VirtCompliance.Model;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    /// <summary>VM controls: one result per VM, what an absent setting means, and what was not read.</summary>
    public class VmControlTests
    {
        private static Lab OneHost() => new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1");

        private static VmControlDrift[] Drift(VirtCompliance.Model.Inventory inv, string baseline = "scg", bool peer = false,
            string[] vms = null, string[] controls = null, VmPeerGroup peers = VmPeerGroup.Folder, bool includePass = false) =>
            Assessment.Drift(inv, new AssessmentOptions
            {
                Baseline = peer ? null : Baseline.Load(baseline), Peer = peer, Vms = vms, ControlIds = controls, VmPeers = peers,
                IncludePass = includePass, Objects = new[] { ControlScope.Vm },
            }).Vms.ToArray();

        [Fact]
        public void VM_results_come_by_cluster_then_VM_name_each_VM_with_its_controls_in_baseline_order_passes_included()
        {
            // Registered out of order, names differing in case, two clusters and a standalone VM.
            var inv = new Lab().Cluster("domain-c1", "prod").Cluster("domain-c2", "Dev").Host("host-1", "domain-c1").Host("host-2", "domain-c2").Host("host-3", null)
                .Vm("vm-5", "host-1", v => Lab.WithSetting(Lab.HardenedVm(v), "Isolation.Tools.Copy.Disable", "FALSE") with { Name = "b-web" })
                .Vm("vm-4", "host-3", v => Lab.HardenedVm(v) with { Name = "a-loose" })
                .Vm("vm-3", "host-1", v => Lab.HardenedVm(v) with { Name = "A-db" })
                .Vm("vm-2", "host-2", v => Lab.HardenedVm(v) with { Name = "z-dev" })
                .Vm("vm-1", "host-2", v => Lab.HardenedVm(v) with { Name = "c-dev" }).Build();
            var results = Drift(inv, includePass: true);
            Assert.Equal(new[] { "c-dev", "z-dev", "A-db", "b-web", "a-loose" }, results.Select(r => r.Vm).Distinct());
            var order = Baseline.Load("scg").Controls.Select(c => c.Id).ToList();
            foreach (var vm in results.GroupBy(r => r.VmId))
            {
                var ids = vm.Select(r => order.IndexOf(r.ControlId)).ToList();
                Assert.Equal(ids.OrderBy(i => i), ids);
            }
            Assert.Contains(results, r => r.Vm == "b-web" && r.Outcome == Outcome.Fail);
        }

        [Fact]
        public void A_hardened_VM_passes_every_VM_control_of_the_scg_baseline_and_absent_safe_settings_count_as_their_default()
        {
            var inv = OneHost().Vm("vm-1", "host-1", Lab.HardenedVm).Build();
            Assert.Empty(Drift(inv));
            var copy = Drift(inv, includePass: true).Single(r => r.ControlId == "vm-9.deactivate-console-copy");
            Assert.Equal(Outcome.Pass, copy.Outcome);
            Assert.Equal("true (default)", copy.Actual);
        }

        [Theory]
        [InlineData("isolation.tools.copy.disable", "FALSE", "vm-9.deactivate-console-copy")]
        [InlineData("isolation.tools.paste.disable", "false", "vm-9.deactivate-console-paste")]
        [InlineData("tools.guestlib.enableHostInfo", "TRUE", "vm-9.restrict-host-info")]
        [InlineData("RemoteDisplay.maxConnections", "2", "vm-9.limit-console-connections")]
        [InlineData("tools.setInfo.sizeLimit", "2097152", "vm-9.limit-setinfo-size")]
        [InlineData("sched.mem.pshare.salt", "shared", "vm-9.transparentpagesharing-inter-vm-enabled")]
        [InlineData("ethernet0.filter1.name", "dvfilter-x", "vm-9.dvfilter")]
        [InlineData("bios.bootDeviceClasses", "allow:hd,cd", "vm-9.efi-boot-types")]
        public void A_failing_advanced_setting_fails_exactly_that_control_on_exactly_that_VM(string key, string value, string control)
        {
            var inv = OneHost().Vm("vm-1", "host-1", Lab.HardenedVm).Vm("vm-2", "host-1", v => Lab.WithSetting(Lab.HardenedVm(v), key, value)).Build();
            var drift = Drift(inv);
            var only = Assert.Single(drift);
            Assert.Equal(("vm-2", control, Outcome.Fail), (only.VmId, only.ControlId, only.Outcome));
            Assert.Equal("Prod", only.Cluster);
        }

        [Fact]
        public void Setting_keys_compare_case_insensitively_as_the_VMX_file_does()
        {
            var inv = OneHost().Vm("vm-1", "host-1", v => Lab.WithSetting(Lab.HardenedVm(v), "Isolation.Tools.Copy.Disable", "FALSE")).Build();
            Assert.Equal("vm-9.deactivate-console-copy", Assert.Single(Drift(inv)).ControlId);
        }

        [Fact]
        public void Devices_flags_encryption_boot_and_hardware_version_each_fail_their_control()
        {
            var inv = OneHost()
                .Vm("vm-1", "host-1", v => Lab.WithDevice(Lab.HardenedVm(v), new VmDevice { Type = "VirtualCdrom", Label = "CD/DVD drive 1", Connected = true, StartConnected = false }))
                .Vm("vm-2", "host-1", v => Lab.HardenedVm(v) with { Settings = Lab.HardenedVm(v).Settings! with { MigrateEncryption = "opportunistic", LoggingEnabled = false } })
                .Vm("vm-3", "host-1", v => Lab.HardenedVm(v) with { Settings = Lab.HardenedVm(v).Settings! with { HardwareVersion = "vmx-15", EfiSecureBootEnabled = false } })
                .Vm("vm-4", "host-1", v => Lab.WithDevice(Lab.HardenedVm(v), new VmDevice { Type = "VirtualDisk", Label = "Hard disk 2", DiskMode = "independent_nonpersistent" }))
                .Build();
            var fails = Drift(inv).Select(r => (r.VmId, r.ControlId)).ToArray();
            Assert.Equal(new[]
            {
                ("vm-1", "vm-9.remove-unnecessary-devices"),
                ("vm-2", "vm-9.log-enable"), ("vm-2", "vm-9.vmotion-encrypted"),
                ("vm-3", "vm-9.secure-boot"), ("vm-3", "vm-9.virtual-hardware"),
                ("vm-4", "vm-9.persistent-disk"),
            }.OrderBy(x => x).ToArray(), fails.OrderBy(x => x).ToArray());
            // The STIG's CD/DVD finding is about the drive being connected (connectable.connected).
            var cd = Assessment.Drift(inv, new AssessmentOptions
            {
                Baseline = Baseline.Parse(new MemoryStream(Encoding.UTF8.GetBytes("{\"name\":\"t\",\"controls\":[{\"id\":\"vc.vm-cdrom-connected\"}]}")), "t.json", "test"), Objects = new[] { ControlScope.Vm },
            }).Vms;
            Assert.Equal(("vm-1", "CD/DVD drive 1"), (Assert.Single(cd).VmId, cd[0].Actual));
        }

        [Fact]
        public void A_setting_the_collection_did_not_read_is_not_evaluated_never_passed_as_absent()
        {
            var lab = OneHost().Vm("vm-1", "host-1", Lab.HardenedVm);
            lab.VmExtraConfigKeys = new[] { "isolation.tools.paste.disable" };
            var drift = Drift(lab.Build(), controls: new[] { "vm-9.deactivate-console-*" }, includePass: true);
            var copy = drift.Single(r => r.ControlId == "vm-9.deactivate-console-copy");
            Assert.Equal(Outcome.NotEvaluated, copy.Outcome);
            Assert.Contains("did not read advanced setting isolation.tools.copy.disable", copy.Reason);
            Assert.Equal(Outcome.Pass, drift.Single(r => r.ControlId == "vm-9.deactivate-console-paste").Outcome);
        }

        [Fact]
        public void A_VM_without_settings_or_with_settings_not_reported_is_not_evaluated_with_the_reason()
        {
            var inv = OneHost().Vm("vm-1", "host-1")
                .Vm("vm-2", "host-1", v => Lab.HardenedVm(v) with { NotReported = new System.Collections.Generic.Dictionary<string, string> { [DataArea.VmSettings] = "NoPermission on config" } })
                .Vm("vm-3", "host-1", v => Lab.HardenedVm(v) with { Settings = Lab.HardenedVm(v).Settings! with { FtEncryptionMode = null } })
                .Build();
            var drift = Drift(inv);
            Assert.All(drift.Where(r => r.VmId == "vm-1"), r => Assert.Contains("has no settings for VM", r.Reason));
            Assert.All(drift.Where(r => r.VmId == "vm-2"), r => Assert.Equal("NoPermission on config", r.Reason));
            Assert.All(drift.Where(r => r.VmId != "vm-3"), r => Assert.Equal(Outcome.NotEvaluated, r.Outcome));
            var ft = Assert.Single(drift.Where(r => r.VmId == "vm-3"));
            Assert.Equal(("vm-9.ft-encrypted", Outcome.NotEvaluated), (ft.ControlId, ft.Outcome));
            Assert.Contains("Fault Tolerance encryption mode", ft.Reason);
        }

        [Fact]
        public void A_cluster_service_VM_is_not_judged_because_vCenter_manages_it()
        {
            var inv = OneHost().Vm("vm-1", "host-1", v => Lab.HardenedVm(v) with { Name = "vCLS-4f1e" }).Build();
            var drift = Drift(inv);
            Assert.NotEmpty(drift);
            Assert.All(drift, r => Assert.Equal(Outcome.NotEvaluated, r.Outcome));
            Assert.Contains("vSphere Cluster Service", drift[0].Reason);
        }

        [Fact]
        public void In_peer_mode_the_VMs_of_a_folder_vote_even_when_only_one_is_asked_about()
        {
            Vm InFolder(Vm v, string folder) => Lab.HardenedVm(v) with { Folder = folder };
            var inv = OneHost()
                .Vm("vm-1", "host-1", v => InFolder(v, "/DC/vm/Pay")).Vm("vm-2", "host-1", v => InFolder(v, "/DC/vm/Pay"))
                .Vm("vm-3", "host-1", v => Lab.WithSetting(InFolder(v, "/DC/vm/Pay"), "mks.enable3d", "TRUE"))
                .Vm("vm-4", "host-1", v => Lab.WithSetting(InFolder(v, "/DC/vm/Lab"), "mks.enable3d", "TRUE"))
                .Vm("vm-5", "host-1", v => InFolder(v, "/DC/vm/Lab"))
                .Build();
            var one = Drift(inv, peer: true, vms: new[] { "app-3" });
            var fail = Assert.Single(one, r => r.Outcome == Outcome.Fail);
            Assert.Equal(("vm-3", "vm-9.deactivate-non-essential-3d-features", "2 of 3 VMs"), (fail.VmId, fail.ControlId, fail.PeerAgreement));
            Assert.All(one, r => Assert.Equal("vm-3", r.VmId));
            // vm-4 and vm-5 disagree in their folder: no majority, so nothing to judge vm-4 by.
            var lab = Drift(inv, peer: true, vms: new[] { "app-4" }).Single(r => r.ControlId == "vm-9.deactivate-non-essential-3d-features");
            Assert.Equal((Outcome.NotEvaluated, true), (lab.Outcome, lab.NoMajority));
            // By cluster all five are peers, and the majority (false) flags vm-3 and vm-4.
            Assert.Equal(new[] { "vm-3", "vm-4" }, Drift(inv, peer: true, peers: VmPeerGroup.Cluster).Where(r => r.Outcome == Outcome.Fail).Select(r => r.VmId).OrderBy(x => x).ToArray());
        }

        [Fact]
        public void Host_drift_and_exposure_do_not_judge_VMs_and_an_empty_VM_list_judges_none()
        {
            var inv = OneHost().Vm("vm-1", "host-1", v => Lab.WithSetting(Lab.HardenedVm(v), "mks.enable3d", "TRUE")).Build();
            var all = Assessment.Drift(inv, new AssessmentOptions { Baseline = Baseline.Load("scg") });
            Assert.Single(all.Vms);
            Assert.Empty(Assessment.Drift(inv, new AssessmentOptions { Baseline = Baseline.Load("scg"), Objects = new[] { ControlScope.Host } }).Vms);
            Assert.Empty(Drift(inv, vms: Array.Empty<string>()));
        }

        [Fact]
        public void VM_settings_round_trip_through_a_snapshot_and_an_older_snapshot_reads_as_not_evaluated()
        {
            var inv = OneHost().Vm("vm-1", "host-1", v => Lab.WithDevice(Lab.WithSetting(Lab.HardenedVm(v), "mks.enable3d", "TRUE"),
                new VmDevice { Type = "VirtualFloppy", Label = "Floppy drive 1", Connected = false, StartConnected = false })).Build();
            var bytes = InventorySnapshot.ToBytes(inv);
            var back = InventorySnapshot.Read(new MemoryStream(bytes), "round-trip.json");
            Assert.Equal(bytes, InventorySnapshot.ToBytes(back));
            Assert.Equal(inv.VmExtraConfigKeys, back.VmExtraConfigKeys);
            Assert.Equal(Drift(inv).Select(r => r.ControlId), Drift(back).Select(r => r.ControlId));

            // The same VM written by an older release: schema 2, no settings, no keys read.
            var older = OneHost().Vm("vm-1", "host-1");
            older.VmExtraConfigKeys = null;
            var text = Encoding.UTF8.GetString(InventorySnapshot.ToBytes(older.Build())).Replace("\"schemaVersion\": 3", "\"schemaVersion\": 2");
            var read = InventorySnapshot.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "old.json");
            Assert.Null(read.VmExtraConfigKeys);
            Assert.All(Drift(read), r => Assert.Equal(Outcome.NotEvaluated, r.Outcome));
        }

        [Fact]
        public void The_sample_shows_VM_drift_of_every_kind_the_demo_talks_about()
        {
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var drift = Drift(inv, baseline: "pci-dss");
            Assert.Contains(drift, r => r.Vm == "pay-db-02" && r.ControlId == "vm-9.deactivate-console-paste" && r.Outcome == Outcome.Fail);
            Assert.Contains(drift, r => r.Vm == "pay-jump-01" && r.ControlId == "vm-9.deactivate-console-copy" && r.Outcome == Outcome.Fail);
            Assert.Contains(drift, r => r.Vm == "old-ftp-01" && r.Outcome == Outcome.NotEvaluated && r.Reason!.StartsWith("NoPermission"));
            Assert.DoesNotContain(drift, r => r.Vm == "pay-db-01" && r.ControlId.StartsWith("vm-9.deactivate-console"));
        }
    }
}
