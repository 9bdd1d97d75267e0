using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Inventory;
using Inv = VirtCompliance.Inventory.Inventory;

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

        private readonly Dictionary<string, IReadOnlyList<Host>> _domainCache = new Dictionary<string, IReadOnlyList<Host>>(StringComparer.Ordinal);

        /// <summary>
        /// <see cref="Domain"/> as a list, shared by every VM with the same current host, networks and
        /// datastores and no rule of its own: with thousands of VMs on a few hundred hosts most
        /// domains are computed once.
        /// </summary>
        public IReadOnlyList<Host> DomainOf(Vm vm)
        {
            var key = new System.Text.StringBuilder(vm.HostId ?? "");
            if (_constraintsByVm.ContainsKey(vm.Id)) key.Append("|vm:").Append(vm.Id);
            foreach (var nic in vm.Nics) key.Append("|n:").Append(nic.NetworkId);
            foreach (var ds in vm.DatastoreIds) key.Append("|d:").Append(ds);
            var k = key.ToString();
            if (!_domainCache.TryGetValue(k, out var domain)) _domainCache[k] = domain = Domain(vm).ToArray();
            return domain;
        }

        /// <summary>True when the VM, running on <paramref name="current"/>, could be moved to <paramref name="target"/>.</summary>
        public bool CanMove(Vm vm, Host current, Host target)
        {
            if (target.Id == current.Id || target.ClusterId == null || target.ClusterId != current.ClusterId) return false;
            if (target.ConnectionState != ConnectionState.Connected || target.InMaintenanceMode) return false;
            if (!_reach[target.Id].CanRun(vm, _inventory)) return false;
            if (_constraintsByVm.TryGetValue(vm.Id, out var constraints))
            {
                foreach (var c in constraints)
                    if (!c.Allows(target.Id)) return false;
            }
            return true;
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
                ClusterGroup affine = null, anti = null;
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
                var constraint = new RuleConstraint(affine?.Members, anti?.Members);
                foreach (var vmId in vmGroup.Members)
                {
                    if (!_constraintsByVm.TryGetValue(vmId, out var list)) _constraintsByVm[vmId] = list = new List<RuleConstraint>();
                    list.Add(constraint);
                }
            }
        }

        private sealed class RuleConstraint
        {
            private readonly HashSet<string> _mustRunOn;
            private readonly HashSet<string> _mustNotRunOn;

            public RuleConstraint(IEnumerable<string> affine, IEnumerable<string> anti)
            {
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
