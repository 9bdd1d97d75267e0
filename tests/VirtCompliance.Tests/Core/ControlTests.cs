using System;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Model;
using VirtCompliance.Common;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    public class ControlCatalogTests
    {
        [Fact]
        public void The_catalog_has_at_least_30_host_and_portgroup_controls_and_VM_controls_each_fully_described()
        {
            var controls = ControlCatalog.BuiltIn.Controls;
            Assert.True(controls.Count(c => !c.IsTemplate) >= 30, $"only {controls.Count} controls");
            Assert.Contains(controls, c => c.Scope == ControlScope.StandardPortgroup);
            Assert.Contains(controls, c => c.Scope == ControlScope.DistributedPortgroup);
            Assert.True(controls.Count(c => c.Scope == ControlScope.Vm) >= 24, "VM controls");
            foreach (var c in controls)
            {
                Assert.False(string.IsNullOrWhiteSpace(c.Title), c.Id);
                Assert.False(string.IsNullOrWhiteSpace(c.Remediation), c.Id);
                Assert.NotEmpty(c.PciDss);
                Assert.All(c.PciDss, p => Assert.Matches(@"^\d+(\.\d+)+$", p));
                Assert.True(c.Id.StartsWith("esx-9.") || c.Id.StartsWith("vcenter-9.") || c.Id.StartsWith("vm-9.") || c.Id.StartsWith("vc."), c.Id);
                if (!c.Id.StartsWith("vc.")) Assert.Equal(new[] { c.Id }, c.Scg);
            }
        }

        [Fact]
        public void Every_control_says_how_it_is_repaired_or_why_not()
        {
            var actions = new[] { "setOption", "setService", "setFirewallDefault", "restrictRulesets", "setLockdown", "esxcli", "setVmExtraConfig", "setVmConfig",
                "disconnectVmDevices", "setDvSwitch", "setDvPortgroup", "setStandardNetwork", "setVCenterOption", "setAppliance", "setCluster", "refuse" };
            foreach (var c in ControlCatalog.BuiltIn.Controls)
            {
                Assert.True(c.Fix != null, $"{c.Id} has no fix");
                Assert.Contains(c.Fix!.Action, actions);
                if (c.Fix.Action == "refuse") Assert.False(string.IsNullOrWhiteSpace(c.Fix.Reason), c.Id);
                if (c.Fix.Action == "esxcli") Assert.False(string.IsNullOrWhiteSpace(c.Fix.Command), c.Id);
                // An option fix names the option the control reads, and never a value that fails the control itself.
                if (c.Fix.Action == "setOption") Assert.StartsWith("option:", c.Fact);
                if (c.Fix.Action == "setVCenterOption") Assert.StartsWith("vcenter.setting:", c.Fact);
                if (c.Fix.Action == "disconnectVmDevices") Assert.StartsWith("vm.connectedDevices:", c.Fact);
                // "Not repaired yet" is not a reason: a refusal says why the change is not the tool's to make.
                if (c.Fix.Action == "refuse") Assert.DoesNotContain("not repaired yet", c.Fix.Reason);
            }
            // Software is never installed or removed by a repair.
            Assert.Equal("refuse", ControlCatalog.BuiltIn.Find("esx-9.vib-acceptance-level-supported")!.Fix!.Action);
        }

        [Theory]
        [InlineData("esx-9.firewall-incoming-default")]
        [InlineData("esx-9.firewall-restrict-access")]
        [InlineData("esx-9.ssh")]
        [InlineData("esx-9.deactivate-shell")]
        [InlineData("esx-9.lockdown-mode")]
        [InlineData("esx-9.log-forwarding")]
        [InlineData("esx-9.log-audit-forwarding")]
        [InlineData("esx-9.time")]
        [InlineData("vc.ntpd-running")]
        [InlineData("esx-9.shell-interactive-timeout")]
        [InlineData("esx-9.dcui-timeout")]
        [InlineData("esx-9.account-lockout-max-attempts")]
        [InlineData("esx-9.network-bpdu")]
        [InlineData("esx-9.network-dvfilter")]
        [InlineData("esx-9.transparent-page-sharing")]
        [InlineData("esx-9.network-standard-reject-promiscuous-mode")]
        [InlineData("esx-9.network-standard-reject-mac-changes")]
        [InlineData("esx-9.network-standard-reject-forged-transmit")]
        [InlineData("esx-9.vib-acceptance-level-supported")]
        [InlineData("vc.package-installed")]
        [InlineData("vc.service-running")]
        public void The_catalog_has_the_controls_auditors_ask_for(string id) => Assert.NotNull(ControlCatalog.BuiltIn.Find(id));

        [Fact]
        public void Built_in_baselines_load_and_a_compliant_host_passes_pci_dss()
        {
            Assert.Contains("pci-dss", Baseline.BuiltInNames);
            Assert.Contains("scg", Baseline.BuiltInNames);
            var inv = new Lab().Cluster("domain-c1", "P").Host("host-1", "domain-c1").Build();
            var drift = VirtCompliance.Assessments.Assessment.Drift(inv, new VirtCompliance.Assessments.AssessmentOptions { Baseline = Baseline.Load("pci-dss"), IncludePass = true });
            Assert.NotEmpty(drift.Hosts);
            Assert.All(drift.Hosts, d => Assert.Equal(Outcome.Pass, d.Outcome));
            Assert.All(drift.Networks, d => Assert.Equal(Outcome.Pass, d.Outcome));
        }

        private static DataFileException BaselineError(string json)
        {
            return Assert.Throws<DataFileException>(() => Baseline.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)), "site.json", "site.json"));
        }

        [Fact]
        public void A_baseline_with_an_unknown_control_id_names_the_id_and_line()
        {
            var ex = BaselineError("{\n  \"name\": \"site\",\n  \"controls\": [\n    { \"id\": \"esx-9.ssh\" },\n    { \"id\": \"esx-9.no-such-thing\" }\n  ]\n}");
            Assert.Equal(5, ex.Line);
            Assert.Contains("unknown control id 'esx-9.no-such-thing'", ex.Message);
            Assert.StartsWith("site.json:5:", ex.Message);
        }

        [Theory]
        [InlineData("{\"name\":\"s\",\"controls\":[{\"id\":\"vc.package-installed\"}]}", "needs a 'parameter'")]
        [InlineData("{\"name\":\"s\",\"controls\":[{\"id\":\"esx-9.ssh\",\"parameter\":\"x\"}]}", "takes no parameter")]
        [InlineData("{\"name\":\"s\",\"controls\":[{\"id\":\"esx-9.ssh\"},{\"id\":\"esx-9.ssh\"}]}", "listed twice")]
        [InlineData("{\"name\":\"s\",\"controls\":[{\"id\":\"esx-9.dcui-timeout\",\"operator\":\"between\",\"expected\":[5]}]}", "between needs [min, max]")]
        [InlineData("{\"name\":\"s\",\"controls\":[{\"id\":\"esx-9.dcui-timeout\",\"operator\":\"matches\",\"expected\":\"([\"}]}", "not a valid regular expression")]
        [InlineData("{\"name\":\"s\",\"controls\":[{\"id\":\"esx-9.ssh\",\"severity\":\"dire\"}]}", "dire")]
        [InlineData("{\"name\":\"s\",\"controls\":{}}", "no 'controls' array")]
        [InlineData("{\"controls\":[]}", "no 'name'")]
        [InlineData("{\"name\":\"s\",\"control\":[]}", "unknown member 'control'")]
        [InlineData("{\"name\":\"s\",\"controls\":[],\"customControls\":[{\"id\":\"esx-9.ssh\",\"title\":\"t\",\"fact\":\"host.version\",\"operator\":\"notEmpty\"}]}", "defined twice")]
        [InlineData("{\"name\":\"s\",\"controls\":[],\"customControls\":[{\"id\":\"site.x\",\"title\":\"t\",\"fact\":\"host.colour\",\"operator\":\"notEmpty\"}]}", "Unknown fact 'host.colour'")]
        [InlineData("{\"name\":\"s\",\"controls\":[", "site.json:1:")]
        public void A_malformed_baseline_gets_one_clear_error(string json, string expected)
        {
            Assert.Contains(expected, BaselineError(json).Message);
        }

        [Fact]
        public void A_baseline_can_define_custom_controls_and_require_an_agent_package()
        {
            var baseline = Baseline.Parse(new MemoryStream(Encoding.UTF8.GetBytes(@"{
              ""name"": ""site"",
              ""customControls"": [ { ""id"": ""site.build"", ""title"": ""Patched build"", ""fact"": ""host.build"", ""operator"": ""greaterOrEqual"", ""expected"": 24000000, ""severity"": ""high"", ""pciDss"": [""6.3.3""], ""remediation"": ""Patch."" } ],
              ""controls"": [ { ""id"": ""site.build"" }, { ""id"": ""vc.package-installed"", ""parameter"": ""ids-agent"" }, { ""id"": ""esx-9.ssh"", ""peer"": true } ]
            }")), "site.json", "site.json");
            Assert.Equal(new[] { "site.build", "vc.package-installed:ids-agent", "esx-9.ssh" }, baseline.Controls.Select(c => c.Id));
            Assert.True(baseline.Controls[2].Peer);
            var inv = new Lab().Cluster("domain-c1", "P").Host("host-1", "domain-c1", h => Lab.WithoutPackage(h, "ids-agent")).Build();
            Assert.True(baseline.Controls[0].Expectation.Test(baseline.Controls[0].Reader(ControlTarget.OfHost(inv.Hosts[0], null), inv)));
            Assert.False(baseline.Controls[1].Expectation.Test(baseline.Controls[1].Reader(ControlTarget.OfHost(inv.Hosts[0], null), inv)));
        }
    }

    public class RegexTimeoutTests
    {
        [Fact]
        public void A_pattern_that_runs_past_its_time_limit_is_not_evaluated_and_names_control_and_host()
        {
            // (a+)+$ backtracks exponentially on a run of a's that ends in something else: far beyond the 1 s limit.
            var baseline = Baseline.Parse(new MemoryStream(Encoding.UTF8.GetBytes(@"{
              ""name"": ""site"",
              ""customControls"": [ { ""id"": ""site.banner"", ""title"": ""Banner"", ""fact"": ""option:Config.Etc.issue"", ""operator"": ""matches"", ""expected"": ""^(a+)+$"", ""severity"": ""low"", ""remediation"": ""Set it."" } ],
              ""controls"": [ { ""id"": ""site.banner"" } ]
            }")), "site.json", "site.json");
            var inv = new Lab().Cluster("domain-c1", "P")
                .Host("host-1", "domain-c1", h => Lab.WithOption(h, "Config.Etc.issue", new string('a', 40) + "!"))
                .Host("host-2", "domain-c1", h => Lab.WithOption(h, "Config.Etc.issue", "aaaa"))
                .Build();
            var drift = VirtCompliance.Assessments.Assessment.Drift(inv, new VirtCompliance.Assessments.AssessmentOptions { Baseline = baseline, IncludePass = true });
            var slow = Assert.Single(drift.Hosts, d => d.HostId == "host-1");
            Assert.Equal(Outcome.NotEvaluated, slow.Outcome);
            Assert.Contains("site.banner", slow.Reason);
            Assert.Contains(slow.Host, slow.Reason);
            Assert.Equal(Outcome.Pass, Assert.Single(drift.Hosts, d => d.HostId == "host-2").Outcome);
        }
    }

    public class FactAndExpectationTests
    {
        private static readonly VirtCompliance.Model.Inventory Empty = new Lab().Build();

        private static FactValue Read(string fact, Host host, string defaultValue = null) => Facts.Compile(fact, defaultValue)(ControlTarget.OfHost(host, null), Empty);

        private static string ReadPortgroups(string fact, Host host) =>
            string.Join("; ", host.Portgroups.Select(p => p.Name + ": " + Facts.Compile(fact)(ControlTarget.OfStandardPortgroup(host, null, p), Empty)));

        [Fact]
        public void Service_state_reads_as_running_or_stopped_with_its_policy()
        {
            var host = Lab.WithService(Lab.CompliantHost("host-1", null), "TSM-SSH", true, ServicePolicy.On);
            Assert.Equal("running, policy on", Read("service:TSM-SSH", host).Scalar);
            Assert.Equal("stopped, policy off", Read("service:TSM", host).Scalar);
            Assert.Equal("not installed", Read("service:snmpd", host).Scalar);
            Assert.Equal("true", Read("service:TSM-SSH.running", host).Scalar);
            Assert.True(Read("service:snmpd.running", host).IsAbsent);
        }

        [Fact]
        public void An_unreported_option_takes_the_platform_default_and_says_so()
        {
            var host = Lab.CompliantHost("host-1", null);
            var value = Read("option:UserVars.DcuiTimeOut.Missing", host, "600");
            Assert.Equal("600", value.Scalar);
            Assert.True(value.IsDefault);
            Assert.Equal("600 (default)", value.ToString());
            Assert.True(Read("option:Not.There", host).IsAbsent);
        }

        [Fact]
        public void Option_booleans_compare_regardless_of_case()
        {
            var host = Lab.WithOption(Lab.CompliantHost("host-1", null), "X.Flag", "TRUE");
            Assert.Equal("true", Read("option:X.Flag", host).Scalar);
        }

        [Fact]
        public void A_standard_portgroup_inherits_security_from_its_switch_and_overrides_win()
        {
            var host = Lab.CompliantHost("host-1", null) with
            {
                StandardSwitches = new[] { new StandardSwitch { Name = "vSwitch0", Security = new SecurityPolicy { AllowPromiscuous = false, ForgedTransmits = true } } },
                Portgroups = new[]
                {
                    new HostPortgroup { Name = "A", VSwitch = "vSwitch0" },
                    new HostPortgroup { Name = "B", VSwitch = "vSwitch0", Security = new SecurityPolicy { ForgedTransmits = false, AllowPromiscuous = true } },
                },
            };
            Assert.Equal("A: true; B: false", ReadPortgroups("portgroup.standard.forgedTransmits", host));
            // MAC changes: set on neither the portgroup nor its switch. ESXi always reports its vSwitch's policy,
            // so a missing value was not reported: it is not judged on a guessed default.
            Assert.Equal("A: (not reported); B: (not reported)", ReadPortgroups("portgroup.standard.macChanges", host));
        }

        [Fact]
        public void Open_rulesets_are_the_enabled_ones_that_allow_every_address()
        {
            var host = Lab.CompliantHost("host-1", null) with
            {
                Firewall = new HostFirewall
                {
                    Rulesets = new[]
                    {
                        new FirewallRuleset { Key = "sshServer", Enabled = true, AllowedAllIp = true, IpListUserConfigurable = true },
                        new FirewallRuleset { Key = "nfsClient", Enabled = false, AllowedAllIp = true, IpListUserConfigurable = true },
                        new FirewallRuleset { Key = "syslog", Enabled = true, AllowedAllIp = false, IpListUserConfigurable = true },
                        // ESXi owns these: a user cannot restrict their lists, so the SCG and the STIG leave them out.
                        new FirewallRuleset { Key = "dhcp", Enabled = true, AllowedAllIp = true, IpListUserConfigurable = false },
                        new FirewallRuleset { Key = "vMotion", Enabled = true, AllowedAllIp = true, IpListUserConfigurable = false },
                    },
                },
            };
            Assert.Equal(new[] { "sshServer" }, Read("firewall.openRulesets", host).List);
        }

        [Fact]
        public void A_ruleset_whose_configurability_was_not_reported_is_counted_and_says_so()
        {
            // An older server or snapshot does not say who owns the ruleset: it is not passed unseen.
            var host = Lab.CompliantHost("host-1", null) with
            {
                Firewall = new HostFirewall
                {
                    Rulesets = new[]
                    {
                        new FirewallRuleset { Key = "webAccess", Enabled = true, AllowedAllIp = true },
                        new FirewallRuleset { Key = "dhcp", Enabled = true, AllowedAllIp = true, IpListUserConfigurable = false },
                    },
                },
            };
            Assert.Equal(new[] { "webAccess (user-configurable not reported)" }, Read("firewall.openRulesets", host).List);
        }

        [Theory]
        [InlineData("between", "[1, 900]", "900", true)]
        [InlineData("between", "[1, 900]", "0", false)]
        [InlineData("between", "[1, 900]", "abc", false)]
        [InlineData("equals", "true", "True", true)]
        [InlineData("equals", "2", "2.0", true)]
        [InlineData("equals", "\"info\"", "verbose", false)]
        [InlineData("notEquals", "\"4095\"", "20", true)]
        [InlineData("in", "[\"lockdownNormal\", \"lockdownStrict\"]", "lockdownDisabled", false)]
        [InlineData("notIn", "[\"community\"]", "partner", true)]
        [InlineData("lessOrEqual", "10", "11", false)]
        [InlineData("greaterOrEqual", "900", "900", true)]
        [InlineData("matches", "\"^running\"", "running, policy on", true)]
        [InlineData("notMatches", "\"^trunk\"", "trunk 0-4094", false)]
        [InlineData("empty", "null", "", true)]
        [InlineData("notEmpty", "null", "", false)]
        public void Operators_judge_values(string op, string expectedJson, string actual, bool passes)
        {
            var opEnum = (ControlOperator)Enum.Parse(typeof(ControlOperator), op, ignoreCase: true);
            var expectation = Expectation.Create(opEnum, FactValue.FromJson(JToken.Parse(expectedJson)));
            Assert.Equal(passes, expectation.Test(FactValue.Of(actual)));
        }

        [Fact]
        public void An_absent_value_fails_a_value_check_but_passes_empty()
        {
            Assert.False(Expectation.Create(ControlOperator.Equals, FactValue.Of("1")).Test(FactValue.Absent));
            Assert.True(Expectation.Create(ControlOperator.Empty, FactValue.Absent).Test(FactValue.Absent));
        }
    }
}
