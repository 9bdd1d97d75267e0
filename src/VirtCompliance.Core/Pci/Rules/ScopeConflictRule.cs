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
    /// <summary>The sources of a VM's scope disagree.</summary>
    internal sealed class ScopeConflictRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(ScopeConflict, "The sources of a VM's scope disagree", new[] { "12.5.2" },
            "Make the tag, the custom attribute and the scope map agree.");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            foreach (var scope in a.Model.VmScopes.Where(s => s.Conflict))
            {
                // The scopes are those of the inventory's own VMs.
                var vm = a.Inventory.GetVm(scope.VmId)!;
                if (vm.Template) continue;
                var host = a.Inventory.GetHost(vm.HostId);
                yield return a.Finding(ScopeConflict, FindingOutcome.Warning, Severity.Medium, host == null ? Array.Empty<Host>() : new[] { host }, new[] { vm },
                    $"Sources disagree about the scope of VM {vm.Name}; it was treated as {PciScopeModel.Label(scope.Scope)} (the strictest claim) until the sources agree.",
                    scope.Claims.Select(c => "Claim: " + c), new[] { "12.5.2" },
                    $"Decide {vm.Name}'s scope and correct the source that is wrong.");
            }
        }
    }
}
