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
    /// <summary>A host in scope whose baseline controls could not be verified: disconnected, or its configuration not reported. Not a pass: NotEvaluated.</summary>
    internal sealed class InScopeHostUnverifiedRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(InScopeHostUnverified, "A host that runs or can run in-scope VMs could not be verified against the baseline (NotEvaluated)", new[] { "2.2.1", "12.5.2" },
            "Reconnect the host, or collect with an account that can read its configuration, and run the test again.");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            foreach (var host in a.Inventory.Hosts)
            {
                var scope = a.Model.HostScope(host);
                if (scope.Scope != PciScope.Cde && scope.Scope != PciScope.Connected) continue;
                var (_, unproven) = a.HostResults(host, hostControlsOnly: false);
                if (unproven.Count == 0) continue;
                var label = PciScopeModel.Label(scope.Scope);
                {
                    var disconnected = host.ConnectionState != ConnectionState.Connected;
                    yield return a.Finding(InScopeHostUnverified, FindingOutcome.NotEvaluated, Severity.Medium, new[] { host }, Array.Empty<Vm>(),
                        disconnected
                            ? $"Host {host.Name} is in {label} scope ({scope.Source}) but is {host.ConnectionState}, so its controls could not be verified."
                            : $"Host {host.Name} is in {label} scope ({scope.Source}) but {Count(unproven.Count, "control")} of baseline {a.Assessment.Baseline.Name} could not be verified: {PciScopeModel.Join(unproven.Select(r => r.Control.Id), 4)}.",
                        new[] { $"Scope: {scope.Source}", $"Connection state: {host.ConnectionState}" }
                            .Concat(unproven.Select(r => $"{r.Control.Id}{(r.Target.Scope == ControlScope.Host ? "" : $" ({r.Target.Name})")}: not evaluated, {r.Reason}")),
                        new[] { "2.2.1", "12.5.2" },
                        disconnected ? $"Reconnect {host.Name} and collect the inventory again."
                            : "Collect with an account that can read the host's configuration (the reasons name what was not reported), then run the test again.");
                }
            }
        }
    }
}
