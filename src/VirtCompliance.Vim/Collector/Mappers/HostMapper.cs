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
                "config.network.portgroup", "config.dateTimeInfo", "datastore", "network", "configManager.imageConfigManager",
                // Cost, as RetrievePropertiesEx answers for one simulator host (8 nic types, 2 VMkernel adapters):
                // config.virtualNicManagerInfo 5.3 kB (it lists every candidate adapter per nic type, so it grows with
                // adapters x types), config.storageDevice.hostBusAdapter 1.5 kB, capability.uefiSecureBoot 0.7 kB,
                // beside config.firewall's 15 kB. The lockdown exception users cost one call per host.
                "config.virtualNicManagerInfo", "config.storageDevice.hostBusAdapter", "capability.uefiSecureBoot", "configManager.hostAccessManager"),
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
                        // Absent before vSphere 8.0 U2's split of user- and system-owned rulesets: then unknown, not true.
                        IpListUserConfigurable = r.Bool("ipListUserConfigurable"),
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
                LockdownExceptionUsers = m.LockdownExceptions.TryGetValue(o.Obj.Value, out var exceptions) ? exceptions : null,
                EsxCli = m.EsxCli.TryGetValue(o.Obj.Value, out var esxcli) ? esxcli : null,
                UefiSecureBoot = Text(o["capability.uefiSecureBoot"]) is string secureBoot ? secureBoot == "true" : (bool?)null,
                VmkernelNics = VmkernelNics(o["config.virtualNicManagerInfo"] as VimObject),
                // A connected host without adapters reports an empty (or no) list: none, not unknown. A fault is unknown.
                IscsiAdapters = o.Missing.ContainsKey("config.storageDevice.hostBusAdapter") || Text(o["runtime.connectionState"]) != "connected" ? null
                    : IscsiAdapters(o["config.storageDevice.hostBusAdapter"]),
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

        /// <summary>
        /// Each VMkernel adapter with the services (nic types) selected on it. The server lists, per
        /// service, the candidate adapters and the selected ones by key ("management.key-vim.host.VirtualNic-vmk0").
        /// </summary>
        private static IReadOnlyList<VmkernelNic>? VmkernelNics(VimObject? info)
        {
            if (info == null) return null;
            var services = new SortedDictionary<string, (string? portgroup, SortedSet<string> services)>(StringComparer.Ordinal);
            foreach (var config in info.Objects("netConfig"))
            {
                var type = config.Text("nicType");
                if (type == null) continue;
                var candidates = config.Objects("candidateVnic").Where(v => v.Text("key") != null && v.Text("device") != null)
                    .GroupBy(v => v.Text("key")!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
                foreach (var v in candidates.Values)
                    if (!services.ContainsKey(v.Text("device")!)) services[v.Text("device")!] = (v.Text("portgroup") is string pg && pg.Length > 0 ? pg : null, new SortedSet<string>(StringComparer.Ordinal));
                foreach (var key in config.All("selectedVnic").Select(Text).OfType<string>())
                    if (candidates.TryGetValue(key, out var vnic)) services[vnic.Text("device")!].services.Add(type);
            }
            return services.Select(kv => new VmkernelNic { Device = kv.Key, Portgroup = kv.Value.portgroup, Services = kv.Value.services.ToArray() }).ToArray();
        }

        /// <summary>The iSCSI adapters (software or hardware, xsi:type HostInternetScsiHba) with their CHAP settings.</summary>
        private static IReadOnlyList<IscsiAdapter> IscsiAdapters(VimValue? adapters) =>
            Items(adapters).OfType<VimObject>().Where(a => a.Type == "HostInternetScsiHba" && a.Text("device") != null).Select(a => new IscsiAdapter
            {
                Device = a.Text("device")!,
                ChapType = a.Object("authenticationProperties")?.Text("chapAuthenticationType"),
                MutualChapType = a.Object("authenticationProperties")?.Text("mutualChapAuthenticationType"),
            }).ToArray();

        /// <summary>Which property paths carry which part of a host's configuration.</summary>
        private static readonly (string path, string area)[] HostAreas =
        {
            ("config.firewall", DataArea.Firewall), ("config.service", DataArea.Services), ("config.option", DataArea.Options),
            ("config.network.vswitch", DataArea.Network), ("config.network.portgroup", DataArea.Network),
            ("config.dateTimeInfo", DataArea.Time), ("config.lockdownMode", DataArea.Lockdown), ("config.product", DataArea.Product),
            ("config.virtualNicManagerInfo", DataArea.VmkernelNics), ("capability.uefiSecureBoot", DataArea.SecureBoot),
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
                else if (o[path] == null && MinimumVersion.TryGetValue(path, out var since))
                    result[area] = $"the server did not report {path}, which the vSphere API has from version {since} (an older server, or objects of an older PowerCLI)";
                else if (o[path] == null && path != "config.network.portgroup" && path != "config.network.vswitch") result[area] = $"the server did not report {path}";
            }
            if (!softwareRead)
                result[DataArea.Software] = m.SoftwareNotReadReason ?? "installed software (VIBs and acceptance level) was not read from this host";
            if (o.Missing.TryGetValue("config.storageDevice.hostBusAdapter", out var hbaFault))
                result[DataArea.StorageAdapters] = $"the server did not report config.storageDevice.hostBusAdapter ({hbaFault})";
            if (!m.LockdownExceptions.ContainsKey(o.Obj.Value))
                result[DataArea.LockdownExceptions] = m.LockdownExceptionsNotRead.TryGetValue(o.Obj.Value, out var why) ? why
                    : m.LockdownExceptionsNotReadReason ?? "the lockdown exception users were not read from this host (HostAccessManager.QueryLockdownExceptions)";
            if (!m.EsxCli.ContainsKey(o.Obj.Value))
                result[DataArea.EsxCli] = m.EsxCliNotRead.TryGetValue(o.Obj.Value, out var esxcliWhy) ? esxcliWhy
                    : m.EsxCliNotReadReason ?? "ESXCLI was not read from this host (its ReflectManagedMethodExecuter, as Get-EsxCli -V2 reads it)";
            else if (m.EsxCliCommandsNotRead.TryGetValue(o.Obj.Value, out var commands))
                foreach (var kv in commands) result[DataArea.EsxCliCommand(kv.Key)] = kv.Value;
            return result.Count == 0 ? null : result;
        }
    }
}
