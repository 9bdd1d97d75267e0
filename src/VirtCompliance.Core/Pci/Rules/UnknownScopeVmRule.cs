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
    /// <summary>A VM of unknown scope sits on or near the CDE.</summary>
    internal sealed class UnknownScopeVmRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(UnknownScopeVm, "A VM of unknown scope sits on or near the CDE", new[] { "12.5.2" },
            "Classify the VM (tag category, custom attribute or scope map).");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            foreach (var vm in a.Inventory.Vms)
            {
                if (vm.Template || a.Model.ScopeOf(vm.Id) != PciScope.Unknown) continue;
                var reasons = new List<string>();
                var host = a.Inventory.GetHost(vm.HostId);
                if (host != null)
                {
                    var hostScope = a.Model.HostScope(host);
                    if (hostScope.Scope == PciScope.Cde || hostScope.Scope == PciScope.Connected)
                        reasons.Add($"runs on {PciScopeModel.Label(hostScope.Scope)} host {host.Name} ({hostScope.Source})");
                    else
                    {
                        var inScope = a.Model.Domains.DomainOf(vm).Where(h => h.Id != host.Id)
                            .Select(a.Model.HostScope).Where(e => e.Scope == PciScope.Cde || e.Scope == PciScope.Connected).ToArray();
                        if (inScope.Length > 0)
                            reasons.Add($"can be moved to in-scope hosts ({PciScopeModel.Join(inScope.Select(e => e.Name), 3)})");
                    }
                }
                var segments = a.Model.Segments.OfVm(vm.Id).Where(s => a.Model.HasCde(s) || s.CarriedSegments.Any(a.Model.HasCde)).ToArray();
                if (segments.Length > 0) reasons.Add("is attached to CDE segment " + string.Join(", ", segments.Select(s => s.Name)));
                if (reasons.Count == 0) continue;
                var evidence = new List<string> { "Sources consulted: " + a.SourcesText() };
                evidence.AddRange(a.Model.ScopeOf(vm).Claims.Select(c => "Claim: " + c));
                evidence.AddRange(reasons.Select(r => "The VM " + r));
                yield return a.Finding(UnknownScopeVm, FindingOutcome.Warning, Severity.Medium, host == null ? Array.Empty<Host>() : new[] { host }, new[] { vm },
                    $"VM {vm.Name} has no PCI scope from any source and {string.Join(" and ", reasons)}; its scope must be confirmed.",
                    evidence, new[] { "12.5.2" },
                    $"Confirm {vm.Name}'s scope with its owner and record it (tag category {a.Model.Sources.TagCategory ?? "PCI-Scope"}, attribute, or the scope map).",
                    segments.SelectMany(s => s.Networks.Select(n => n.Name)));
            }
        }
    }
}
