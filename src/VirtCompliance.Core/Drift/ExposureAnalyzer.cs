using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Inventory;

namespace VirtCompliance.Drift
{
    /// <summary>
    /// Finds VMs that could be moved onto a host that lacks controls their current host satisfies:
    /// "controls on the move". One record per VM and weaker target host.
    /// </summary>
    /// <remarks>
    /// What a VM loses by a move depends only on the pair of hosts, so the losses are worked out once
    /// per host pair, and each VM is then tested only against the hosts weaker than its own (usually
    /// none or a few), not against its whole cluster: the cost grows with VMs × weaker hosts.
    /// </remarks>
    public static class ExposureAnalyzer
    {
        public static IEnumerable<VmMigrationExposure> Analyze(ControlAssessment assessment, MigrationDomains domains,
            IReadOnlyCollection<string> vmNames = null, ICollection<string> warnings = null, Action<int> vmsDone = null)
        {
            var inventory = assessment.Inventory;
            var vmFilter = NameFilter.Create(vmNames);
            var weakerTargets = new Dictionary<string, PairLoss[]>(StringComparer.Ordinal);
            var overrides = inventory.Clusters.ToDictionary(c => c.Id,
                c => c.DrsVmOverrides.GroupBy(o => o.VmId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal),
                StringComparer.Ordinal);

            var done = 0;
            foreach (var vm in inventory.Vms)
            {
                if (vmsDone != null && ++done % 1000 == 0) vmsDone(done);
                if (vm.Template) continue;
                if (vmFilter != null && !vmFilter(vm.Name) && !vmFilter(vm.Id)) continue;
                if (!assessment.Hosts.TryGetValue(vm.HostId ?? "", out var current))
                {
                    var host = inventory.GetHost(vm.HostId);
                    if (host != null && host.ConnectionState != ConnectionState.Connected && vmFilter != null)
                        warnings?.Add($"VM '{vm.Name}' is on host '{host.Name}', which is {host.ConnectionState}; its exposure was not evaluated.");
                    continue;
                }
                if (current.Cluster == null) continue;
                if (!weakerTargets.TryGetValue(current.Host.Id, out var targets))
                    weakerTargets[current.Host.Id] = targets = WeakerTargets(assessment, current);
                if (targets.Length == 0) continue;

                overrides[current.Cluster.Id].TryGetValue(vm.Id, out var vmOverride);
                var (level, automated) = DrsAutomation(current.Cluster, vmOverride, vm.PowerState);
                foreach (var loss in targets)
                {
                    if (!domains.CanMove(vm, current.Host, loss.Target)) continue;
                    yield return new VmMigrationExposure
                    {
                        Vm = vm.Name,
                        VmId = vm.Id,
                        PowerState = vm.PowerState,
                        Cluster = current.Cluster.Name,
                        ClusterId = current.Cluster.Id,
                        CurrentHost = current.Host.Name,
                        CurrentHostId = current.Host.Id,
                        TargetHost = loss.Target.Name,
                        TargetHostId = loss.Target.Id,
                        LostControls = loss.ControlIds,
                        LostControlTitles = loss.Titles,
                        Severity = loss.Severity,
                        PciDss = loss.PciDss,
                        DrsAutomation = level,
                        AutomatedByDrs = automated,
                        HaEnabled = current.Cluster.HaEnabled,
                        Basis = loss.Basis,
                        Baseline = assessment.Baseline.Name,
                    };
                }
            }
        }

        /// <summary>What moving from one host to another costs; shared (read-only) by every VM making that move.</summary>
        private sealed class PairLoss
        {
            public PairLoss(Host target, IReadOnlyList<ControlResult> lost)
            {
                Target = target;
                ControlIds = Array.AsReadOnly(lost.Select(r => r.Control.Id).ToArray());
                Titles = Array.AsReadOnly(lost.Select(r => r.Control.Title).ToArray());
                Severity = lost.Max(r => r.Control.Severity);
                PciDss = Array.AsReadOnly(lost.SelectMany(r => r.Control.Definition.PciDss).Distinct().OrderBy(p => p, StringComparer.Ordinal).ToArray());
                Basis = lost.Any(r => r.Control.Peer) ? DriftBasis.Peer : DriftBasis.Baseline;
            }

            public Host Target { get; }
            public IReadOnlyList<string> ControlIds { get; }
            public IReadOnlyList<string> Titles { get; }
            public Severity Severity { get; }
            public IReadOnlyList<string> PciDss { get; }
            public DriftBasis Basis { get; }
        }

        /// <summary>Evaluated hosts of the current host's cluster that fail a control the current host passes.</summary>
        private static PairLoss[] WeakerTargets(ControlAssessment assessment, HostAssessment current)
        {
            var result = new List<PairLoss>();
            foreach (var host in assessment.Inventory.HostsInCluster(current.Cluster.Id))
            {
                if (host.Id == current.Host.Id || !assessment.Hosts.TryGetValue(host.Id, out var target)) continue;
                var lost = Lost(current, target);
                if (lost.Count > 0) result.Add(new PairLoss(host, lost));
            }
            return result.ToArray();
        }

        /// <summary>Controls that pass on the current host and fail on the target (ties excluded: no expectation).</summary>
        private static List<ControlResult> Lost(HostAssessment current, HostAssessment target)
        {
            var lost = new List<ControlResult>();
            foreach (var here in current.Results)
            {
                if (!here.Passed) continue;
                var there = target.Find(here.Control.Id);
                if (there != null && !there.Passed && !there.NoMajority) lost.Add(there);
            }
            return lost;
        }

        private static readonly Dictionary<DrsAutomationLevel, string> LevelNames = Enum.GetValues(typeof(DrsAutomationLevel))
            .Cast<DrsAutomationLevel>().ToDictionary(l => l, l => char.ToLowerInvariant(l.ToString()[0]) + l.ToString().Substring(1));

        /// <summary>The VM's effective DRS level, and whether DRS would move it without a person approving.</summary>
        public static (string level, bool automated) DrsAutomation(Cluster cluster, DrsVmOverride vmOverride, PowerState powerState)
        {
            if (!cluster.DrsEnabled) return ("disabled", false);
            var level = cluster.DrsAutomationLevel;
            if (vmOverride != null)
            {
                if (!vmOverride.Enabled) return ("disabled", false);
                if (vmOverride.Behavior != null) level = vmOverride.Behavior.Value;
            }
            return (LevelNames[level], level == DrsAutomationLevel.FullyAutomated && powerState == PowerState.PoweredOn);
        }
    }
}
