using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using VirtCompliance.Assessments;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Model;
using VirtCompliance.Pci;
using Inv = VirtCompliance.Model.Inventory;
using VirtCompliance.Scope;

namespace VirtCompliance.Bench
{
    /// <summary>
    /// What Test-PciSeparation computes, phase by phase, under both interpretations; and the naive
    /// way to answer its two core questions (which hosts mix CDE and out-of-scope VMs, which
    /// datastores they share) by comparing every pair of VMs, for the baseline ratio.
    /// </summary>
    public static class SeparationBench
    {
        public sealed class Run
        {
            public readonly Dictionary<string, double> Phases = new Dictionary<string, double>();
            public double TotalMs;
            public List<PciSeparationFinding> Strict, Isolation;
        }

        public const string StrictPhase = "pci: Test-PciSeparation, Strict";
        public const string IsolationPhase = "pci: Test-PciSeparation, HypervisorIsolation";

        public static Run Analyze(Inv inventory)
        {
            var run = new Run();
            var phase = Stopwatch.StartNew();
            var total = Stopwatch.StartNew();
            void Done(string name) { run.Phases[name] = phase.Elapsed.TotalMilliseconds; phase.Restart(); }

            // What Test-PciSeparation does, once per reading, and Get-PciSegmentationMatrix.
            run.Strict = Assessment.Separation(inventory, new AssessmentOptions { Interpretation = PciInterpretation.Strict }).Findings.ToList();
            Done(StrictPhase);
            run.Isolation = Assessment.Separation(inventory, new AssessmentOptions { Interpretation = PciInterpretation.HypervisorIsolation }).Findings.ToList();
            Done(IsolationPhase);
            _ = Assessment.SegmentationMatrix(inventory, new AssessmentOptions(), detailed: false).Classes;
            Done("pci: segmentation matrix");
            run.TotalMs = total.Elapsed.TotalMilliseconds;
            return run;
        }

        /// <summary>"rule=count" for the findings of one run, for the report.</summary>
        public static string Counts(IEnumerable<PciSeparationFinding> findings) =>
            string.Join(", ", findings.GroupBy(f => f.RuleId).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key.Replace("pci.", "")}={g.Count()}"));

        /// <summary>The engine's answer to the naive loop's two questions: mixed hosts and shared datastores (by id).</summary>
        public static (HashSet<string> hosts, HashSet<string> datastores) EngineAnswer(Inv inventory, List<PciSeparationFinding> strict)
        {
            var hostIds = inventory.Hosts.ToDictionary(h => h.Name, h => h.Id, StringComparer.Ordinal);
            var datastoreIds = inventory.Datastores.ToDictionary(d => d.Name, d => d.Id, StringComparer.Ordinal);
            return (new HashSet<string>(strict.Where(f => f.RuleId == PciSeparationAnalyzer.MixedScopeHost).Select(f => hostIds[f.Hosts.Single()])),
                new HashSet<string>(strict.Where(f => f.RuleId == PciSeparationAnalyzer.SharedDatastore).Select(f => datastoreIds[f.Datastores.Single()])));
        }

        /// <summary>
        /// A script's way: for every CDE VM and every out-of-scope VM, compare their hosts and
        /// datastores. It reads the scope attribute only (as the synthetic inventory sets it).
        /// </summary>
        public static (HashSet<string> hosts, HashSet<string> datastores) Naive(Inv inventory)
        {
            var hosts = new HashSet<string>(StringComparer.Ordinal);
            var datastores = new HashSet<string>(StringComparer.Ordinal);
            PciScope ScopeOf(Vm vm) => vm.CustomAttributes.TryGetValue("PCI-Scope", out var s) ? PciScopeClassifier.Parse(s) : PciScope.Unknown;
            var vms = inventory.Vms.Where(v => !v.Template).ToList();
            foreach (var a in vms)
            {
                if (ScopeOf(a) != PciScope.Cde) continue;
                foreach (var b in vms)
                {
                    if (ScopeOf(b) != PciScope.OutOfScope) continue;
                    if (a.HostId == b.HostId && a.HostId != null) hosts.Add(a.HostId);
                    foreach (var ds in a.DatastoreIds)
                        if (b.DatastoreIds.Contains(ds)) datastores.Add(ds);
                }
            }
            return (hosts, datastores);
        }
    }
}
