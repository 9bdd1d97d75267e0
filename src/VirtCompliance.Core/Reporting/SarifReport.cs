using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json;
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

        public static void Write(IReadOnlyList<ReportItem> items, ReportContext c, TextWriter text)
        {
            // Each category's name in PascalCase once, not once per result.
            var pascal = new Dictionary<string, string>(StringComparer.Ordinal);
            string RuleIdOf(ReportItem i)
            {
                var category = i.Category ?? "";
                if (!pascal.TryGetValue(category, out var name)) pascal[category] = name = Pascal(category);
                return name + "/" + i.Rule;
            }
            var rules = items.GroupBy(RuleIdOf).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
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
                // Results are written one at a time, straight to the file: a tree of 100,000 results first would cost seconds and hundreds of MB.
                ReportWriter.WriteJson(text, w =>
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
                    var artifact = c.ArtifactUri ?? ReportContext.UnknownArtifactUri;
                    // Results of several inventories: each located in the one its vCenter was read from.
                    var artifacts = c.ArtifactUris ?? new Dictionary<string, string>();
                    var hex = new char[32];
                    foreach (var i in items)
                        Result(w, i, RuleIdOf(i), ruleIndex, sha, hex, i.VCenter != null && artifacts.TryGetValue(i.VCenter, out var own) ? own : artifact, c.Source);
                    w.WriteEndArray();
                    run.Property("properties")?.WriteTo(w);
                    w.WriteEndObject();
                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
        }

        /// <summary>One result, written member by member (the same JSON a tree of it would give, without the tree).</summary>
        private static void Result(JsonWriter w, ReportItem i, string id, Dictionary<string, int> ruleIndex, HashAlgorithm sha, char[] hex, string artifactUri, string? vcenter)
        {
            w.WriteStartObject();
            w.WritePropertyName("ruleId"); w.WriteValue(id);
            w.WritePropertyName("ruleIndex"); w.WriteValue(ruleIndex[id]);
            w.WritePropertyName("kind"); w.WriteValue(Kind(i.Outcome));
            w.WritePropertyName("level"); w.WriteValue(Level(i.Outcome));
            w.WritePropertyName("message");
            w.WriteStartObject();
            w.WritePropertyName("text"); w.WriteValue(string.IsNullOrEmpty(i.Message) ? $"{i.Rule}: {i.Object}" : i.Message);
            w.WriteEndObject();
            // Code scanning takes only results with a physical location: the file (or server) the results were read from.
            // The object itself is a logical location, named from its vCenter down, so that two clusters of one name stay apart.
            w.WritePropertyName("locations");
            w.WriteStartArray();
            w.WriteStartObject();
            w.WritePropertyName("physicalLocation");
            w.WriteStartObject();
            w.WritePropertyName("artifactLocation");
            w.WriteStartObject();
            w.WritePropertyName("uri"); w.WriteValue(artifactUri);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WritePropertyName("logicalLocations");
            w.WriteStartArray();
            var server = i.VCenter ?? vcenter;
            foreach (var o in LogicalObjects(i))
            {
                w.WriteStartObject();
                w.WritePropertyName("name"); w.WriteValue(o.Name);
                w.WritePropertyName("fullyQualifiedName"); w.WriteValue(string.IsNullOrEmpty(server) ? o.FullyQualifiedName : $"{server}/{o.FullyQualifiedName}");
                w.WritePropertyName("kind"); w.WriteValue(o.Kind);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            // A fingerprint lets a consumer match "the same finding" across nightly runs.
            w.WritePropertyName("partialFingerprints");
            w.WriteStartObject();
            w.WritePropertyName("virtcompliance/v1"); w.WriteValue(Fingerprint(i, sha, hex));
            w.WriteEndObject();
            // A waived failure stays a failure, suppressed outside the source by a waiver with its justification. The
            // review status is left out: the committee specification calls it "state", the OASIS standard "status",
            // and absent it means accepted in both.
            if (i.Outcome == ReportOutcome.Waived && i.Waiver != null)
            {
                w.WritePropertyName("suppressions");
                w.WriteStartArray();
                w.WriteStartObject();
                w.WritePropertyName("kind"); w.WriteValue("external");
                w.WritePropertyName("justification"); w.WriteValue(i.Waiver.Justification);
                w.WritePropertyName("properties");
                w.WriteStartObject();
                Member(w, "waiverId", i.Waiver.Id);
                Member(w, "expires", i.Waiver.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                Member(w, "owner", i.Waiver.Owner);
                Member(w, "approver", i.Waiver.Approver);
                Member(w, "ticket", i.Waiver.Ticket);
                Member(w, "compensatingControl", i.Waiver.CompensatingControl);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndArray();
            }
            w.WritePropertyName("properties");
            w.WriteStartObject();
            w.WritePropertyName("severity"); w.WriteValue(i.Severity.ToString());
            w.WritePropertyName("outcome"); w.WriteValue(i.Outcome.ToString());
            w.WritePropertyName("pciDss"); Strings(w, i.PciDss);
            w.WritePropertyName("evidence"); Strings(w, i.Evidence);
            Member(w, "remediation", i.Remediation);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        // A member with a value; a null one is left out, as everywhere in the report.
        private static void Member(JsonWriter w, string name, string? value)
        {
            if (value == null) return;
            w.WritePropertyName(name);
            w.WriteValue(value);
        }

        private static void Strings(JsonWriter w, IReadOnlyList<string> values)
        {
            w.WriteStartArray();
            foreach (var v in values) w.WriteValue(v);
            w.WriteEndArray();
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

        private static string Pascal(string? words) =>
            string.Concat((words ?? "").Split(new[] { ' ', '-' }, StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w.Substring(1)));

        private static string Fingerprint(ReportItem i, HashAlgorithm sha, char[] hex)
        {
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes($"{i.Category}\n{i.Rule}\n{i.Cluster}\n{i.Object}"));
            const string digits = "0123456789abcdef";
            for (var b = 0; b < 16; b++)
            {
                hex[2 * b] = digits[hash[b] >> 4];
                hex[2 * b + 1] = digits[hash[b] & 15];
            }
            return new string(hex);
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
