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
    /// <summary>vMotion, DRS or HA can bring CDE and out-of-scope VMs onto one host.</summary>
    internal sealed class PotentialMixedScopeHostRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(PotentialMixedScopeHost, "vMotion, DRS or HA can bring CDE and out-of-scope VMs onto one host", new[] { "2.2.3" },
            "Separate the CDE and out-of-scope VMs with VM groups and mandatory VM-host rules to separate host groups, or move the out-of-scope VMs to another cluster.");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            foreach (var host in a.Inventory.Hosts)
            {
                var placement = a.Model.PlacementOf(host);
                var cde = placement.ReachableOf(PciScope.Cde);
                var outside = placement.ReachableOf(PciScope.OutOfScope);
                if (cde.Count == 0 || outside.Count == 0) continue;
                // Already together: the mixed-scope-host rule reports it.
                if (cde.Any(v => v.HostId == host.Id) && outside.Any(v => v.HostId == host.Id)) continue;
                if (!a.AnyPairNotKeptApart(cde, outside)) continue;

                var cluster = a.Inventory.GetCluster(host.ClusterId);
                var movers = cde.Concat(outside).Where(v => v.HostId != host.Id).ToArray();
                var automated = cluster == null ? Array.Empty<Vm>() : movers.Where(v => a.AutomatedByDrs(cluster, v)).ToArray();
                var evidence = new List<string>();
                foreach (var (vms, label) in new[] { (cde, "CDE"), (outside, "out-of-scope") })
                {
                    var here = vms.Where(v => v.HostId == host.Id).ToArray();
                    var elsewhere = vms.Where(v => v.HostId != host.Id).ToArray();
                    if (here.Length > 0) evidence.Add($"Runs {label} VMs: " + PciScopeModel.Names(here, 50));
                    if (elsewhere.Length > 0) evidence.Add($"{char.ToUpperInvariant(label[0])}{label.Substring(1)} VMs that can be moved here: " + PciScopeModel.Names(elsewhere, 50));
                }
                evidence.Add("No enabled mandatory VM-host rule keeps them off this host, and no anti-affinity rule keeps every pair apart.");
                if (cluster != null)
                {
                    evidence.Add(automated.Length > 0
                        ? $"DRS ({DrsText(cluster)}) would move these powered-on VMs without anyone approving: {PciScopeModel.Names(automated, 20)}"
                        : $"DRS ({DrsText(cluster)}) does not move these VMs on its own; an administrator's vMotion {(cluster.HaEnabled ? "or an HA restart " : "")}would bring them together.");
                    if (cluster.HaEnabled) evidence.Add("HA is enabled: after a host failure HA restarts VMs on any compatible host, ignoring \"should\" rules.");
                }
                var outcome = automated.Length > 0 ? FindingOutcome.Fail : FindingOutcome.Warning;
                var severity = automated.Length > 0 ? Severity.High : Severity.Medium;
                var pci = new[] { "2.2.3" };
                var message = $"CDE VMs ({PciScopeModel.Names(cde, 3)}) and out-of-scope VMs ({PciScopeModel.Names(outside, 3)}) can be placed together on host {host.Name}"
                    + (automated.Length > 0 ? " and DRS may do so on its own." : " by vMotion or HA.");
                if (a.Interpretation == PciInterpretation.HypervisorIsolation)
                {
                    var unmet = a.IsolationConditions(host, cde, outside, evidence);
                    pci = new[] { "1.3.1", "1.3.2", "2.2.1", "2.2.3" };
                    if (unmet == 0)
                    {
                        outcome = FindingOutcome.Info;
                        severity = Severity.Informational;
                        message += " Accepted under hypervisor isolation: the guests are network-separated and the host is hardened.";
                    }
                    else message += $" {Conditions(unmet)} not met for this host.";
                }
                yield return a.Finding(PotentialMixedScopeHost, outcome, severity, new[] { host }, cde.Concat(outside), message, evidence, pci,
                    "Put the CDE VMs and the out-of-scope VMs in VM groups and add mandatory (\"must run on\") VM-host rules to separate host groups, or move the out-of-scope VMs to another cluster.");
            }
        }
    }
}
