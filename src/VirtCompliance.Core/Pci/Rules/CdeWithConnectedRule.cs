using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Scope;
using static VirtCompliance.Pci.PciSeparationAnalyzer;

namespace VirtCompliance.Pci.Rules
{
    /// <summary>
    /// CDE VMs that share a host only with connected-to VMs. Those are in scope and held to the same
    /// requirements, so this is not mixing security levels; recorded (Info) for the strict reader only.
    /// </summary>
    internal sealed class CdeWithConnectedRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(CdeWithConnected, "CDE VMs share a host only with connected-to VMs (Info, Strict only)", new[] { "2.2.3" },
            "None needed. The connected-to VMs must meet the same PCI DSS requirements as the CDE VMs (2.2.3: secured to the highest level).");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            if (a.Interpretation != PciInterpretation.Strict) yield break;
            foreach (var host in a.Inventory.Hosts)
            {
                var running = a.Model.PlacementOf(host).Running;
                var cde = running.Where(v => a.Model.ScopeOf(v.Id) == PciScope.Cde).ToArray();
                if (cde.Length == 0 || running.Any(v => a.Model.ScopeOf(v.Id) == PciScope.OutOfScope)) continue;
                var connected = running.Where(v => a.Model.ScopeOf(v.Id) == PciScope.Connected).ToArray();
                if (connected.Length == 0) continue;
                yield return a.Finding(CdeWithConnected, FindingOutcome.Info, Severity.Informational, new[] { host }, cde.Concat(connected),
                    $"Host {host.Name} runs CDE VMs ({PciScopeModel.Names(cde, 3)}) with connected-to VMs ({PciScopeModel.Names(connected, 3)}) and no out-of-scope VMs; all are in scope, so this is not mixing of security levels.",
                    new[] { "CDE VMs: " + PciScopeModel.Names(cde, 50), "Connected-to VMs: " + PciScopeModel.Names(connected, 50) },
                    new[] { "2.2.3" }, Info.Remediation);
            }
        }
    }
}
