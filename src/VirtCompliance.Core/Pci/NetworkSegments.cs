using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Pci
{
    /// <summary>One VM network adapter on a segment.</summary>
    public sealed class SegmentAttachment
    {
        public SegmentAttachment(Vm vm, VmNic nic, Network network)
        {
            Vm = vm;
            Nic = nic;
            Network = network;
        }

        public Vm Vm { get; }
        public VmNic Nic { get; }
        public Network Network { get; }
    }

    /// <summary>
    /// A layer-2 segment: the portgroups whose traffic meets without passing a router or firewall.
    /// Portgroups of one distributed switch with the same VLAN share the switch's uplinks and so
    /// one broadcast domain; standard portgroups with the same VLAN on the same vSwitch of a host
    /// do too, and a standard portgroup name is one network across hosts. Trunk portgroups (VLAN
    /// trunk ranges, or VLAN 4095 guest tagging) are segments of their own that also carry the
    /// VLANs of other segments.
    /// </summary>
    public sealed class NetworkSegment
    {
        internal NetworkSegment(string id) { Id = id; }

        /// <summary>The id of its first network (by id), stable across runs.</summary>
        public string Id { get; }
        // NetworkSegments sets every member when it creates the segment (the attachments once all are known).
        /// <summary>Its portgroup names joined with " + ".</summary>
        public string Name { get; internal set; } = "";
        /// <summary>Distributed switch name, or the standard vSwitch names.</summary>
        public string Switch { get; internal set; } = "";
        /// <summary>"110", "untagged", "pvlan 5", "trunk 0-4094", "4095 (all VLANs, guest tagging)".</summary>
        public string Vlan { get; internal set; } = "";
        public bool IsTrunk { get; internal set; }
        public IReadOnlyList<Network> Networks { get; internal set; } = Array.Empty<Network>();
        public IReadOnlyList<SegmentAttachment> Attachments { get; internal set; } = Array.Empty<SegmentAttachment>();
        /// <summary>Trunks only: the segments whose VLANs this trunk carries.</summary>
        public IReadOnlyList<NetworkSegment> CarriedSegments { get; internal set; } = Array.Empty<NetworkSegment>();
        /// <summary>Security policy fields accepted on any of its portgroups, e.g. "dvpg-x: forgedTransmits" or "VM Network on esx-01: macChanges".</summary>
        public IReadOnlyList<string> InsecurePolicies { get; internal set; } = Array.Empty<string>();
        /// <summary>True when at least one of its portgroups has an enabled traffic filter.</summary>
        public bool HasFilter => Networks.Any(n => n.TrafficFilter != null && n.TrafficFilter.Enabled);
        /// <summary>True when promiscuous mode is accepted on any of its portgroups.</summary>
        public bool Promiscuous { get; internal set; }

        public override string ToString() => Name;
    }

    /// <summary>Works out the layer-2 segments of an inventory and which VM adapters sit on each.</summary>
    public sealed class NetworkSegments
    {
        private readonly Dictionary<string, NetworkSegment> _byNetwork = new Dictionary<string, NetworkSegment>(StringComparer.Ordinal);
        private readonly Dictionary<string, List<NetworkSegment>> _byVm = new Dictionary<string, List<NetworkSegment>>(StringComparer.Ordinal);

        public NetworkSegments(Inv inventory)
        {
            var sets = new DisjointSets();
            var trunks = new HashSet<string>(StringComparer.Ordinal);
            // Keys a trunk's carried VLANs are looked up by: "dvs-30/vlan:110" → segments; "host-21/vSwitch0" → segments.
            var byDvsVlan = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            var byHostSwitch = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            var standardTrunkSwitches = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var insecure = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var promiscuous = new HashSet<string>(StringComparer.Ordinal);
            var standardByName = inventory.Networks.Where(n => n.Kind == NetworkKind.StandardPortgroup)
                .GroupBy(n => n.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);

            void Insecure(string networkId, string? where, SecurityPolicy policy)
            {
                var accepted = policy.Accepted();
                if (accepted.Count == 0) return;
                if (!insecure.TryGetValue(networkId, out var list)) insecure[networkId] = list = new List<string>();
                list.Add($"{where}: {string.Join(", ", accepted)}");
                if (policy.AllowPromiscuous == true) promiscuous.Add(networkId);
            }

            foreach (var network in inventory.Networks)
            {
                if (network.IsUplink) continue;
                sets.Add(network.Id);
                if (network.Kind != NetworkKind.DistributedPortgroup || network.DvsId == null) continue;
                Insecure(network.Id, network.Name, SecurityPolicy.Effective(network));
                if (network.VlanTrunkRanges.Count > 0) { trunks.Add(network.Id); continue; }
                var key = network.PvlanId != null
                    ? $"{network.DvsId}/pvlan:{network.PvlanId.Value.ToString(CultureInfo.InvariantCulture)}"
                    : $"{network.DvsId}/vlan:{(network.VlanId ?? 0).ToString(CultureInfo.InvariantCulture)}";
                sets.Union(network.Id, "key:" + key);
                if (network.PvlanId == null) Add(byDvsVlan, key, network.Id);
            }

            foreach (var host in inventory.Hosts)
            {
                foreach (var pg in host.Portgroups)
                {
                    if (!standardByName.TryGetValue(pg.Name, out var networkId)) continue;
                    Insecure(networkId, $"{pg.Name} on {host.Name}", SecurityPolicy.Effective(host, pg));
                    var switchKey = $"{host.Id}/{pg.VSwitch}";
                    if (pg.VlanId == 4095)
                    {
                        trunks.Add(networkId);
                        if (!standardTrunkSwitches.TryGetValue(networkId, out var list)) standardTrunkSwitches[networkId] = list = new List<string>();
                        list.Add(switchKey);
                        continue;
                    }
                    sets.Union(networkId, $"key:{switchKey}/vlan:{pg.VlanId.ToString(CultureInfo.InvariantCulture)}");
                    Add(byHostSwitch, switchKey, networkId);
                }
            }

            // A trunk stays a segment of its own: merging it with every VLAN it carries would fold
            // the whole switch into one segment and hide which VLAN is the problem.
            var groups = inventory.Networks.Where(n => !n.IsUplink)
                .GroupBy(n => trunks.Contains(n.Id) ? "trunk:" + n.Id : sets.Find(n.Id), StringComparer.Ordinal);
            var segments = new List<NetworkSegment>();
            foreach (var group in groups)
            {
                var networks = group.OrderBy(n => n.Id, StringComparer.Ordinal).ToArray();
                var first = networks[0];
                var segment = new NetworkSegment(first.Id)
                {
                    Networks = networks,
                    Name = string.Join(" + ", networks.Select(n => n.Name)),
                    IsTrunk = trunks.Contains(first.Id),
                    Switch = SwitchName(networks, inventory),
                    Vlan = VlanText(networks, inventory),
                    InsecurePolicies = networks.SelectMany(n => insecure.TryGetValue(n.Id, out var l) ? l : Enumerable.Empty<string>())
                        .Distinct(StringComparer.Ordinal).OrderBy(t => t, StringComparer.Ordinal).ToArray(),
                    Promiscuous = networks.Any(n => promiscuous.Contains(n.Id)),
                };
                foreach (var n in networks) _byNetwork[n.Id] = segment;
                segments.Add(segment);
            }

            foreach (var segment in segments.Where(s => s.IsTrunk))
            {
                var carried = new HashSet<string>(StringComparer.Ordinal);
                foreach (var n in segment.Networks)
                {
                    foreach (var range in n.VlanTrunkRanges)
                    {
                        for (int vlan = range.Start; vlan <= range.End; vlan++)
                        {
                            if (byDvsVlan.TryGetValue($"{n.DvsId}/vlan:{vlan.ToString(CultureInfo.InvariantCulture)}", out var ids)) carried.UnionWith(ids);
                        }
                    }
                    if (standardTrunkSwitches.TryGetValue(n.Id, out var switches))
                        foreach (var sw in switches)
                            if (byHostSwitch.TryGetValue(sw, out var ids)) carried.UnionWith(ids);
                }
                segment.CarriedSegments = carried.Select(id => _byNetwork[id]).Where(s => s != segment).Distinct()
                    .OrderBy(s => s.Id, StringComparer.Ordinal).ToArray();
            }

            var attachments = segments.ToDictionary(s => s, _ => new List<SegmentAttachment>());
            foreach (var vm in inventory.Vms)
            {
                if (vm.Template) continue;
                foreach (var nic in vm.Nics)
                {
                    if (nic.NetworkId == null || !_byNetwork.TryGetValue(nic.NetworkId, out var segment)) continue;
                    // _byNetwork holds the inventory's own networks, so the inventory has this one.
                    attachments[segment].Add(new SegmentAttachment(vm, nic, inventory.GetNetwork(nic.NetworkId)!));
                    if (!_byVm.TryGetValue(vm.Id, out var list)) _byVm[vm.Id] = list = new List<NetworkSegment>(1);
                    if (!list.Contains(segment)) list.Add(segment);
                }
            }
            foreach (var s in segments) s.Attachments = attachments[s];
            All = segments.OrderBy(s => s.Id, StringComparer.Ordinal).ToArray();
        }

        /// <summary>Every segment, in id order.</summary>
        public IReadOnlyList<NetworkSegment> All { get; }

        /// <summary>The segment of a network; null for an unknown network, an uplink or a null id.</summary>
        public NetworkSegment? OfNetwork(string? networkId) => networkId != null && _byNetwork.TryGetValue(networkId, out var s) ? s : null;

        /// <summary>The segments a VM has adapters on (templates have none).</summary>
        public IReadOnlyList<NetworkSegment> OfVm(string vmId) => _byVm.TryGetValue(vmId, out var list) ? list : (IReadOnlyList<NetworkSegment>)Array.Empty<NetworkSegment>();

        private static void Add(Dictionary<string, HashSet<string>> index, string key, string id)
        {
            if (!index.TryGetValue(key, out var set)) index[key] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(id);
        }

        private static string SwitchName(IReadOnlyList<Network> networks, Inv inventory)
        {
            var dvs = networks.Select(n => n.DvsId).Where(id => id != null).Distinct(StringComparer.Ordinal)
                .Select(id => inventory.GetDistributedSwitch(id)?.Name ?? id).ToArray();
            if (dvs.Length > 0) return string.Join(", ", dvs);
            var names = new HashSet<string?>(networks.Select(n => n.Name), StringComparer.Ordinal);
            var vSwitches = inventory.Hosts.SelectMany(h => h.Portgroups).Where(p => names.Contains(p.Name))
                .Select(p => p.VSwitch).Where(v => v != null).Distinct(StringComparer.Ordinal).OrderBy(v => v, StringComparer.Ordinal).ToArray();
            return vSwitches.Length == 0 ? "" : string.Join(", ", vSwitches) + " (standard)";
        }

        private static string VlanText(IReadOnlyList<Network> networks, Inv inventory)
        {
            var texts = new SortedSet<string>(StringComparer.Ordinal);
            var names = new HashSet<string?>(StringComparer.Ordinal);
            foreach (var n in networks)
            {
                if (n.Kind == NetworkKind.DistributedPortgroup) texts.Add(Facts.DistributedVlanText(n));
                else if (n.Kind == NetworkKind.StandardPortgroup) names.Add(n.Name);
            }
            if (names.Count > 0)
                foreach (var p in inventory.Hosts.SelectMany(h => h.Portgroups).Where(p => names.Contains(p.Name)))
                    texts.Add(Facts.VlanText(p.VlanId));
            return string.Join(", ", texts.Select(t => t == "0" ? "untagged" : t));
        }

        /// <summary>Union-find over string keys.</summary>
        private sealed class DisjointSets
        {
            private readonly Dictionary<string, string> _parent = new Dictionary<string, string>(StringComparer.Ordinal);

            public void Add(string key)
            {
                if (!_parent.ContainsKey(key)) _parent[key] = key;
            }

            public string Find(string key)
            {
                Add(key);
                var root = key;
                while (_parent[root] != root) root = _parent[root];
                while (_parent[key] != root)
                {
                    var next = _parent[key];
                    _parent[key] = root;
                    key = next;
                }
                return root;
            }

            public void Union(string a, string b)
            {
                var ra = Find(a);
                var rb = Find(b);
                if (ra == rb) return;
                // Keep a network id as the root when there is one, so groups are named after networks.
                if (ra.StartsWith("key:", StringComparison.Ordinal)) _parent[ra] = rb;
                else _parent[rb] = ra;
            }
        }
    }
}
