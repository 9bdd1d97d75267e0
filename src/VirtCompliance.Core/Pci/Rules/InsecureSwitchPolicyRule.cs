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
    /// <summary>A segment with CDE VMs accepts promiscuous mode, MAC changes or forged transmits.</summary>
    internal sealed class InsecureSwitchPolicyRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(InsecureSwitchPolicy, "A segment with CDE VMs accepts promiscuous mode, MAC changes or forged transmits", new[] { "1.2.1", "1.4.2", "2.2.1" },
            "Reject promiscuous mode, MAC address changes and forged transmits on the segment's portgroups.");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            foreach (var segment in a.Model.Segments.All)
            {
                if (segment.InsecurePolicies.Count == 0) continue;
                var cde = a.Model.AttachmentsOf(segment, PciScope.Cde).ToArray();
                if (cde.Length == 0) continue;
                var vms = PciScopeModel.Distinct(cde.Select(a => a.Vm)).ToArray();
                var evidence = new List<string> { $"Segment {segment.Name}: switch {segment.Switch}, VLAN {segment.Vlan}" };
                evidence.AddRange(segment.InsecurePolicies.Select(p => "Accepted: " + p));
                evidence.Add("CDE adapters: " + PciScopeModel.Join(cde.Select(a.Describe), 20));
                yield return a.Finding(InsecureSwitchPolicy, FindingOutcome.Fail, segment.Promiscuous ? Severity.High : Severity.Medium, a.HostsOf(vms), vms,
                    $"Segment {segment.Name} carries CDE VMs ({PciScopeModel.Names(vms, 3)}) and accepts {string.Join(" / ", segment.InsecurePolicies.SelectMany(p => p.Substring(p.LastIndexOf(':') + 2).Split(new[] { ", " }, StringSplitOptions.None)).Distinct())}, so a guest can see or spoof other guests' traffic.",
                    evidence, new[] { "1.2.1", "2.2.1" },
                    "Set promiscuous mode, MAC address changes and forged transmits to Reject on these portgroups (and on their switch).",
                    segment.Networks.Select(n => n.Name));
            }
        }
    }
}
