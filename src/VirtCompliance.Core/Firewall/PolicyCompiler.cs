using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using VirtCompliance.Common;
using VirtCompliance.Drift;
using VirtCompliance.Evaluation;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;
using VirtCompliance.Scope;

namespace VirtCompliance.Firewall
{
    /// <summary>The traffic filter one VM's ports should carry, and the groups that put it there.</summary>
    public sealed class VmRuleset
    {
        // PolicyCompiler sets the id and the filter of every ruleset it makes.
        public string? Vm { get; set; }
        public string VmId { get; set; } = "";
        public IReadOnlyList<string> Groups { get; set; } = Array.Empty<string>();
        public TrafficFilter Filter { get; set; } = new TrafficFilter();
    }

    public sealed class CompiledPolicy
    {
        /// <summary>The policy compiled (PolicyCompiler sets it).</summary>
        public FirewallPolicy Policy { get; set; } = new FirewallPolicy();
        /// <summary>One per protected VM (a member of a group some rule names), in VM id order.</summary>
        public IReadOnlyList<VmRuleset> Vms { get; set; } = Array.Empty<VmRuleset>();
        /// <summary>Members whose addresses are unknown, rules left out for want of any address, and the policy's own warnings.</summary>
        public IReadOnlyList<string> Warnings { get; set; } = Array.Empty<string>();
    }

    /// <summary>
    /// Turns a policy and an inventory into each protected VM's traffic filter (a vSphere
    /// DvsTrafficRuleset): for a VM in a rule's destination group a rule for packets delivered to
    /// the VM whose source is each address of the source group, for a VM in its source group a rule
    /// for packets it sends to each address of the destination group. vSphere names those
    /// directions from the switch's side of the port: packets to the VM are outgoingPackets, packets
    /// from it incomingPackets (<see cref="PortDirection"/> quotes VMware's documentation); one rule per address and port range, as a distributed
    /// port's IP qualifier holds one of each. Then the defaults, written out as explicit last rules,
    /// and onFailure from the failure mode. The same policy and inventory give the same rules,
    /// byte for byte. A group that resolves to no address never yields an "any" rule: the rule is
    /// left out for that VM and a warning says why.
    /// </summary>
    public static class PolicyCompiler
    {
        public const int DefaultSequenceBase = 60000;

        public static CompiledPolicy Compile(FirewallPolicy policy, Inv inventory, ScopeSources? scopeSources = null)
        {
            var warnings = new List<string>(policy.Warnings);
            var scopes = PciScopeClassifier.Classify(inventory, scopeSources ?? new ScopeSources()).ToDictionary(s => s.VmId, s => s.Scope, StringComparer.Ordinal);
            var members = policy.Groups.Values.ToDictionary(g => g.Name, g => Members(g, inventory, scopes), StringComparer.Ordinal);
            // A group's addresses are worked out (and its members without one reported) only when a
            // rule needs them: a group that is only ever a destination needs none.
            var addressCache = new Dictionary<string, IReadOnlyList<string?>>(StringComparer.Ordinal);
            IReadOnlyList<string?> AddressesOf(string group) =>
                addressCache.TryGetValue(group, out var known) ? known : addressCache[group] = Addresses(policy.Groups[group], members[group], inventory, warnings);
            foreach (var g in policy.Groups.Values.Where(g => !g.IsAny))
            {
                var unresolved = g.Vms.Where(v => !inventory.Vms.Any(vm => string.Equals(vm.Name, v, StringComparison.OrdinalIgnoreCase) || vm.Id == v)).ToArray();
                if (unresolved.Length > 0) warnings.Add($"Group '{g.Name}': {string.Join(", ", unresolved)} {(unresolved.Length == 1 ? "is" : "are")} not in the inventory.");
            }

            var named = new HashSet<string>(policy.Rules.SelectMany(r => new[] { r.From, r.To }).Where(g => g != FirewallPolicy.AnyGroup), StringComparer.Ordinal);
            var guarded = new HashSet<string>(ProtectingGroups(policy, members), StringComparer.Ordinal);
            var protectedVms = inventory.Vms.Where(v => !v.Template && guarded.Any(g => members[g].Contains(v.Id))).ToArray();
            var result = new List<VmRuleset>(protectedVms.Length);
            // A VM's rules depend only on which groups it is in, so VMs alike share one (immutable)
            // filter: thousands of web servers cost one compilation and one copy of the rules.
            var filters = new Dictionary<string, TrafficFilter>(StringComparer.Ordinal);
            var namedGroups = named.OrderBy(g => g, StringComparer.Ordinal).ToArray();
            foreach (var vm in protectedVms)
            {
                var groupsOfVm = namedGroups.Where(g => members[g].Contains(vm.Id)).ToArray();
                var signature = string.Join("\u0001", groupsOfVm);
                if (filters.TryGetValue(signature, out var shared))
                {
                    result.Add(new VmRuleset { Vm = vm.Name, VmId = vm.Id, Groups = groupsOfVm, Filter = shared });
                    continue;
                }
                var rules = new List<TrafficRule>();
                var sequence = 0;
                foreach (var rule in policy.Rules)
                {
                    var inbound = rule.To == FirewallPolicy.AnyGroup || members[rule.To].Contains(vm.Id);
                    var outbound = rule.From == FirewallPolicy.AnyGroup || members[rule.From].Contains(vm.Id);
                    if (inbound) Emit(policy.Name, rule, PacketDirection.ToVm, AddressesOf(rule.From), rule.From, rules, ref sequence, warnings);
                    if (outbound) Emit(policy.Name, rule, PacketDirection.FromVm, AddressesOf(rule.To), rule.To, rules, ref sequence, warnings);
                }
                rules.Add(new TrafficRule { Sequence = DefaultSequenceBase, Description = OwnerPrefix(policy.Name) + "default-inbound", Direction = PortDirection.ToVm, Action = Name(policy.DefaultInbound), Log = policy.DefaultInbound == PolicyAction.Drop });
                rules.Add(new TrafficRule { Sequence = DefaultSequenceBase + 10, Description = OwnerPrefix(policy.Name) + "default-outbound", Direction = PortDirection.FromVm, Action = Name(policy.DefaultOutbound), Log = policy.DefaultOutbound == PolicyAction.Drop });
                var filter = new TrafficFilter { Enabled = true, OnFailure = policy.FailureMode == FailureMode.Closed ? "failClosed" : "failOpen", Rules = rules };
                filters[signature] = filter;
                result.Add(new VmRuleset { Vm = vm.Name, VmId = vm.Id, Groups = groupsOfVm, Filter = filter });
            }
            return new CompiledPolicy { Policy = policy, Vms = result, Warnings = warnings.Distinct().ToArray() };
        }

        /// <summary>
        /// The groups whose VMs get the policy's filter. A rule is enforced where its destination
        /// is: at the ports of the VMs in its "to" group. Only when the destination has no VMs of
        /// the inventory ("any", or addresses only) is it enforced at the source, the "from" group's
        /// ports. So a web server named only as a source keeps its inbound traffic as it is: it is
        /// not handed the policy's default inbound action.
        /// </summary>
        public static IEnumerable<string> ProtectingGroups(FirewallPolicy policy, IReadOnlyDictionary<string, HashSet<string>> members)
        {
            foreach (var rule in policy.Rules)
            {
                if (rule.To != FirewallPolicy.AnyGroup && members[rule.To].Count > 0) yield return rule.To;
                else if (rule.From != FirewallPolicy.AnyGroup) yield return rule.From;
            }
        }

        /// <summary>
        /// Every rule a policy writes is described "policy/rule": the filters it owns are the ones
        /// whose rules all carry its prefix, so it never removes or rewrites a filter someone else wrote.
        /// </summary>
        public static string OwnerPrefix(string policyName) => policyName + "/";

        private static void Emit(string policyName, PolicyRule rule, PacketDirection direction, IReadOnlyList<string?> peers, string peerGroup, List<TrafficRule> rules, ref int sequence, List<string> warnings)
        {
            if (peers.Count == 0)
            {
                warnings.Add($"Rule '{rule.Name}' left out ({(direction == PacketDirection.ToVm ? "inbound" : "outbound")}): group '{peerGroup}' has no known address, and an empty address list would match every address.");
                return;
            }
            var protocol = ProtocolNumber(rule.Protocol);
            var ports = rule.Ports.Count == 0 ? new string?[] { null } : rule.Ports.Select(p => p.ToString()).ToArray();
            // Addresses are the packet's own: towards the VM the peer is the source, from the VM the destination.
            var incoming = direction == PacketDirection.ToVm;
            foreach (var peer in peers)
            {
                foreach (var port in ports)
                {
                    sequence += 10;
                    rules.Add(new TrafficRule
                    {
                        Sequence = sequence,
                        Description = OwnerPrefix(policyName) + rule.Name,
                        Direction = PortDirection.Of(direction),
                        Action = Name(rule.Action),
                        Protocol = protocol,
                        // "any" compiles to no address at all, which the switch reads as every address.
                        SourceAddresses = incoming && peer != null ? new[] { peer } : Array.Empty<string>(),
                        DestinationAddresses = !incoming && peer != null ? new[] { peer } : Array.Empty<string>(),
                        DestinationPorts = port,
                        Log = rule.Log,
                    });
                }
            }
        }

        private static TrafficAction Name(PolicyAction action) => action == PolicyAction.Allow ? TrafficAction.Allow : TrafficAction.Drop;

        public static int? ProtocolNumber(PolicyProtocol protocol)
        {
            switch (protocol)
            {
                case PolicyProtocol.Tcp: return 6;
                case PolicyProtocol.Udp: return 17;
                case PolicyProtocol.Icmp: return 1;
                default: return null;
            }
        }

        /// <summary>The VM ids a group selects: every selector must match, then explicit VMs are added.</summary>
        public static HashSet<string> Members(PolicyGroup group, Inv inventory, IReadOnlyDictionary<string, PciScope> scopes)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            if (group.IsAny) return set;
            var names = NameFilter.Create(group.Names);
            var folders = NameFilter.Create(group.Folders);
            var portgroups = new HashSet<string>(group.Portgroups, StringComparer.OrdinalIgnoreCase);
            if (group.HasSelectors)
            {
                foreach (var vm in inventory.Vms)
                {
                    if (vm.Template) continue;
                    if (group.Scopes.Count > 0 && !group.Scopes.Contains(scopes.TryGetValue(vm.Id, out var s) ? s : PciScope.Unknown)) continue;
                    if (group.Tags.Count > 0 && !vm.Tags.Any(t => group.Tags.Contains($"{t.Category}/{t.Name}", StringComparer.OrdinalIgnoreCase))) continue;
                    if (group.Attributes.Count > 0 && !vm.CustomAttributes.Any(a => group.Attributes.Contains($"{a.Key}={a.Value}", StringComparer.OrdinalIgnoreCase))) continue;
                    if (names != null && !names(vm.Name)) continue;
                    if (folders != null && !(vm.Folder != null && folders(vm.Folder))) continue;
                    if (portgroups.Count > 0 && !vm.Nics.Any(n => n.NetworkId != null && (portgroups.Contains(n.NetworkId) || portgroups.Contains(inventory.GetNetwork(n.NetworkId)?.Name ?? "")))) continue;
                    set.Add(vm.Id);
                }
            }
            foreach (var v in group.Vms)
            {
                var vm = inventory.Vms.FirstOrDefault(x => string.Equals(x.Name, v, StringComparison.OrdinalIgnoreCase) || x.Id == v);
                if (vm != null && !vm.Template) set.Add(vm.Id);
            }
            return set;
        }

        /// <summary>
        /// A group's addresses, sorted: its members' guest IPs and its CIDRs; null alone for "any".
        /// Members without a known IP are reported: traffic from them cannot be told apart.
        /// </summary>
        private static IReadOnlyList<string?> Addresses(PolicyGroup group, HashSet<string> members, Inv inventory, List<string> warnings)
        {
            if (group.IsAny) return new string?[] { null };
            var list = new List<IPAddress>();
            foreach (var id in members.OrderBy(m => m, StringComparer.Ordinal))
            {
                // Members are the ids of the inventory's own VMs.
                var vm = inventory.GetVm(id)!;
                var known = vm.Nics.SelectMany(n => n.IpAddresses).Select(ip => IPAddress.TryParse(ip, out var a) ? a : null).OfType<IPAddress>().ToArray();
                if (known.Length == 0)
                    warnings.Add($"Group '{group.Name}': VM {vm.Name} has no known IP address, so rules cannot name it (start VMware Tools, or add its address to the group's cidrs).");
                list.AddRange(known);
            }
            var texts = Collapse(list).ToList();
            texts.AddRange(group.Cidrs.Select(c => c.Text).OrderBy(t => t, StringComparer.Ordinal));
            return texts;
        }

        /// <summary>
        /// The fewest address blocks that hold exactly these addresses, in address order: IPv4
        /// neighbours merge into aligned CIDR blocks (10.0.0.4 to 10.0.0.7 become 10.0.0.4/30),
        /// so a group of 400 VMs on one subnet is a few rules, not 400; nothing outside the set
        /// is ever covered. IPv6 addresses stay single.
        /// </summary>
        public static IEnumerable<string> Collapse(IEnumerable<IPAddress> addresses)
        {
            var v4 = addresses.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                .Select(a => { var b = a.GetAddressBytes(); return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]); })
                .Distinct().OrderBy(x => x).ToList();
            int i = 0;
            while (i < v4.Count)
            {
                // A run of consecutive addresses [start, end] ...
                long start = v4[i], end = start;
                while (i + 1 < v4.Count && v4[i + 1] == end + 1) end = v4[++i];
                i++;
                // ... split into the largest aligned blocks that fit inside it.
                while (start <= end)
                {
                    var size = 1L;
                    var prefix = 32;
                    while (prefix > 0 && start % (size * 2) == 0 && start + size * 2 - 1 <= end) { size *= 2; prefix--; }
                    var text = new IPAddress(new[] { (byte)(start >> 24), (byte)(start >> 16), (byte)(start >> 8), (byte)start }).ToString();
                    yield return prefix == 32 ? text : $"{text}/{prefix}";
                    start += size;
                }
            }
            foreach (var a in addresses.Where(a => a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork).Distinct()
                .OrderBy(a => a.GetAddressBytes(), ByteComparer.Instance))
                yield return a.ToString();
        }

        private sealed class ByteComparer : IComparer<byte[]>
        {
            public static readonly ByteComparer Instance = new ByteComparer();
            public int Compare(byte[] x, byte[] y)
            {
                for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
                    if (x[i] != y[i]) return x[i].CompareTo(y[i]);
                return x.Length.CompareTo(y.Length);
            }
        }
    }
}
