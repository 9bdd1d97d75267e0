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
    /// <summary>Connected-to VMs with one adapter on a CDE segment and another on a segment of out-of-scope VMs: a path that bypasses the network security controls.</summary>
    internal sealed class DualHomedVmRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(DualHomedVm, "A VM bridges a CDE segment and an out-of-scope segment", new[] { "1.3.1", "1.3.2", "1.4.2" },
            "Remove the adapter on one side, or treat the VM as a CDE system and firewall it.");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            foreach (var vm in a.Inventory.Vms)
            {
                if (vm.Template || vm.Nics.Count < 2 || a.Model.ScopeOf(vm.Id) != PciScope.Connected) continue;
                var segments = a.Model.Segments.OfVm(vm.Id);
                if (segments.Count < 2) continue;
                // The VM itself is connected-to, so the CDE and out-of-scope adapters counted are other VMs'.
                var cdeSide = segments.Where(s => a.Model.CountOn(s, PciScope.Cde) > 0).ToArray();
                var outsideSide = segments.Where(s => !cdeSide.Contains(s) && a.Model.CountOn(s, PciScope.OutOfScope) > 0).ToArray();
                if (cdeSide.Length == 0 || outsideSide.Length == 0) continue;
                var evidence = vm.Nics.Select(n =>
                {
                    var s = a.Model.Segments.OfNetwork(n.NetworkId);
                    return $"{n.Label ?? "adapter " + n.Key}: {s?.Name ?? n.NetworkId} ({(s == null ? "?" : a.Model.SegmentScope(s).Scope.ToString())} segment){Ips(n)}";
                }).ToList();
                yield return a.Finding(DualHomedVm, FindingOutcome.Warning, Severity.High, a.HostsOf(new[] { vm }), new[] { vm },
                    $"Connected-to VM {vm.Name} has adapters on CDE segment {cdeSide[0].Name} and on segment {outsideSide[0].Name} with out-of-scope VMs; traffic routed or bridged by the guest bypasses the network security controls.",
                    evidence, new[] { "1.3.1", "1.3.2" },
                    $"Confirm that {vm.Name} neither routes nor bridges between its adapters (IP forwarding off, a host firewall between them), or replace the adapter on {outsideSide[0].Name} with a path through a firewall.",
                    cdeSide.Concat(outsideSide).SelectMany(s => s.Networks.Select(n => n.Name)));
            }
        }
    }
}
