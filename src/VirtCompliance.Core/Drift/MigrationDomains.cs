using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Drift
{
    /// <summary>
    /// Where each VM can be moved: hosts of its own cluster that are connected, not in maintenance
    /// mode, reach all of the VM's networks and datastores, and are allowed by every enabled
    /// mandatory ("must") DRS VM-host rule that covers the VM. "Should" rules do not restrict the
    /// domain: HA ignores them when it restarts a VM, and an administrator can override them.
    /// VM-VM anti-affinity rules depend on where other VMs run, so they do not restrict it either.
    /// </summary>
    public sealed class MigrationDomains
    {
        private readonly Inv _inventory;
        private readonly Dictionary<string, HostReach> _reach = new Dictionary<string, HostReach>(StringComparer.Ordinal);
        private readonly Dictionary<string, List<RuleConstraint>> _constraintsByVm = new Dictionary<string, List<RuleConstraint>>(StringComparer.Ordinal);
        private readonly List<string> _warnings = new List<string>();
        private int _constraintCount;

        public MigrationDomains(Inv inventory)
        {
            _inventory = inventory;
            foreach (var h in inventory.Hosts) _reach[h.Id] = new HostReach(h);
            foreach (var c in inventory.Clusters) IndexRules(c);
        }

        /// <summary>Rules that could not be applied as written (unknown groups), for the user to see.</summary>
        public IReadOnlyList<string> Warnings => _warnings;

        /// <summary>Hosts other than its current one that the VM could be moved to, in host id order.</summary>
        public IReadOnlyList<Host> TargetsFor(Vm vm) => Domain(vm).Where(h => h.Id != vm.HostId).ToArray();

        /// <summary>Every host the VM can run on: the targets plus its current host.</summary>
        public IEnumerable<Host> Domain(Vm vm)
        {
            var current = _inventory.GetHost(vm.HostId);
            if (current == null) yield break;
            if (current.ClusterId == null)
            {
                yield return current;
                yield break;
            }
            foreach (var host in _inventory.HostsInCluster(current.ClusterId))
            {
                if (host.Id == current.Id || CanMove(vm, current, host)) yield return host;
            }
        }

        private readonly Dictionary<string, Host[]> _domainCache = new Dictionary<string, Host[]>(StringComparer.Ordinal);
        private readonly System.Text.StringBuilder _key = new System.Text.StringBuilder();

        /// <summary>
        /// <see cref="Domain"/> as a shared, read-only list. Which hosts of a cluster can take a VM
        /// depends only on the cluster, the VM's networks and datastores and the rules that cover
        /// it, so VMs alike share one list: with thousands of VMs in a cluster, a few hundred
        /// distinct domains are computed, each once.
        /// </summary>
        public IReadOnlyList<Host> DomainOf(Vm vm)
        {
            var current = _inventory.GetHost(vm.HostId);
            if (current == null) return Array.Empty<Host>();
            var key = _key.Clear();
            if (current.ClusterId == null) key.Append("standalone:").Append(current.Id);
            else
            {
                key.Append(current.ClusterId);
                if (_constraintsByVm.TryGetValue(vm.Id, out var constraints))
                    foreach (var c in constraints) key.Append("|r").Append(c.Index);
                foreach (var nic in vm.Nics) key.Append("|n:").Append(nic.NetworkId);
                foreach (var ds in vm.DatastoreIds) key.Append("|d:").Append(ds);
            }
            var k = key.ToString();
            if (!_domainCache.TryGetValue(k, out var eligible))
                _domainCache[k] = eligible = current.ClusterId == null ? new[] { current }
                    : _inventory.HostsInCluster(current.ClusterId).Where(h => CanMoveHere(vm, h)).ToArray();
            foreach (var h in eligible)
                if (h.Id == current.Id) return eligible;
            // The VM's own host is always in its domain, even when the host could not take it now
            // (maintenance mode, disconnected, against a rule): a list of its own.
            var withCurrent = current.Id + "|" + k;
            if (!_domainCache.TryGetValue(withCurrent, out var own))
                _domainCache[withCurrent] = own = eligible.Concat(new[] { current }).OrderBy(h => h.Id, StringComparer.Ordinal).ToArray();
            return own;
        }

        /// <summary>Whether a VM like this one, running elsewhere in the cluster, could be moved onto <paramref name="host"/>.</summary>
        private bool CanMoveHere(Vm vm, Host host)
        {
            if (host.ConnectionState != ConnectionState.Connected || host.InMaintenanceMode) return false;
            if (!_reach[host.Id].CanRun(vm, _inventory)) return false;
            if (_constraintsByVm.TryGetValue(vm.Id, out var constraints))
                foreach (var c in constraints)
                    if (!c.Allows(host.Id)) return false;
            return true;
        }

        /// <summary>True when the VM, running on <paramref name="current"/>, could be moved to <paramref name="target"/>.</summary>
        public bool CanMove(Vm vm, Host current, Host target)
        {
            if (target.Id == current.Id || target.ClusterId == null || target.ClusterId != current.ClusterId) return false;
            return CanMoveHere(vm, target);
        }

        private void IndexRules(Cluster cluster)
        {
            var vmGroups = cluster.VmGroups.GroupBy(g => g.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var hostGroups = cluster.HostGroups.GroupBy(g => g.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            foreach (var rule in cluster.Rules.Where(r => r.Enabled && r.Mandatory && r.Kind == ClusterRuleKind.VmHost))
            {
                if (rule.VmGroup == null || !vmGroups.TryGetValue(rule.VmGroup, out var vmGroup))
                {
                    _warnings.Add($"Cluster '{cluster.Name}': rule '{rule.Name}' names VM group '{rule.VmGroup}', which does not exist; the rule was ignored.");
                    continue;
                }
                ClusterGroup? affine = null, anti = null;
                if (rule.AffineHostGroup != null && !hostGroups.TryGetValue(rule.AffineHostGroup, out affine))
                {
                    _warnings.Add($"Cluster '{cluster.Name}': rule '{rule.Name}' names host group '{rule.AffineHostGroup}', which does not exist; the rule was ignored.");
                    continue;
                }
                if (rule.AntiAffineHostGroup != null && !hostGroups.TryGetValue(rule.AntiAffineHostGroup, out anti))
                {
                    _warnings.Add($"Cluster '{cluster.Name}': rule '{rule.Name}' names host group '{rule.AntiAffineHostGroup}', which does not exist; the rule was ignored.");
                    continue;
                }
                var constraint = new RuleConstraint(_constraintCount++, affine?.Members, anti?.Members);
                foreach (var vmId in vmGroup.Members)
                {
                    if (!_constraintsByVm.TryGetValue(vmId, out var list)) _constraintsByVm[vmId] = list = new List<RuleConstraint>();
                    list.Add(constraint);
                }
            }
        }

        private sealed class RuleConstraint
        {
            // Null: the rule names no such host group, so it does not restrict that way.
            private readonly HashSet<string>? _mustRunOn;
            private readonly HashSet<string>? _mustNotRunOn;

            /// <summary>Identifies the rule in domain cache keys.</summary>
            public int Index { get; }

            public RuleConstraint(int index, IEnumerable<string>? affine, IEnumerable<string>? anti)
            {
                Index = index;
                _mustRunOn = affine == null ? null : new HashSet<string>(affine, StringComparer.Ordinal);
                _mustNotRunOn = anti == null ? null : new HashSet<string>(anti, StringComparer.Ordinal);
            }

            public bool Allows(string hostId) =>
                (_mustRunOn == null || _mustRunOn.Contains(hostId)) && (_mustNotRunOn == null || !_mustNotRunOn.Contains(hostId));
        }

        /// <summary>What a host can reach, as sets for quick membership tests.</summary>
        private sealed class HostReach
        {
            private readonly HashSet<string> _networks;
            private readonly HashSet<string> _switches;
            private readonly HashSet<string> _datastores;

            public HostReach(Host host)
            {
                _networks = new HashSet<string>(host.NetworkIds, StringComparer.Ordinal);
                _switches = new HashSet<string>(host.DvsIds, StringComparer.Ordinal);
                _datastores = new HashSet<string>(host.DatastoreIds, StringComparer.Ordinal);
            }

            public bool CanRun(Vm vm, Inv inventory)
            {
                foreach (var ds in vm.DatastoreIds)
                    if (!_datastores.Contains(ds)) return false;
                foreach (var nic in vm.Nics)
                {
                    if (nic.NetworkId == null || _networks.Contains(nic.NetworkId)) continue;
                    var network = inventory.GetNetwork(nic.NetworkId);
                    // A host that is a member of the distributed switch reaches all its portgroups.
                    if (network?.DvsId != null && _switches.Contains(network.DvsId)) continue;
                    return false;
                }
                return true;
            }
        }
    }
}
