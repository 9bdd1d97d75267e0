using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json.Linq;
using VirtCompliance.Controls;

namespace VirtCompliance.Reporting
{
    /// <summary>
    /// SARIF 2.1.0: one run, one reporting descriptor per rule, one result per item. Items that are not
    /// failures are kept as results of kind "informational" (level "none", as the standard requires for
    /// non-failures) so a code-scanning view shows the whole evidence set, not only the failures. Every
    /// result has a location, as code scanning requires: the snapshot file (or the vCenter) the results were
    /// read from as its physical location, and the objects it is about as logical locations.
    /// </summary>
    internal static class SarifReport
    {
        public const string SchemaUri = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

        public static string Write(IReadOnlyList<ReportItem> items, ReportContext c)
        {
            var rules = items.GroupBy(i => RuleId(i)).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            var ruleIndex = rules.Select((g, n) => (g.Key, n)).ToDictionary(x => x.Key, x => x.n, StringComparer.Ordinal);

            var driver = new JObject
            {
                ["name"] = "VirtCompliance",
                ["semanticVersion"] = SemanticVersion(c.ModuleVersion),
                ["rules"] = new JArray(rules.Select(g =>
                {
                    var first = g.First();
                    return new JObject
                    {
                        ["id"] = g.Key,
                        ["name"] = Pascal(first.Category),
                        ["shortDescription"] = new JObject { ["text"] = $"{first.Category}: {first.Rule}" },
                        ["defaultConfiguration"] = new JObject { ["level"] = Level(g.Min(i => i.Outcome)) },
                        ["help"] = first.Remediation != null ? new JObject { ["text"] = first.Remediation } : null,
                        ["properties"] = new JObject
                        {
                            ["category"] = first.Category,
                            ["security-severity"] = SecuritySeverity(g.Max(i => i.Severity)),
                            ["tags"] = new JArray(new[] { "security" }.Concat(g.SelectMany(i => i.PciDss).Distinct().OrderBy(r => r, StringComparer.Ordinal).Select(r => "PCI-DSS-" + r))),
                        },
                    }.RemoveNulls();
                })),
            };
            // Set just above; an unknown version is there as a JSON null.
            if (driver["semanticVersion"]!.Type == JTokenType.Null) driver.Remove("semanticVersion");

            var run = new JObject
            {
                ["tool"] = new JObject { ["driver"] = driver },
                ["invocations"] = new JArray(new JObject
                {
                    ["executionSuccessful"] = true,
                    ["endTimeUtc"] = c.GeneratedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                }),
                ["properties"] = new JObject
                {
                    ["title"] = c.Title,
                    ["inventorySource"] = c.Source,
                    ["inventorySha256"] = c.InventorySha256,
                    ["inventoryCollectedAt"] = c.CollectedAt?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                }.RemoveNulls(),
            };
            using (var sha = SHA256.Create())
            {
                // Results are written one at a time: a whole tree of 100,000 results first would cost seconds and hundreds of MB.
                return ReportWriter.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WritePropertyName("$schema");
                    w.WriteValue(SchemaUri);
                    w.WritePropertyName("version");
                    w.WriteValue("2.1.0");
                    w.WritePropertyName("runs");
                    w.WriteStartArray();
                    w.WriteStartObject();
                    foreach (var property in run.Properties().Where(p => p.Name != "properties")) property.WriteTo(w);
                    w.WritePropertyName("results");
                    w.WriteStartArray();
                    var artifact = new JObject { ["uri"] = c.ArtifactUri ?? ReportContext.UnknownArtifactUri };
                    // Results of several inventories: each located in the one its vCenter was read from.
                    var artifacts = (c.ArtifactUris ?? new Dictionary<string, string>()).ToDictionary(a => a.Key, a => new JObject { ["uri"] = a.Value }, StringComparer.OrdinalIgnoreCase);
                    foreach (var i in items)
                        Result(i, ruleIndex, sha, i.VCenter != null && artifacts.TryGetValue(i.VCenter, out var own) ? own : artifact, c.Source).WriteTo(w);
                    w.WriteEndArray();
                    run.Property("properties")?.WriteTo(w);
                    w.WriteEndObject();
                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
        }

        private static JObject Result(ReportItem i, Dictionary<string, int> ruleIndex, HashAlgorithm sha, JObject artifact, string? vcenter)
        {
            var id = RuleId(i);
            var result = new JObject
            {
                ["ruleId"] = id,
                ["ruleIndex"] = ruleIndex[id],
                ["kind"] = Kind(i.Outcome),
                ["level"] = Level(i.Outcome),
                ["message"] = new JObject { ["text"] = string.IsNullOrEmpty(i.Message) ? $"{i.Rule}: {i.Object}" : i.Message },
                // Code scanning takes only results with a physical location: the file (or server) the results were read from.
                // The object itself is a logical location, named from its vCenter down, so that two clusters of one name stay apart.
                ["locations"] = new JArray(new JObject
                {
                    ["physicalLocation"] = new JObject { ["artifactLocation"] = artifact.DeepClone() },
                    ["logicalLocations"] = new JArray(LogicalObjects(i).Select(o => new JObject
                    {
                        ["name"] = o.Name,
                        ["fullyQualifiedName"] = string.IsNullOrEmpty(i.VCenter ?? vcenter) ? o.FullyQualifiedName : $"{i.VCenter ?? vcenter}/{o.FullyQualifiedName}",
                        ["kind"] = o.Kind,
                    })),
                }),
                // A fingerprint lets a consumer match "the same finding" across nightly runs.
                ["partialFingerprints"] = new JObject { ["virtcompliance/v1"] = Fingerprint(i, sha) },
                // A waived failure stays a failure, suppressed outside the source by a waiver with its justification. The
                // review status is left out: the committee specification calls it "state", the OASIS standard "status",
                // and absent it means accepted in both.
                ["suppressions"] = i.Outcome != ReportOutcome.Waived || i.Waiver == null ? null : new JArray(new JObject
                {
                    ["kind"] = "external",
                    ["justification"] = i.Waiver.Justification,
                    ["properties"] = new JObject
                    {
                        ["waiverId"] = i.Waiver.Id,
                        ["expires"] = i.Waiver.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                        ["owner"] = i.Waiver.Owner,
                        ["approver"] = i.Waiver.Approver,
                        ["ticket"] = i.Waiver.Ticket,
                        ["compensatingControl"] = i.Waiver.CompensatingControl,
                    }.RemoveNulls(),
                }),
                ["properties"] = new JObject
                {
                    ["severity"] = i.Severity.ToString(),
                    ["outcome"] = i.Outcome.ToString(),
                    ["pciDss"] = new JArray(i.PciDss),
                    ["evidence"] = new JArray(i.Evidence),
                    ["remediation"] = i.Remediation,
                }.RemoveNulls(),
            };
            return result.RemoveNulls();
        }

        private static IEnumerable<ReportObject> LogicalObjects(ReportItem i) =>
            i.Objects.Count > 0 ? i.Objects : new[] { new ReportObject("object", i.Object, i.Cluster) };

        /// <summary>GitHub's security severity (a CVSS-like score as text): it ranks alerts Critical (9+), High (7+), Medium (4+) or Low.</summary>
        private static string SecuritySeverity(Severity severity) => severity switch
        {
            Severity.Critical => "9.5",
            Severity.High => "8.0",
            Severity.Medium => "5.5",
            Severity.Low => "2.0",
            _ => "0.0",
        };

        /// <summary>SARIF has no outcome "Warning that is not a failure": Fail is error, Warning is warning, anything else none.</summary>
        private static string Level(ReportOutcome outcome) => outcome == ReportOutcome.Fail || outcome == ReportOutcome.Waived ? "error" : outcome == ReportOutcome.Warning ? "warning" : "none";

        /// <summary>NotEvaluated is SARIF's "open": the rule ran, and there was not enough information to decide.</summary>
        private static string Kind(ReportOutcome outcome) => outcome switch
        {
            ReportOutcome.Info => "informational",
            ReportOutcome.Pass => "pass",
            ReportOutcome.NotEvaluated => "open",
            _ => "fail",
        };

        private static string RuleId(ReportItem i) => $"{Pascal(i.Category)}/{i.Rule}";

        private static string Pascal(string? words) =>
            string.Concat((words ?? "").Split(new[] { ' ', '-' }, StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w.Substring(1)));

        private static string Fingerprint(ReportItem i, HashAlgorithm sha)
        {
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes($"{i.Category}\n{i.Rule}\n{i.Cluster}\n{i.Object}"));
            var hex = new StringBuilder(32);
            for (var b = 0; b < 16; b++) hex.Append(hash[b].ToString("x2", CultureInfo.InvariantCulture));
            return hex.ToString();
        }

        /// <summary>"1.2.0.0" → "1.2.0"; SARIF's semanticVersion is SemVer, the assembly version has four parts.</summary>
        private static string? SemanticVersion(string? assemblyVersion)
        {
            if (assemblyVersion == null || !Version.TryParse(assemblyVersion, out var v)) return null;
            return $"{v.Major}.{v.Minor}.{Math.Max(0, v.Build)}";
        }

        private static JObject RemoveNulls(this JObject o)
        {
            foreach (var p in o.Properties().Where(p => p.Value.Type == JTokenType.Null).ToList()) p.Remove();
            return o;
        }
    }
}
