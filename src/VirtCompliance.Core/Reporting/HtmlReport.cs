using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using VirtCompliance.Controls;

namespace VirtCompliance.Reporting
{
    /// <summary>
    /// The HTML report: one self-contained page (inline CSS and SVG, no script, nothing loaded from
    /// anywhere), so it can be mailed, filed and opened offline. Evidence is always printed, not folded
    /// away, because the page is also meant to be printed to PDF for an assessor.
    /// </summary>
    internal static class HtmlReport
    {
        private static readonly Dictionary<Severity, string> SeverityColors = new Dictionary<Severity, string>
        {
            [Severity.Critical] = "#7b0000", [Severity.High] = "#c0392b", [Severity.Medium] = "#e67e22", [Severity.Low] = "#d4ac0d", [Severity.Informational] = "#95a5a6",
        };

        private const string Style =
            "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}" +
            "table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}" +
            "th{background:#f0f0f0}thead{display:table-header-group}tr{page-break-inside:avoid}.Fail{color:#a00;font-weight:600}.NotEvaluated{color:#555;font-weight:600;font-style:italic}.Warning{color:#a60;font-weight:600}.Waived{color:#36c;font-weight:600}.Expired{color:#a00;font-weight:600}.ExpiringSoon{color:#a60;font-weight:600}.Unused{color:#555;font-style:italic}" +
            ".meta{color:#555}.evidence{margin:.3em 0 0;padding-left:1.2em;color:#444;font-size:12px}.fix{margin:.2em 0 0;font-size:12px}" +
            ".charts{display:flex;flex-wrap:wrap;gap:1em 3em}figure{margin:0}figcaption{color:#555;font-size:12px}table.narrow{width:auto;min-width:30em}"+
            "table.matrix{width:auto}.matrix td,.matrix th{text-align:center;padding:2px 4px}.matrix th.ctl{writing-mode:vertical-rl;font-weight:normal;font-size:12px}" +
            ".matrix td.host{text-align:left;white-space:nowrap}.x{color:#fff;font-weight:700}.ok{color:#2e7d32}.ne{color:#555;background:repeating-linear-gradient(45deg,#eee,#eee 3px,#ddd 3px,#ddd 6px)}" +
            "@page{size:A4 landscape;margin:12mm}@media print{body{margin:0;font-size:11px}h2{page-break-after:avoid}}";

        public static void Write(IReadOnlyList<ReportItem> items, ReportContext c, ReportWriter.TextOut sb)
        {
            sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>")
              .Append(E(c.Title)).Append("</title><style>").Append(Style).Append("</style></head><body>\n");

            sb.Append("<header><h1>").Append(E(c.Title)).Append("</h1><p class=\"meta\">Generated ").Append(c.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss")).Append(" UTC");
            if (c.Source != null) sb.Append(" from inventory <code>").Append(E(c.Source)).Append("</code>");
            if (c.CollectedAt != null) sb.Append(", collected ").Append(c.CollectedAt.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss")).Append(" UTC");
            if (c.InventorySha256 != null) sb.Append(", snapshot SHA-256 <code>").Append(E(c.InventorySha256)).Append("</code>");
            if (c.ModuleVersion != null) sb.Append(", VirtCompliance ").Append(E(c.ModuleVersion));
            sb.Append(".</p></header>\n");

            var categories = items.GroupBy(i => i.Category).ToList();
            var matrixRows = DriftMatrixRows(items, c);
            sb.Append("<nav><p>").Append(string.Join(" · ", new[] { ("summary", "Summary"), ("requirements", "By PCI DSS requirement") }
                .Concat(c.Waivers != null ? new[] { ("waivers", "Waivers") } : Array.Empty<(string, string)>())
                .Concat(matrixRows.Count > 0 ? new[] { ("drift-matrix", "Drift matrix") } : Array.Empty<(string, string)>())
                .Concat(categories.Select(g => (SectionId(g.Key), g.Key ?? "")))
                .Select(l => $"<a href=\"#{l.Item1}\">{E(l.Item2)}</a>"))).Append("</p></nav>\n");

            sb.Append("<section id=\"summary\"><h2>Summary</h2><p>")
              .Append(string.Join(" · ", ReportWriter.Outcomes.Where(o => o != ReportOutcome.Pass || items.Any(i => i.Outcome == o)).Select(o => $"<span class=\"{o}\">{Label(o)}: {items.Count(i => i.Outcome == o)}</span>")))
              .Append(" · ").Append(items.Count).Append(" results</p><div class=\"charts\">")
              .Append(SeverityChart(ReportWriter.BySeverity(items)))
              .Append(CategoryChart(categories))
              .Append("</div></section>\n");

            sb.Append("<section id=\"requirements\"><h2>By PCI DSS 4.0.1 requirement</h2><table class=\"narrow\"><thead><tr><th>Requirement</th><th>Fail</th><th>Not evaluated</th><th>Warning</th></tr></thead><tbody>");
            foreach (var (requirement, fail, notEvaluated, warning) in ReportWriter.ByRequirement(items))
                sb.Append("<tr><td>").Append(E(requirement)).Append("</td><td>").Append(fail).Append("</td><td>").Append(notEvaluated).Append("</td><td>").Append(warning).Append("</td></tr>\n");
            sb.Append("</tbody></table></section>\n");

            if (c.Waivers != null) WaiverRegister(sb, c.Waivers);
            DriftMatrix(sb, items, matrixRows, c.Hosts != null);

            foreach (var category in categories)
            {
                if (category.Key == ReportItems.MigrationExposureCategory) ExposureByTarget(sb, category.ToList());
                else if (category.Key == ReportItems.VmControlDriftCategory && category.Count() > VmRowsAtMost) VmDriftByControl(sb, category.ToList());
                else ItemTable(sb, category.Key, category.ToList());
            }
            sb.Append("</body></html>\n");
        }

        /// <summary>The waiver register: each waiver, its state on the assessment date, what it covers in these results, who owns and approved it, until when.</summary>
        private static void WaiverRegister(ReportWriter.TextOut sb, IReadOnlyList<Waivers.WaiverStatus> waivers)
        {
            var asOf = waivers.Count > 0 ? " as of " + waivers[0].AsOf.UtcDateTime.ToString("yyyy-MM-dd") : "";
            sb.Append("<section id=\"waivers\"><h2>Waivers (").Append(waivers.Count).Append(")</h2><p class=\"meta\">Accepted risks").Append(E(asOf))
              .Append(": a failure a waiver in force covers is Waived; once the waiver has expired it fails again.</p>")
              .Append("<table><thead><tr><th>Waiver</th><th>State</th><th>Expires</th><th>Covers today</th><th>Justification</th><th>Owner / approver</th><th>Ticket</th></tr></thead><tbody>");
            foreach (var w in waivers)
            {
                sb.Append("<tr><td><code>").Append(E(w.Id)).Append("</code><div class=\"meta\">").Append(E(string.Join(", ", w.Waiver.Controls))).Append("</div></td><td class=\"").Append(w.State).Append("\">")
                  .Append(w.State).Append("</td><td>").Append(w.Expires.ToString("yyyy-MM-dd")).Append(w.State == Waivers.WaiverState.Expired ? "" : $" ({w.DaysLeft} days)")
                  .Append("</td><td>").Append(w.Covers.Count == 0 ? "nothing" : string.Join("<br>", w.Covers.Select(E)))
                  .Append("</td><td>").Append(E(w.Waiver.Justification)).Append(w.Waiver.CompensatingControl != null ? "<div class=\"meta\">Compensating control: " + E(w.Waiver.CompensatingControl) + "</div>" : "")
                  .Append("</td><td>").Append(E(w.Waiver.Owner)).Append(" / ").Append(E(w.Waiver.Approver)).Append("</td><td>").Append(E(w.Waiver.Ticket)).Append("</td></tr>\n");
            }
            sb.Append("</tbody></table></section>\n");
        }

        /// <summary>One row per result: outcome, severity, rule, object, the finding with its evidence and remediation, PCI DSS ids.</summary>
        private static void ItemTable(ReportWriter.TextOut sb, string? category, IReadOnlyList<ReportItem> items)
        {
            SectionStart(sb, category, items.Count, "<th>Outcome</th><th>Severity</th><th>Rule</th><th>Object</th><th>Finding, evidence and remediation</th><th>PCI DSS</th>");
            var several = ReportWriter.SeveralVCenters(items);
            foreach (var i in items.OrderBy(i => Array.IndexOf(ReportWriter.Outcomes, i.Outcome)).ThenByDescending(i => i.Severity))
            {
                sb.Append("<tr data-results=\"1\"><td class=\"").Append(i.Outcome).Append("\">").Append(E(Label(i.Outcome))).Append("</td><td>").Append(i.Severity).Append("</td><td>")
                  .Append(E(i.Rule)).Append("</td><td>").Append(E(ReportWriter.ObjectText(i, several))).Append("</td><td>").Append(E(i.Message));
                if (i.Evidence.Count > 0)
                {
                    sb.Append("<ul class=\"evidence\">");
                    foreach (var ev in i.Evidence) sb.Append("<li>").Append(E(ev)).Append("</li>");
                    sb.Append("</ul>");
                }
                if (i.Remediation != null) sb.Append("<p class=\"fix\"><b>Remediation:</b> ").Append(E(i.Remediation)).Append("</p>");
                sb.Append("</td><td>").Append(E(string.Join(", ", i.PciDss))).Append("</td></tr>\n");
            }
            sb.Append("</tbody></table></section>\n");
        }

        /// <summary>
        /// Exposure grouped by the weaker host and the controls it lacks: the thing to fix is the host,
        /// and one row per (VM, target) pair would repeat the same sentence thousands of times in a large
        /// estate. Every VM stays named; the JSON, CSV, JUnit and SARIF reports keep one record per pair.
        /// </summary>
        private static void ExposureByTarget(ReportWriter.TextOut sb, IReadOnlyList<ReportItem> items)
        {
            var several = ReportWriter.SeveralVCenters(items);
            var groups = items.GroupBy(i => (cluster: ReportWriter.ClusterText(i, several), target: i.TargetHost ?? "", lost: i.Rule))
                .Select(g => (key: g.Key, items: g.ToList(), worst: g.Min(i => Array.IndexOf(ReportWriter.Outcomes, i.Outcome))))
                .OrderBy(g => g.worst).ThenByDescending(g => g.items.Max(i => i.Severity)).ThenByDescending(g => g.items.Count)
                .ThenBy(g => g.key.target, StringComparer.OrdinalIgnoreCase).ToList();
            SectionStart(sb, ReportItems.MigrationExposureCategory, items.Count, "<th>Outcome</th><th>Severity</th><th>Weaker host</th><th>Controls it lacks</th><th>VMs that can move onto it</th><th>PCI DSS</th>",
                $"{items.Count} VM moves onto {groups.Select(g => g.key.target).Distinct().Count()} weaker hosts; one row per host and set of lacking controls.");
            foreach (var g in groups)
            {
                var outcome = ReportWriter.Outcomes[g.worst];
                var automated = g.items.Where(i => i.Outcome == ReportOutcome.Fail).Select(i => i.Object).Distinct().ToList();
                var manual = g.items.Where(i => i.Outcome != ReportOutcome.Fail).Select(i => i.Object).Distinct().ToList();
                sb.Append("<tr data-results=\"").Append(g.items.Count).Append("\"><td class=\"").Append(outcome).Append("\">").Append(Label(outcome)).Append("</td><td>").Append(g.items.Max(i => i.Severity))
                  .Append("</td><td>").Append(E(g.key.target)).Append(string.IsNullOrEmpty(g.key.cluster) ? "" : " (" + E(g.key.cluster) + ")").Append("</td><td>").Append(E(g.key.lost)).Append("</td><td>");
                if (automated.Count > 0) sb.Append("<b>").Append(automated.Count).Append(" DRS would move on its own:</b> ").Append(E(string.Join(", ", automated))).Append(manual.Count > 0 ? "<br>" : "");
                if (manual.Count > 0) sb.Append("<b>").Append(manual.Count).Append(" by vMotion:</b> ").Append(E(string.Join(", ", manual)));
                sb.Append("<p class=\"fix\"><b>Remediation:</b> Bring ").Append(E(g.key.target)).Append(" to its cluster's controls, or keep these VMs off it with a mandatory VM-host rule.</p>")
                  .Append("</td><td>").Append(E(string.Join(", ", g.items.SelectMany(i => i.PciDss).Distinct().OrderBy(r => r, ReportWriter.RequirementComparer.Instance)))).Append("</td></tr>\n");
            }
            sb.Append("</tbody></table></section>\n");
        }

        /// <summary>Above this many VM control results the HTML report has one row per control and outcome, not per VM.</summary>
        internal const int VmRowsAtMost = 2000;

        /// <summary>
        /// VM control drift of a large estate, one row per control and outcome: how many VMs, which, and what was
        /// found on them. One row per VM and control would be millions of rows at 100k VMs (a report no browser opens,
        /// and more text than one string holds); the JSON, CSV, JUnit and SARIF reports keep one record per result.
        /// </summary>
        private static void VmDriftByControl(ReportWriter.TextOut sb, IReadOnlyList<ReportItem> items)
        {
            var groups = items.GroupBy(i => (rule: i.Rule, outcome: i.Outcome))
                .OrderBy(g => Array.IndexOf(ReportWriter.Outcomes, g.Key.outcome)).ThenByDescending(g => g.Max(i => i.Severity)).ThenByDescending(g => g.Count())
                .ThenBy(g => g.Key.rule, StringComparer.Ordinal).ToList();
            SectionStart(sb, ReportItems.VmControlDriftCategory, items.Count, "<th>Outcome</th><th>Severity</th><th>Rule</th><th>VMs</th><th>Found, and remediation</th><th>PCI DSS</th>",
                $"{items.Count} results on {items.Select(i => i.Object).Distinct().Count()} VMs; one row per control and outcome.");
            var several = ReportWriter.SeveralVCenters(items);
            foreach (var g in groups)
            {
                var first = g.First();
                // What was found, most common first: "Actual: (not set)" on 90,000 VMs, "Actual: true" on 10.
                var found = g.Select(i => i.Evidence.FirstOrDefault(e => e.StartsWith("Actual: ", StringComparison.Ordinal) || e.StartsWith("Not evaluated: ", StringComparison.Ordinal)) ?? "")
                    .GroupBy(e => e).OrderByDescending(e => e.Count()).Take(5).Select(e => $"{e.Key} ({e.Count()})");
                sb.Append("<tr data-results=\"").Append(g.Count()).Append("\"><td class=\"").Append(g.Key.outcome).Append("\">").Append(Label(g.Key.outcome)).Append("</td><td>").Append(g.Max(i => i.Severity))
                  .Append("</td><td>").Append(E(g.Key.rule)).Append("</td><td><b>").Append(g.Count()).Append(" VMs:</b> ")
                  .Append(E(string.Join(", ", g.Select(i => ReportWriter.ObjectText(i, several)))))
                  .Append("</td><td><ul class=\"evidence\">").Append(string.Concat(found.Select(f => "<li>" + E(f) + "</li>"))).Append("</ul>");
                if (first.Remediation != null) sb.Append("<p class=\"fix\"><b>Remediation:</b> ").Append(E(first.Remediation)).Append("</p>");
                sb.Append("</td><td>").Append(E(string.Join(", ", first.PciDss))).Append("</td></tr>\n");
            }
            sb.Append("</tbody></table></section>\n");
        }

        /// <summary>"Not evaluated" for NotEvaluated; the outcome's name otherwise.</summary>
        private static string Label(ReportOutcome outcome) => outcome == ReportOutcome.NotEvaluated ? "Not evaluated" : outcome.ToString();

        private static void SectionStart(ReportWriter.TextOut sb, string? category, int count, string headings, string? note = null)
        {
            sb.Append("<section id=\"").Append(SectionId(category)).Append("\"><h2>").Append(E(category)).Append(" (").Append(count).Append(")</h2>");
            if (note != null) sb.Append("<p>").Append(E(note)).Append("</p>");
            sb.Append("<table><thead><tr>").Append(headings).Append("</tr></thead><tbody>\n");
        }

        /// <summary>Hosts (rows) × controls that drifted somewhere (columns). With the inventory's hosts known, hosts without drift are listed too, so the matrix shows the whole cluster.</summary>
        private static void DriftMatrix(ReportWriter.TextOut sb, IReadOnlyList<ReportItem> items, IReadOnlyList<(string cluster, string? host)> rows, bool allHostsKnown)
        {
            if (rows.Count == 0) return;
            var drift = items.Where(i => i.Category == ReportItems.HostControlDriftCategory && i.Outcome != ReportOutcome.Pass).ToList();
            var controls = drift.Select(i => i.Rule).Distinct().OrderBy(r => r, StringComparer.Ordinal).ToList();
            var several = ReportWriter.SeveralVCenters(items);
            var cells = drift.GroupBy(i => (ReportWriter.ClusterText(i, several), i.Object, i.Rule)).ToDictionary(g => g.Key, g => g.OrderBy(i => i.Outcome).First());
            sb.Append("<section id=\"drift-matrix\"><h2>Host control drift matrix</h2><p>Each column is a control that failed or could not be evaluated on at least one host; ✗ is a failure on that host (colour by severity), ? a control that was not evaluated there (the data was not reported: not a pass)")
              .Append(allHostsKnown ? ", ✓ means the host was analysed and showed no drift for that control" : "")
              .Append(".</p><table class=\"matrix\"><thead><tr><th>Cluster</th><th>Host</th>");
            foreach (var control in controls) sb.Append("<th class=\"ctl\">").Append(E(control)).Append("</th>");
            sb.Append("</tr></thead><tbody>\n");
            foreach (var (cluster, host) in rows)
            {
                sb.Append("<tr><td class=\"host\">").Append(string.IsNullOrEmpty(cluster) ? "(standalone)" : E(cluster)).Append("</td><td class=\"host\">").Append(E(host)).Append("</td>");
                foreach (var control in controls)
                {
                    if (!cells.TryGetValue((cluster ?? "", host, control), out var cell))
                        sb.Append(allHostsKnown ? "<td class=\"ok\">✓</td>" : "<td></td>");
                    else if (cell.Outcome == ReportOutcome.NotEvaluated)
                        sb.Append("<td class=\"ne\" title=\"").Append(E($"{host}: {control} not evaluated")).Append("\">?</td>");
                    else
                        sb.Append("<td class=\"x\" style=\"background:").Append(SeverityColors[cell.Severity]).Append("\" title=\"").Append(E($"{host}: {control} ({cell.Severity})")).Append("\">✗</td>");
                }
                sb.Append("</tr>\n");
            }
            sb.Append("</tbody></table></section>\n");
        }

        private static IReadOnlyList<(string cluster, string? host)> DriftMatrixRows(IReadOnlyList<ReportItem> items, ReportContext c)
        {
            var several = ReportWriter.SeveralVCenters(items);
            var drifted = items.Where(i => i.Category == ReportItems.HostControlDriftCategory).Select(i => (ReportWriter.ClusterText(i, several), i.Object)).ToList();
            if (drifted.Count == 0) return Array.Empty<(string, string?)>();
            // Only the clusters the drift results cover: results filtered to one cluster must not show the others as clean.
            var clusters = new HashSet<string>(drifted.Select(d => d.Item1), StringComparer.Ordinal);
            return drifted.Concat((c.Hosts ?? Enumerable.Empty<(string, string?)>()).Where(h => clusters.Contains(h.Item1 ?? ""))).Distinct()
                .OrderBy(r => r.Item1, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Item2, StringComparer.OrdinalIgnoreCase).ToList();
        }

        /// <summary>A horizontal bar chart of Fail and Warning results per severity.</summary>
        private static string SeverityChart(IReadOnlyList<(Severity severity, int count)> counts) =>
            BarChart("severity-chart", "Fail and warning results by severity", counts.Select(c => (c.severity.ToString(), c.count, SeverityColors[c.severity])).ToList());

        /// <summary>Fail results per category.</summary>
        private static string CategoryChart(IReadOnlyList<IGrouping<string?, ReportItem>> categories) =>
            BarChart("category-chart", "Fail results by category", categories.Select(g => (g.Key ?? "", g.Count(i => i.Outcome == ReportOutcome.Fail), "#a00")).ToList());

        private static string BarChart(string id, string label, IReadOnlyList<(string label, int count, string color)> bars)
        {
            var max = Math.Max(1, bars.Select(b => b.count).DefaultIfEmpty(0).Max());
            var sb = new StringBuilder($"<figure><svg id=\"{id}\" role=\"img\" aria-label=\"{E(label)}\" width=\"520\" height=\"{bars.Count * 26 + 10}\" xmlns=\"http://www.w3.org/2000/svg\">");
            var y = 5;
            foreach (var (text, count, color) in bars)
            {
                var width = (int)Math.Round(300.0 * count / max);
                sb.Append($"<text x=\"0\" y=\"{y + 16}\" font-size=\"13\">{E(text)}</text><rect x=\"170\" y=\"{y + 3}\" width=\"{Math.Max(width, 1)}\" height=\"18\" fill=\"{color}\"/>")
                  .Append($"<text x=\"{176 + width}\" y=\"{y + 16}\" font-size=\"13\">{count}</text>");
                y += 26;
            }
            return sb.Append("</svg><figcaption>").Append(E(label)).Append("</figcaption></figure>").ToString();
        }

        // Every item ReportItems.From makes has its category, so a section has one to be named after.
        private static string SectionId(string? category) =>
            new string(category!.ToLowerInvariant().Select(ch => char.IsLetterOrDigit(ch) ? ch : '-').ToArray());

        private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
    }
}
