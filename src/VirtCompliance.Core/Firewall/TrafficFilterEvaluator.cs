using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using VirtCompliance.Common;
using VirtCompliance.Model;

namespace VirtCompliance.Firewall
{
    public enum FilterVerdict
    {
        /// <summary>No enabled filter, or no rule covers the traffic: the switch lets it pass.</summary>
        Allowed,
        /// <summary>A rule covering all traffic between the two addresses drops it.</summary>
        Dropped,
        /// <summary>A rule names addresses, but an address of the traffic is unknown, so the outcome cannot be told.</summary>
        Undecided,
    }

    /// <summary>What a filter does with all traffic between two addresses in one direction, and the rule that decided.</summary>
    public sealed class FilterDecision
    {
        public FilterDecision(FilterVerdict verdict, TrafficRule? rule, IReadOnlyList<TrafficRule> permittedServices)
        {
            Verdict = verdict;
            Rule = rule;
            PermittedServices = permittedServices;
        }

        public FilterVerdict Verdict { get; }
        /// <summary>The deciding rule; null when none matched.</summary>
        public TrafficRule? Rule { get; }
        /// <summary>Allow rules for particular protocols or ports that come before the deciding rule: deliberate exceptions.</summary>
        public IReadOnlyList<TrafficRule> PermittedServices { get; }
    }

    /// <summary>
    /// Evaluates a distributed switch traffic filter (DvsTrafficRuleset) for "everything between
    /// address A and address B": rules are taken in sequence order and the first rule that covers
    /// every protocol and port between the two decides. Rules restricted to a protocol or port
    /// cannot decide "everything"; allow rules of that kind are deliberate exceptions (a firewall
    /// permitting one service) and are reported as such. A filter with no covering rule lets
    /// traffic pass, as the switch does. Only IP qualifiers are modelled.
    /// Directions are the switch port's (<see cref="PortDirection"/>): on a VM's port incomingPackets
    /// are the packets the VM sends, outgoingPackets the packets delivered to it.
    /// </summary>
    public static class TrafficFilterEvaluator
    {
        /// <summary>No filter (null) or a disabled one lets everything pass. A null address is one the guest did not report.</summary>
        public static FilterDecision Decide(TrafficFilter? filter, PacketDirection direction, IPAddress? source, IPAddress? destination)
        {
            if (filter == null || !filter.Enabled) return new FilterDecision(FilterVerdict.Allowed, null, Array.Empty<TrafficRule>());
            var permitted = new List<TrafficRule>();
            foreach (var rule in filter.Rules.OrderBy(r => r.Sequence))
            {
                if (!PortDirection.Covers(rule.Direction, direction)) continue;
                var src = Matches(rule.SourceAddresses, source);
                var dst = Matches(rule.DestinationAddresses, destination);
                if (src == false || dst == false) continue;
                var coversAll = rule.Protocol == null && string.IsNullOrEmpty(rule.SourcePorts) && string.IsNullOrEmpty(rule.DestinationPorts);
                if (!coversAll)
                {
                    if (IsAllow(rule) && src == true && dst == true) permitted.Add(rule);
                    continue;
                }
                if (src == null || dst == null) return new FilterDecision(FilterVerdict.Undecided, rule, permitted);
                // Only a drop rule stops the packet; marking, logging and the rest let it pass.
                return new FilterDecision(rule.Action == TrafficAction.Drop ? FilterVerdict.Dropped : FilterVerdict.Allowed, rule, permitted);
            }
            return new FilterDecision(FilterVerdict.Allowed, null, permitted);
        }

        /// <summary>
        /// The first rule that matches one packet (direction, addresses, IANA protocol number,
        /// destination port or null for protocols without ports), or null when none does and the
        /// switch lets it pass. Unknown addresses match only rules that name none.
        /// </summary>
        public static TrafficRule? Match(TrafficFilter? filter, PacketDirection direction, IPAddress? source, IPAddress? destination, int protocol, int? port)
        {
            if (filter == null || !filter.Enabled) return null;
            foreach (var rule in filter.Rules.OrderBy(r => r.Sequence))
            {
                if (!PortDirection.Covers(rule.Direction, direction)) continue;
                if (rule.Protocol != null && rule.Protocol != protocol) continue;
                if (Matches(rule.SourceAddresses, source) != true || Matches(rule.DestinationAddresses, destination) != true) continue;
                if (!Strings.IsNullOrEmpty(rule.DestinationPorts) && (port == null || !InPorts(rule.DestinationPorts, port.Value))) continue;
                return rule;
            }
            return null;
        }

        private static bool InPorts(string ports, int port)
        {
            var parts = ports.Split('-');
            var ok = int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var start);
            var end = start;
            if (parts.Length == 2) ok &= int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out end);
            return ok && port >= start && port <= end;
        }

        private static bool IsAllow(TrafficRule rule) => rule.Action == TrafficAction.Allow;

        /// <summary>True/false when the address is known; null when the rule names addresses and this one is unknown.</summary>
        private static bool? Matches(IReadOnlyList<string> addresses, IPAddress? address)
        {
            if (addresses.Count == 0) return true;
            if (address == null) return null;
            foreach (var text in addresses)
            {
                // An entry that is not an address or block cannot match anything (vSphere would refuse it).
                if (IpNetwork.TryParse(text, out var block) && block.Contains(address)) return true;
            }
            return false;
        }
    }
}
