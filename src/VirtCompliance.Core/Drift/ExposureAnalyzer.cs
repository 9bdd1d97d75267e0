using VirtCompliance;
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
    public static class ExposureAnalyzer
    {
        public static IEnumerable<VmMigrationExposure> Analyze(ControlAssessment assessment, MigrationDomains domains,
            IReadOnlyCollection<string> vmNames = null, ICollection<string> warnings = null, Action<int> vmsDone = null)
        {
            var inventory = assessment.Inventory;
            var vmFilter = NameFilter.Create(vmNames);
            // Controls lost between two hosts depend only on the pair, so each pair is computed once.
            var lostByPair = new Dictionary<(string, string), ControlResult[]>();

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

                var (level, automated) = DrsAutomation(current.Cluster, vm);
                foreach (var target in domains.TargetsFor(vm))
                {
                    if (!assessment.Hosts.TryGetValue(target.Id, out var targetAssessment)) continue;
                    if (!lostByPair.TryGetValue((current.Host.Id, target.Id), out var lost))
                        lostByPair[(current.Host.Id, target.Id)] = lost = Lost(current, targetAssessment);
                    if (lost.Length == 0) continue;
                    yield return new VmMigrationExposure
                    {
                        Vm = vm.Name,
                        VmId = vm.Id,
                        PowerState = vm.PowerState,
                        Cluster = current.Cluster.Name,
                        ClusterId = current.Cluster.Id,
                        CurrentHost = current.Host.Name,
                        CurrentHostId = current.Host.Id,
                        TargetHost = target.Name,
                        TargetHostId = target.Id,
                        LostControls = lost.Select(r => r.Control.Id).ToArray(),
                        LostControlTitles = lost.Select(r => r.Control.Title).ToArray(),
                        Severity = lost.Max(r => r.Control.Severity),
                        PciDss = lost.SelectMany(r => r.Control.Definition.PciDss).Distinct().OrderBy(p => p, StringComparer.Ordinal).ToArray(),
                        DrsAutomation = level,
                        AutomatedByDrs = automated,
                        HaEnabled = current.Cluster.HaEnabled,
                        Basis = lost.Any(r => r.Control.Peer) ? DriftBasis.Peer : DriftBasis.Baseline,
                        Baseline = assessment.Baseline.Name,
                    };
                }
            }
        }

        /// <summary>Controls that pass on the current host and fail on the target (ties excluded: no expectation).</summary>
        private static ControlResult[] Lost(HostAssessment current, HostAssessment target)
        {
            var lost = new List<ControlResult>();
            foreach (var here in current.Results)
            {
                if (!here.Passed) continue;
                var there = target.Find(here.Control.Id);
                if (there != null && !there.Passed && !there.NoMajority) lost.Add(there);
            }
            return lost.ToArray();
        }

        /// <summary>The VM's effective DRS level, and whether DRS would move it without a person approving.</summary>
        public static (string level, bool automated) DrsAutomation(Cluster cluster, Vm vm)
        {
            if (!cluster.DrsEnabled) return ("disabled", false);
            var level = cluster.DrsAutomationLevel;
            var vmOverride = cluster.DrsVmOverrides.FirstOrDefault(o => o.VmId == vm.Id);
            if (vmOverride != null)
            {
                if (!vmOverride.Enabled) return ("disabled", false);
                if (vmOverride.Behavior != null) level = vmOverride.Behavior.Value;
            }
            var text = char.ToLowerInvariant(level.ToString()[0]) + level.ToString().Substring(1);
            return (text, level == DrsAutomationLevel.FullyAutomated && vm.PowerState == PowerState.PoweredOn);
        }
    }
}
