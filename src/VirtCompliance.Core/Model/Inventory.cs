using System;
using System.Collections.Generic;
using System.Linq;

namespace VirtCompliance.Model
{
    /// <summary>
    /// An immutable snapshot of a virtual infrastructure. Every collection is sorted by id (and every
    /// nested collection by its key) at construction, so serialising it is deterministic and two
    /// snapshots of the same infrastructure diff cleanly. Lookups by id are O(1).
    /// </summary>
    public sealed class Inventory
    {
        /// <summary>
        /// 2 adds notReported to hosts and networks; 3 adds VM settings (and vmExtraConfigKeys). Files
        /// of versions 1 and 2 are still read: their hosts report everything, their VMs no settings.
        /// </summary>
        public const int CurrentSchemaVersion = 3;

        /// <summary>Snapshot schema versions this release reads.</summary>
        public static readonly IReadOnlyList<int> ReadableSchemaVersions = new[] { 1, 2, 3 };

        public int SchemaVersion => CurrentSchemaVersion;
        /// <summary>Where the data came from: a vCenter name, "sample", a file name.</summary>
        public string Source { get; }
        public DateTimeOffset CollectedAt { get; }
        /// <summary>The tool and version that collected it.</summary>
        public string Collector { get; }

        public IReadOnlyList<Datacenter> Datacenters { get; }
        public IReadOnlyList<Cluster> Clusters { get; }
        public IReadOnlyList<Host> Hosts { get; }
        public IReadOnlyList<Network> Networks { get; }
        public IReadOnlyList<DistributedSwitch> DistributedSwitches { get; }
        public IReadOnlyList<Datastore> Datastores { get; }
        public IReadOnlyList<Vm> Vms { get; }

        /// <summary>
        /// The VM advanced settings (extraConfig keys, wildcards allowed) the collection read, sorted;
        /// null when it read none. A key outside this list was not read, so a VM's lack of it says
        /// nothing: controls that read it are not evaluated.
        /// </summary>
        public IReadOnlyList<string>? VmExtraConfigKeys => _vmExtraConfig?.Items;
        private readonly Common.KeyPatterns? _vmExtraConfig;

        /// <summary>The vCenter Server the inventory was read from; null for a snapshot from before vCenter controls or a source without one.</summary>
        public VCenterServer? VCenter { get; }

        /// <summary>True when the collection read this advanced setting key of every VM (case-insensitive, as VMX keys are).</summary>
        public bool ReadVmExtraConfig(string key) => _vmExtraConfig != null && _vmExtraConfig.Covers(key);

        /// <summary>The name results give their source: the vCenter Server's (or host's) name, else where the inventory was read from.</summary>
        public string VCenterName => VCenter?.Name ?? Source;

        /// <summary>SHA-256 (hex) of the canonical snapshot file of this inventory: its evidence id.</summary>
        public string Sha256 => _sha256 ??= InventorySnapshot.ComputeSha256(this);
        private string? _sha256;

        /// <summary>The full path of the snapshot file it was read from; null when it was collected or read from a stream. Reports name it as where their results come from.</summary>
        public string? FilePath { get; private set; }

        /// <summary>The SHA-256 of this inventory's canonical snapshot, as a writer computed it: not computed again. A hash already known (the file it was read from) stays.</summary>
        internal void KnowSha256(string sha256) => _sha256 ??= sha256;

        /// <summary>An inventory read from a file is identified by that file's own bytes.</summary>
        internal void SetFile(string path, string sha256)
        {
            FilePath = System.IO.Path.GetFullPath(path);
            _sha256 = sha256;
        }

        private readonly Dictionary<string, Datacenter> _datacenters;
        private readonly Dictionary<string, Cluster> _clusters;
        private readonly Dictionary<string, Host> _hosts;
        private readonly Dictionary<string, Network> _networks;
        private readonly Dictionary<string, DistributedSwitch> _switches;
        private readonly Dictionary<string, Datastore> _datastores;
        private readonly Dictionary<string, Vm> _vms;
        private readonly Dictionary<string, Host[]> _hostsByCluster;
        private readonly Dictionary<string, Vm[]> _vmsByHost;

        public Inventory(
            string? source,
            DateTimeOffset collectedAt,
            string? collector,
            IEnumerable<Datacenter>? datacenters = null,
            IEnumerable<Cluster>? clusters = null,
            IEnumerable<Host>? hosts = null,
            IEnumerable<Network>? networks = null,
            IEnumerable<DistributedSwitch>? distributedSwitches = null,
            IEnumerable<Datastore>? datastores = null,
            IEnumerable<Vm>? vms = null,
            IEnumerable<string>? vmExtraConfigKeys = null,
            VCenterServer? vcenter = null)
        {
            VCenter = vcenter == null ? null : vcenter with
            {
                Settings = vcenter.Settings == null ? null : SortedMap(vcenter.Settings),
                SettingKeys = vcenter.SettingKeys?.Distinct(StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal).ToArray(),
                NotReported = vcenter.NotReported == null || vcenter.NotReported.Count == 0 ? null : SortedMap(vcenter.NotReported),
            };
            _vmExtraConfig = vmExtraConfigKeys == null ? null : new Common.KeyPatterns(vmExtraConfigKeys);
            Source = source ?? "";
            CollectedAt = collectedAt;
            Collector = collector ?? "";
            Datacenters = SortById(datacenters, d => d.Id, d => d);
            Clusters = SortById(clusters, c => c.Id, Normalize);
            Hosts = SortById(hosts, h => h.Id, Normalize);
            Networks = SortById(networks, n => n.Id, Normalize);
            DistributedSwitches = SortById(distributedSwitches, d => d.Id, d => d with
            {
                HostIds = Sorted(d.HostIds),
                Settings = d.Settings == null ? null : d.Settings with { MirrorSessions = d.Settings.MirrorSessions == null ? null : Sorted(d.Settings.MirrorSessions) },
            });
            Datastores = SortById(datastores, d => d.Id, d => d with { HostIds = Sorted(d.HostIds) });
            Vms = SortById(vms, v => v.Id, Normalize);

            _datacenters = Index(Datacenters, d => d.Id, "datacenter");
            _clusters = Index(Clusters, c => c.Id, "cluster");
            _hosts = Index(Hosts, h => h.Id, "host");
            _networks = Index(Networks, n => n.Id, "network");
            _switches = Index(DistributedSwitches, d => d.Id, "distributed switch");
            _datastores = Index(Datastores, d => d.Id, "datastore");
            _vms = Index(Vms, v => v.Id, "VM");

            _hostsByCluster = GroupByKey(Hosts, h => h.ClusterId);
            _vmsByHost = GroupByKey(Vms, v => v.HostId);

            ValidateReferences();
        }

        // Each lookup gives null for an unknown id or a null one (a standalone host's cluster, a VM's missing host).
        public Datacenter? GetDatacenter(string? id) => Find(_datacenters, id);
        public Cluster? GetCluster(string? id) => Find(_clusters, id);
        public Host? GetHost(string? id) => Find(_hosts, id);
        public Network? GetNetwork(string? id) => Find(_networks, id);
        public DistributedSwitch? GetDistributedSwitch(string? id) => Find(_switches, id);
        public Datastore? GetDatastore(string? id) => Find(_datastores, id);
        public Vm? GetVm(string? id) => Find(_vms, id);

        /// <summary>Hosts of a cluster, in id order; empty for an unknown or empty cluster.</summary>
        public IReadOnlyList<Host> HostsInCluster(string? clusterId) =>
            clusterId != null && _hostsByCluster.TryGetValue(clusterId, out var h) ? h : Array.Empty<Host>();

        /// <summary>VMs registered on a host, in id order.</summary>
        public IReadOnlyList<Vm> VmsOnHost(string? hostId) =>
            hostId != null && _vmsByHost.TryGetValue(hostId, out var v) ? v : Array.Empty<Vm>();

        private static T? Find<T>(Dictionary<string, T> map, string? id) where T : class =>
            id != null && map.TryGetValue(id, out var value) ? value : null;

        // The name of an object in an error is formatted only when there is an error: a large inventory has
        // hundreds of thousands of references to check and none to report.
        private void ValidateReferences()
        {
            foreach (var c in Clusters)
            {
                if (!KnownOrNone(_datacenters, c.DatacenterId)) throw Unknown($"cluster '{c.Name}' ({c.Id})", "datacenter", c.DatacenterId);
            }
            foreach (var h in Hosts)
            {
                string What() => $"host '{h.Name}' ({h.Id})";
                if (!KnownOrNone(_clusters, h.ClusterId)) throw Unknown(What(), "cluster", h.ClusterId);
                if (!KnownOrNone(_datacenters, h.DatacenterId)) throw Unknown(What(), "datacenter", h.DatacenterId);
                foreach (var id in h.DvsIds) if (!Known(_switches, id)) throw Unknown(What(), "distributed switch", id);
                foreach (var id in h.DatastoreIds) if (!Known(_datastores, id)) throw Unknown(What(), "datastore", id);
                foreach (var id in h.NetworkIds) if (!Known(_networks, id)) throw Unknown(What(), "network", id);
            }
            foreach (var n in Networks)
            {
                if (!KnownOrNone(_switches, n.DvsId)) throw Unknown($"network '{n.Name}' ({n.Id})", "distributed switch", n.DvsId);
            }
            foreach (var v in Vms)
            {
                if (!KnownOrNone(_hosts, v.HostId)) throw Unknown(VmName(v), "host", v.HostId);
                foreach (var id in v.DatastoreIds) if (!Known(_datastores, id)) throw Unknown(VmName(v), "datastore", id);
                foreach (var nic in v.Nics)
                {
                    if (!KnownOrNone(_networks, nic.NetworkId)) throw Unknown($"{VmName(v)} NIC {nic.Key}", "network", nic.NetworkId);
                    if (!KnownOrNone(_switches, nic.DvsId)) throw Unknown($"{VmName(v)} NIC {nic.Key}", "distributed switch", nic.DvsId);
                }
            }
            // Cluster rules may legitimately name VMs or hosts that have since been removed (vCenter keeps
            // such rules); analyzers skip unknown members instead of failing the whole inventory.
        }

        private static string VmName(Vm v) => $"VM '{v.Name}' ({v.Id})";

        private static bool Known<T>(Dictionary<string, T> map, string? id) => id != null && map.ContainsKey(id);

        private static bool KnownOrNone<T>(Dictionary<string, T> map, string? id) => id == null || map.ContainsKey(id);

        private static InventoryReferenceException Unknown(string what, string kind, string? id) =>
            new InventoryReferenceException($"{what} refers to unknown {kind} '{id}'.", what, id);

        private static Dictionary<string, T> Index<T>(IReadOnlyList<T> items, Func<T, string> key, string kind)
        {
            var map = new Dictionary<string, T>(items.Count, StringComparer.Ordinal);
            foreach (var item in items)
            {
                var id = key(item);
                if (string.IsNullOrEmpty(id))
                    throw new InventoryReferenceException($"A {kind} has no id.", kind, null);
                if (map.ContainsKey(id))
                    throw new InventoryReferenceException($"Two objects of kind {kind} have the id '{id}'.", kind, id);
                map.Add(id, item);
            }
            return map;
        }

        /// <summary>Items by their key (in the items' order), leaving out items without one.</summary>
        private static Dictionary<string, T[]> GroupByKey<T>(IEnumerable<T> items, Func<T, string?> key)
        {
            var groups = new Dictionary<string, List<T>>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var k = key(item);
                if (k == null) continue;
                if (!groups.TryGetValue(k, out var list)) groups.Add(k, list = new List<T>());
                list.Add(item);
            }
            return groups.ToDictionary(g => g.Key, g => g.Value.ToArray(), StringComparer.Ordinal);
        }

        private static T[] SortById<T>(IEnumerable<T>? items, Func<T, string> id, Func<T, T> normalize)
        {
            var normalized = (items ?? Enumerable.Empty<T>()).Where(i => i != null).Select(normalize).ToArray();
            // A snapshot lists its objects in id order already: no sort for it (the order is the one a stable sort gives).
            for (int i = 1; i < normalized.Length; i++)
                if (string.CompareOrdinal(id(normalized[i - 1]), id(normalized[i])) >= 0)
                    return normalized.OrderBy(id, StringComparer.Ordinal).ToArray();
            return normalized;
        }

        private static IReadOnlyList<string> Sorted(IReadOnlyList<string>? values)
        {
            if (values == null || values.Count == 0) return Array.Empty<string>();
            // Read back from a snapshot, a list is in order already: copy it without a sort.
            var inOrder = true;
            for (int i = 1; i < values.Count && inOrder; i++) inOrder = string.CompareOrdinal(values[i - 1], values[i]) < 0;
            if (inOrder)
            {
                var copy = new string[values.Count];
                for (int i = 0; i < copy.Length; i++) copy[i] = values[i];
                return copy;
            }
            return values.Distinct(StringComparer.Ordinal).OrderBy(v => v, StringComparer.Ordinal).ToArray();
        }

        private static IReadOnlyList<T> SortedBy<T>(IReadOnlyList<T>? values, Func<T, string?> key) =>
            values == null ? Array.Empty<T>() : values.Where(v => v != null).OrderBy(key, StringComparer.Ordinal).ToArray();

        private static IReadOnlyDictionary<string, string> SortedMap(IReadOnlyDictionary<string, string>? map)
        {
            if (map == null || map.Count == 0) return Host.EmptyOptions;
            // A map in this order already (read from a snapshot) is immutable and kept as it is.
            if (map is Common.SortedStringMap.ReadOnly sorted && sorted.Comparer == StringComparer.Ordinal) return sorted;
            return Common.SortedStringMap.Create(map, StringComparer.Ordinal);
        }

        // VMX keys are case-insensitive: one value per key whatever its case (the last one given wins).
        private static IReadOnlyDictionary<string, string> CaseInsensitive(IReadOnlyDictionary<string, string> map)
        {
            if (map is Common.SortedStringMap.ReadOnly sorted && sorted.Comparer == StringComparer.OrdinalIgnoreCase) return sorted;
            return Common.SortedStringMap.Create(map, StringComparer.OrdinalIgnoreCase);
        }

        private static Cluster Normalize(Cluster c) => c with
        {
            VmGroups = SortedBy(c.VmGroups, g => g.Name).Select(g => g with { Members = Sorted(g.Members) }).ToArray(),
            HostGroups = SortedBy(c.HostGroups, g => g.Name).Select(g => g with { Members = Sorted(g.Members) }).ToArray(),
            Rules = SortedBy(c.Rules, r => r.Name).Select(r => r with { VmIds = Sorted(r.VmIds) }).ToArray(),
            DrsVmOverrides = SortedBy(c.DrsVmOverrides, o => o.VmId),
        };

        private static Host Normalize(Host h) => h with
        {
            Firewall = Normalize(h.Firewall ?? new HostFirewall()),
            Services = SortedBy(h.Services, s => s.Key),
            AdvancedOptions = SortedMap(h.AdvancedOptions),
            NtpServers = Sorted(h.NtpServers),
            // Null (not read) stays null: it is not the same as "none".
            LockdownExceptionUsers = h.LockdownExceptionUsers == null ? null : Sorted(h.LockdownExceptionUsers),
            VmkernelNics = h.VmkernelNics == null ? null : SortedBy(h.VmkernelNics, n => n.Device)
                .Select(n => n with { Services = Sorted(n.Services) }).ToArray(),
            IscsiAdapters = h.IscsiAdapters == null ? null : SortedBy(h.IscsiAdapters, a => a.Device),
            // Commands in ordinal order; a list's rows in the order the host printed them, each row's fields sorted.
            EsxCli = h.EsxCli == null ? null : new SortedDictionary<string, IReadOnlyList<IReadOnlyDictionary<string, string>>>(
                h.EsxCli.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<IReadOnlyDictionary<string, string>>)(kv.Value ?? Array.Empty<IReadOnlyDictionary<string, string>>())
                    .Where(r => r != null).Select(r => SortedMap(r)).ToArray(), StringComparer.Ordinal), StringComparer.Ordinal),
            Packages = SortedBy(h.Packages, p => p.Name),
            StandardSwitches = SortedBy(h.StandardSwitches, s => s.Name)
                .Select(s => s with { Security = s.Security ?? new SecurityPolicy() }).ToArray(),
            Portgroups = SortedBy(h.Portgroups, p => p.Name)
                .Select(p => p with { Security = p.Security ?? new SecurityPolicy() }).ToArray(),
            DvsIds = Sorted(h.DvsIds),
            DatastoreIds = Sorted(h.DatastoreIds),
            NetworkIds = Sorted(h.NetworkIds),
            NotReported = h.NotReported == null || h.NotReported.Count == 0 ? null : SortedMap(h.NotReported),
        };

        private static HostFirewall Normalize(HostFirewall fw) => fw with
        {
            Rulesets = SortedBy(fw.Rulesets, r => r.Key)
                .Select(r => r with { AllowedIps = Sorted(r.AllowedIps), AllowedNetworks = Sorted(r.AllowedNetworks) }).ToArray(),
        };

        private static Network Normalize(Network n) => n with
        {
            Security = n.Security ?? new SecurityPolicy(),
            NotReported = n.NotReported == null || n.NotReported.Count == 0 ? null : SortedMap(n.NotReported),
            VlanTrunkRanges = n.VlanTrunkRanges ?? Array.Empty<VlanRange>(),
            Policy = n.Policy == null ? null : n.Policy with { OverridesAllowed = n.Policy.OverridesAllowed == null ? null : Sorted(n.Policy.OverridesAllowed) },
            TrafficFilter = n.TrafficFilter == null ? null : n.TrafficFilter with
            {
                Rules = (n.TrafficFilter.Rules ?? Array.Empty<TrafficRule>()).OrderBy(r => r.Sequence).ToArray(),
            },
        };

        private static Vm Normalize(Vm v) => v with
        {
            // A null item in a list is dropped, as in every other list of the model.
            Nics = (v.Nics ?? Array.Empty<VmNic>()).Where(n => n != null).OrderBy(n => n.Key)
                .Select(n => n.IpAddresses != null ? n : n with { IpAddresses = Array.Empty<string>() }).ToArray(),
            DatastoreIds = Sorted(v.DatastoreIds),
            CustomAttributes = SortedMap(v.CustomAttributes),
            Tags = v.Tags == null || v.Tags.Count == 0 ? Array.Empty<VmTag>() : v.Tags.Where(t => t != null).OrderBy(t => t.Category, StringComparer.Ordinal)
                .ThenBy(t => t.Name, StringComparer.Ordinal).ToArray(),
            Settings = v.Settings == null ? null : v.Settings with
            {
                // Case-insensitive lookups, ordinal order on disk: two collections of one VM give the same bytes.
                ExtraConfig = v.Settings.ExtraConfig == null ? null : CaseInsensitive(v.Settings.ExtraConfig),
                Devices = v.Settings.Devices?.Where(d => d != null).ToArray(),
            },
            NotReported = v.NotReported == null || v.NotReported.Count == 0 ? null : SortedMap(v.NotReported),
        };
    }

    /// <summary>An object names another object that the inventory does not contain.</summary>
    public sealed class InventoryReferenceException : Exception
    {
        public InventoryReferenceException(string message, string objectName, string? missingId) : base(message)
        {
            ObjectName = objectName;
            MissingId = missingId;
        }

        public string ObjectName { get; }
        /// <summary>The id that was not found; null when the object had no id at all.</summary>
        public string? MissingId { get; }
    }
}
