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
    /// <summary>A trunk or VLAN 4095 portgroup carries CDE VLANs.</summary>
    internal sealed class TrunkCarriesCdeRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(TrunkCarriesCde, "A trunk or VLAN 4095 portgroup carries CDE VLANs", new[] { "1.2.1", "1.3.1", "1.4.2" },
            "Remove the CDE VLANs from the trunk range, or keep only CDE systems on it.");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            foreach (var trunk in a.Model.Segments.All.Where(s => s.IsTrunk))
            {
                var carriedCde = trunk.CarriedSegments.Where(a.Model.HasCde).ToArray();
                var cdeOnTrunk = a.Model.AttachmentsOf(trunk, PciScope.Cde).ToArray();
                if (carriedCde.Length == 0 && cdeOnTrunk.Length == 0) continue;
                var attached = PciScopeModel.Distinct(trunk.Attachments.Select(a => a.Vm)).ToArray();
                var untrusted = attached.Where(v => a.Model.ScopeOf(v.Id) == PciScope.OutOfScope || a.Model.ScopeOf(v.Id) == PciScope.Unknown).ToArray();
                var evidence = new List<string> { $"Trunk {trunk.Name} on {trunk.Switch}: VLAN {trunk.Vlan}" };
                if (carriedCde.Length > 0) evidence.Add("Carries the VLANs of CDE segments: " + PciScopeModel.Join(carriedCde.Select(s => $"{s.Name} (VLAN {s.Vlan})"), 20));
                if (cdeOnTrunk.Length > 0) evidence.Add("CDE VMs on the trunk (guest VLAN tagging): " + PciScopeModel.Join(cdeOnTrunk.Select(a.Describe), 20));
                evidence.Add(attached.Length == 0 ? "No VM adapters are attached to the trunk."
                    : "VMs on the trunk: " + PciScopeModel.Join(attached.Select(v => $"{v.Name} ({a.Model.ScopeOf(v.Id)})"), 20));
                if (trunk.Promiscuous) evidence.Add("Promiscuous mode is accepted: a VM on the trunk receives every frame of the VLANs it carries.");
                FindingOutcome outcome;
                string message;
                if (untrusted.Length > 0)
                {
                    outcome = FindingOutcome.Fail;
                    message = $"Trunk portgroup {trunk.Name} carries CDE traffic and VMs that are not in scope are attached to it ({PciScopeModel.Names(untrusted, 3)}).";
                }
                else if (attached.Length > 0)
                {
                    outcome = FindingOutcome.Warning;
                    message = $"Trunk portgroup {trunk.Name} carries CDE traffic to in-scope VMs ({PciScopeModel.Names(attached, 3)}); confirm each needs every VLAN it receives.";
                }
                else
                {
                    outcome = FindingOutcome.Warning;
                    message = $"Trunk portgroup {trunk.Name} carries CDE VLANs; any VM attached to it later would receive CDE traffic.";
                }
                yield return a.Finding(TrunkCarriesCde, outcome, trunk.Promiscuous && attached.Length > 0 ? Severity.Critical : Severity.High,
                    a.HostsOf(attached.Concat(cdeOnTrunk.Select(a => a.Vm))), PciScopeModel.Distinct(attached.Concat(cdeOnTrunk.Select(a => a.Vm))), message, evidence,
                    new[] { "1.2.1", "1.3.1", "1.3.2" },
                    $"Limit {trunk.Name}'s trunk ranges to the VLANs its VMs need (excluding CDE VLANs unless the VM is in scope and needs them), and reject promiscuous mode unless a monitoring VM requires it.",
                    trunk.Networks.Select(n => n.Name));
            }
        }
    }
}
