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
    /// <summary>CDE and out-of-scope VMs share a datastore.</summary>
    internal sealed class SharedDatastoreRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(SharedDatastore, "CDE and out-of-scope VMs share a datastore", new[] { "2.2.3", "3.5.1" },
            "Keep CDE VMs on datastores of their own, or accept the sharing in writing (the finding is Info under hypervisor isolation).");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            var byDatastore = new Dictionary<string, List<Vm>[]>(StringComparer.Ordinal);
            foreach (var vm in a.Inventory.Vms)
            {
                var scope = a.Model.ScopeOf(vm.Id);
                if (scope != PciScope.Cde && scope != PciScope.OutOfScope) continue;
                foreach (var ds in vm.DatastoreIds)
                {
                    if (!byDatastore.TryGetValue(ds, out var lists)) byDatastore[ds] = lists = new[] { new List<Vm>(), new List<Vm>() };
                    lists[scope == PciScope.Cde ? 0 : 1].Add(vm);
                }
            }
            foreach (var pair in byDatastore.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var cde = pair.Value[0];
                var outside = pair.Value[1];
                if (cde.Count == 0 || outside.Count == 0) continue;
                var name = a.Inventory.GetDatastore(pair.Key)?.Name ?? pair.Key;
                var strict = a.Interpretation == PciInterpretation.Strict;
                yield return new PciSeparationFinding
                {
                    RuleId = SharedDatastore,
                    Outcome = strict ? FindingOutcome.Warning : FindingOutcome.Info,
                    Severity = strict ? Severity.Low : Severity.Informational,
                    Interpretation = a.Interpretation,
                    Clusters = a.ClustersOf(a.HostsOf(cde.Concat(outside))),
                    Hosts = Array.Empty<string>(),
                    Vms = cde.Concat(outside).Select(v => v.Name).ToArray(),
                    Datastores = new[] { name },
                    PciDss = new[] { "2.2.3" },
                    Message = $"Datastore {name} holds disks of CDE VMs ({PciScopeModel.Names(cde, 3)}) and out-of-scope VMs ({PciScopeModel.Names(outside, 3)})."
                        + (strict ? "" : " Accepted under hypervisor isolation: a guest reaches only its own disks through the hypervisor."),
                    Evidence = new[] { "CDE VMs: " + PciScopeModel.Names(cde, 50), "Out-of-scope VMs: " + PciScopeModel.Names(outside, 50) },
                    Remediation = "Keep CDE disks on datastores of their own, or document who can browse and copy this datastore (storage and vCenter permissions).",
                };
            }
        }
    }
}
