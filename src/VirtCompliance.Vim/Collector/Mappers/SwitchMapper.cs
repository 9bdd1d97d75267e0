using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;
using static VirtCompliance.Vim.Collector.InventoryMapping;

namespace VirtCompliance.Vim.Collector.Mappers
{
    /// <summary>DistributedVirtualSwitch (and VmwareDistributedVirtualSwitch) to the model's DistributedSwitch.</summary>
    internal static class SwitchMapper
    {
        public static readonly PropertySpec[] Specs =
        {
            new PropertySpec("DistributedVirtualSwitch", "name", "uuid", "summary.productInfo", "summary.hostMember", "config.uplinkPortgroup",
                "config.defaultPortConfig", "config.networkResourceManagementEnabled"),
            // Only VMware's own switch has these; a third-party switch's config has no such property.
            new PropertySpec("VmwareDistributedVirtualSwitch", "config.linkDiscoveryProtocolConfig", "config.ipfixConfig", "config.vspanSession"),
        };

        /// <summary>The properties switch controls read: a source without them gives the switch with its controls not evaluated.</summary>
        public static readonly HashSet<string> SettingsPaths = new HashSet<string>(StringComparer.Ordinal)
            { "config.defaultPortConfig", "config.networkResourceManagementEnabled", "config.linkDiscoveryProtocolConfig", "config.ipfixConfig", "config.vspanSession" };

        public static DistributedSwitch Map(ObjectContent o) => new DistributedSwitch
        {
            Id = o.Obj.Value,
            ManagedObjectType = o.Obj.RefType,
            Name = Text(o["name"]),
            Version = (o["summary.productInfo"] as VimObject)?.Text("version"),
            HostIds = Items(o["summary.hostMember"]).OfType<VimRef>().Select(r => r.Value).ToArray(),
            Settings = SettingsOf(o),
        };

        private static SwitchSettings? SettingsOf(ObjectContent o)
        {
            // Without the default port config (not reported, or a source that does not read it) there are no switch settings to judge.
            if (!(o["config.defaultPortConfig"] is VimObject defaults) || SettingsPaths.Any(o.Missing.ContainsKey)) return null;
            var discovery = o["config.linkDiscoveryProtocolConfig"] as VimObject;
            var ipfix = o["config.ipfixConfig"] as VimObject;
            // A VMware switch always reports its NetFlow configuration; a switch that reports none is a third-party one, whose settings are unknown.
            var vmware = o.Obj.RefType == "VmwareDistributedVirtualSwitch" || ipfix != null;
            return new SwitchSettings
            {
                Security = NetworkMapper.SecurityOf(defaults.Object("securityPolicy"), wrapped: true),
                DiscoveryProtocol = discovery?.Text("protocol"),
                // A VMware switch that reports no discovery configuration has none; a third-party switch's is unknown.
                DiscoveryOperation = discovery?.Text("operation") ?? (vmware ? "none" : null),
                IpfixCollector = ipfix != null ? ipfix.Text("collectorIpAddress") ?? "" : vmware ? "" : null,
                MirrorSessions = vmware ? Items(o["config.vspanSession"]).OfType<VimObject>().Select(s => s.Text("name") ?? s.Text("key") ?? "").ToArray() : null,
                NetworkResourceManagementEnabled = Text(o["config.networkResourceManagementEnabled"]) is string nioc ? nioc == "true" : (bool?)null,
            };
        }
    }
}
