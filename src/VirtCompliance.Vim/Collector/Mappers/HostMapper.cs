using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;
using static VirtCompliance.Vim.Collector.InventoryMapping;

namespace VirtCompliance.Vim.Collector.Mappers
{
    /// <summary>HostSystem to the model's Host: state, lockdown, firewall, services, options, time, standard switches and portgroups, software read separately, and what the server did not report.</summary>
    internal static class HostMapper
    {
        public static readonly PropertySpec[] Specs =
        {
            new PropertySpec("HostSystem", "name", "parent", "runtime.connectionState", "runtime.inMaintenanceMode", "config.product",
                "config.lockdownMode", "config.firewall", "config.service", "config.option", "config.network.vswitch",
                "config.network.portgroup", "config.dateTimeInfo", "datastore", "network", "configManager.imageConfigManager"),
        };

        public static Host Map(ObjectContent o, InventoryMapping m, Dictionary<string, List<string>> dvsByHost)
        {
            var parent = (o["parent"] as VimRef);
            var product = o["config.product"] as VimObject;
            var firewall = o["config.firewall"] as VimObject;
            var vswitches = Items(o["config.network.vswitch"]).OfType<VimObject>().ToArray();
            return new Host
            {
                Id = o.Obj.Value,
                Name = Text(o["name"]),
                DatacenterId = m.DatacenterOf(o.Obj.Value),
                ClusterId = parent?.RefType == "ClusterComputeResource" ? parent.Value : null,
                Version = product?.Text("version"),
                Build = product?.Text("build"),
                ConnectionState = Text(o["runtime.connectionState"]) == "disconnected" ? ConnectionState.Disconnected
                    : Text(o["runtime.connectionState"]) == "notResponding" ? ConnectionState.NotResponding : ConnectionState.Connected,
                InMaintenanceMode = Text(o["runtime.inMaintenanceMode"]) == "true",
                LockdownMode = Text(o["config.lockdownMode"]) == "lockdownNormal" ? LockdownMode.LockdownNormal
                    : Text(o["config.lockdownMode"]) == "lockdownStrict" ? LockdownMode.LockdownStrict : LockdownMode.LockdownDisabled,
                Firewall = new HostFirewall
                {
                    IncomingBlocked = firewall?.Object("defaultPolicy")?.Bool("incomingBlocked") ?? true,
                    OutgoingBlocked = firewall?.Object("defaultPolicy")?.Bool("outgoingBlocked") ?? true,
                    Rulesets = (firewall?.Objects("ruleset") ?? Enumerable.Empty<VimObject>()).Select(r => new FirewallRuleset
                    {
                        // The model's keys are never null ("" when unknown): a snapshot written with none reads back as "".
                        Key = r.Text("key") ?? "",
                        Label = r.Text("label"),
                        Enabled = r.Bool("enabled") ?? false,
                        AllowedAllIp = r.Object("allowedHosts")?.Bool("allIp") ?? true,
                        // An address that is not text is left out: a null list item would make a snapshot that cannot be read back.
                        AllowedIps = r.Object("allowedHosts")?.All("ipAddress").Select(Text).OfType<string>().ToArray() ?? Array.Empty<string>(),
                        AllowedNetworks = r.Object("allowedHosts")?.Objects("ipNetwork").Select(n => $"{n.Text("network")}/{n.Text("prefixLength")}").ToArray() ?? Array.Empty<string>(),
                    }).ToArray(),
                },
                Services = ((o["config.service"] as VimObject)?.Objects("service") ?? Enumerable.Empty<VimObject>()).Select(s => new HostService
                {
                    Key = s.Text("key") ?? "",
                    Label = s.Text("label"),
                    Running = s.Bool("running") ?? false,
                    Policy = s.Text("policy") == "on" ? ServicePolicy.On : s.Text("policy") == "automatic" ? ServicePolicy.Automatic : ServicePolicy.Off,
                }).ToArray(),
                AdvancedOptions = Options(o["config.option"]),
                // Servers and uplinks that are not text are left out, as above.
                NtpServers = (o["config.dateTimeInfo"] as VimObject)?.Object("ntpConfig")?.All("server").Select(Text).OfType<string>().ToArray() ?? Array.Empty<string>(),
                StandardSwitches = vswitches.Select(s => new StandardSwitch
                {
                    Name = s.Text("name"),
                    Mtu = s.Int("mtu") ?? 1500,
                    Uplinks = s.Object("spec")?.Object("bridge")?.All("nicDevice").Select(Text).OfType<string>().ToArray()
                        ?? s.All("pnic").Select(p => Text(p)?.Split('-').Last()).OfType<string>().ToArray(),
                    Security = NetworkMapper.SecurityOf(s.Object("spec")?.Object("policy")?.Object("security"), wrapped: false),
                }).ToArray(),
                Portgroups = Items(o["config.network.portgroup"]).OfType<VimObject>().Select(p => p.Object("spec")).OfType<VimObject>().Select(s => new HostPortgroup
                {
                    Name = s.Text("name"),
                    VSwitch = s.Text("vswitchName"),
                    VlanId = s.Int("vlanId") ?? 0,
                    Security = NetworkMapper.SecurityOf(s.Object("policy")?.Object("security"), wrapped: false),
                }).ToArray(),
                AcceptanceLevel = m.Software.TryGetValue(o.Obj.Value, out var software) ? software.acceptance : null,
                Packages = software.packages ?? Array.Empty<HostPackage>(),
                NotReported = NotReported(m, o, m.Software.ContainsKey(o.Obj.Value)),
                DvsIds = dvsByHost.TryGetValue(o.Obj.Value, out var dvs) ? dvs.ToArray() : Array.Empty<string>(),
                DatastoreIds = Items(o["datastore"]).OfType<VimRef>().Select(r => r.Value).ToArray(),
                NetworkIds = Items(o["network"]).OfType<VimRef>().Select(r => r.Value).ToArray(),
            };
        }

        /// <summary>The advanced options by key (the first of a key wins; one without a key is left out), a value that is not text as "".</summary>
        private static Dictionary<string, string> Options(VimValue? options)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var option in Items(options).OfType<VimObject>())
            {
                var key = option.Text("key");
                if (key != null && !result.ContainsKey(key)) result[key] = Text(option["value"]) ?? "";
            }
            return result;
        }

        /// <summary>Which property paths carry which part of a host's configuration.</summary>
        private static readonly (string path, string area)[] HostAreas =
        {
            ("config.firewall", DataArea.Firewall), ("config.service", DataArea.Services), ("config.option", DataArea.Options),
            ("config.network.vswitch", DataArea.Network), ("config.network.portgroup", DataArea.Network),
            ("config.dateTimeInfo", DataArea.Time), ("config.lockdownMode", DataArea.Lockdown), ("config.product", DataArea.Product),
        };

        /// <summary>
        /// The areas of a connected host's configuration the server did not report: a property in the
        /// answer's missingSet (NoPermission: an account without the privilege) or absent altogether
        /// (a connected ESXi host always has these). Controls that read them are then NotEvaluated,
        /// not judged on the model's empty defaults. Portgroups may legitimately be absent (a host on
        /// distributed switches only), so only a fault counts for them.
        /// </summary>
        private static IReadOnlyDictionary<string, string>? NotReported(InventoryMapping m, ObjectContent o, bool softwareRead)
        {
            if (Text(o["runtime.connectionState"]) != "connected") return null;
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (path, area) in HostAreas)
            {
                if (result.ContainsKey(area)) continue;
                if (o.Missing.TryGetValue(path, out var fault)) result[area] = $"the server did not report {path} ({fault})";
                else if (o[path] == null && path != "config.network.portgroup" && path != "config.network.vswitch") result[area] = $"the server did not report {path}";
            }
            if (!softwareRead)
                result[DataArea.Software] = m.SoftwareNotReadReason ?? "installed software (VIBs and acceptance level) was not read from this host";
            return result.Count == 0 ? null : result;
        }
    }
}
