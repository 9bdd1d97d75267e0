using System;
using System.IO;
using System.Linq;
using System.Text;
using NJsonSchema;
using Newtonsoft.Json.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Reporting;
using VirtCompliance.Tests.Cmdlets;
using Xunit;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Tests.Reporting
{
    /// <summary>The reports written from the sample lab's results: HTML opened in a real browser, SARIF checked against the standard's schema.</summary>
    public class ReportTests
    {
        /// <summary>Every result the module produces for the sample lab, through the cmdlets as a user would get them.</summary>
        private static (object[] results, Inv inventory) SampleResults()
        {
            var (output, errors) = CmdletTests.Run(
                "$inv = Import-VirtInventory -Path $sample; $inv; " +
                "Get-HostControlDrift -Inventory $inv -WarningAction SilentlyContinue; Get-NetworkControlDrift -Inventory $inv; Get-VmMigrationExposure -Inventory $inv -WarningAction SilentlyContinue; Test-PciSeparation -Inventory $inv",
                ("sample", Lab.SamplePath));
            Assert.Empty(errors);
            return (output.Skip(1).ToArray(), (Inv)output[0]);
        }

        private static string Export(string folder, string format, string name)
        {
            var path = Path.Combine(folder, name);
            var (_, errors) = CmdletTests.Run(
                // From the report's folder, as a job that writes reports beside it would: the snapshot lies outside it.
                "Set-Location $folder; $inv = Import-VirtInventory -Path $sample; " +
                "@(Get-HostControlDrift -Inventory $inv -WarningAction SilentlyContinue; Get-NetworkControlDrift -Inventory $inv; Get-VmMigrationExposure -Inventory $inv -WarningAction SilentlyContinue; Test-PciSeparation -Inventory $inv) | " +
                "Export-ComplianceReport -Path $path -Format $format -Inventory $inv -Title 'PCI lab compliance report'",
                ("sample", Lab.SamplePath), ("path", path), ("format", format), ("folder", folder));
            Assert.Empty(errors);
            return path;
        }

        [Fact]
        public void The_HTML_report_opens_in_headless_Chromium_with_every_section_and_no_request_beyond_the_file()
        {
            using var temp = new TempFolder();
            var (results, inventory) = SampleResults();
            var report = Export(temp.Path, "Html", "report.html");

            using var browser = new HeadlessChromium();
            browser.Open(report, width: 1280, height: 1500);

            // The page itself is the only thing loaded: no stylesheet, font, image or script from anywhere.
            Assert.Equal(new[] { new Uri(report).AbsoluteUri }, browser.Requests.ToArray());
            Assert.Empty(browser.FailedLoads);
            Assert.Empty(browser.Errors);

            var sections = browser.Evaluate("Array.from(document.querySelectorAll('section')).map(s => s.id).join(',')").ToString().Split(',');
            Assert.Equal(new[] { "summary", "requirements", "drift-matrix", "host-control-drift", "network-control-drift", "migration-exposure", "cde-separation" }, sections);

            // The charts are drawn, not just present in the markup.
            Assert.True((double)browser.Evaluate("document.getElementById('severity-chart').getBoundingClientRect().width") > 100);
            Assert.True((int)browser.Evaluate("document.querySelectorAll('#severity-chart rect').length") == 5);

            // Every result is in a category table: one row each, except exposure, grouped by weaker host (each row counts its VM moves).
            Assert.Equal(results.Length, (int)browser.Evaluate("Array.from(document.querySelectorAll('tr[data-results]')).reduce((n, r) => n + Number(r.dataset.results), 0)"));
            var exposure = results.OfType<VmMigrationExposure>().ToList();
            Assert.Equal(exposure.Select(e => (e.TargetHost, string.Join(", ", e.LostControls))).Distinct().Count(),
                (int)browser.Evaluate("document.querySelectorAll('#migration-exposure tbody tr').length"));
            var exposureText = (string)browser.Evaluate("document.getElementById('migration-exposure').innerText");
            Assert.All(exposure, e => Assert.Contains(e.Vm, exposureText));
            // The matrix has a row for every connected host of the drifted clusters.
            var drift = results.OfType<HostControlDrift>().ToList();
            var driftClusters = drift.Select(d => d.Cluster ?? "").Distinct().ToList();
            var expectedRows = inventory.Hosts.Count(h => h.ConnectionState == VirtCompliance.Model.ConnectionState.Connected &&
                                                          driftClusters.Contains(inventory.GetCluster(h.ClusterId ?? "")?.Name ?? ""));
            Assert.Equal(expectedRows, (int)browser.Evaluate("document.querySelectorAll('#drift-matrix tbody tr').length"));
            Assert.Equal(drift.Where(d => d.Outcome == Outcome.Fail).Select(d => (d.Host, d.ControlId)).Distinct().Count(), (int)browser.Evaluate("document.querySelectorAll('#drift-matrix td.x').length"));
            // A control the server did not report has its own mark: esx-edge-01's services were refused (NoPermission).
            var notEvaluated = drift.Where(d => d.Outcome == Outcome.NotEvaluated).ToList();
            Assert.Contains(notEvaluated, d => d.Host == "esx-edge-01.lab.local" && d.ControlId == "esx-9.ssh");
            Assert.Equal(notEvaluated.Select(d => (d.Host, d.ControlId)).Distinct().Count(), (int)browser.Evaluate("document.querySelectorAll('#drift-matrix td.ne').length"));
            Assert.Contains("Not evaluated: " + results.Count(r => ReportItems.From(r).Outcome == ReportOutcome.NotEvaluated),
                (string)browser.Evaluate("document.getElementById('summary').innerText"));
            Assert.Contains(inventory.Sha256, (string)browser.Evaluate("document.querySelector('header').innerText"));

            // The screenshot the README shows comes from here.
            var png = browser.Screenshot();
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4).ToArray());
            var screenshots = Path.Combine(Lab.RepositoryRoot, "out", "screenshots");
            Directory.CreateDirectory(screenshots);
            File.WriteAllBytes(Path.Combine(screenshots, "report.png"), png);

            // Printed to PDF (what an assessor files), the report keeps its pages.
            var pdf = browser.PrintToPdf();
            Assert.StartsWith("%PDF-", Encoding.ASCII.GetString(pdf, 0, 5));
            Assert.True(pdf.Length > 10_000);
        }

        [Fact]
        public void The_SARIF_report_is_valid_against_the_SARIF_2_1_0_schema_and_keeps_every_result()
        {
            using var temp = new TempFolder();
            var (results, _) = SampleResults();
            var sarif = File.ReadAllText(Export(temp.Path, "Sarif", "report.sarif"));

            var schema = JsonSchema.FromJsonAsync(File.ReadAllText(Path.Combine(Lab.FixturesFolder, "sarif", "sarif-schema-2.1.0.json"))).GetAwaiter().GetResult();
            var problems = schema.Validate(sarif);
            Assert.True(problems.Count == 0, string.Join("; ", problems.Select(p => $"{p.Path}: {p.Kind}")));

            var run = JObject.Parse(sarif)["runs"][0];
            Assert.Equal(results.Length, run["results"].Count());
            var rules = run["tool"]["driver"]["rules"].Select(r => (string)r["id"]).ToList();
            Assert.All(run["results"], r => Assert.Equal((string)r["ruleId"], rules[(int)r["ruleIndex"]]));
            // Non-failures carry level "none", as the standard requires for kind other than "fail".
            Assert.All(run["results"].Where(r => (string)r["kind"] != "fail"), r => Assert.Equal("none", (string)r["level"]));
            Assert.Equal(results.OfType<HostControlDrift>().Count(), run["results"].Count(r => ((string)r["ruleId"]).StartsWith("HostControlDrift/", StringComparison.Ordinal)));
            // Fingerprints tell findings apart.
            Assert.Equal(run["results"].Count(), run["results"].Select(r => (string)r["partialFingerprints"]["virtcompliance/v1"]).Distinct().Count());

            // Code scanning takes a result only with a physical location: every one names the snapshot file (outside the
            // report's folder here, so by its absolute file URI), and the objects it is about as logical locations.
            Assert.All(run["results"], r => Assert.Equal(new Uri(Lab.SamplePath).AbsoluteUri, (string)r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]));
            Assert.All(run["results"], r => Assert.NotEmpty(r["locations"][0]["logicalLocations"]));
            var logical = run["results"].SelectMany(r => r["locations"][0]["logicalLocations"]).ToList();
            Assert.All(logical, l => Assert.False(string.IsNullOrEmpty((string)l["name"])));
            var host = results.OfType<HostControlDrift>().First(d => d.Cluster != null);
            Assert.Contains(logical, l => (string)l["kind"] == "host" && (string)l["name"] == host.Host && (string)l["fullyQualifiedName"] == $"vcsa-01.lab.local/{host.Cluster}/{host.Host}");
            var portgroup = results.OfType<NetworkControlDrift>().First(n => n.ObjectKind == NetworkObjectKind.DistributedPortgroup);
            Assert.Contains(logical, l => (string)l["kind"] == "distributedPortgroup" && (string)l["fullyQualifiedName"] == $"vcsa-01.lab.local/{portgroup.Switch}/{portgroup.Network}");
            Assert.Contains(logical, l => (string)l["kind"] == "vm");
            // GitHub ranks alerts by the rule's security-severity, a score as text.
            Assert.All(run["tool"]["driver"]["rules"], r => Assert.True(double.TryParse((string)r["properties"]["security-severity"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)));
        }

        [Fact]
        public void A_snapshot_inside_the_reports_folder_is_named_by_its_relative_path_and_a_collected_inventory_by_its_vCenter()
        {
            using var temp = new TempFolder();
            var folder = Directory.CreateDirectory(temp.File("snap shots")).FullName;
            File.Copy(Lab.SamplePath, Path.Combine(folder, "pci lab.json"));
            var inventory = VirtCompliance.Model.InventorySnapshot.Read(Path.Combine(folder, "pci lab.json"));
            Assert.Equal("snap%20shots/pci%20lab.json", ReportContext.ArtifactUriOf(inventory, temp.Path));
            Assert.Equal("snap%20shots/pci%20lab.json", ReportContext.ArtifactUriOf(inventory, temp.Path + Path.DirectorySeparatorChar));
            Assert.Equal(new Uri(Path.Combine(folder, "pci lab.json")).AbsoluteUri, ReportContext.ArtifactUriOf(inventory, temp.File("snap")));
            var collected = new VirtCompliance.Model.Inventory("vcsa-01.example.com:8443", DateTimeOffset.UnixEpoch, "test");
            Assert.Equal("https://vcsa-01.example.com:8443/", ReportContext.ArtifactUriOf(collected, temp.Path));
            Assert.Null(ReportContext.ArtifactUriOf(null, temp.Path));

            // Without an inventory every result still has a location, one that says it is unknown.
            var item = new ReportItem { Category = "Host control drift", Rule = "esx-9.ssh", Object = "esx-01", Outcome = ReportOutcome.Fail };
            var sarif = JObject.Parse(Encoding.UTF8.GetString(ReportWriter.Write(ReportFormat.Sarif, new[] { item }, new ReportContext())));
            Assert.Equal(ReportContext.UnknownArtifactUri, (string)sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]);
            Assert.Equal(("object", "esx-01"), ((string)sarif["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]["kind"], (string)sarif["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]["name"]));
        }

        [Fact]
        public void JUnit_has_a_testcase_for_every_evaluated_control_passes_included()
        {
            using var temp = new TempFolder();
            var path = temp.File("controls.xml");
            var (output, errors) = CmdletTests.Run(
                "$inv = Import-VirtInventory -Path $sample; $results = @(Get-HostControlDrift -Inventory $inv -IncludePass -WarningAction SilentlyContinue); $results; " +
                "$null = $results | Export-ComplianceReport -Path $path -Inventory $inv",
                ("sample", Lab.SamplePath), ("path", path));
            Assert.Empty(errors);
            var results = output.Cast<HostControlDrift>().ToList();
            Assert.Contains(results, r => r.Outcome == Outcome.Pass);
            Assert.Contains(results, r => r.Outcome == Outcome.NotEvaluated);

            var junit = System.Xml.Linq.XDocument.Load(path);
            var cases = junit.Descendants("testcase").ToList();
            Assert.Equal(results.Count, cases.Count);
            Assert.Equal(results.Select(r => (r.ControlId, r.Host)).OrderBy(x => x), cases.Select(c => (((string)c.Attribute("classname")).Substring("Host control drift.".Length), (string)c.Attribute("name"))).OrderBy(x => x));
            // A pass is a testcase with nothing in it: it shows green, and turns red when the control fails.
            var passes = cases.Where(c => (string)c.Attribute("status") == "Pass").ToList();
            Assert.Equal(results.Count(r => r.Outcome == Outcome.Pass), passes.Count);
            Assert.All(passes, c => Assert.Empty(c.Elements()));
            Assert.Equal(results.Count(r => r.Outcome == Outcome.Fail), cases.Count(c => c.Element("failure") != null));
            // Not evaluated is skipped with the reason, not an error and not a pass.
            var ssh = results.Single(r => r.Host == "esx-edge-01.lab.local" && r.ControlId == "esx-9.ssh");
            var skipped = cases.Single(c => (string)c.Attribute("name") == ssh.Host && ((string)c.Attribute("classname")).EndsWith(".esx-9.ssh", StringComparison.Ordinal)).Element("skipped");
            Assert.NotNull(skipped);
            Assert.Contains(ssh.Reason, (string)skipped.Attribute("message"));
            Assert.Empty(junit.Descendants("error"));
            Assert.Equal(results.Count(r => r.Outcome == Outcome.NotEvaluated || r.Outcome == Outcome.Waived), junit.Root.Elements("testsuite").Sum(t => (int)t.Attribute("skipped")));
            // (The Pester tests validate this output against the JUnit 4 schema Pester ships.)
        }

        [Fact]
        public void The_SARIF_schema_check_would_catch_a_broken_log()
        {
            var schema = JsonSchema.FromJsonAsync(File.ReadAllText(Path.Combine(Lab.FixturesFolder, "sarif", "sarif-schema-2.1.0.json"))).GetAwaiter().GetResult();
            Assert.NotEmpty(schema.Validate("{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {}}}]}"));
            Assert.NotEmpty(schema.Validate("{\"version\": \"2.0.0\", \"runs\": []}"));
        }

        [Fact]
        public void Names_and_messages_are_escaped_so_a_hostile_name_cannot_put_markup_into_the_report()
        {
            var item = new ReportItem
            {
                Category = "CDE separation", Rule = "R<1>", Object = "<script>alert(1)</script>", Severity = Severity.High, Outcome = ReportOutcome.Fail,
                Message = "vm \"a\" & <b>", Evidence = new[] { "<img src=x onerror=alert(1)>" },
            };
            var html = Encoding.UTF8.GetString(ReportWriter.Write(ReportFormat.Html, new[] { item }, new ReportContext { Title = "<t>" }));
            Assert.DoesNotContain("<script", html);
            Assert.DoesNotContain("<img", html);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
            Assert.Contains("<title>&lt;t&gt;</title>", html);
        }

        [Fact]
        public void An_empty_result_set_still_gives_a_complete_report_in_every_format()
        {
            foreach (ReportFormat format in Enum.GetValues(typeof(ReportFormat)))
            {
                var text = Encoding.UTF8.GetString(ReportWriter.Write(format, Array.Empty<ReportItem>(), new ReportContext()));
                Assert.False(string.IsNullOrWhiteSpace(text), format.ToString());
            }
            var html = Encoding.UTF8.GetString(ReportWriter.Write(ReportFormat.Html, Array.Empty<ReportItem>(), new ReportContext()));
            Assert.Contains("Fail: 0", html);
            Assert.DoesNotContain("drift-matrix\"", html);
        }
    }
}
