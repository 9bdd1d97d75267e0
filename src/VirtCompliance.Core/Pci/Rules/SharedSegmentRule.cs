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
    /// <summary>CDE and out-of-scope adapters share a layer-2 segment.</summary>
    internal sealed class SharedSegmentRule : ISeparationRule
    {
        public SeparationRuleInfo Info { get; } = new SeparationRuleInfo(SharedSegment, "CDE and out-of-scope adapters share a layer-2 segment", new[] { "1.2.1", "1.3.1", "1.3.2", "1.4.1", "1.4.2" },
            "Put the out-of-scope VMs on a segment of their own, or filter every packet between them and the CDE VMs in both directions.");

        public IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer a)
        {
            foreach (var pair in a.Separation.OrderBy(p => p.Key.Id, StringComparer.Ordinal))
            {
                var segment = pair.Key;
                var result = pair.Value;
                var cde = a.Model.AttachmentsOf(segment, PciScope.Cde).ToArray();
                var outside = a.Model.AttachmentsOf(segment, PciScope.OutOfScope).ToArray();
                var evidence = new List<string>
                {
                    $"Segment {segment.Name}: switch {segment.Switch}, VLAN {segment.Vlan}",
                    "CDE adapters: " + PciScopeModel.Join(cde.Select(a.Describe), 20),
                    "Out-of-scope adapters: " + PciScopeModel.Join(outside.Select(a.Describe), 20),
                };
                evidence.AddRange(result.Evidence);
                var vms = PciScopeModel.Distinct(cde.Concat(outside).Select(a => a.Vm)).ToArray();
                var hosts = a.HostsOf(vms);
                if (result.Separated)
                {
                    yield return a.Finding(SharedSegment, FindingOutcome.Info, Severity.Informational, hosts, vms,
                        $"CDE and out-of-scope VMs share segment {segment.Name} (VLAN {segment.Vlan} on {segment.Switch}), and traffic filters drop the traffic between them.",
                        evidence, new[] { "1.3.1", "1.3.2", "11.4.5" },
                        "None needed. Test the filter as part of segmentation testing (11.4.5).", segment.Networks.Select(n => n.Name));
                    continue;
                }
                yield return a.Finding(SharedSegment, FindingOutcome.Fail, Severity.Critical, hosts, vms,
                    $"CDE VMs ({PciScopeModel.Names(PciScopeModel.Distinct(cde.Select(a => a.Vm)), 3)}) and out-of-scope VMs ({PciScopeModel.Names(PciScopeModel.Distinct(outside.Select(a => a.Vm)), 3)}) share layer-2 segment {segment.Name} (VLAN {segment.Vlan} on {segment.Switch}); their traffic never reaches a firewall.",
                    evidence, new[] { "1.3.1", "1.3.2", "11.4.5" },
                    "Move the out-of-scope VMs to a VLAN of their own routed through a firewall, or add traffic filter rules on the portgroups that drop all traffic between the CDE and out-of-scope addresses.",
                    segment.Networks.Select(n => n.Name));
            }
        }
    }
}
