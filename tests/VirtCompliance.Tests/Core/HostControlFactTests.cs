using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Assessments;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Evaluation;
using VirtCompliance.Model;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    /// <summary>The host facts and the standard-switch scope added for the guides' controls.</summary>
    public class HostControlFactTests
    {
        private static readonly VirtCompliance.Model.Inventory Empty = new Lab().Build();

        private static FactValue Read(string fact, Host host) => Facts.Compile(fact)(ControlTarget.OfHost(host, null), Empty);

        [Fact]
        public void A_vswitch_that_accepts_fails_even_when_its_portgroups_override_it()
        {
            // Today's portgroups reject forged transmits; a portgroup added tomorrow inherits "accept".
            var inv = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1", h => h with
            {
                StandardSwitches = new[] { h.StandardSwitches[0] with { Security = new SecurityPolicy { AllowPromiscuous = false, MacChanges = false, ForgedTransmits = true } } },
                Portgroups = new[] { h.Portgroups[0] with { Security = new SecurityPolicy { ForgedTransmits = false } } },
            }).Build();
            var network = Assessment.Drift(inv, new AssessmentOptions { Baseline = Baseline.Load("scg"), IncludePass = true }).Networks
                .Where(n => n.ControlId == "esx-9.network-standard-reject-forged-transmit").ToArray();
            var vSwitch = Assert.Single(network, n => n.ObjectKind == NetworkObjectKind.StandardSwitch);
            Assert.Equal(Outcome.Fail, vSwitch.Outcome);
            Assert.Equal("vSwitch0", vSwitch.Network);
            Assert.Equal("vSwitch0", vSwitch.Switch);
            Assert.Equal("host-1#vSwitch0", vSwitch.NetworkId);
            Assert.Equal("esx-1.test", vSwitch.Host);
            var portgroup = Assert.Single(network, n => n.ObjectKind == NetworkObjectKind.StandardPortgroup);
            Assert.Equal(Outcome.Pass, portgroup.Outcome);
            Assert.Equal("VM Network", portgroup.Network);
        }

        [Fact]
        public void A_portgroup_that_overrides_to_accept_fails_on_a_vswitch_that_rejects()
        {
            var inv = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1", h => h with
            {
                Portgroups = new[] { h.Portgroups[0] with { Security = new SecurityPolicy { MacChanges = true } } },
            }).Build();
            var network = Assessment.Drift(inv, new AssessmentOptions { Baseline = Baseline.Load("scg") }).Networks
                .Where(n => n.ControlId == "esx-9.network-standard-reject-mac-changes").ToArray();
            var failing = Assert.Single(network);
            Assert.Equal(NetworkObjectKind.StandardPortgroup, failing.ObjectKind);
            Assert.Equal("VM Network", failing.Network);
        }

        [Fact]
        public void An_esxcli_control_reads_the_row_and_field_the_guides_script_reads()
        {
            var inv = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1").Host("host-2", "domain-c1", h => Lab.WithEsxCli(
                Lab.WithEsxCli(h, "system.ssh.server.config.list", "Value", "aes128-cbc,aes256-ctr", "Key", "ciphers"),
                "system.tls.server.get(showcurrentbootprofile=true)", "Profile", "COMPATIBLE")).Build();
            var esxcliIds = new HashSet<string>(ControlCatalog.BuiltIn.Controls.Where(c => c.Fact.StartsWith(Facts.EsxCliPrefix, StringComparison.Ordinal)).Select(c => c.Id), StringComparer.Ordinal);
            foreach (var baseline in new[] { "scg", "stig", "pci-dss" })
            {
                var esxcli = Assessment.Drift(inv, new AssessmentOptions { Baseline = Baseline.Load(baseline), IncludePass = true }).Hosts
                    .Where(d => esxcliIds.Contains(d.ControlId)).ToList();
                Assert.True(esxcli.Count >= 30, $"{baseline}: {esxcli.Count}");
                Assert.All(esxcli.Where(d => d.HostId == "host-1"), d => Assert.Equal(Outcome.Pass, d.Outcome));
                var failed = esxcli.Where(d => d.HostId == "host-2" && d.Outcome != Outcome.Pass).Select(d => d.ControlId).OrderBy(i => i, StringComparer.Ordinal).ToArray();
                // The configured profile is still NIST_2024; only the STIG reads the one the host booted with.
                Assert.Equal(baseline == "stig" ? new[] { "vc.ssh-ciphers", "vc.tls-profile-at-boot" } : new[] { "vc.ssh-ciphers" }, failed);
            }
            var ciphers = Assessment.Drift(inv, new AssessmentOptions { Baseline = Baseline.Load("stig"), ControlIds = new[] { "vc.ssh-ciphers" } }).Hosts.Single();
            Assert.Equal(("host-2", "aes128-cbc,aes256-ctr"), (ciphers.HostId, ciphers.Actual));
            Assert.Equal(new[] { "ESXI-80-000187" }, ciphers.Vsphere8Stig);
        }

        [Fact]
        public void An_esxcli_answer_the_host_did_not_give_is_not_evaluated_and_a_missing_row_fails()
        {
            var h = Lab.CompliantHost("host-1", null);
            Assert.True(Read("esxcli:system.tls.server.get.Profile", h with { EsxCli = null }).IsNotReported);
            Assert.Contains("Get-EsxCli -V2", Read("esxcli:system.tls.server.get.Profile", h with { EsxCli = null }).NotReportedReason);
            var notRead = h.WithNotReported(DataArea.EsxCli, "the server refused ESXCLI on this host (NoPermission)");
            Assert.Equal("the server refused ESXCLI on this host (NoPermission)", Read("esxcli:system.account.list[UserID=dcui].Shellaccess", notRead).NotReportedReason);
            // One command that failed on the host: only its controls are not evaluated.
            var oneFailed = h.WithNotReported(DataArea.EsxCliCommand("system.tls.server.get"), "esxcli system tls server get failed on this host: Unknown command");
            Assert.Equal("esxcli system tls server get failed on this host: Unknown command", Read("esxcli:system.tls.server.get.Profile", oneFailed).NotReportedReason);
            Assert.Equal("NIST_2024", Read("esxcli:system.tls.server.get(showcurrentbootprofile=true).Profile", oneFailed).Scalar);
            // A command this inventory has no answer for (a snapshot from before a control was added) is not a value either.
            Assert.True(Read("esxcli:system.security.fips140.rhttpproxy.get.Enabled", h).IsNotReported);
            // The row selector matches as PowerShell's -eq does (case-insensitively); a row that is not there is absent, not unread.
            Assert.Equal("false", Read("esxcli:system.account.list[UserID=DCUI].Shellaccess", h).Scalar);
            Assert.True(Read("esxcli:system.account.list[UserID=nobody].Shellaccess", h).IsAbsent);
            Assert.Equal("false", Read("esxcli:system.settings.kernel.list[Name=disableHwrng].Configured", h).Scalar);
            foreach (var bad in new[] { "esxcli:", "esxcli:system", "esxcli:system.tls.server.get.", "esxcli:System.tls.get.Profile",
                "esxcli:system.tls.server.get(a=1,a=2).Profile", "esxcli:system.account.list[UserID].Shellaccess", "esxcli:system.tls.server.get(x).Profile" })
                Assert.Throws<ArgumentException>(() => Facts.Compile(bad));
            var q = EsxCliQuery.Parse("system.tls.server.get(showprofiledefaults=false,showcurrentbootprofile=true).Profile");
            Assert.Equal("system.tls.server.get(showcurrentbootprofile=true,showprofiledefaults=false)", q.CommandKey);
            Assert.Equal("esxcli system tls server get --showcurrentbootprofile=true --showprofiledefaults=false", q.CommandLine);
            Assert.Equal(("system.tls.server", "get"), (q.Namespace, q.Verb));
        }

        [Fact]
        public void Unread_host_data_is_not_evaluated_and_read_data_is_judged()
        {
            var old = Lab.CompliantHost("host-1", null) with { LockdownExceptionUsers = null, UefiSecureBoot = null, VmkernelNics = null, IscsiAdapters = null };
            foreach (var fact in new[] { "host.lockdownExceptionUsers", "host.uefiSecureBoot", "vmknics.shared:management", "iscsi.withoutMutualChap" })
                Assert.True(Read(fact, old).IsNotReported, fact);

            var host = Lab.CompliantHost("host-1", null) with
            {
                LockdownExceptionUsers = new[] { "svc-backup" },
                VmkernelNics = new[]
                {
                    new VmkernelNic { Device = "vmk0", Services = new[] { "management", "vmotion" } },
                    new VmkernelNic { Device = "vmk1", Services = new[] { "vsan" } },
                    new VmkernelNic { Device = "vmk2", Services = new[] { "vmotion", "vSphereProvisioning" } },
                },
                IscsiAdapters = new[]
                {
                    new IscsiAdapter { Device = "vmhba64", ChapType = "chapRequired", MutualChapType = "chapRequired" },
                    new IscsiAdapter { Device = "vmhba65", ChapType = "chapRequired", MutualChapType = "chapProhibited" },
                },
            };
            Assert.Equal(new[] { "svc-backup" }, Read("host.lockdownExceptionUsers", host).List);
            Assert.Equal(new[] { "vmk0 (management, vmotion)" }, Read("vmknics.shared:management", host).List);
            // The STIG allows provisioning beside vMotion.
            Assert.Equal(new[] { "vmk0 (management, vmotion)" }, Read("vmknics.shared:vmotion", host).List);
            Assert.Empty(Read("vmknics.shared:vsan", host).List!);
            Assert.Equal(new[] { "vmhba65 (CHAP chapRequired, mutual chapProhibited)" }, Read("iscsi.withoutMutualChap", host).List);
            Assert.Equal("true", Read("host.uefiSecureBoot", host).Scalar);
            Assert.Throws<ArgumentException>(() => Facts.Compile("vmknics.shared:faultToleranceLogging"));
        }

        [Fact]
        public void The_ad_admin_group_fails_at_its_default_and_case_insensitively()
        {
            var control = Baseline.Load("scg").Controls.Single(c => c.Id == "esx-9.ad-admin-group-name");
            var host = Lab.CompliantHost("host-1", null);
            var options = host.AdvancedOptions.Where(kv => kv.Key != "Config.HostAgent.plugins.hostsvc.esxAdminsGroup").ToDictionary(kv => kv.Key, kv => kv.Value);
            var unset = control.Reader!(ControlTarget.OfHost(host with { AdvancedOptions = options }, null), Empty);
            Assert.True(unset.IsDefault);
            Assert.False(control.Expectation!.Test(unset));
            Assert.False(control.Expectation.Test(Read("option:Config.HostAgent.plugins.hostsvc.esxAdminsGroup", Lab.WithOption(host, "Config.HostAgent.plugins.hostsvc.esxAdminsGroup", "esx admins"))));
            Assert.True(control.Expectation.Test(Read("option:Config.HostAgent.plugins.hostsvc.esxAdminsGroup", host)));
        }

        [Theory]
        [InlineData("8.0.3.0", "8.0.2.0")]
        [InlineData("8.0.2.0", "8.0.2.0")]
        [InlineData("8.0.1.0", "7.0.2.0")]
        [InlineData("7.0.3.0", "7.0.2.0")]
        [InlineData("6.7.3", "6.7")]
        [InlineData("6.5", "6.7")]
        [InlineData(null, "6.7")]
        public void The_client_names_the_newest_version_it_reads_that_the_server_has(string apiVersion, string expected)
        {
            Assert.Equal(expected, VirtCompliance.Vim.VimClient.NegotiatedVersion(apiVersion));
        }
    }
}
