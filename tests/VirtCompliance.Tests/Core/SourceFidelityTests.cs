using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using VirtCompliance.Controls;
using Xunit;
using Xunit.Abstractions;

namespace VirtCompliance.Tests.Core
{
    /// <summary>
    /// The catalog and the built-in baselines against the guides they follow, read from the copies in
    /// Fixtures/reference: the SCG 9.0 controls CSV and its ESX audit script for scg, the DISA STIG for
    /// vSphere 8 ESXi InSpec controls for stig, the PCI DSS 4.0.1 requirements' bounds for pci-dss. Each
    /// parse asserts how many controls it found, so a parser that silently reads nothing fails.
    /// </summary>
    public sealed class SourceFidelityTests
    {
        private readonly ITestOutputHelper _output;

        public SourceFidelityTests(ITestOutputHelper output) => _output = output;

        private static string Reference(params string[] parts) => Path.Combine(new[] { Lab.FixturesFolder, "reference" }.Concat(parts).ToArray());

        private static readonly Lazy<Baseline> Scg = new Lazy<Baseline>(() => Baseline.Load("scg"));
        private static readonly Lazy<Baseline> Stig = new Lazy<Baseline>(() => Baseline.Load("stig"));
        private static readonly Lazy<Baseline> Pci = new Lazy<Baseline>(() => Baseline.Load("pci-dss"));

        // ---- the SCG: CSV ----

        /// <summary>The CSV's rows (RFC 4180: quoted fields hold commas, quotes and line breaks), by column name.</summary>
        internal static List<Dictionary<string, string>> ReadCsv(string path)
        {
            var text = File.ReadAllText(path, Encoding.UTF8).TrimStart('\uFEFF');
            var records = new List<List<string>>();
            var record = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            for (int i = 0; i < text.Length; i++)
            {
                var ch = text[i];
                if (quoted)
                {
                    if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                    else if (ch == '"') quoted = false;
                    else field.Append(ch);
                }
                else if (ch == '"') quoted = true;
                else if (ch == ',') { record.Add(field.ToString()); field.Clear(); }
                else if (ch == '\n' || ch == '\r')
                {
                    if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                    record.Add(field.ToString()); field.Clear();
                    records.Add(record); record = new List<string>();
                }
                else field.Append(ch);
            }
            if (field.Length > 0 || record.Count > 0) { record.Add(field.ToString()); records.Add(record); }
            var header = records[0];
            return records.Skip(1).Where(r => r.Count > 1)
                .Select(r => header.Select((h, i) => (h, v: i < r.Count ? r[i] : "")).ToDictionary(x => x.h, x => x.v, StringComparer.Ordinal)).ToList();
        }

        private static readonly Lazy<Dictionary<string, Dictionary<string, string>>> ScgEsx = new Lazy<Dictionary<string, Dictionary<string, string>>>(() =>
        {
            var rows = ReadCsv(Reference("scg-9.0", "vcf-9.0-security-configuration-guide-controls.csv"));
            Assert.Equal(226, rows.Count);
            var esx = rows.Where(r => r["SCG ID"].StartsWith("esx-9.", StringComparison.Ordinal)).ToDictionary(r => r["SCG ID"], StringComparer.Ordinal);
            Assert.Equal(78, esx.Count);
            return esx;
        });

        /// <summary>A CSV cell of ids, one per line; "N/A" is none.</summary>
        private static string[] Ids(string cell)
        {
            var ids = cell.Split('\n').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();
            return ids.Length == 1 && ids[0] == "N/A" ? Array.Empty<string>() : ids;
        }

        private static IEnumerable<ControlDefinition> EsxControls =>
            ControlCatalog.BuiltIn.Controls.Where(c => c.Scg.Any(s => s.StartsWith("esx-9.", StringComparison.Ordinal)));

        [Fact]
        public void Every_esx_control_carries_the_pci_dss_and_vcf_stig_ids_the_guide_gives_it()
        {
            var esx = ScgEsx.Value;
            var checkedCount = 0;
            foreach (var c in EsxControls)
            {
                var row = Assert.Single(c.Scg.Select(s => esx.TryGetValue(s, out var r) ? r : null).Where(r => r != null));
                Assert.True(Ids(row!["PCI DSS 4.0.1 ID"]).SequenceEqual(c.PciDss), $"{c.Id}: PCI DSS {string.Join(",", c.PciDss)}, guide {row["PCI DSS 4.0.1 ID"]}");
                Assert.True(Ids(row["DISA STIG ID"]).SequenceEqual(c.Stig), $"{c.Id}: STIG {string.Join(",", c.Stig)}, guide {row["DISA STIG ID"]}");
                // The option a control reads is the parameter the guide names.
                if (c.Fact.StartsWith("option:", StringComparison.Ordinal))
                    Assert.Contains(c.Fact.Substring("option:".Length), row["Configuration Parameter"]);
                checkedCount++;
            }
            Assert.True(checkedCount >= 60, $"{checkedCount} ESX controls checked");
        }

        [Fact]
        public void The_scg_baseline_has_every_esx_control_of_the_catalog_the_guide_lists()
        {
            var inBaseline = new HashSet<string>(Scg.Value.Controls.Select(c => c.Id), StringComparer.Ordinal);
            var missing = EsxControls.Where(c => !inBaseline.Contains(c.Id)).Select(c => c.Id).ToArray();
            Assert.True(missing.Length == 0, "not in scg: " + string.Join(", ", missing));
        }

        // ---- the SCG: its audit script ----

        private sealed record ScriptCheck(string Setting, string Expected, string Comparator);

        /// <summary>The script's advanced-setting table: 'KEY' = @{ Expected = VALUE; Comparator = 'CMP' }.</summary>
        private static List<ScriptCheck> ScriptSettings(string script)
        {
            var block = Regex.Match(script, @"\$scg_adv = @\{(.*?)\n\}", RegexOptions.Singleline).Groups[1].Value;
            return Regex.Matches(block, @"'([^']+)' = @\{ Expected = ('[^']*'|\$true|\$false|\d+); Comparator = '([a-z-]+)' \}")
                .Cast<Match>().Select(m => new ScriptCheck(m.Groups[1].Value, m.Groups[2].Value.Trim('\''), m.Groups[3].Value)).ToList();
        }

        [Fact]
        public void The_scg_baseline_compares_each_setting_as_the_guides_audit_script_does()
        {
            var script = File.ReadAllText(Reference("scg-9.0", "tools", "audit-esx-9.ps1"));
            var settings = ScriptSettings(script);
            Assert.Equal(30, settings.Count);
            var notBlock = Regex.Match(script, @"\$scg_not = @\{(.*?)\n\}", RegexOptions.Singleline).Groups[1].Value;
            var nots = Regex.Matches(notBlock, @"'([^']+)' = '([^']*)'").Cast<Match>().Select(m => (key: m.Groups[1].Value, value: m.Groups[2].Value)).ToList();
            Assert.Equal(4, nots.Count);
            var servicesOff = Regex.Match(script, @"\$services_should_be_false = (.*)").Groups[1].Value.Split(',').Select(s => s.Trim().Trim('"')).ToList();
            Assert.Equal(5, servicesOff.Count);
            var servicesOn = Regex.Match(script, @"\$services_should_be_true = (.*)").Groups[1].Value.Split(',').Select(s => s.Trim().Trim('"')).ToList();
            Assert.Equal(new[] { "ntpd" }, servicesOn);

            var byFact = Scg.Value.Controls.GroupBy(c => c.Fact, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            EffectiveControl One(string fact) => Assert.Single(byFact.TryGetValue(fact, out var list) ? list : new List<EffectiveControl>());

            foreach (var s in settings)
            {
                var control = One("option:" + s.Setting);
                var e = control.Expectation!;
                var why = $"{control.Id} ({s.Setting}): script {s.Comparator} {s.Expected}, baseline {e.Text}";
                var expected = s.Expected == "$true" ? "true" : s.Expected == "$false" ? "false" : s.Expected;
                switch (s.Comparator)
                {
                    case "eq" when expected.Length == 0:
                        Assert.True(e.Operator == ControlOperator.Empty, why);
                        break;
                    case "eq" when e.Operator == ControlOperator.In:
                        // Whole-value equality, also accepting the guide's own spelling of the same setting (its CSV value).
                        Assert.Contains(expected, e.Expected.List!);
                        var guide = ScgEsx.Value[control.Definition.Scg[0]]["Baseline Suggested Value"].Trim('"');
                        Assert.All(e.Expected.List!, v => Assert.True(v == expected || v == guide, why));
                        break;
                    case "eq":
                        Assert.True(e.Operator == ControlOperator.Equals && Same(e.Expected.Scalar, expected), why);
                        break;
                    case "ge":
                        Assert.True(e.Operator == ControlOperator.GreaterOrEqual && Same(e.Expected.Scalar, expected), why);
                        break;
                    case "le":
                        Assert.True(e.Operator == ControlOperator.LessOrEqual && Same(e.Expected.Scalar, expected), why);
                        break;
                    case "le-nonzero":
                        // Less or equal and not 0 (0 turns the timeout off).
                        Assert.True(e.Operator == ControlOperator.Between && Same(e.Expected.List![0], "1") && Same(e.Expected.List[1], expected), why);
                        break;
                    default:
                        throw new Xunit.Sdk.XunitException($"unknown comparator {s.Comparator} in the script");
                }
            }
            foreach (var (key, value) in nots)
            {
                var e = One("option:" + key).Expectation!;
                if (value.Length == 0) Assert.Equal(ControlOperator.NotEmpty, e.Operator);
                else Assert.True(e.Operator == ControlOperator.NotEquals && e.Expected.Scalar == value, $"{key}: {e.Text}");
            }
            foreach (var key in servicesOff)
            {
                var e = One("service:" + key).Expectation!;
                Assert.Equal(ControlOperator.In, e.Operator);
                Assert.Contains("stopped, policy off", e.Expected.List!);
                Assert.All(e.Expected.List!, v => Assert.True(v == "stopped, policy off" || v == Facts.NotInstalled, $"{key}: {v}"));
            }
            var ntp = One("service:ntpd").Expectation!;
            Assert.True(ntp.Operator == ControlOperator.Equals && ntp.Expected.Scalar == "running, policy on", ntp.Text);
        }

        /// <summary>
        /// An ESXCLI read as the guides' PowerCLI writes it: <c>$esxcli.COMMAND.invoke([$arguments]) [| Where {$_.FIELD -eq 'VALUE'}]
        /// | Select-Object -ExpandProperty FIELD</c>, as the catalog's fact for it (esxcli:COMMAND(ARGS)[FIELD=VALUE].FIELD).
        /// </summary>
        private static readonly Regex EsxCliRead = new Regex(
            @"\$esxcli\.(?<command>[a-z0-9.]+?)\.invoke\((?<args>\$arguments)?\)\s*\|\s*(?:Where(?:-Object)?\s*\{\s*\$_\.(?<rowField>\w+) -eq \\?[""'](?<rowValue>[^""'\\]+)\\?[""']\s*\}\s*\|\s*)?Select(?:-Object)? -ExpandProperty (?<field>\w+)",
            RegexOptions.IgnoreCase);

        private static string EsxCliFact(Match read, string? arguments) =>
            Facts.EsxCliPrefix + read.Groups["command"].Value + (arguments == null ? "" : $"({arguments})")
            + (read.Groups["rowField"].Success ? $"[{read.Groups["rowField"].Value}={read.Groups["rowValue"].Value}]" : "") + "." + read.Groups["field"].Value;

        [Fact]
        public void The_scg_and_stig_baselines_read_each_esxcli_setting_as_the_sources_do()
        {
            // The SCG's audit script: each read into a variable, then compared (-eq 'V', -like "P*", or true as a condition).
            var script = File.ReadAllText(Reference("scg-9.0", "tools", "audit-esx-9.ps1"));
            var byFact = Scg.Value.Controls.ToLookup(c => c.Fact, StringComparer.Ordinal);
            var scgChecked = 0;
            foreach (Match assignment in Regex.Matches(script, @"\$(\w+) = (\$ESXcli\.[^\n]*)"))
            {
                var read = EsxCliRead.Match(assignment.Groups[2].Value);
                if (!read.Success) continue;
                var variable = Regex.Escape("$" + assignment.Groups[1].Value);
                var rest = script.Substring(assignment.Index + assignment.Length);
                var eq = Regex.Match(rest, variable + @" -eq '([^']*)'");
                var like = Regex.Match(rest, variable + @" -like ""([^""*]*)\*""");
                var truthy = Regex.Match(rest, @"if \(" + variable + @"\)");
                var first = new[] { eq, like, truthy }.Where(m => m.Success).OrderBy(m => m.Index).First();
                var scgFact = EsxCliFact(read, null);
                Assert.True(byFact[scgFact].Count() == 1, $"{scgFact} is read by {byFact[scgFact].Count()} controls of the scg baseline");
                var control = byFact[scgFact].Single();
                var e = control.Expectation!;
                var why = $"{control.Id}: script {first.Value}, baseline {e.Text}";
                if (first == like) Assert.True(e.Operator == ControlOperator.Matches && e.Expected.Scalar == "^" + Regex.Escape(like.Groups[1].Value), why);
                else Assert.True(e.Operator == ControlOperator.Equals && Same(e.Expected.Scalar, first == truthy ? "true" : eq.Groups[1].Value), why);
                scgChecked++;
            }
            Assert.Equal(22, scgChecked);

            // The STIG's InSpec: each PowerCLI command (with the arguments it sets to $true) and the value its output must equal, at the STIG's severity.
            var stigByFact = Stig.Value.Controls.ToLookup(c => c.Fact, StringComparer.Ordinal);
            var stigChecked = 0;
            foreach (var f in Directory.GetFiles(Reference("stig-vsphere-8.0", "esxi"), "ESXI-80-*.rb").OrderBy(x => x, StringComparer.Ordinal))
            {
                var text = File.ReadAllText(f);
                var id = Path.GetFileNameWithoutExtension(f);
                var severity = Regex.Match(text, @"tag severity: '(high|medium|low)'").Groups[1].Value;
                var code = text.Substring(text.IndexOf("\n  impact ", StringComparison.Ordinal));
                foreach (Match command in Regex.Matches(code, @"command = ""([^\n]*)""\s*\n\s*describe powercli_command\(command\) do\s*\n\s*its\('stdout.strip'\) \{ should cmp '([^']*)' \}"))
                {
                    var read = EsxCliRead.Match(command.Groups[1].Value);
                    if (!read.Success) continue;
                    var arguments = Regex.Matches(command.Groups[1].Value, @"\$arguments\.(\w+) = \$true").Cast<Match>().Select(m => m.Groups[1].Value + "=true").OrderBy(a => a, StringComparer.Ordinal).ToArray();
                    var fact = EsxCliFact(read, arguments.Length == 0 ? null : string.Join(",", arguments));
                    var matching = stigByFact[fact].Where(c => c.Definition.Vsphere8Stig.Contains(id)).ToList();
                    Assert.True(matching.Count == 1, $"{id}: {fact} is read by {matching.Count} controls of the stig baseline that carry the id");
                    var control = matching[0];
                    var e = control.Expectation!;
                    Assert.True(e.Operator == ControlOperator.Equals && Same(e.Expected.Scalar, command.Groups[2].Value), $"{id}: STIG {command.Groups[2].Value}, {control.Id} {e.Text}");
                    Assert.True(string.Equals(control.Severity.ToString(), severity, StringComparison.OrdinalIgnoreCase), $"{id}: {control.Id} {control.Severity}, STIG {severity}");
                    stigChecked++;
                }
            }
            Assert.Equal(21, stigChecked);
        }

        private static bool Same(string? a, string? b) =>
            decimal.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && decimal.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
                ? x == y : string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

        // ---- the DISA STIG for vSphere 8, ESXi ----

        /// <summary>
        /// One InSpec control: its id, severity, the advanced setting or service its code reads and what it
        /// expects. Text is the code after "impact", not the check and fix prose (which names settings too).
        /// </summary>
        internal sealed record StigControl(string Id, string Severity, string Text)
        {
            // The last setting the code reads is the one judged (000224 first reads the syslog host to see whether it applies).
            public string? Setting => Regex.Matches(Text, @"Get-AdvancedSetting -Name ([A-Za-z0-9._]+)").Cast<Match>().LastOrDefault()?.Groups[1].Value;
            public string? ServiceLabel => Regex.Match(Text, @"Get-VMHostService \| Where \{\$_\.Label -eq '([^']+)'\}") is var m && m.Success ? m.Groups[1].Value : null;
            public string[] Cmp => Regex.Matches(Text, @"\bshould cmp (<= )?('[^']*'|""[^""]*""|\d+)").Cast<Match>().Select(m => m.Groups[1].Value + m.Groups[2].Value).ToArray();
            public bool NotZero => Regex.IsMatch(Text, @"should_not cmp 0\b");
            public string[] NotCmp => Regex.Matches(Text, @"should_not cmp '([^']*)'").Cast<Match>().Select(m => m.Groups[1].Value).ToArray();
            public string[] Match => Regex.Matches(Text, @"should match (?:'([^']*)'|""([^""]*)"")").Cast<Match>().Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToArray();
        }

        internal static List<StigControl> ReadStig()
        {
            var files = Directory.GetFiles(Reference("stig-vsphere-8.0", "esxi"), "ESXI-80-*.rb").OrderBy(f => f, StringComparer.Ordinal).ToList();
            Assert.Equal(76, files.Count);
            return files.Select(f =>
            {
                var text = File.ReadAllText(f);
                var id = Regex.Match(text, @"^control '(ESXI-80-\d{6})' do", RegexOptions.Multiline).Groups[1].Value;
                Assert.Equal(Path.GetFileNameWithoutExtension(f), id);
                var severity = Regex.Match(text, @"tag severity: '(high|medium|low)'").Groups[1].Value;
                Assert.False(string.IsNullOrEmpty(severity), id);
                var code = text.Substring(text.IndexOf("\n  impact ", StringComparison.Ordinal) is var at && at > 0 ? at : throw new Xunit.Sdk.XunitException(id + ": no impact line"));
                return new StigControl(id, severity, code);
            }).ToList();
        }

        // ESXi's service labels, as the STIG finds each service, and the service keys the API reports.
        private static readonly Dictionary<string, string> ServiceKeys = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["SSH"] = "TSM-SSH", ["ESXi Shell"] = "TSM", ["NTP Daemon"] = "ntpd", ["CIM Server"] = "sfcbd-watchdog", ["slpd"] = "slpd",
        };

        [Fact]
        public void The_stig_baseline_reads_each_setting_with_the_stigs_value_and_severity()
        {
            var stig = ReadStig();
            var byStigId = Stig.Value.Controls.SelectMany(c => c.Definition.Vsphere8Stig.Select(s => (s, c))).ToLookup(x => x.s, x => x.c, StringComparer.Ordinal);
            var settings = stig.Where(s => s.Setting != null).ToList();
            Assert.Equal(31, settings.Count);
            foreach (var s in settings)
            {
                var control = Assert.Single(byStigId[s.Id]);
                var e = control.Expectation!;
                var why = $"{s.Id} {s.Setting}: {control.Id} expects {e.Text}";
                Assert.True(control.Fact == "option:" + s.Setting, why + $", reads {control.Fact}");
                Assert.True(string.Equals(control.Severity.ToString(), s.Severity, StringComparison.OrdinalIgnoreCase), why + $", severity {control.Severity} not {s.Severity}");
                var cmp = s.Cmp.LastOrDefault();
                if (s.Match.Length > 0)
                {
                    Assert.True(e.Operator == ControlOperator.Matches, why);
                    foreach (var banner in s.Match) Assert.True(Regex.IsMatch(banner, e.Expected.Scalar!), why + ": does not accept " + banner);
                    Assert.False(Regex.IsMatch("", e.Expected.Scalar!), why);
                }
                else if (s.NotCmp.Length > 0)
                    Assert.True(e.Operator == ControlOperator.NotEquals && e.Expected.Scalar == s.NotCmp.Single(), why);
                else if (cmp != null && cmp.StartsWith("\"#{input(", StringComparison.Ordinal))
                    // A site-specific value (the syslog server): set, whatever it is.
                    Assert.True(e.Operator == ControlOperator.NotEmpty, why);
                else if (cmp != null && cmp.StartsWith("<= ", StringComparison.Ordinal))
                {
                    var bound = cmp.Substring(3);
                    Assert.True(s.NotZero ? e.Operator == ControlOperator.Between && Same(e.Expected.List![0], "1") && Same(e.Expected.List[1], bound)
                        : e.Operator == ControlOperator.LessOrEqual && Same(e.Expected.Scalar, bound), why);
                }
                else if (cmp == "''")
                    Assert.True(e.Operator == ControlOperator.Empty, why);
                else
                {
                    Assert.NotNull(cmp);
                    Assert.True(e.Operator == ControlOperator.Equals && Same(e.Expected.Scalar, cmp!.Trim('\'', '"')), why);
                }
            }

            var services = stig.Where(s => s.ServiceLabel != null).ToList();
            Assert.Equal(5, services.Count);
            foreach (var s in services)
            {
                var key = ServiceKeys[s.ServiceLabel!];
                var control = Assert.Single(byStigId[s.Id], c => c.Fact.StartsWith("service:", StringComparison.Ordinal));
                Assert.Equal("service:" + key, control.Fact);
                Assert.True(string.Equals(control.Severity.ToString(), s.Severity, StringComparison.OrdinalIgnoreCase), s.Id);
                var on = s.Cmp.Contains("'on'");
                Assert.Equal(on, s.Cmp.Contains("'true'"));
                var state = on ? "running, policy on" : "stopped, policy off";
                var values = control.Expectation!.Expected.List ?? new[] { control.Expectation.Expected.Scalar };
                Assert.Contains(state, values);
                Assert.All(values, v => Assert.True(v == state || (!on && v == Facts.NotInstalled), $"{s.Id}: {v}"));
            }

            // The lists the STIG accepts, by name.
            var lockdown = stig.Single(s => s.Id == "ESXI-80-000008");
            var modes = Regex.Match(lockdown.Text, @"list = \[(.*)\]").Groups[1].Value.Split(',').Select(v => v.Trim().Trim('\'')).ToArray();
            Assert.Equal(modes, Assert.Single(byStigId["ESXI-80-000008"]).Expectation!.Expected.List);
            var acceptance = stig.Single(s => s.Id == "ESXI-80-000133");
            var levels = Regex.Match(acceptance.Text, @"list = \[(.*)\]").Groups[1].Value.Split(',').Select(v => v.Trim().Trim('\''))
                // esxcli's names of the levels the API reports as vmware_certified, vmware_accepted, partner.
                .Select(v => v == "VMwareCertified" ? "vmware_certified" : v == "VMwareAccepted" ? "vmware_accepted" : v == "PartnerSupported" ? "partner" : v)
                .OrderBy(v => v, StringComparer.Ordinal);
            Assert.Equal(levels, Assert.Single(byStigId["ESXI-80-000133"]).Expectation!.Expected.List!.OrderBy(v => v, StringComparer.Ordinal));

            // Every control of the baseline is one of the STIG's, at its severity; every ESXI-80 id the API can read and the catalog has is in it.
            foreach (var control in Stig.Value.Controls)
            {
                Assert.NotEmpty(control.Definition.Vsphere8Stig);
                // VM and vCenter ids are checked against their own files below.
                foreach (var id in control.Definition.Vsphere8Stig.Where(i => i.StartsWith("ESXI-", StringComparison.Ordinal)))
                    Assert.True(string.Equals(stig.Single(s => s.Id == id).Severity, control.Severity.ToString(), StringComparison.OrdinalIgnoreCase), $"{control.Id} {id}");
            }
            var catalogIds = ControlCatalog.BuiltIn.Controls.SelectMany(c => c.Vsphere8Stig).Distinct().ToArray();
            Assert.All(catalogIds, id => Assert.True(byStigId[id].Any(), $"{id} is read by the catalog but not in the stig baseline"));
        }

        /// <summary>
        /// The STIG's VM and vCenter controls that read an advanced setting: the stig baseline reads that
        /// setting of the VM (or of vCenter) with the STIG's value and severity. "cmp V" or an empty value
        /// (describe.one) is V with V as the default; "be_empty" alone is empty; "cmp >= V" is at least V.
        /// </summary>
        [Theory]
        [InlineData("vm", "VMCH", "vm.extraConfig:", 25, 15)]
        [InlineData("vcenter", "VCSA", "vcenter.setting:", 67, 6)]
        public void The_stig_baseline_reads_each_vm_and_vcenter_setting_with_the_stigs_value_and_severity(string folder, string prefix, string factPrefix, int files, int settings)
        {
            var rbs = Directory.GetFiles(Reference("stig-vsphere-8.0", folder), prefix + "-80-*.rb").OrderBy(f => f, StringComparer.Ordinal).ToList();
            Assert.Equal(files, rbs.Count);
            var byStigId = Stig.Value.Controls.SelectMany(c => c.Definition.Vsphere8Stig.Select(s => (s, c))).ToLookup(x => x.s, x => x.c, StringComparer.Ordinal);
            var checkedSettings = 0;
            foreach (var f in rbs)
            {
                var text = File.ReadAllText(f);
                var id = Path.GetFileNameWithoutExtension(f);
                var severity = Regex.Match(text, @"tag severity: '(high|medium|low)'").Groups[1].Value;
                var code = text.Substring(text.IndexOf("\n  impact ", StringComparison.Ordinal));
                // Each setting the code reads, with what follows it up to the next one.
                var reads = Regex.Matches(code, @"Get-AdvancedSetting (?:-Entity \S+ )?-Name ""?([A-Za-z0-9._]+)""?").Cast<Match>().ToList();
                if (reads.Count == 0)
                {
                    // Not a setting: still, a control the catalog maps to this id has the STIG's severity in the baseline.
                    foreach (var c in byStigId[id]) Assert.True(string.Equals(c.Severity.ToString(), severity, StringComparison.OrdinalIgnoreCase), $"{id}: {c.Id} {c.Severity}");
                    continue;
                }
                for (int i = 0; i < reads.Count; i++)
                {
                    var setting = reads[i].Groups[1].Value;
                    var end = i + 1 < reads.Count ? reads[i + 1].Index : code.Length;
                    var body = code.Substring(reads[i].Index, end - reads[i].Index);
                    // The STIG reads ethernet*.filter* as a wildcard: the catalog's pattern of the same keys.
                    var control = Assert.Single(byStigId[id], c => c.Fact.StartsWith(factPrefix, StringComparison.Ordinal)
                        && string.Equals(c.Fact.Substring(factPrefix.Length), setting, StringComparison.OrdinalIgnoreCase)
                        || c.Fact.StartsWith("vm.extraConfigKeys:" + setting, StringComparison.OrdinalIgnoreCase));
                    var e = control.Expectation!;
                    var why = $"{id} {setting}: {control.Id} expects {e.Text}";
                    Assert.True(string.Equals(control.Severity.ToString(), severity, StringComparison.OrdinalIgnoreCase), why + $", severity {control.Severity} not {severity}");
                    var cmp = Regex.Match(body, @"should cmp (>= )?'([^']*)'");
                    var empty = body.Contains("should be_empty");
                    if (!cmp.Success)
                    {
                        Assert.True(empty, why);
                        Assert.Equal(ControlOperator.Empty, e.Operator);
                    }
                    else if (cmp.Groups[1].Success)
                        Assert.True(e.Operator == ControlOperator.GreaterOrEqual && Same(e.Expected.Scalar, cmp.Groups[2].Value), why);
                    else
                    {
                        Assert.True(e.Operator == ControlOperator.Equals && string.Equals(e.Expected.Scalar, cmp.Groups[2].Value, StringComparison.OrdinalIgnoreCase), why);
                        // "Or empty": the platform's default is the STIG's value; without it, absent fails.
                        Assert.Equal(empty ? cmp.Groups[2].Value.ToLowerInvariant() : null, control.Definition.Default?.ToString().ToLowerInvariant());
                    }
                    checkedSettings++;
                }
            }
            Assert.Equal(settings, checkedSettings);
        }

        // ---- PCI DSS 4.0.1 ----

        /// <summary>The numbers a control's expectation accepts, as [low, high] (null: unbounded); null when it is not a numeric expectation.</summary>
        private static (decimal? low, decimal? high)? Range(Expectation e)
        {
            decimal? N(string? s) => decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : (decimal?)null;
            switch (e.Operator)
            {
                case ControlOperator.Between: return (N(e.Expected.List![0]), N(e.Expected.List[1]));
                case ControlOperator.LessOrEqual: return (null, N(e.Expected.Scalar));
                case ControlOperator.GreaterOrEqual: return (N(e.Expected.Scalar), null);
                case ControlOperator.Equals when N(e.Expected.Scalar) is decimal v: return (v, v);
                default: return null;
            }
        }

        private static bool Within((decimal? low, decimal? high) inner, decimal? low, decimal? high) =>
            (low == null || (inner.low != null && inner.low >= low)) && (high == null || (inner.high != null && inner.high <= high));

        [Fact]
        public void The_pci_dss_baseline_is_at_least_as_strict_as_each_requirement_it_cites_and_never_weaker_than_the_guide()
        {
            var doc = JObject.Parse(File.ReadAllText(Reference("pci-dss-4.0.1.json")));
            var requirements = ((JArray)doc["requirements"]!).ToDictionary(r => (string)r["id"]!, r => (JObject)r, StringComparer.Ordinal);
            Assert.Equal(32, requirements.Count);
            var scg = Scg.Value.Controls.ToDictionary(c => c.Id, StringComparer.Ordinal);
            var hostControls = Pci.Value.Controls.Where(c => c.Definition.Scope != ControlScope.DistributedPortgroup).ToList();
            Assert.True(hostControls.Count >= 50, $"{hostControls.Count} host controls");
            var bounded = 0;
            foreach (var control in hostControls)
            {
                Assert.NotEmpty(control.Definition.PciDss);
                // Every requirement a host control cites is one the fixture knows (and so was checked for bounds).
                foreach (var id in control.Definition.PciDss) Assert.True(requirements.ContainsKey(id), $"{control.Id} cites {id}, which the fixture does not list");
                var e = control.Expectation!;
                var bounds = control.Definition.PciDss.SelectMany(id => requirements[id]["bounds"] is JArray b ? b.Select(x => (id, x)) : Enumerable.Empty<(string, JToken)>())
                    .Where(b => (string)b.Item2["fact"]! == control.Fact).ToList();
                scg.TryGetValue(control.Id, out var guide);
                foreach (var (id, b) in bounds)
                {
                    bounded++;
                    var low = (decimal?)b["atLeast"];
                    var high = (decimal?)b["atMost"];
                    var range = Range(e) ?? throw new Xunit.Sdk.XunitException($"{control.Id}: {e.Text} is not numeric");
                    Assert.True(Within(range, low, high), $"{control.Id} ({control.Fact}) {e.Text} is weaker than {id}: {low}..{high}");
                    // Keep the guide's value where it is stricter: when the guide's range meets the requirement, stay inside it.
                    if (guide?.Expectation != null && Range(guide.Expectation) is var g && g != null && Within(g.Value, low, high))
                        Assert.True(Within(range, g.Value.low, g.Value.high), $"{control.Id}: {e.Text} is weaker than the guide's {guide.Expectation.Text}");
                }
                if (control.Fact == "option:Security.PasswordQualityControl")
                {
                    var minimum = (int)requirements["8.3.6"]["passwordQuality"]!["minimumLength"]!;
                    var accepted = e.Operator == ControlOperator.In ? e.Expected.List! : new[] { e.Expected.Scalar };
                    Assert.Equal(ControlOperator.In, e.Operator);
                    foreach (var policy in accepted)
                    {
                        var min = Regex.Match(policy!, @"\bmin=([^ ]+)").Groups[1].Value.Split(',');
                        Assert.Equal(5, min.Length);
                        Assert.All(min.Take(4), n => Assert.Equal("disabled", n));
                        Assert.True(int.Parse(min[4], CultureInfo.InvariantCulture) >= minimum, policy);
                    }
                    bounded++;
                }
                if (bounds.Count == 0 && control.Fact != "option:Security.PasswordQualityControl" && guide?.Expectation != null)
                    // No number in the requirement: the guide's setting, unchanged.
                    Assert.True(guide.Expectation.Text == e.Text, $"{control.Id}: {e.Text}, the guide {guide.Expectation.Text}");
            }
            Assert.Equal(11, bounded);
        }

        // ---- coverage ----

        internal sealed record CoverageRow(string Source, string Object, int InGuide, int Readable, int InCatalog, string[] ReadableNotInCatalog);

        internal static List<CoverageRow> Coverage()
        {
            var doc = JObject.Parse(File.ReadAllText(Reference("api-readable.json")));
            var catalog = ControlCatalog.BuiltIn.Controls;
            CoverageRow Row(string source, string key, ISet<string> guideIds, Func<ControlDefinition, IEnumerable<string>> idsOf, string objectKind = "ESX host")
            {
                var classified = ((JObject)doc[key]!).Properties().ToDictionary(p => p.Name, p => (JObject)p.Value, StringComparer.Ordinal);
                Assert.Equal(guideIds.OrderBy(i => i, StringComparer.Ordinal), classified.Keys.OrderBy(i => i, StringComparer.Ordinal));
                foreach (var c in classified.Values)
                    Assert.False(string.IsNullOrWhiteSpace((string?)c[(bool)c["readable"]! ? "read" : "why"]), key + ": a classification without its reason");
                var evaluated = new HashSet<string>(catalog.SelectMany(idsOf), StringComparer.Ordinal);
                foreach (var (id, c) in classified.Select(kv => (kv.Key, kv.Value)))
                {
                    var readable = (bool)c["readable"]!;
                    // The classification and the catalog agree: what the catalog evaluates is readable.
                    Assert.False(!readable && evaluated.Contains(id), $"{id} is classified not readable but the catalog evaluates it");
                }
                var readableIds = classified.Where(kv => (bool)kv.Value["readable"]!).Select(kv => kv.Key).ToList();
                return new CoverageRow(source, objectKind, guideIds.Count, readableIds.Count, readableIds.Count(evaluated.Contains),
                    readableIds.Where(i => !evaluated.Contains(i)).OrderBy(i => i, StringComparer.Ordinal).ToArray());
            }
            var scgIds = new HashSet<string>(ScgEsx.Value.Keys, StringComparer.Ordinal);
            var stigIds = new HashSet<string>(ReadStig().Select(s => s.Id), StringComparer.Ordinal);
            var csv = ReadCsv(Reference("scg-9.0", "vcf-9.0-security-configuration-guide-controls.csv"));
            HashSet<string> ScgIds(string prefix) => new HashSet<string>(csv.Select(r => r["SCG ID"]).Where(i => i.StartsWith(prefix, StringComparison.Ordinal)), StringComparer.Ordinal);
            HashSet<string> StigIds(string folder) => new HashSet<string>(Directory.GetFiles(Reference("stig-vsphere-8.0", folder), "*.rb").Select(Path.GetFileNameWithoutExtension)!, StringComparer.Ordinal);
            return new List<CoverageRow>
            {
                Row("VCF 9.0 SCG", "scg-9.0", scgIds, c => c.Scg),
                Row("DISA STIG vSphere 8 ESXi", "stig-vsphere-8.0-esxi", stigIds, c => c.Vsphere8Stig),
                Row("VCF 9.0 SCG", "scg-9.0-vm", ScgIds("vm-9."), c => c.Scg, "VM"),
                Row("DISA STIG vSphere 8 VM", "stig-vsphere-8.0-vm", StigIds("vm"), c => c.Vsphere8Stig, "VM"),
                Row("VCF 9.0 SCG", "scg-9.0-vcenter", ScgIds("vcenter-9."), c => c.Scg, "vCenter and distributed switch"),
                Row("DISA STIG vSphere 8 vCenter", "stig-vsphere-8.0-vcenter", StigIds("vcenter"), c => c.Vsphere8Stig, "vCenter and distributed switch"),
            };
        }

        internal static string Markdown(CoverageRow r) => $"| {r.Source} | {r.Object} | {r.InGuide} | {r.Readable} | {r.InCatalog} |";

        [Fact]
        public void Coverage_of_the_guides_is_counted_from_the_classification_and_is_in_the_readme()
        {
            var rows = Coverage();
            _output.WriteLine("| source | object | in guide | API-readable | in catalog |");
            _output.WriteLine("|---|---|---|---|---|");
            foreach (var r in rows) _output.WriteLine(Markdown(r));
            foreach (var r in rows) _output.WriteLine($"{r.Source}: API-readable, not in the catalog: {string.Join(", ", r.ReadableNotInCatalog)}");

            var scg = rows[0];
            Assert.Equal(78, scg.InGuide);
            Assert.True(scg.InCatalog >= scg.Readable - 1, $"SCG: {scg.InCatalog} of {scg.Readable} readable controls in the catalog");
            var stig = rows[1];
            Assert.Equal(76, stig.InGuide);
            Assert.True(stig.InCatalog >= 50, $"STIG: {stig.InCatalog} of {stig.Readable} readable controls in the catalog");

            var vm = rows[2];
            Assert.Equal(24, vm.InGuide);
            Assert.True(vm.InCatalog >= 22, $"SCG VM: {vm.InCatalog} of {vm.Readable}");
            Assert.Equal(25, rows[3].InCatalog);
            var vcenter = rows[4];
            Assert.Equal(52, vcenter.InGuide);
            Assert.True(vcenter.InCatalog >= 20, $"SCG vCenter: {vcenter.InCatalog} of {vcenter.Readable}");

            var readme = File.ReadAllText(Path.Combine(Lab.RepositoryRoot, "README.md"));
            Assert.Contains("## Coverage", readme);
            foreach (var r in rows) Assert.Contains(Markdown(r), readme);
        }
    }
}
