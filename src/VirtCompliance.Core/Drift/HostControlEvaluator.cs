using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Inventory;
using Inv = VirtCompliance.Inventory.Inventory;

namespace VirtCompliance.Drift
{
    /// <summary>One control's outcome on one host.</summary>
    public sealed class ControlResult
    {
        public ControlResult(EffectiveControl control, FactValue actual, bool passed, string expectedText,
            IReadOnlyList<string> failingObjects, bool noMajority)
        {
            Control = control;
            Actual = actual;
            Passed = passed;
            ExpectedText = expectedText;
            FailingObjects = failingObjects;
            NoMajority = noMajority;
        }

        public EffectiveControl Control { get; }
        public FactValue Actual { get; }
        public bool Passed { get; }
        public string ExpectedText { get; }
        public IReadOnlyList<string> FailingObjects { get; }
        /// <summary>Peer mode: the cluster had no majority, so pass/fail cannot be decided (Passed is false).</summary>
        public bool NoMajority { get; }
        /// <summary>Peer mode: how many hosts hold the expected (majority) value, e.g. "3 of 4 hosts".</summary>
        public string PeerAgreement { get; init; }
    }

    /// <summary>Every evaluated control on one host.</summary>
    public sealed class HostAssessment
    {
        private readonly Dictionary<string, ControlResult> _byId;

        public HostAssessment(Host host, Cluster cluster, IReadOnlyList<ControlResult> results)
        {
            Host = host;
            Cluster = cluster;
            Results = results;
            _byId = results.ToDictionary(r => r.Control.Id, StringComparer.Ordinal);
        }

        public Host Host { get; }
        /// <summary>Null for a standalone host.</summary>
        public Cluster Cluster { get; }
        public IReadOnlyList<ControlResult> Results { get; }

        public ControlResult Find(string controlId) => _byId.TryGetValue(controlId, out var r) ? r : null;
    }

    /// <summary>The outcome of a baseline on every evaluated host of an inventory.</summary>
    public sealed class ControlAssessment
    {
        public ControlAssessment(Inv inventory, Baseline baseline, IReadOnlyDictionary<string, HostAssessment> hosts, IReadOnlyList<string> warnings)
        {
            Inventory = inventory;
            Baseline = baseline;
            Hosts = hosts;
            Warnings = warnings;
        }

        public Inv Inventory { get; }
        public Baseline Baseline { get; }
        /// <summary>By host id. Hosts that were not evaluated (disconnected, filtered out) are absent.</summary>
        public IReadOnlyDictionary<string, HostAssessment> Hosts { get; }
        /// <summary>Things a person should know about the evaluation (skipped hosts, single-host clusters).</summary>
        public IReadOnlyList<string> Warnings { get; }
    }

    public sealed class EvaluationOptions
    {
        /// <summary>Cluster names or ids to evaluate; null or empty = all. Wildcards allowed.</summary>
        public IReadOnlyCollection<string> Clusters { get; set; }
        /// <summary>Control ids to keep; null or empty = all the baseline has. Wildcards allowed.</summary>
        public IReadOnlyCollection<string> ControlIds { get; set; }
        /// <summary>Judge every control against its cluster's majority, ignoring the baseline's values.</summary>
        public bool Peer { get; set; }
    }

    /// <summary>
    /// Evaluates a baseline's controls on every connected host: each fact read once per host and
    /// control, expectations either fixed (baseline) or the cluster's majority (peer).
    /// </summary>
    public static class HostControlEvaluator
    {
        public static ControlAssessment Evaluate(Inv inventory, Baseline baseline, EvaluationOptions options = null)
        {
            options ??= new EvaluationOptions();
            var warnings = new List<string>();
            var controlFilter = NameFilter.Create(options.ControlIds);
            var controls = baseline.Controls
                .Select(c => options.Peer && !c.Peer ? c.AsPeer() : c)
                .ToArray();
            if (controlFilter != null)
            {
                controls = controls.Where(c => controlFilter(c.Id) || controlFilter(c.Definition.Id)).ToArray();
            }

            var clusterFilter = NameFilter.Create(options.Clusters);
            var results = new Dictionary<string, HostAssessment>(StringComparer.Ordinal);

            foreach (var group in inventory.Hosts.GroupBy(h => h.ClusterId ?? ""))
            {
                var cluster = inventory.GetCluster(group.Key);
                if (clusterFilter != null && !(cluster != null && (clusterFilter(cluster.Name) || clusterFilter(cluster.Id))))
                    continue;
                var hosts = new List<Host>();
                foreach (var h in group)
                {
                    if (h.ConnectionState == ConnectionState.Connected) hosts.Add(h);
                    else warnings.Add($"Host '{h.Name}' is {h.ConnectionState}: its configuration is not current, so its controls were not evaluated.");
                }
                if (hosts.Count == 0) continue;

                var clusterControls = cluster == null ? controls.Where(c => !c.Peer).ToArray() : ExpandTemplates(controls, hosts);
                if (cluster == null && controls.Any(c => c.Peer))
                    warnings.Add($"Standalone hosts ({string.Join(", ", hosts.Select(h => h.Name))}) have no cluster peers; peer controls were not evaluated on them.");
                if (cluster != null && hosts.Count == 1 && clusterControls.Any(c => c.Peer))
                    warnings.Add($"Cluster '{cluster.Name}' has one connected host; peer controls need at least two to compare.");

                var perHost = hosts.ToDictionary(h => h.Id, _ => new List<ControlResult>(clusterControls.Count), StringComparer.Ordinal);
                foreach (var control in clusterControls)
                {
                    var values = hosts.Select(h => control.Reader(h, inventory)).ToArray();
                    if (control.Peer) JudgeByMajority(control, hosts, values, perHost);
                    else
                    {
                        for (int i = 0; i < hosts.Count; i++)
                        {
                            var passed = control.Expectation.Test(values[i], out var failing);
                            perHost[hosts[i].Id].Add(new ControlResult(control, values[i], passed, control.Expectation.Text, failing, false));
                        }
                    }
                }
                foreach (var h in hosts) results[h.Id] = new HostAssessment(h, cluster, perHost[h.Id]);
            }
            return new ControlAssessment(inventory, baseline, results, warnings);
        }

        private static void JudgeByMajority(EffectiveControl control, List<Host> hosts, FactValue[] values,
            Dictionary<string, List<ControlResult>> perHost)
        {
            if (hosts.Count < 2) return;
            var counts = values.GroupBy(v => v.Key, StringComparer.Ordinal)
                .Select(g => (value: g.First(), count: g.Count()))
                .OrderByDescending(x => x.count).ThenBy(x => x.value.Key, StringComparer.Ordinal).ToArray();
            var tie = counts.Length > 1 && counts[0].count == counts[1].count;
            if (tie)
            {
                var text = "no majority: " + string.Join(" | ", counts.Where(c => c.count == counts[0].count)
                    .Select(c => $"{c.value} ({c.count} hosts)"));
                var agreement = $"no majority among {hosts.Count} hosts";
                for (int i = 0; i < hosts.Count; i++)
                    perHost[hosts[i].Id].Add(new ControlResult(control, values[i], false, text, Array.Empty<string>(), true) { PeerAgreement = agreement });
                return;
            }
            var expectation = Expectation.EqualTo(counts[0].value);
            for (int i = 0; i < hosts.Count; i++)
            {
                var passed = expectation.Test(values[i], out _);
                var failing = passed ? Array.Empty<string>() : DifferingObjects(values[i], counts[0].value);
                perHost[hosts[i].Id].Add(new ControlResult(control, values[i], passed, counts[0].value.ToString(), failing, false)
                {
                    PeerAgreement = $"{counts[0].count} of {hosts.Count} hosts",
                });
            }
        }

        // For portgroup facts, name the portgroups whose value differs from the majority's.
        private static IReadOnlyList<string> DifferingObjects(FactValue actual, FactValue majority)
        {
            if (actual.PerObject == null || majority.PerObject == null) return Array.Empty<string>();
            var expected = majority.PerObject.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var found = actual.PerObject.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            return expected.Keys.Union(found.Keys)
                .Where(k => !expected.TryGetValue(k, out var e) || !found.TryGetValue(k, out var f) || e != f)
                .OrderBy(k => k, StringComparer.Ordinal).ToArray();
        }

        /// <summary>
        /// Turns template controls without a parameter into one control per package or service seen
        /// on any host of the cluster, leaving out facts another control already reads (so SSH is
        /// reported once, by esx-9.ssh, not again as vc.service-running:TSM-SSH).
        /// </summary>
        private static IReadOnlyList<EffectiveControl> ExpandTemplates(IReadOnlyList<EffectiveControl> controls, List<Host> hosts)
        {
            if (!controls.Any(c => c.IsUnexpandedTemplate)) return controls;
            var result = controls.Where(c => !c.IsUnexpandedTemplate).ToList();
            var facts = new HashSet<string>(result.Select(c => c.Fact), StringComparer.Ordinal);
            foreach (var template in controls.Where(c => c.IsUnexpandedTemplate))
            {
                foreach (var parameter in ParameterValues(template.Definition.Parameter, hosts))
                {
                    var instance = template.WithParameter(parameter);
                    if (facts.Add(instance.Fact)) result.Add(instance);
                }
            }
            return result;
        }

        private static IEnumerable<string> ParameterValues(string parameterKind, List<Host> hosts)
        {
            switch (parameterKind)
            {
                case "package": return hosts.SelectMany(h => h.Packages.Select(p => p.Name)).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal);
                case "service": return hosts.SelectMany(h => h.Services.Select(s => s.Key)).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal);
                default: return Enumerable.Empty<string>();
            }
        }
    }

    /// <summary>Case-insensitive name matching with * and ? wildcards, as PowerShell users expect.</summary>
    public static class NameFilter
    {
        public static Func<string, bool> Create(IReadOnlyCollection<string> patterns)
        {
            if (patterns == null || patterns.Count == 0) return null;
            var regexes = patterns.Where(p => !string.IsNullOrEmpty(p)).Select(p => new System.Text.RegularExpressions.Regex(
                "^" + System.Text.RegularExpressions.Regex.Escape(p).Replace("\\*", ".*").Replace("\\?", ".") + "$",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)).ToArray();
            return name => name != null && regexes.Any(r => r.IsMatch(name));
        }
    }
}
