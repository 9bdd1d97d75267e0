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
    /// <summary>CDE and out-of-scope VMs run on one host now.</summary>
    internal sealed class MixedScopeHostRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(MixedScopeHost, "CDE and out-of-scope VMs run on one host now", new[] { "2.2.3" },
            "Move the out-of-scope VMs off the host and keep them off with a mandatory VM-host rule, or (hypervisor isolation) meet every isolation condition.");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            foreach (var host in a.Inventory.Hosts)
            {
                var running = a.Model.PlacementOf(host).Running;
                var cde = running.Where(v => a.Model.ScopeOf(v.Id) == PciScope.Cde).ToArray();
                if (cde.Length == 0) continue;
                var outside = running.Where(v => a.Model.ScopeOf(v.Id) == PciScope.OutOfScope).ToArray();
                if (outside.Length == 0) continue;

                var evidence = new List<string>
                {
                    "Runs CDE VMs: " + PciScopeModel.Names(cde, 50),
                    "Runs out-of-scope VMs: " + PciScopeModel.Names(outside, 50),
                };
                var vms = cde.Concat(outside);
                if (a.Interpretation == PciInterpretation.Strict)
                {
                    yield return a.Finding(MixedScopeHost, FindingOutcome.Fail, Severity.High, new[] { host }, vms,
                        $"Host {host.Name} runs CDE VMs ({PciScopeModel.Names(cde, 3)}) and out-of-scope VMs ({PciScopeModel.Names(outside, 3)}) side by side.",
                        evidence.Concat(new[] { "Strict reading of 2.2.3: CDE and out-of-scope VMs must not share a physical host." }),
                        new[] { "2.2.3" },
                        $"Move the out-of-scope VMs off {host.Name}, and keep them off with a mandatory VM-host rule (CDE VMs on a host group of their own).");
                    continue;
                }
                var unmet = a.IsolationConditions(host, cde, outside, evidence);
                yield return unmet == 0
                    ? a.Finding(MixedScopeHost, FindingOutcome.Info, Severity.Informational, new[] { host }, vms,
                        $"Host {host.Name} runs CDE VMs ({PciScopeModel.Names(cde, 3)}) with out-of-scope VMs ({PciScopeModel.Names(outside, 3)}); accepted under hypervisor isolation: the guests are network-separated and the host is hardened.",
                        evidence, new[] { "1.3.1", "1.3.2", "2.2.1", "2.2.3" },
                        "None needed under this reading. Keep the evidence: re-run after every change to the host or its networks.")
                    : a.Finding(MixedScopeHost, FindingOutcome.Fail, Severity.High, new[] { host }, vms,
                        $"Host {host.Name} runs CDE VMs ({PciScopeModel.Names(cde, 3)}) with out-of-scope VMs ({PciScopeModel.Names(outside, 3)}), and {Conditions(unmet)} not met.",
                        evidence, new[] { "1.3.1", "1.3.2", "2.2.1", "2.2.3" },
                        $"Meet the unmet conditions listed in Evidence, or move the out-of-scope VMs off {host.Name}.");
            }
        }
    }
}
