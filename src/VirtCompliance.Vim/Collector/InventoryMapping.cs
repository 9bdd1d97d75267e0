using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Common;
using VirtCompliance.Controls;
using VirtCompliance.Model;
using VirtCompliance.Vim.Collector.Mappers;
using VirtCompliance.Vim.Soap;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Vim.Collector
{
    /// <summary>
    /// What a collection read, and the one way it becomes an inventory: the objects by managed-object
    /// id, with what was read besides them (custom field names, distributed ports, software, tags),
    /// mapped by one mapper per managed-object type (Collector/Mappers). Recorded answers and
    /// PowerCLI's views go through the same mapping, so they give the same inventory.
    /// </summary>
    public sealed class InventoryMapping
    {
        /// <summary>The properties read per type: what the mappers read and nothing more.</summary>
        public static IReadOnlyList<PropertySpec> Specs { get; } = DatacenterMapper.Specs.Concat(ClusterMapper.Specs).Concat(HostMapper.Specs)
            .Concat(VmMapper.Specs).Concat(NetworkMapper.Specs).Concat(SwitchMapper.Specs).Concat(DatastoreMapper.Specs).ToArray();

        /// <summary>Property paths that exist only from an API version on (vim25 HostCapability.uefiSecureBoot: 7.0).</summary>
        public static IReadOnlyDictionary<string, string> MinimumVersion { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["capability.uefiSecureBoot"] = "7.0",
            [VmMapper.FtEncryptionPath] = "7.0.2.0",
        };

        public Dictionary<string, ObjectContent> Objects { get; } = new Dictionary<string, ObjectContent>(StringComparer.Ordinal);
        /// <summary>Custom field key → name, for VM custom attributes.</summary>
        public Dictionary<int, string> FieldNames { get; set; } = new Dictionary<int, string>();
        /// <summary>VM id → its tags (CIS REST); null when tags were not read.</summary>
        public Dictionary<string, List<VmTag>>? Tags { get; set; }
        /// <summary>(VM, adapter key) → its distributed port: key and configVersion (each null when the server gave none), and its own filter when it overrides the portgroup's.</summary>
        public Dictionary<(string vm, string nicKey), (string? key, string? configVersion, TrafficFilter? filter)> Ports { get; } =
            new Dictionary<(string, string), (string?, string?, TrafficFilter?)>();
        /// <summary>Host id → acceptance level (null when the host gave none) and packages, for the hosts whose software was read.</summary>
        public Dictionary<string, (string? acceptance, HostPackage[] packages)> Software { get; } = new Dictionary<string, (string?, HostPackage[])>(StringComparer.Ordinal);
        /// <summary>Why software was not read from any host, when it was not (-SkipSoftware, PowerCLI objects, an old server).</summary>
        public string? SoftwareNotReadReason { get; set; }
        /// <summary>Host id → its lockdown exception users, for the hosts they were read from.</summary>
        public Dictionary<string, string[]> LockdownExceptions { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal);
        /// <summary>Why the lockdown exception users were read from no host, when they were not (PowerCLI objects, the collector told not to).</summary>
        public string? LockdownExceptionsNotReadReason { get; set; }
        /// <summary>Host id → why its lockdown exception users were not read (a fault, a server without the method).</summary>
        public Dictionary<string, string> LockdownExceptionsNotRead { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Host id → the answers of the ESXCLI commands, by command with its arguments, for the hosts ESXCLI was read from.</summary>
        public Dictionary<string, Dictionary<string, IReadOnlyList<IReadOnlyDictionary<string, string>>>> EsxCli { get; } =
            new Dictionary<string, Dictionary<string, IReadOnlyList<IReadOnlyDictionary<string, string>>>>(StringComparer.Ordinal);
        /// <summary>Host id → command → why that command gave no answer (an ESXCLI error, an answer that could not be read).</summary>
        public Dictionary<string, Dictionary<string, string>> EsxCliCommandsNotRead { get; } = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        /// <summary>Host id → why ESXCLI was not read from it (a fault, a server without the method executer).</summary>
        public Dictionary<string, string> EsxCliNotRead { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
        /// <summary>Why ESXCLI was read from no host, when it was not (PowerCLI objects, -SkipEsxCli).</summary>
        public string? EsxCliNotReadReason { get; set; }

        /// <summary>The vCenter Server read, with its settings; null when the source is not a vCenter.</summary>
        public VCenterServer? VCenter { get; set; }

        /// <summary>Read the settings VM controls need. Off for sources that do not carry them.</summary>
        public bool ReadVmSettings { get; set; } = true;

        /// <summary>The VM advanced settings kept (keys and wildcard patterns): by default every one the built-in catalog reads.</summary>
        public KeyPatterns VmExtraConfigKeys { get; set; } = new KeyPatterns(Facts.VmExtraConfigKeys(ControlCatalog.BuiltIn.Controls));

        public IEnumerable<ObjectContent> OfType(params string[] types) => Objects.Values.Where(o => types.Contains(o.Obj.RefType));

        /// <summary>The inventory of everything read: each object by its type's mapper, references to objects outside the selection dropped.</summary>
        public Inv Build(IReadOnlyCollection<string>? clusterFilter, Uri url, string? serverDescription)
        {
            var datacenters = OfType("Datacenter").Select(DatacenterMapper.Map).ToList();
            var switches = OfType("DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch").Select(SwitchMapper.Map).ToList();
            var switchByUuid = OfType("DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch")
                .Where(o => Text(o["uuid"]) != null)
                // The Where above left out the switches without a uuid, so the key is never null.
                .GroupBy(o => Text(o["uuid"])!, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Obj.Value, StringComparer.OrdinalIgnoreCase);
            var dvsByHost = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var s in switches)
                foreach (var h in s.HostIds)
                {
                    if (!dvsByHost.TryGetValue(h, out var list)) dvsByHost[h] = list = new List<string>();
                    list.Add(s.Id);
                }
            // Older servers mark uplink portgroups only in their switch's config.uplinkPortgroup.
            var uplinks = new HashSet<string>(OfType("DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch")
                .SelectMany(o => Items(o["config.uplinkPortgroup"]).OfType<VimRef>().Select(r => r.Value)), StringComparer.Ordinal);
            var networks = OfType("Network", "DistributedVirtualPortgroup", "OpaqueNetwork").Select(o => NetworkMapper.Map(o, this))
                .Select(n => uplinks.Contains(n.Id) && !n.IsUplink ? n with { IsUplink = true } : n).ToList();
            var datastores = OfType("Datastore").Select(DatastoreMapper.Map).ToList();
            var clusters = OfType("ClusterComputeResource").Select(ClusterMapper.Map).ToList();
            var hosts = OfType("HostSystem").Select(o => HostMapper.Map(o, this, dvsByHost)).ToList();
            // VMs are most of the work; their mapping only reads shared state, so both cores share it.
            var vms = OfType("VirtualMachine").ToList().AsParallel().AsOrdered().Select(o => VmMapper.Map(o, this, switchByUuid)).Where(v => v != null).ToList();

            var filter = NameFilter.Create(clusterFilter);
            if (filter != null)
            {
                var keep = new HashSet<string>(clusters.Where(c => filter(c.Name) || filter(c.Id)).Select(c => c.Id), StringComparer.Ordinal);
                clusters = clusters.Where(c => keep.Contains(c.Id)).ToList();
                hosts = hosts.Where(h => h.ClusterId != null && keep.Contains(h.ClusterId)).ToList();
            }
            // Only what the kept hosts reach: a VM registered on a host outside the selection is left out.
            var hostIds = new HashSet<string>(hosts.Select(h => h.Id), StringComparer.Ordinal);
            vms = vms.Where(v => v.HostId == null ? filter == null : hostIds.Contains(v.HostId)).ToList();
            var knownNetworks = new HashSet<string>(networks.Select(n => n.Id), StringComparer.Ordinal);
            var knownDatastores = new HashSet<string>(datastores.Select(d => d.Id), StringComparer.Ordinal);
            var knownSwitches = new HashSet<string>(switches.Select(s => s.Id), StringComparer.Ordinal);
            hosts = hosts.Select(h => h with
            {
                NetworkIds = h.NetworkIds.Where(knownNetworks.Contains).ToArray(),
                DatastoreIds = h.DatastoreIds.Where(knownDatastores.Contains).ToArray(),
                DvsIds = h.DvsIds.Where(knownSwitches.Contains).ToArray(),
            }).ToList();
            vms = vms.Select(v => v with
            {
                DatastoreIds = v.DatastoreIds.Where(knownDatastores.Contains).ToArray(),
                Nics = v.Nics.Select(n => n.NetworkId == null || knownNetworks.Contains(n.NetworkId) ? n : n with { NetworkId = null }).ToArray(),
            }).ToList();
            switches = switches.Select(s => s with { HostIds = s.HostIds.Where(hostIds.Contains).ToArray() }).ToList();
            datastores = datastores.Select(d => d with { HostIds = d.HostIds.Where(hostIds.Contains).ToArray() }).ToList();
            networks = networks.Select(n => n.DvsId != null && !knownSwitches.Contains(n.DvsId) ? n with { DvsId = null } : n).ToList();

            var source = url.Host + (url.IsDefaultPort ? "" : ":" + url.Port.ToString(CultureInfo.InvariantCulture));
            return new Inv(source, DateTimeOffset.UtcNow, $"VirtCompliance {typeof(InventoryCollector).Assembly.GetName().Version} ({serverDescription})",
                datacenters, clusters, hosts, networks, switches, datastores, vms, ReadVmSettings ? VmExtraConfigKeys.Items : null, VCenter);
        }

        /// <summary>The datacenter an object sits in, by walking up its parents.</summary>
        public string? DatacenterOf(string? id)
        {
            for (var guard = 0; id != null && guard < 64; guard++)
            {
                if (!Objects.TryGetValue(id, out var o)) return null;
                if (o.Obj.RefType == "Datacenter") return o.Obj.Value;
                id = (o["parent"] as VimRef)?.Value;
            }
            return null;
        }

        /// <summary>"/DC/vm/Payments/DB": the names from the datacenter down to the VM's folder.</summary>
        public string? FolderPath(string? folderId)
        {
            // A folder without a name adds an empty segment, as string.Join writes null.
            var names = new List<string?>();
            for (var guard = 0; folderId != null && guard < 64; guard++)
            {
                if (!Objects.TryGetValue(folderId, out var o)) break;
                names.Add(Text(o["name"]));
                if (o.Obj.RefType == "Datacenter") break;
                folderId = (o["parent"] as VimRef)?.Value;
            }
            names.Reverse();
            return names.Count == 0 ? null : "/" + string.Join("/", names);
        }

        /// <summary>The items of an ArrayOf... value; empty for an absent or empty one; the value itself for a single item.</summary>
        public static IEnumerable<VimValue> Items(VimValue? value)
        {
            if (value == null) return Enumerable.Empty<VimValue>();
            if (value is VimObject o && o.Type != null && o.Type.StartsWith("ArrayOf", StringComparison.Ordinal)) return o.Items;
            if (value is VimText t && t.Text.Length == 0 && t.Type != null && t.Type.StartsWith("ArrayOf", StringComparison.Ordinal)) return Enumerable.Empty<VimValue>();
            return new[] { value };
        }

        public static string? Text(VimValue? value) => value switch
        {
            VimText t => t.Text,
            VimRef r => r.Value,
            _ => null,
        };
    }
}
