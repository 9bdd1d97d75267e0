using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;
using static VirtCompliance.Vim.Collector.InventoryMapping;

namespace VirtCompliance.Vim.Collector.Mappers
{
    /// <summary>Network, DistributedVirtualPortgroup and OpaqueNetwork to the model's Network, with distributed portgroups' VLAN, security policy and traffic filter.</summary>
    internal static class NetworkMapper
    {
        public static readonly PropertySpec[] Specs =
        {
            new PropertySpec("Network", "name"),
            new PropertySpec("DistributedVirtualPortgroup", "name", "config.distributedVirtualSwitch", "config.defaultPortConfig", "config.uplink", "tag", "config.policy"),
        };

        public static Network Map(ObjectContent o, InventoryMapping m)
        {
            var kind = o.Obj.RefType == "DistributedVirtualPortgroup" ? NetworkKind.DistributedPortgroup
                : o.Obj.RefType == "OpaqueNetwork" ? NetworkKind.OpaqueNetwork : NetworkKind.StandardPortgroup;
            var network = new Network { Id = o.Obj.Value, Name = Text(o["name"]), Kind = kind, DatacenterId = m.DatacenterOf(o.Obj.Value) };
            if (kind != NetworkKind.DistributedPortgroup) return network;
            var setting = o["config.defaultPortConfig"] as VimObject;
            var vlan = setting?.Object("vlan");
            int? vlanId = null, pvlanId = null;
            var ranges = Array.Empty<VlanRange>();
            switch (vlan?.Type)
            {
                case "VmwareDistributedVirtualSwitchTrunkVlanSpec":
                    ranges = vlan.Objects("vlanId").Select(r => new VlanRange { Start = r.Int("start") ?? 0, End = r.Int("end") ?? 0 }).ToArray();
                    break;
                case "VmwareDistributedVirtualSwitchPvlanSpec":
                    pvlanId = vlan.Int("pvlanId");
                    break;
                default:
                    vlanId = vlan?.Int("vlanId") ?? 0;
                    break;
            }
            var uplink = (o["config.uplink"] as VimText)?.Text == "true"
                || Items(o["tag"]).OfType<VimObject>().Any(t => t.Text("key") == "SYSTEM/DVS.UPLINKPG");
            return network with
            {
                DvsId = (o["config.distributedVirtualSwitch"] as VimRef)?.Value,
                VlanId = vlanId,
                PvlanId = pvlanId,
                VlanTrunkRanges = ranges,
                Security = SecurityOf(setting?.Object("securityPolicy"), wrapped: true),
                TrafficFilter = FilterOf(setting?.Object("filterPolicy")),
                IsUplink = uplink,
                Policy = PolicyOf(o["config.policy"] as VimObject, setting, o.Missing.ContainsKey("config.policy")),
            };
        }

        /// <summary>The override flags of a portgroup policy (DVPortgroupPolicy and VMwareDVSPortgroupPolicy), by their vim25 names.</summary>
        private static readonly string[] OverrideFlags =
        {
            "blockOverrideAllowed", "shapingOverrideAllowed", "vendorConfigOverrideAllowed", "livePortMovingAllowed", "networkResourcePoolOverrideAllowed",
            "trafficFilterOverrideAllowed", "vlanOverrideAllowed", "uplinkTeamingOverrideAllowed", "securityPolicyOverrideAllowed", "ipfixOverrideAllowed",
            "macManagementOverrideAllowed",
        };

        private static PortgroupPolicy? PolicyOf(VimObject? policy, VimObject? setting, bool missing)
        {
            if (policy == null || missing) return null;
            return new PortgroupPolicy
            {
                PortConfigResetAtDisconnect = policy.Bool("portConfigResetAtDisconnect"),
                OverridesAllowed = OverrideFlags.Where(f => policy.Bool(f) == true).ToArray(),
                IpfixEnabled = setting?.Object("ipfixEnabled")?.Bool("value"),
                // A portgroup without a MAC management policy (before vSphere 6.7) has no MAC learning.
                MacLearningEnabled = setting == null ? (bool?)null : setting.Object("macManagementPolicy")?.Object("macLearningPolicy")?.Bool("enabled") ?? false,
            };
        }

        /// <summary>A security policy; distributed ones wrap each value in a BoolPolicy (inherited, value).</summary>
        internal static SecurityPolicy SecurityOf(VimObject? policy, bool wrapped)
        {
            if (policy == null) return new SecurityPolicy();
            bool? Read(string name) => wrapped ? policy.Object(name)?.Bool("value") : policy.Bool(name);
            return new SecurityPolicy { AllowPromiscuous = Read("allowPromiscuous"), MacChanges = Read("macChanges"), ForgedTransmits = Read("forgedTransmits") };
        }

        /// <summary>The traffic filter of a DvsFilterPolicy (its DvsTrafficFilterConfig), or null when there is none.</summary>
        public static TrafficFilter? FilterOf(VimObject? policy) =>
            TrafficFilterOf(policy?.Objects("filterConfig").FirstOrDefault(IsTrafficFilter));

        /// <summary>
        /// A distributed port's own traffic filter: the first of its filters that is not inherited
        /// from its portgroup (vCenter lists the portgroup's beside the port's own), or null when it
        /// has none of its own.
        /// </summary>
        public static TrafficFilter? OwnFilterOf(VimObject? policy) =>
            TrafficFilterOf(policy?.Objects("filterConfig").FirstOrDefault(c => IsTrafficFilter(c) && c.Bool("inherited") != true));

        /// <summary>A filter element that is a traffic filter (a DvsFilterConfig of another agent is not).</summary>
        public static bool IsTrafficFilter(VimObject config) =>
            config.Type == "DvsTrafficFilterConfig" || config.Type == "DvsTrafficFilterConfigSpec" || config.Object("trafficRuleset") != null;

        /// <summary>One traffic filter element as the model's filter, or null when it is none.</summary>
        public static TrafficFilter? TrafficFilterOf(VimObject? config)
        {
            var ruleset = config?.Object("trafficRuleset");
            if (config == null || ruleset == null) return null;
            return new TrafficFilter
            {
                Enabled = ruleset.Bool("enabled") ?? true,
                OnFailure = config.Text("onFailure") ?? "failOpen",
                Rules = ruleset.Objects("rules").Select(MapRule).ToArray(),
            };
        }

        private static TrafficRule MapRule(VimObject rule)
        {
            var ip = rule.Objects("qualifier").FirstOrDefault(q => q.Type == "DvsIpNetworkRuleQualifier");
            var action = rule.Object("action")?.Type ?? (rule["action"]?.Type);
            return new TrafficRule
            {
                Sequence = rule.Int("sequence") ?? 0,
                Description = rule.Text("description"),
                Direction = rule.Text("direction") switch
                {
                    "incomingPackets" => TrafficDirection.IncomingPackets,
                    "outgoingPackets" => TrafficDirection.OutgoingPackets,
                    _ => TrafficDirection.Both,
                },
                Action = ActionOf(action),
                Protocol = ip?.Object("protocol")?.Int("value"),
                SourceAddresses = Address(ip?["sourceAddress"]),
                DestinationAddresses = Address(ip?["destinationAddress"]),
                SourcePorts = Port(ip?["sourceIpPort"]),
                DestinationPorts = Port(ip?["destinationIpPort"]),
            };
        }

        /// <summary>A rule's action from its vSphere type name (DvsDropNetworkRuleAction is Drop); none, or one this release does not know, lets packets pass.</summary>
        private static TrafficAction ActionOf(string? type)
        {
            switch (type)
            {
                case "DvsDropNetworkRuleAction": return TrafficAction.Drop;
                case "DvsPuntNetworkRuleAction": return TrafficAction.Punt;
                case "DvsCopyNetworkRuleAction": return TrafficAction.Copy;
                case "DvsMacRewriteNetworkRuleAction": return TrafficAction.MacRewrite;
                case "DvsGreEncapNetworkRuleAction": return TrafficAction.GreEncap;
                case "DvsLogNetworkRuleAction": return TrafficAction.Log;
                case "DvsUpdateTagNetworkRuleAction": return TrafficAction.UpdateTag;
                case "DvsRateLimitNetworkRuleAction": return TrafficAction.RateLimit;
                default: return TrafficAction.Allow;
            }
        }

        private static IReadOnlyList<string> Address(VimValue? value)
        {
            if (!(value is VimObject a)) return Array.Empty<string>();
            if (a.Text("addressPrefix") != null) return new[] { $"{a.Text("addressPrefix")}/{a.Text("prefixLength")}" };
            var address = a.Text("address");
            if (address != null) return new[] { address };
            return Array.Empty<string>();
        }

        private static string? Port(VimValue? value)
        {
            if (!(value is VimObject p)) return null;
            if (p.Text("portNumber") != null) return p.Text("portNumber");
            if (p.Text("startPortNumber") != null) return $"{p.Text("startPortNumber")}-{p.Text("endPortNumber")}";
            return null;
        }
    }
}
