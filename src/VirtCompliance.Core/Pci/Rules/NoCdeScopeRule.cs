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
    /// <summary>
    /// A separation test with no CDE VM tests nothing: a mistyped tag category or an unclassified
    /// estate must not give a green gate. One Fail finding says what was looked for.
    /// </summary>
    internal sealed class NoCdeScopeRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(NothingInCdeScope, "No VM is in CDE scope: nothing was tested", new[] { "12.5.2" },
            "Classify the VMs (tag category, custom attribute or -ScopeMap); check that the tag category and attribute names are the ones used in vCenter.");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            var vms = a.Inventory.Vms.Where(v => !v.Template).ToArray();
            if (vms.Any(v => a.Model.ScopeOf(v.Id) == PciScope.Cde)) yield break;
            var unknown = vms.Count(v => a.Model.ScopeOf(v.Id) == PciScope.Unknown);
            var sources = a.Model.Sources;
            var looked = $"tag category '{sources.TagCategory ?? "(none)"}', custom attribute '{sources.Attribute ?? "(none)"}', {Count(sources.Patterns.Count, "scope map pattern")}, {Count(sources.Map.Count, "mapped VM")}";
            yield return a.Finding(NothingInCdeScope, FindingOutcome.Fail, Severity.High, Array.Empty<Host>(), Array.Empty<Vm>(),
                vms.Length == 0 ? $"Inventory '{a.Inventory.Source}' has no VMs: there is nothing to test for CDE separation."
                : unknown == vms.Length ? $"None of the {vms.Length} VMs has a PCI scope ({looked}): separation was not tested."
                : $"No VM is in CDE scope ({vms.Length - unknown} classified, {unknown} of unknown scope; {looked}): separation was not tested.",
                new[] { "Scope sources: " + looked, $"VMs: {vms.Length}, of unknown scope: {unknown}" }, new[] { "12.5.2" },
                "Classify the VMs (tag category, custom attribute or -ScopeMap); check that the tag category and attribute names are the ones used in vCenter.");
        }
    }
}
