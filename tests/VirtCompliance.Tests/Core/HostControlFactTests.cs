using System;
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
        public void An_esxcli_control_is_never_evaluated_and_says_why()
        {
            var inv = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1").Build();
            var tls = Assessment.Drift(inv, new AssessmentOptions { Baseline = Baseline.Load("scg"), ControlIds = new[] { "esx-9.tls-ciphers" } }).Hosts.Single();
            Assert.Equal(Outcome.NotEvaluated, tls.Outcome);
            Assert.Equal("only ESXCLI can read this (esxcli system tls server); the vSphere API does not report it", tls.Reason);
            Assert.Equal(new[] { "ESXI-80-000247" }, tls.Vsphere8Stig);
            // Nothing to compare in peer mode either: the peer baseline leaves such controls out.
            Assert.DoesNotContain(Baseline.PeerOfAll().Controls, c => Facts.NeverReported(c.Fact));
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
            Assert.Throws<ArgumentException>(() => Facts.Compile("esxcli:"));
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
