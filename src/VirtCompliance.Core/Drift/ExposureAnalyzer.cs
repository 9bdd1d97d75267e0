using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Common;
using VirtCompliance.Controls;
using VirtCompliance.Evaluation;
using VirtCompliance.Model;
using VirtCompliance.Scope;

namespace VirtCompliance.Drift
{
    /// <summary>
    /// Finds VMs that could be moved onto a host that lacks controls their current host satisfies:
    /// "controls on the move". One record per VM and weaker target host.
    /// </summary>
    /// <remarks>
    /// A VM loses what the target host fails and its current host passes: the host's own controls,
    /// and the controls of the VM's own standard portgroups as the target host configures them
    /// (a distributed portgroup is one object wherever the VM runs, so a move changes nothing there;
    /// a portgroup the VM does not use is none of its business). NotEvaluated on either side is no
    /// loss that can be shown. What a VM loses depends only on the pair of hosts and the standard
    /// portgroups it uses, so the losses are worked out once per such key, and each VM is tested
    /// only against the hosts weaker than its own: the cost grows with VMs × weaker hosts.
    /// </remarks>
    public static class ExposureAnalyzer
    {
        public static IEnumerable<VmMigrationExposure> Analyze(ControlAssessment assessment, MigrationDomains domains,
            IReadOnlyCollection<string>? vmNames = null, ICollection<string>? warnings = null, Action<int>? vmsDone = null,
            Func<Vm, PciScope>? scopeOf = null, IReadOnlyCollection<PciScope>? scopes = null)
        {
            var inventory = assessment.Inventory;
            var vmFilter = NameFilter.Create(vmNames);
            var weakerTargets = new Dictionary<string, PairLoss[]>(StringComparer.Ordinal);
            // A DRS override is read from the cluster's drsVmConfig by the VM it names (the collector keeps only those that name one).
            var overrides = inventory.Clusters.ToDictionary(c => c.Id,
                c => c.DrsVmOverrides.GroupBy(o => o.VmId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal),
                StringComparer.Ordinal);

            var done = 0;
            // Results come out in the order users read them (cluster, VM, target host), so nobody sorts
            // the records afterwards: 100k VMs sort faster than the 200k records they give.
            string ClusterOf(Vm v) => inventory.GetCluster(inventory.GetHost(v.HostId)?.ClusterId)?.Name ?? "";
            foreach (var vm in inventory.Vms.OrderBy(ClusterOf, StringComparer.OrdinalIgnoreCase).ThenBy(v => v.Name, StringComparer.OrdinalIgnoreCase))
            {
                if (vmsDone != null && ++done % 1000 == 0) vmsDone(done);
                if (vm.Template) continue;
                if (vmFilter != null && !vmFilter(vm.Name) && !vmFilter(vm.Id)) continue;
                var scope = scopeOf?.Invoke(vm) ?? PciScope.Unknown;
                if (scopes != null && !scopes.Contains(scope)) continue;
                if (!assessment.Hosts.TryGetValue(vm.HostId ?? "", out var current)) continue;
                if (current.Host.ConnectionState != ConnectionState.Connected)
                {
                    // Its host's controls are not known, so nothing it could lose can be shown.
                    if (vmFilter != null)
                        warnings?.Add($"VM '{vm.Name}' is on host '{current.Host.Name}', which is {current.Host.ConnectionState}; its exposure was not evaluated.");
                    continue;
                }
                var cluster = current.Cluster;
                if (cluster == null) continue;
                var standardPortgroups = StandardPortgroupsOf(vm, inventory);
                var key = standardPortgroups.Length == 0 ? current.Host.Id : current.Host.Id + "\u0001" + string.Join("\u0001", standardPortgroups);
                if (!weakerTargets.TryGetValue(key, out var targets))
                    weakerTargets[key] = targets = WeakerTargets(assessment, current, cluster, standardPortgroups);
                if (targets.Length == 0) continue;

                overrides[cluster.Id].TryGetValue(vm.Id, out var vmOverride);
                var (level, automated) = DrsAutomation(cluster, vmOverride, vm.PowerState);
                foreach (var loss in targets)
                {
                    if (!domains.CanMove(vm, current.Host, loss.Target)) continue;
                    yield return new VmMigrationExposure
                    {
                        VCenter = assessment.Inventory.VCenterName,
                        Vm = vm.Name,
                        VmId = vm.Id,
                        PciScope = scope,
                        PowerState = vm.PowerState,
                        Cluster = cluster.Name,
                        ClusterId = cluster.Id,
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
                        HaEnabled = cluster.HaEnabled,
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
                ControlIds = Array.AsReadOnly(lost.Select(Label).ToArray());
                Titles = Array.AsReadOnly(lost.Select(r => r.Control.Title).ToArray());
                Severity = lost.Max(r => r.Control.Severity);
                PciDss = Array.AsReadOnly(lost.SelectMany(r => r.Control.Definition.PciDss).Distinct().OrderBy(p => p, StringComparer.Ordinal).ToArray());
                Basis = lost.Any(r => r.Control.Peer) ? DriftBasis.Peer : DriftBasis.Baseline;
            }

            /// <summary>A portgroup control names its portgroup: "esx-9.network-standard-reject-mac-changes (VM Network)".</summary>
            private static string Label(ControlResult r) => r.Target.Scope == ControlScope.Host ? r.Control.Id : $"{r.Control.Id} ({r.Target.Name})";

            public Host Target { get; }
            public IReadOnlyList<string> ControlIds { get; }
            public IReadOnlyList<string> Titles { get; }
            public Severity Severity { get; }
            public IReadOnlyList<string> PciDss { get; }
            public DriftBasis Basis { get; }
        }

        /// <summary>The names of the standard portgroups a VM's adapters are on, sorted, each once.</summary>
        private static string?[] StandardPortgroupsOf(Vm vm, VirtCompliance.Model.Inventory inventory)
        {
            string?[]? names = null;
            foreach (var nic in vm.Nics)
            {
                var network = nic.NetworkId == null ? null : inventory.GetNetwork(nic.NetworkId);
                if (network == null || network.Kind != NetworkKind.StandardPortgroup) continue;
                names = names == null ? new[] { network.Name } : names.Concat(new[] { network.Name }).ToArray();
            }
            return names == null ? Array.Empty<string?>() : names.Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        }

        /// <summary>Hosts of the current host's cluster where the VM would lose a control its current host gives it.</summary>
        private static PairLoss[] WeakerTargets(ControlAssessment assessment, HostAssessment current, Cluster cluster, string?[] standardPortgroups)
        {
            var result = new List<PairLoss>();
            foreach (var host in assessment.Inventory.HostsInCluster(cluster.Id))
            {
                if (host.Id == current.Host.Id || !assessment.Hosts.TryGetValue(host.Id, out var target)) continue;
                var lost = Lost(current.Results, target.Find);
                foreach (var name in standardPortgroups)
                {
                    var there = target.OfPortgroup(name).ToDictionary(r => r.Control.Id, StringComparer.Ordinal);
                    lost.AddRange(Lost(current.OfPortgroup(name), id => there.TryGetValue(id, out var r) ? r : null));
                }
                if (lost.Count > 0) result.Add(new PairLoss(host, lost));
            }
            return result.OrderBy(l => l.Target.Name, StringComparer.OrdinalIgnoreCase).ToArray();
        }

        /// <summary>Controls that pass here and fail there; a control not evaluated on either side is no loss anyone can show.</summary>
        private static List<ControlResult> Lost(IReadOnlyList<ControlResult> here, Func<string, ControlResult?> there)
        {
            var lost = new List<ControlResult>();
            foreach (var r in here)
            {
                if (!r.Passed) continue;
                var t = there(r.Control.Id);
                if (t != null && t.Failed) lost.Add(t);
            }
            return lost;
        }

        private static readonly Dictionary<DrsAutomationLevel, string> LevelNames = Enum.GetValues(typeof(DrsAutomationLevel))
            .Cast<DrsAutomationLevel>().ToDictionary(l => l, l => char.ToLowerInvariant(l.ToString()[0]) + l.ToString().Substring(1));

        /// <summary>The VM's effective DRS level, and whether DRS would move it without a person approving.</summary>
        public static (string level, bool automated) DrsAutomation(Cluster cluster, DrsVmOverride? vmOverride, PowerState powerState)
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
