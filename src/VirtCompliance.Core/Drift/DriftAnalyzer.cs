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
            // Filtered before sorting: a large estate has millions of VM results and most of them pass.
            foreach (var r in assessment.Vms.Where(r => includePass || !r.Passed)
                         .OrderBy(r => r.Target.Cluster?.Name ?? "\uffff", StringComparer.OrdinalIgnoreCase)
                         .ThenBy(r => r.Target.Name, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Target.Id, StringComparer.Ordinal))
            {
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
