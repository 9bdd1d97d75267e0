using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using VirtCompliance.Assessments;
using VirtCompliance.Common;
using VirtCompliance.Controls;
using VirtCompliance.Model;
using VirtCompliance.Reporting;
using VirtCompliance.Waivers;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    /// <summary>
    /// Waivers: accepted risks with a justification, an owner and an expiry. Every date here is given
    /// (the inventory's collection time, or AsOf): nothing reads the wall clock.
    /// </summary>
    public class WaiverTests
    {
        private static string SampleWaivers => Path.Combine(Lab.ModuleFolder, "samples", "pci-lab.waivers.yaml");
        private static readonly Lazy<Inventory> Sample = new Lazy<Inventory>(() => InventorySnapshot.Read(Lab.SamplePath));
        // The sample was collected on 2025-06-02.
        private static readonly DateTimeOffset CollectedOn = new DateTimeOffset(2025, 6, 2, 0, 0, 0, TimeSpan.Zero);

        private static WaiverFile Parse(string yaml, string file = "w.yaml") => WaiverReader.Parse(Encoding.UTF8.GetBytes(yaml), file);

        private const string Head = "waivers:\n";
        private static string One(string body) => Head + "  - id: W-1\n" + body;
        private const string Rest = "    justification: accepted\n    owner: a\n    approver: b\n    created: 2025-01-01\n    expires: 2025-12-31\n";

        [Fact]
        public void The_sample_file_has_an_active_an_expiring_and_an_expired_waiver_as_of_its_inventory()
        {
            var file = WaiverReader.Load(SampleWaivers);
            Assert.Equal(3, file.Waivers.Count);
            Assert.Equal(64, file.Sha256.Length);
            var statuses = Assessment.WaiverUse(Sample.Value, new AssessmentOptions { Waivers = file });
            Assert.Equal(new[] { ("WVR-2025-001", WaiverState.Active), ("WVR-2025-004", WaiverState.ExpiringSoon), ("WVR-2024-017", WaiverState.Expired) },
                statuses.Select(s => (s.Id, s.State)));
            Assert.All(statuses, s => Assert.Equal(Sample.Value.CollectedAt, s.AsOf));
            Assert.Equal(new[] { 2, 1, 1 }, statuses.Select(s => s.Matched ?? -1));
            Assert.Equal(18, statuses[1].DaysLeft);
            Assert.Contains("esx-9.log-forwarding on esx-pay-03.lab.local", statuses[0].Covers);
        }

        [Fact]
        public void A_failure_a_waiver_covers_is_waived_with_its_id_justification_and_expiry_and_an_expired_waiver_leaves_it_failing()
        {
            var file = WaiverReader.Load(SampleWaivers);
            var result = Assessment.Drift(Sample.Value, new AssessmentOptions { Baseline = Baseline.Load("pci-dss"), Waivers = file, Objects = new[] { ControlScope.Host } });
            var waived = result.Hosts.Where(d => d.Outcome == Outcome.Waived).ToList();
            Assert.Equal(new[] { "esx-9.log-audit-forwarding", "esx-9.log-forwarding" }, waived.Select(d => d.ControlId).OrderBy(i => i, StringComparer.Ordinal));
            Assert.All(waived, d => Assert.Equal(("esx-pay-03.lab.local", "WVR-2025-001", new DateTime(2025, 12, 31), false), (d.Host, d.Waiver!.Id, d.Waiver.Expires, d.Waiver.Expired)));
            Assert.StartsWith("The syslog collector", waived[0].Waiver!.Justification);
            var ssh = result.Hosts.Single(d => d.ControlId == "esx-9.ssh" && d.Host == "esx-gen-02.lab.local");
            Assert.Equal(Outcome.Fail, ssh.Outcome);
            Assert.Equal("waiver WVR-2024-017 expired on 2025-05-15", ssh.Waiver!.Text);
            // Nothing else changed: without the file the same results, with Fail where Waived is.
            var plain = Assessment.Drift(Sample.Value, new AssessmentOptions { Baseline = Baseline.Load("pci-dss"), Objects = new[] { ControlScope.Host } });
            Assert.Equal(plain.Hosts.Select(d => (d.HostId, d.ControlId)), result.Hosts.Select(d => (d.HostId, d.ControlId)));
            Assert.All(plain.Hosts.Zip(result.Hosts, (a, b) => (a, b)), p => Assert.Equal(p.b.Outcome == Outcome.Waived ? Outcome.Fail : p.b.Outcome, p.a.Outcome));
            Assert.Contains(result.Warnings, w => w.Contains("WVR-2025-004") && w.Contains("in 18 day(s)"));
            Assert.Contains(result.Warnings, w => w.Contains("WVR-2024-017") && w.Contains("expired on 2025-05-15"));
        }

        [Fact]
        public void The_assessment_date_decides_and_an_unused_waiver_is_reported()
        {
            var file = WaiverReader.Load(SampleWaivers);
            // Half a year on, the log-forwarding waiver has expired too.
            var later = Assessment.Drift(Sample.Value, new AssessmentOptions { Waivers = file, AsOf = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), Objects = new[] { ControlScope.Host } });
            Assert.DoesNotContain(later.Hosts, d => d.Outcome == Outcome.Waived);
            Assert.True(later.Hosts.Single(d => d.ControlId == "esx-9.log-forwarding").Waiver!.Expired);
            // A waiver on a control that passes everywhere covers nothing: Unused.
            var unused = Parse(One("    controls: esx-9.deactivate-mob\n    objects: '*'\n" + Rest));
            var status = Assert.Single(Assessment.WaiverUse(Sample.Value, new AssessmentOptions { Waivers = unused }));
            Assert.Equal((WaiverState.Unused, 0), (status.State, status.Matched));
            // The warning period is a parameter.
            var set = new WaiverSet(file, CollectedOn, warningDays: 10);
            Assert.Equal(WaiverState.Active, set.Statuses(judgedUse: false).Single(s => s.Id == "WVR-2025-004").State);
            Assert.Equal(WaiverState.ExpiringSoon, new WaiverSet(file, CollectedOn).Statuses(judgedUse: false).Single(s => s.Id == "WVR-2025-004").State);
            // The last day still counts.
            Assert.Equal(WaiverState.ExpiringSoon, new WaiverSet(file, new DateTimeOffset(2025, 6, 20, 23, 0, 0, TimeSpan.Zero)).Statuses(false).Single(s => s.Id == "WVR-2025-004").State);
            Assert.Equal(WaiverState.Expired, new WaiverSet(file, new DateTimeOffset(2025, 6, 21, 0, 0, 0, TimeSpan.Zero)).Statuses(false).Single(s => s.Id == "WVR-2025-004").State);
        }

        [Fact]
        public void Objects_clusters_tags_and_scope_narrow_what_a_waiver_covers()
        {
            var inv = Sample.Value;
            int Waived(string selectors) => Assessment.Drift(inv, new AssessmentOptions { Waivers = Parse(One("    controls: esx-9.lockdown-mode\n" + selectors + Rest)), AsOf = CollectedOn })
                .Hosts.Count(d => d.Outcome == Outcome.Waived);
            var failing = Assessment.Drift(inv, new AssessmentOptions { Objects = new[] { ControlScope.Host } }).Hosts.Count(d => d.ControlId == "esx-9.lockdown-mode" && d.Outcome == Outcome.Fail);
            Assert.Equal(4, failing);
            Assert.Equal(failing, Waived("    objects: '*'\n"));
            Assert.Equal(3, Waived("    objects: esx-gen-*\n"));
            Assert.Equal(3, Waived("    clusters: General\n"));
            Assert.Equal(1, Waived("    objects: esx-gen-*\n    clusters: General\n    scope: host\n".Replace("esx-gen-*", "ESX-GEN-01.lab.local")));
            Assert.Equal(0, Waived("    objects: '*'\n    scope: [vm, separation]\n"));
            // Tags are VMs': a VM control waived for the VMs of one tag only.
            var vm = inv.Vms.First(v => v.Tags.Any());
            var tag = vm.Tags.First();
            var vmWaiver = Parse(One($"    controls: 'vm-9.*'\n    tags: '{tag.Category}/{tag.Name}'\n" + Rest));
            var drift = Assessment.Drift(inv, new AssessmentOptions { Waivers = vmWaiver, AsOf = CollectedOn, Objects = new[] { ControlScope.Vm } }).Vms;
            Assert.NotEmpty(drift.Where(d => d.Outcome == Outcome.Waived));
            Assert.All(drift.Where(d => d.Outcome == Outcome.Waived), d => Assert.Contains(inv.GetVm(d.VmId)!.Tags, t => t.Category == tag.Category && t.Name == tag.Name));
        }

        [Fact]
        public void A_waived_separation_finding_passes_the_gate_and_an_expired_one_fails_it()
        {
            var inv = Sample.Value;
            var all = Assessment.Separation(inv, new AssessmentOptions { AllowNotEvaluated = true });
            Assert.False(all.Passed);
            var everything = Parse(One("    controls: 'pci.*'\n    objects: '*'\n" + Rest));
            var waived = Assessment.Separation(inv, new AssessmentOptions { AllowNotEvaluated = true, Waivers = everything, AsOf = CollectedOn });
            Assert.True(waived.Passed);
            Assert.DoesNotContain(waived.Findings, f => f.Outcome == FindingOutcome.Fail || f.Outcome == FindingOutcome.Warning);
            Assert.Equal(all.Findings.Count(f => f.Outcome == FindingOutcome.Fail || f.Outcome == FindingOutcome.Warning), waived.Summaries.Sum(s => s.Waived) > 0 ? waived.Findings.Count(f => f.Outcome == FindingOutcome.Waived) : -1);
            var expired = Assessment.Separation(inv, new AssessmentOptions { AllowNotEvaluated = true, Waivers = everything, AsOf = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) });
            Assert.False(expired.Passed);
            Assert.All(expired.Findings.Where(f => f.Waiver != null), f => Assert.True(f.Waiver!.Expired));
        }

        [Theory]
        [InlineData("    controls: esx-9.no-such-control\n    objects: '*'\n" + Rest, 3, "unknown control or separation rule id 'esx-9.no-such-control'")]
        [InlineData("    controls: 'esx-9.nothing-*'\n    objects: '*'\n" + Rest, 3, "'esx-9.nothing-*' matches no control")]
        [InlineData("    controls: esx-9.ssh\n    objects: '*'\n    owner: a\n    approver: b\n    created: 2025-01-01\n    expires: 2025-12-31\n", 2, "has no 'justification'")]
        [InlineData("    controls: esx-9.ssh\n    objects: '*'\n    justification: '  '\n    owner: a\n    approver: b\n    created: 2025-01-01\n    expires: 2025-12-31\n", 5, "'justification' is empty")]
        [InlineData("    controls: esx-9.ssh\n    objects: '*'\n    justification: x\n    owner: a\n    approver: b\n    created: 2025-06-01\n    expires: 2025-05-31\n", 9, "already past when written")]
        [InlineData("    controls: esx-9.ssh\n    objects: 'esx-[ab]*'\n" + Rest, 4, "'esx-[ab]*' in 'objects' is not a valid wildcard")]
        [InlineData("    controls: esx-9.ssh\n" + Rest, 2, "names no objects")]
        [InlineData("    controls: esx-9.ssh\n    objects: '*'\n    justification: x\n    owner: a\n    approver: b\n    created: 2025-01-01\n", 2, "has no 'expires'")]
        [InlineData("    controls: esx-9.ssh\n    objects: '*'\n    justification: x\n    owner: a\n    approver: b\n    created: 2025-01-01\n    expires: 31/12/2025\n", 9, "'31/12/2025' is not a date")]
        [InlineData("    controls: esx-9.ssh\n    objects: '*'\n    colour: red\n" + Rest, 5, "unknown member 'colour'")]
        [InlineData("    controls: esx-9.ssh\n    objects: '*'\n    scope: datastore\n" + Rest, 5, "'datastore' is not a valid scope")]
        public void A_bad_waiver_file_is_one_error_naming_file_line_and_value_and_nothing_applies(string body, int line, string expected)
        {
            var ex = Assert.Throws<DataFileException>(() => Parse(One(body), "bad.waivers.yaml"));
            Assert.Contains(expected, ex.Message);
            Assert.Equal(("bad.waivers.yaml", line), (ex.Path, ex.Line));
            Assert.Contains($"bad.waivers.yaml:{line}:", ex.Message);
        }

        [Fact]
        public void A_duplicate_id_names_both_lines_and_json_is_read_as_yaml_is()
        {
            var ex = Assert.Throws<DataFileException>(() => Parse(One("    controls: esx-9.ssh\n    objects: '*'\n" + Rest) + "  - id: w-1\n    controls: esx-9.ssh\n    objects: '*'\n" + Rest));
            Assert.Contains("waiver id 'w-1' is used twice (first at line 2)", ex.Message);
            Assert.Equal(10, ex.Line);
            var json = Parse("{\"waivers\": [{\"id\": \"J-1\", \"controls\": [\"esx-9.ssh\"], \"objects\": \"*\", \"justification\": \"x\", \"owner\": \"a\", \"approver\": \"b\", \"created\": \"2025-01-01\", \"expires\": \"2025-02-01\"}]}", "w.json");
            Assert.Equal("J-1", Assert.Single(json.Waivers).Id);
            // A YAML alias (which can expand without end) is refused, as in every data file.
            Assert.Throws<DataFileException>(() => Parse("waivers:\n  - &a {id: A}\n  - *a\n"));
            // A template control's instance is a known id.
            Assert.Single(Parse(One("    controls: vc.package-installed:acme-ids-sensor\n    objects: '*'\n" + Rest)).Waivers);
        }

        [Fact]
        public void The_sample_file_is_valid_against_the_shipped_schema_and_the_schema_would_catch_a_waiver_without_expiry()
        {
            var schema = JsonSchema.FromFileAsync(Path.Combine(Lab.ModuleFolder, "schemas", "waivers.schema.json")).GetAwaiter().GetResult();
            var yaml = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object>(File.ReadAllText(SampleWaivers));
            var json = JToken.FromObject(yaml!).ToString();
            var problems = schema.Validate(json);
            Assert.True(problems.Count == 0, string.Join("; ", problems.Select(p => $"{p.Path}: {p.Kind}")));
            var broken = JObject.Parse(json);
            ((JObject)broken["waivers"]![0]!).Remove("expires");
            Assert.NotEmpty(schema.Validate(broken.ToString()));
        }

        // ---- reports and evidence ----

        private static (System.Collections.Generic.List<ReportItem> items, ReportContext context) Reported()
        {
            var file = WaiverReader.Load(SampleWaivers);
            var inv = Sample.Value;
            var options = new AssessmentOptions { Baseline = Baseline.Load("pci-dss"), Waivers = file };
            var drift = Assessment.Drift(inv, options);
            var separation = Assessment.Separation(inv, options);
            var items = drift.Hosts.Cast<object>().Concat(drift.Networks).Concat(drift.Vms).Concat(drift.Estate).Concat(separation.Findings).Select(ReportItems.From).ToList();
            var context = ReportContext.For(inv, "waived", "1.0.0");
            context.GeneratedAt = CollectedOn;
            context.Waivers = Assessment.WaiverUse(inv, options);
            return (items, context);
        }

        [Fact]
        public void Reports_count_waived_on_its_own_and_carry_the_waiver_in_every_format()
        {
            var (items, context) = Reported();
            var waived = items.Count(i => i.Outcome == ReportOutcome.Waived);
            Assert.Equal(3, waived);

            var sarif = Encoding.UTF8.GetString(ReportWriter.Write(ReportFormat.Sarif, items, context));
            var schema = JsonSchema.FromJsonAsync(File.ReadAllText(Path.Combine(Lab.FixturesFolder, "sarif", "sarif-schema-2.1.0.json"))).GetAwaiter().GetResult();
            var problems = schema.Validate(sarif);
            static string Describe(NJsonSchema.Validation.ValidationError e) => $"{e.Path}: {e.Kind}"
                + (e is NJsonSchema.Validation.ChildSchemaValidationError c ? " (" + string.Join("; ", c.Errors.SelectMany(x => x.Value).Select(Describe)) + ")" : "");
            Assert.True(problems.Count == 0, string.Join("; ", problems.Select(Describe)));
            var suppressed = JObject.Parse(sarif)["runs"]![0]!["results"]!.Where(r => r["suppressions"] != null).ToList();
            Assert.Equal(waived, suppressed.Count);
            Assert.All(suppressed, r => Assert.Equal(("external", "fail", "error"), ((string)r["suppressions"]![0]!["kind"]!, (string)r["kind"]!, (string)r["level"]!)));
            Assert.Contains(suppressed, r => (string)r["suppressions"]![0]!["properties"]!["waiverId"]! == "WVR-2025-001" && (string)r["suppressions"]![0]!["properties"]!["expires"]! == "2025-12-31");
            Assert.Contains(suppressed, r => ((string)r["suppressions"]![0]!["justification"]!).StartsWith("The syslog collector", StringComparison.Ordinal));

            var junit = XDocument.Parse(Encoding.UTF8.GetString(ReportWriter.Write(ReportFormat.JUnit, items, context)));
            // Waived and NotEvaluated are both JUnit's skipped: the waived ones with their waiver.
            var skipped = junit.Descendants("testcase").Where(t => (string)t.Attribute("status")! == "Waived").Select(t => t.Element("skipped")!).ToList();
            Assert.Equal(waived, skipped.Count);
            Assert.All(skipped, Assert.NotNull);
            Assert.Equal(items.Count(i => i.Outcome == ReportOutcome.Waived || i.Outcome == ReportOutcome.NotEvaluated), junit.Root!.Elements("testsuite").Sum(t => (int)t.Attribute("skipped")!));
            Assert.Contains(skipped, s => ((string)s.Attribute("message")!).StartsWith("waived by WVR-2025-001 until 2025-12-31: The syslog", StringComparison.Ordinal));

            var json = JObject.Parse(Encoding.UTF8.GetString(ReportWriter.Write(ReportFormat.Json, items, context)));
            Assert.Equal(waived, (int)json["summary"]!["byOutcome"]!["waived"]!);
            Assert.Equal(3, json["waivers"]!.Count());
            Assert.Contains(json["items"]!, i => (string)i["outcome"]! == "waived" && (string)i["waiver"]!["id"]! == "WVR-2025-001");

            var csv = Encoding.UTF8.GetString(ReportWriter.Write(ReportFormat.Csv, items, context)).Split("\r\n");
            Assert.EndsWith(",Waiver,WaiverExpires,WaiverJustification", csv[0]);
            Assert.Contains(csv, l => l.Contains(",Waived,") && l.Contains("WVR-2025-001,2025-12-31,"));
            Assert.Contains(csv, l => l.Contains(",Fail,") && l.Contains("WVR-2024-017 (expired),2025-05-15,"));

            var markdown = Encoding.UTF8.GetString(ReportWriter.Write(ReportFormat.Markdown, items, context));
            Assert.Contains($"| Waived | {waived} |", markdown);
            Assert.Contains("| WVR-2024-017 | Expired | 2025-05-15 | 1 |", markdown);

            var html = Encoding.UTF8.GetString(ReportWriter.Write(ReportFormat.Html, items, context));
            Assert.Contains("<section id=\"waivers\"><h2>Waivers (3)</h2>", html);
            Assert.Contains($"<span class=\"Waived\">Waived: {waived}</span>", html);
            Assert.Contains("<td class=\"ExpiringSoon\">ExpiringSoon</td>", html);
        }

        [Fact]
        public void The_evidence_bundle_keeps_the_waiver_file_and_its_states_and_verifies_them()
        {
            using var temp = new TempFolder();
            var folder = Path.Combine(temp.Path, "bundle");
            var file = WaiverReader.Load(SampleWaivers);
            var warnings = new System.Collections.Generic.List<string>();
            var options = new AssessmentOptions { Waivers = file };
            var files = Assessment.Evidence(Sample.Value, options, folder, "1.0.0", warnings.Add);
            Assert.Equal(Assessment.EvidenceFileCount(options), files.Count + 1);
            Assert.Equal(File.ReadAllBytes(SampleWaivers), File.ReadAllBytes(Path.Combine(folder, "waivers.yaml")));
            var manifest = JObject.Parse(File.ReadAllText(Path.Combine(folder, "manifest.json")));
            Assert.Equal((file.Sha256, "2025-06-02"), ((string)manifest["waiversSha256"]!, (string)manifest["waiversAsOf"]!));
            Assert.Contains(manifest["files"]!, f => (string)f["name"]! == "waivers.yaml" && (string)f["sha256"]! == file.Sha256);
            var states = JArray.Parse(File.ReadAllText(Path.Combine(folder, "waiver-status.json")));
            Assert.Equal(new[] { "active", "expiringSoon", "expired" }, states.Select(s => (string)s["state"]!));
            Assert.Contains(JArray.Parse(File.ReadAllText(Path.Combine(folder, "host-control-drift.json"))), d => (string)d["outcome"]! == "waived");
            Assert.Contains(warnings, w => w.Contains("WVR-2025-004"));
            Assert.True(EvidenceVerifier.Passed(EvidenceVerifier.Verify(folder)));
            // An edited waiver file is found.
            File.AppendAllText(Path.Combine(folder, "waivers.yaml"), "# extended\n");
            Assert.Contains(EvidenceVerifier.Verify(folder), c => c.File == "waivers.yaml" && c.Status == EvidenceStatus.Changed);
        }
    }
}
