using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Evaluation;

namespace VirtCompliance.Drift
{
    /// <summary>Turns a control assessment into drift records: one per object and control that did not pass.</summary>
    public static class DriftAnalyzer
    {
        /// <summary>Host controls, host by host (cluster, then host name): Fail and NotEvaluated, and Pass too when asked.</summary>
        public static IEnumerable<HostControlDrift> Hosts(ControlAssessment assessment, bool includePass = false)
        {
            var vcenter = assessment.Inventory.VCenterName;
            foreach (var host in assessment.Hosts.Values
                         .OrderBy(h => h.Cluster?.Name ?? "\uffff", StringComparer.OrdinalIgnoreCase)
                         .ThenBy(h => h.Host.Name, StringComparer.OrdinalIgnoreCase))
            {
                foreach (var r in host.Results)
                {
                    if (r.Passed && !includePass) continue;
                    yield return new HostControlDrift(r, assessment.Baseline.Name)
                    {
                        VCenter = vcenter,
                        Cluster = host.Cluster?.Name,
                        ClusterId = host.Cluster?.Id,
                        Host = host.Host.Name,
                        HostId = host.Host.Id,
                    };
                }
            }
        }

        /// <summary>VM controls, VM by VM (cluster, then VM name): Fail and NotEvaluated, and Pass too when asked.</summary>
        public static IEnumerable<VmControlDrift> Vms(ControlAssessment assessment, bool includePass = false)
        {
            var vcenter = assessment.Inventory.VCenterName;
            // The results come VM by VM, so the runs of one VM's results are sorted (100k of them), not the results
            // (millions at 100k VMs, most of them passes when asked for): the same order as a stable sort of the results.
            var kept = new List<ControlResult>();
            var runs = new List<(ControlTarget target, int start, int count)>();
            foreach (var r in assessment.Vms)
            {
                if (!includePass && r.Passed) continue;
                if (runs.Count > 0 && ReferenceEquals(runs[runs.Count - 1].target, r.Target))
                    runs[runs.Count - 1] = (r.Target, runs[runs.Count - 1].start, runs[runs.Count - 1].count + 1);
                else
                    runs.Add((r.Target, kept.Count, 1));
                kept.Add(r);
            }
            foreach (var run in runs.OrderBy(x => x.target.Cluster?.Name ?? "\uffff", StringComparer.OrdinalIgnoreCase)
                         .ThenBy(x => x.target.Name, StringComparer.OrdinalIgnoreCase).ThenBy(x => x.target.Id, StringComparer.Ordinal))
            {
                for (var i = run.start; i < run.start + run.count; i++)
                {
                    var r = kept[i];
                    // A VM result's target is a VM target, which has its VM.
                    var vm = r.Target.Vm!;
                    yield return new VmControlDrift(r, assessment.Baseline.Name)
                    {
                        VCenter = vcenter,
                        Vm = vm.Name,
                        VmId = vm.Id,
                        PowerState = vm.PowerState,
                        Folder = vm.Folder,
                        Host = r.Target.Host?.Name,
                        HostId = vm.HostId,
                        Cluster = r.Target.Cluster?.Name,
                        ClusterId = r.Target.Cluster?.Id,
                    };
                }
            }
        }

        /// <summary>vCenter controls: the vCenter Server, then its clusters by name.</summary>
        public static IEnumerable<VCenterControlDrift> Estate(ControlAssessment assessment, bool includePass = false)
        {
            var vcenter = assessment.Inventory.VCenterName;
            foreach (var r in assessment.Estate.OrderBy(r => r.Target.Scope == ControlScope.VCenter ? 0 : 1).ThenBy(r => r.Target.Name, StringComparer.OrdinalIgnoreCase))
            {
                if (r.Passed && !includePass) continue;
                yield return new VCenterControlDrift(r, assessment.Baseline.Name)
                {
                    ObjectKind = r.Target.Scope == ControlScope.VCenter ? EstateObjectKind.VCenter : EstateObjectKind.Cluster,
                    Object = r.Target.Name,
                    ObjectId = r.Target.Id,
                    VCenter = vcenter,
                };
            }
        }

        /// <summary>Network controls: distributed switches, distributed portgroups (by switch and name), then standard portgroups host by host.</summary>
        public static IEnumerable<NetworkControlDrift> Networks(ControlAssessment assessment, bool includePass = false)
        {
            var vcenter = assessment.Inventory.VCenterName;
            var switches = assessment.Switches.OrderBy(r => r.Target.Name, StringComparer.OrdinalIgnoreCase);
            var distributed = assessment.DistributedPortgroups
                .OrderBy(r => r.Target.Switch?.Name ?? "", StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Target.Name, StringComparer.OrdinalIgnoreCase);
            var standard = assessment.Hosts.Values
                .OrderBy(h => h.Cluster?.Name ?? "\uffff", StringComparer.OrdinalIgnoreCase).ThenBy(h => h.Host.Name, StringComparer.OrdinalIgnoreCase)
                .SelectMany(h => h.PortgroupResults);
            foreach (var r in switches.Concat(distributed).Concat(standard))
            {
                if (r.Passed && !includePass) continue;
                var t = r.Target;
                if (t.Scope == ControlScope.DistributedSwitch)
                {
                    yield return new NetworkControlDrift(r, assessment.Baseline.Name)
                    {
                        VCenter = vcenter,
                        ObjectKind = NetworkObjectKind.DistributedSwitch, NetworkId = t.Id, Switch = t.Name,
                    };
                    continue;
                }
                yield return new NetworkControlDrift(r, assessment.Baseline.Name)
                {
                    VCenter = vcenter,
                    ObjectKind = t.Scope == ControlScope.DistributedPortgroup ? NetworkObjectKind.DistributedPortgroup
                        : t.Scope == ControlScope.StandardSwitch ? NetworkObjectKind.StandardSwitch : NetworkObjectKind.StandardPortgroup,
                    Network = t.Name,
                    NetworkId = t.Id,
                    // Otherwise a standard vSwitch's (the target has it) or a standard portgroup's (the target has the portgroup).
                    Switch = t.Scope == ControlScope.DistributedPortgroup ? t.Switch?.Name : t.Scope == ControlScope.StandardSwitch ? t.VSwitch!.Name : t.Portgroup!.VSwitch,
                    Host = t.Host?.Name,
                    HostId = t.Host?.Id,
                    Cluster = t.Cluster?.Name,
                };
            }
        }
    }
}
