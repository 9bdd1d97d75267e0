using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Evaluation;
using VirtCompliance.Model;
using VirtCompliance.Scope;
using static VirtCompliance.Pci.PciSeparationAnalyzer;

namespace VirtCompliance.Pci.Rules
{
    /// <summary>A host that runs or can run in-scope VMs fails the baseline.</summary>
    internal sealed class InScopeHostControlsRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(InScopeHostControls, "A host that runs or can run in-scope VMs fails the baseline", new[] { "2.2.1" },
            "Bring the host to the baseline (Get-HostControlDrift shows each control's remediation), or keep in-scope VMs off it.");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            foreach (var host in a.Inventory.Hosts)
            {
                var scope = a.Model.HostScope(host);
                if (scope.Scope != PciScope.Cde && scope.Scope != PciScope.Connected) continue;
                var (failing, unproven) = a.HostResults(host, hostControlsOnly: false);
                var label = PciScopeModel.Label(scope.Scope);
                if (failing.Count == 0) continue;
                var evidence = new List<string> { $"Scope: {scope.Source}" };
                evidence.AddRange(failing.Select(r => $"{r.Control.Id}{(r.Target.Scope == ControlScope.Host ? "" : $" ({r.Target.Name})")}: expected {r.ExpectedText}, found {r.Actual}"));
                yield return a.Finding(InScopeHostControls, FindingOutcome.Fail, failing.Max(r => r.Control.Severity), new[] { host }, Array.Empty<Vm>(),
                    $"Host {host.Name} is in {label} scope ({scope.Source}) and fails {Count(failing.Count, "control")} of baseline {a.Assessment.Baseline.Name}: {PciScopeModel.Join(failing.Select(r => r.Control.Id), 4)}.",
                    evidence,
                    failing.SelectMany(r => r.Control.Definition.PciDss).Concat(new[] { "2.2.1" }).Distinct().OrderBy(p => p, StringComparer.Ordinal),
                    $"Bring {host.Name} to the baseline (Get-HostControlDrift shows each control's remediation), or keep {label} VMs off it.");
            }
        }
    }
}
