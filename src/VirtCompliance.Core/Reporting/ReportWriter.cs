using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Xml;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Common;

namespace VirtCompliance.Reporting
{
    public enum ReportFormat { Html, Json, Csv, JUnit, Sarif, Markdown }

    /// <summary>What a report says about itself: where its results came from and when.</summary>
    public sealed class ReportContext
    {
        public string Title { get; set; } = "VirtCompliance report";
        // Null when not known (results of no particular inventory).
        public string? Source { get; set; }
        public string? InventorySha256 { get; set; }
        public DateTimeOffset? CollectedAt { get; set; }
        public DateTimeOffset GeneratedAt { get; set; } = DateTimeOffset.UtcNow;
        public string? ModuleVersion { get; set; }
        /// <summary>Every analysed host as (cluster, host), when the inventory is known: the drift matrix then shows hosts without drift too.</summary>
        public IReadOnlyList<(string cluster, string? host)>? Hosts { get; set; }
        /// <summary>The waivers the results were judged with (the HTML report's register); null: none given.</summary>
        public IReadOnlyList<Waivers.WaiverStatus>? Waivers { get; set; }
        /// <summary>
        /// What the results were read from, as the URI of every SARIF result's physical location: the snapshot file
        /// (relative to the folder the report is for, else an absolute file URI), or the vCenter a live inventory
        /// was collected from. Null: not known, and SARIF results name <see cref="UnknownArtifactUri"/>.
        /// </summary>
        public string? ArtifactUri { get; set; }
        /// <summary>With results of several inventories: each vCenter's own artifact URI (see <see cref="ArtifactUri"/>), by the name results give it.</summary>
        public IReadOnlyDictionary<string, string>? ArtifactUris { get; set; }

        /// <summary>The location of results whose inventory nobody named: code scanning needs a location on every result.</summary>
        public const string UnknownArtifactUri = "virtcompliance:unknown-inventory";

        /// <summary>
        /// The URI that names where <paramref name="inventory"/> came from: its snapshot file relative to
        /// <paramref name="baseFolder"/> when the file is inside it (code scanning places a result in the repository
        /// by a relative path), else the file's absolute URI; for a collected inventory, https://its vCenter/.
        /// </summary>
        public static string? ArtifactUriOf(VirtCompliance.Model.Inventory? inventory, string? baseFolder)
        {
            if (inventory == null) return null;
            if (inventory.FilePath != null)
            {
                var file = System.IO.Path.GetFullPath(inventory.FilePath);
                if (baseFolder != null)
                {
                    var folder = System.IO.Path.GetFullPath(baseFolder).TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar;
                    if (file.StartsWith(folder, StringComparison.Ordinal))
                        return string.Join("/", file.Substring(folder.Length).Split(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar).Select(Uri.EscapeDataString));
                }
                return new Uri(file).AbsoluteUri;
            }
            if (string.IsNullOrEmpty(inventory.Source)) return null;
            // A collected inventory's source is the vCenter's host (and port): the URI names that server.
            return Uri.TryCreate("https://" + inventory.Source + "/", UriKind.Absolute, out var server) && string.Equals(server.Authority, inventory.Source, StringComparison.OrdinalIgnoreCase)
                ? server.AbsoluteUri
                : "urn:virtcompliance:inventory:" + Uri.EscapeDataString(inventory.Source);
        }

        /// <summary>
        /// The context of results that came from several inventories (one per vCenter): every source named, each
        /// vCenter's results located in its own snapshot, and each cluster named with its vCenter.
        /// </summary>
        public static ReportContext For(IReadOnlyList<VirtCompliance.Model.Inventory> inventories, string title, string? moduleVersion, string? baseFolder)
        {
            if (inventories.Count <= 1)
            {
                var one = For(inventories.FirstOrDefault(), title, moduleVersion);
                one.ArtifactUri = ArtifactUriOf(inventories.FirstOrDefault(), baseFolder);
                return one;
            }
            return new ReportContext
            {
                Title = title,
                ModuleVersion = moduleVersion,
                Source = string.Join(", ", inventories.Select(i => i.Source).Distinct(StringComparer.OrdinalIgnoreCase)),
                // The oldest collection: the report is no newer than its oldest part.
                CollectedAt = inventories.Min(i => i.CollectedAt),
                ArtifactUris = inventories.GroupBy(i => i.VCenterName, StringComparer.OrdinalIgnoreCase)
                    .ToDictionary(g => g.Key, g => ArtifactUriOf(g.First(), baseFolder) ?? UnknownArtifactUri, StringComparer.OrdinalIgnoreCase),
                Hosts = inventories.SelectMany(inv => inv.Hosts.Where(h => h.ConnectionState == VirtCompliance.Model.ConnectionState.Connected)
                    .Select(h => ((inv.GetCluster(h.ClusterId ?? "")?.Name ?? "") is var cluster && cluster.Length > 0 ? $"{cluster} ({inv.VCenterName})" : "", h.Name))).ToList(),
            };
        }

        /// <summary>The context of results that came from <paramref name="inventory"/> (null: nothing known about their source).</summary>
        public static ReportContext For(VirtCompliance.Model.Inventory? inventory, string title, string? moduleVersion) => new ReportContext
        {
            Title = title,
            ModuleVersion = moduleVersion,
            Source = inventory?.Source,
            CollectedAt = inventory?.CollectedAt,
            InventorySha256 = inventory?.Sha256,
            Hosts = inventory?.Hosts.Where(h => h.ConnectionState == VirtCompliance.Model.ConnectionState.Connected)
                .Select(h => (inventory.GetCluster(h.ClusterId ?? "")?.Name ?? "", h.Name)).ToList(),
        };
    }

    /// <summary>One writer per format, all from the same report items. Every format is self-contained text; HTML loads nothing from the network.</summary>
    public static class ReportWriter
    {
        /// <summary>Every outcome, worst first: the order of every summary.</summary>
        internal static readonly ReportOutcome[] Outcomes = (ReportOutcome[])Enum.GetValues(typeof(ReportOutcome));

        /// <summary>"fail", "notEvaluated", ...: how an outcome is named in JSON.</summary>
        internal static string JsonName(ReportOutcome o) => char.ToLowerInvariant(o.ToString()[0]) + o.ToString().Substring(1);

        /// <summary>The report's UTF-8 bytes: for a small report held in memory; <see cref="Write(ReportFormat, IReadOnlyList{ReportItem}, ReportContext, Stream)"/> streams.</summary>
        public static byte[] Write(ReportFormat format, IReadOnlyList<ReportItem> items, ReportContext context)
        {
            using (var buffer = new MemoryStream())
            {
                Write(format, items, context, buffer);
                return buffer.ToArray();
            }
        }

        /// <summary>
        /// Writes the report as UTF-8 to <paramref name="stream"/> (left open), as it is made: the memory it takes is the
        /// writer's buffer and the report's summaries, not the report, so a 100,000-VM estate's report is no longer a string.
        /// </summary>
        public static void Write(ReportFormat format, IReadOnlyList<ReportItem> items, ReportContext context, Stream stream)
        {
            using (var text = new StreamWriter(stream, AtomicFile.Utf8NoBom, 1 << 16, leaveOpen: true))
            {
                switch (format)
                {
                    case ReportFormat.Json: Json(items, context, text); break;
                    case ReportFormat.Csv: Csv(items, text); break;
                    case ReportFormat.Markdown: Markdown(items, context, new TextOut(text)); break;
                    case ReportFormat.JUnit: JUnit(items, context, text); break;
                    case ReportFormat.Sarif: SarifReport.Write(items, context, text); break;
                    default: HtmlReport.Write(items, context, new TextOut(text)); break;
                }
            }
        }

        /// <summary>
        /// A text writer with StringBuilder's chained Append, so that the writers that build text piece by piece write it
        /// straight to the file instead.
        /// </summary>
        internal sealed class TextOut
        {
            private readonly TextWriter _text;
            public TextOut(TextWriter text) { _text = text; }
            public TextOut Append(string? s) { _text.Write(s); return this; }
            public TextOut Append(int n) { _text.Write(n.ToString(CultureInfo.CurrentCulture)); return this; }
            public TextOut Append(object? o) { _text.Write(o?.ToString()); return this; }
            // Environment.NewLine, as StringBuilder.AppendLine ends a line.
            public TextOut AppendLine(string? s = null) { _text.WriteLine(s); return this; }
        }

        /// <summary>Fail, NotEvaluated and Warning items per PCI DSS requirement, in requirement order.</summary>
        public static IReadOnlyList<(string requirement, int fail, int notEvaluated, int warning)> ByRequirement(IReadOnlyList<ReportItem> items) =>
            items.SelectMany(i => i.PciDss.Select(r => (r, i.Outcome))).GroupBy(x => x.r)
                .OrderBy(g => g.Key, RequirementComparer.Instance)
                .Select(g => (g.Key, g.Count(x => x.Outcome == ReportOutcome.Fail), g.Count(x => x.Outcome == ReportOutcome.NotEvaluated), g.Count(x => x.Outcome == ReportOutcome.Warning))).ToList();

        /// <summary>Items that need attention (not Info, not Pass) per severity, highest first.</summary>
        public static IReadOnlyList<(Severity severity, int count)> BySeverity(IReadOnlyList<ReportItem> items) =>
            Enum.GetValues(typeof(Severity)).Cast<Severity>().Reverse().Select(s => (s, items.Count(i => i.Severity == s && i.Outcome != ReportOutcome.Info && i.Outcome != ReportOutcome.Pass))).ToList();

        private static void Json(IReadOnlyList<ReportItem> items, ReportContext c, TextWriter text)
        {
            var head = new JObject
            {
                ["title"] = c.Title,
                ["generatedAt"] = c.GeneratedAt.ToString("o", CultureInfo.InvariantCulture),
                ["source"] = c.Source,
                ["collectedAt"] = c.CollectedAt?.ToString("o", CultureInfo.InvariantCulture),
                ["inventorySha256"] = c.InventorySha256,
                ["moduleVersion"] = c.ModuleVersion,
                ["waivers"] = c.Waivers == null ? null : JToken.FromObject(c.Waivers, JsonFiles.Serializer),
                ["summary"] = new JObject
                {
                    ["byOutcome"] = new JObject(Outcomes.Select(o => new JProperty(JsonName(o), items.Count(i => i.Outcome == o)))),
                    ["bySeverity"] = new JObject(BySeverity(items).Select(s => new JProperty(s.severity.ToString(), s.count))),
                    ["byPciDss"] = new JObject(ByRequirement(items).Select(r => new JProperty(r.requirement, new JObject { ["fail"] = r.fail, ["notEvaluated"] = r.notEvaluated, ["warning"] = r.warning }))),
                },
            };
            if (c.Waivers == null) head.Remove("waivers");
            // The items are serialised one by one into the output: a tree of 100,000 items first would cost seconds and memory for nothing.
            WriteJson(text, w =>
            {
                w.WriteStartObject();
                foreach (var property in head.Properties()) property.WriteTo(w);
                w.WritePropertyName("items");
                w.WriteStartArray();
                foreach (var item in items) JsonFiles.Serializer.Serialize(w, item);
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }

        /// <summary>Indented JSON written straight to text, with the closing newline the other files have.</summary>
        internal static void WriteJson(TextWriter text, Action<JsonTextWriter> write)
        {
            using (var w = new JsonTextWriter(text) { Formatting = Newtonsoft.Json.Formatting.Indented, CloseOutput = false }) write(w);
            text.Write("\n");
        }

        /// <summary>Stable columns, RFC 4180 quoting; multi-valued cells joined with "; ".</summary>
        private static void Csv(IReadOnlyList<ReportItem> items, TextWriter text)
        {
            text.Write("Category,Rule,Object,Cluster,VCenter,Severity,Outcome,PciDss,Message,Evidence,Remediation,Waiver,WaiverExpires,WaiverJustification\r\n");
            foreach (var i in items)
            {
                text.Write(string.Join(",", new[] { i.Category, i.Rule, i.Object, i.Cluster, i.VCenter, i.Severity.ToString(), i.Outcome.ToString(), string.Join("; ", i.PciDss), i.Message, string.Join("; ", i.Evidence), i.Remediation,
                    i.Waiver == null ? null : i.Waiver.Id + (i.Waiver.Expired ? " (expired)" : ""), i.Waiver?.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), i.Waiver?.Justification }.Select(Quote)));
                text.Write("\r\n");
            }
        }

        private static string Quote(string? value)
        {
            value = value ?? "";
            return value.IndexOfAny(new[] { ',', '"', '\r', '\n' }) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
        }

        /// <summary>Whether the items come from more than one vCenter: their objects are then named with it.</summary>
        internal static bool SeveralVCenters(IReadOnlyList<ReportItem> items) =>
            items.Select(i => i.VCenter).Where(v => v != null).Distinct(StringComparer.OrdinalIgnoreCase).Skip(1).Any();

        /// <summary>An item's object, "esx-01 (vcsa-01)" when the report holds results of several vCenters.</summary>
        internal static string? ObjectText(ReportItem i, bool severalVCenters) =>
            i.VCenter != null && severalVCenters ? $"{i.Object} ({i.VCenter})" : i.Object;

        /// <summary>An item's cluster, "Prod (vcsa-01)" when the report holds results of several vCenters: two clusters of one name stay apart.</summary>
        internal static string ClusterText(ReportItem i, bool severalVCenters) =>
            i.VCenter != null && severalVCenters ? $"{i.Cluster} ({i.VCenter})" : i.Cluster ?? "";

        private static void Markdown(IReadOnlyList<ReportItem> items, ReportContext c, TextOut sb)
        {
            string Cell(string? s) => (s ?? "").Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ");
            sb.AppendLine($"# {Cell(c.Title)}").AppendLine();
            // In UTC, as it says: a snapshot's time keeps the offset it was collected with.
            sb.AppendLine($"Generated {c.GeneratedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC from inventory `{Cell(c.Source)}`" + (c.CollectedAt != null ? $" collected {c.CollectedAt.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC" : "") +
                          (c.InventorySha256 != null ? $" (SHA-256 `{c.InventorySha256}`)" : "") + ".").AppendLine();
            sb.AppendLine("## Summary").AppendLine();
            sb.AppendLine("| Outcome | Count |").AppendLine("|---|---:|");
            foreach (var o in Outcomes) sb.AppendLine($"| {o} | {items.Count(i => i.Outcome == o)} |");
            sb.AppendLine().AppendLine("| Severity (Fail, NotEvaluated and Warning) | Count |").AppendLine("|---|---:|");
            foreach (var (severity, count) in BySeverity(items)) sb.AppendLine($"| {severity} | {count} |");
            sb.AppendLine().AppendLine("## By PCI DSS 4.0.1 requirement").AppendLine();
            sb.AppendLine("| Requirement | Fail | NotEvaluated | Warning |").AppendLine("|---|---:|---:|---:|");
            foreach (var (requirement, fail, notEvaluated, warning) in ByRequirement(items)) sb.AppendLine($"| {requirement} | {fail} | {notEvaluated} | {warning} |");
            if (c.Waivers != null)
            {
                sb.AppendLine().AppendLine("## Waivers").AppendLine();
                sb.AppendLine("| Waiver | State | Expires | Covers | Owner | Approver | Justification |").AppendLine("|---|---|---|---:|---|---|---|");
                foreach (var wv in c.Waivers)
                    sb.AppendLine($"| {Cell(wv.Id)} | {wv.State} | {wv.Expires:yyyy-MM-dd} | {wv.Covers.Count} | {Cell(wv.Waiver.Owner)} | {Cell(wv.Waiver.Approver)} | {Cell(wv.Waiver.Justification)} |");
            }
            var several = SeveralVCenters(items);
            foreach (var category in items.GroupBy(i => i.Category))
            {
                sb.AppendLine().AppendLine($"## {category.Key}").AppendLine();
                sb.AppendLine("| Outcome | Severity | Rule | Object | Message | PCI DSS |").AppendLine("|---|---|---|---|---|---|");
                foreach (var i in category) sb.AppendLine($"| {i.Outcome} | {i.Severity} | {Cell(i.Rule)} | {Cell(ObjectText(i, several))} | {Cell(i.Message)} | {Cell(string.Join(", ", i.PciDss))} |");
            }
        }

        /// <summary>
        /// One testsuite per category, one testcase per rule and object, whatever its outcome, so that a control that is
        /// fixed turns from failed to passed instead of vanishing: Fail items fail; NotEvaluated items are skipped with
        /// the reason (nothing was proven either way) and Waived items skipped with the waiver; Warning items pass with
        /// the warning in system-out; Pass and Info items pass. Each testcase's status attribute is the item's outcome.
        /// A bundle's items come from <see cref="ReportItems.EveryEvaluated"/>, which counts a large estate's VM passes per control.
        /// </summary>
        private static void JUnit(IReadOnlyList<ReportItem> items, ReportContext c, TextWriter text)
        {
            static bool Skipped(ReportItem i) => i.Outcome == ReportOutcome.NotEvaluated || i.Outcome == ReportOutcome.Waived;
            static string Count(IEnumerable<ReportItem> list, Func<ReportItem, bool> which) => list.Count(which).ToString(CultureInfo.InvariantCulture);
            // Written to UTF-8 text: the declaration says utf-8, as the writer's encoding.
            var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false, CloseOutput = false };
            using (var w = XmlWriter.Create(text, settings))
            {
                w.WriteStartElement("testsuites");
                w.WriteAttributeString("name", c.Title);
                w.WriteAttributeString("tests", items.Count.ToString(CultureInfo.InvariantCulture));
                w.WriteAttributeString("failures", Count(items, i => i.Outcome == ReportOutcome.Fail));
                w.WriteAttributeString("errors", "0");
                // JUnit 4 counts skipped per testsuite only (the testsuites element has no such attribute).
                foreach (var category in items.GroupBy(i => i.Category))
                {
                    w.WriteStartElement("testsuite");
                    w.WriteAttributeString("name", category.Key);
                    w.WriteAttributeString("tests", category.Count().ToString(CultureInfo.InvariantCulture));
                    w.WriteAttributeString("failures", Count(category, i => i.Outcome == ReportOutcome.Fail));
                    w.WriteAttributeString("errors", "0");
                    w.WriteAttributeString("skipped", Count(category, Skipped));
                    w.WriteAttributeString("timestamp", c.GeneratedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
                    foreach (var i in category)
                    {
                        w.WriteStartElement("testcase");
                        w.WriteAttributeString("classname", $"{category.Key}.{i.Rule}");
                        w.WriteAttributeString("name", i.Object ?? "");
                        w.WriteAttributeString("status", i.Outcome.ToString());
                        if (i.Outcome == ReportOutcome.Fail)
                        {
                            w.WriteStartElement("failure");
                            w.WriteAttributeString("message", i.Message ?? "");
                            w.WriteAttributeString("type", i.Severity.ToString());
                            w.WriteString(string.Join("\n", i.Evidence.Concat(new[] { "PCI DSS: " + string.Join(", ", i.PciDss), "Remediation: " + i.Remediation })));
                            w.WriteEndElement();
                        }
                        else if (i.Outcome == ReportOutcome.NotEvaluated)
                        {
                            // Not a pass and not a failure: the data was not reported, and the message says why.
                            w.WriteStartElement("skipped");
                            w.WriteAttributeString("message", i.Message ?? "not evaluated");
                            w.WriteString(string.Join("\n", i.Evidence));
                            w.WriteEndElement();
                        }
                        else if (i.Outcome == ReportOutcome.Waived)
                        {
                            // A waived failure is not a failure and not a pass: JUnit's skipped, with the justification.
                            w.WriteStartElement("skipped");
                            w.WriteAttributeString("message", i.Waiver?.Text ?? "waived");
                            w.WriteEndElement();
                        }
                        else if (i.Outcome == ReportOutcome.Warning)
                        {
                            w.WriteElementString("system-out", "WARNING: " + i.Message);
                        }
                        w.WriteEndElement();
                    }
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }
            text.Write("\n");
        }

        /// <summary>"1.3.2" before "10.2.1" before "12.5.2": numeric by part.</summary>
        internal sealed class RequirementComparer : IComparer<string>
        {
            public static readonly RequirementComparer Instance = new RequirementComparer();
            public int Compare(string? x, string? y)
            {
                var a = (x ?? "").Split('.');
                var b = (y ?? "").Split('.');
                for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
                {
                    var na = int.TryParse(a[i], out var ia);
                    var nb = int.TryParse(b[i], out var ib);
                    var c = na && nb ? ia.CompareTo(ib) : string.CompareOrdinal(a[i], b[i]);
                    if (c != 0) return c;
                }
                return a.Length.CompareTo(b.Length);
            }
        }
    }
}
