using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Common;
using VirtCompliance.Drift;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Vim.Collector
{
    /// <summary>Where a collection is: for progress bars.</summary>
    public sealed class CollectionProgress
    {
        public string Phase { get; internal set; }
        public int ObjectsRead { get; internal set; }
        public int Pages { get; internal set; }
    }

    /// <summary>
    /// Reads a vCenter's inventory in a few requests: one container view over the root folder,
    /// one paged RetrievePropertiesEx with a property set per type (sub-paths such as
    /// config.firewall and config.option, never a whole config), and the custom field
    /// definitions; then maps the objects onto the hypervisor-neutral model.
    /// </summary>
    public sealed class InventoryCollector
    {
        /// <summary>The properties read per type: what the analyses need and nothing more.</summary>
        public static IReadOnlyList<PropertySpec> Specs { get; } = new[]
        {
            new PropertySpec("Datacenter", "name", "parent"),
            new PropertySpec("Folder", "name", "parent"),
            new PropertySpec("ComputeResource", "name", "parent"),
            new PropertySpec("ClusterComputeResource", "name", "parent", "configurationEx"),
            new PropertySpec("HostSystem", "name", "parent", "runtime.connectionState", "runtime.inMaintenanceMode", "config.product",
                "config.lockdownMode", "config.firewall", "config.service", "config.option", "config.network.vswitch",
                "config.network.portgroup", "config.dateTimeInfo", "datastore", "network", "configManager.imageConfigManager"),
            new PropertySpec("VirtualMachine", "name", "parent", "runtime.host", "runtime.powerState", "config.template",
                "config.instanceUuid", "config.guestFullName", "config.annotation", "config.hardware.device", "datastore", "guest.net", "customValue"),
            new PropertySpec("Network", "name"),
            new PropertySpec("DistributedVirtualPortgroup", "name", "config.distributedVirtualSwitch", "config.defaultPortConfig", "config.uplink", "tag"),
            new PropertySpec("DistributedVirtualSwitch", "name", "uuid", "summary.productInfo", "summary.hostMember", "config.uplinkPortgroup"),
            new PropertySpec("Datastore", "name", "summary.type", "host"),
        };

        /// <summary>
        /// Of a VM's devices only the network adapters are kept; disks, controllers and the rest are
        /// skipped unread (they are most of the bytes). A device is an adapter when its type is a
        /// VirtualEthernetCard subtype: the vim25 ones are named Virtual(E1000|E1000e|PCNet32|Vmxnet*|SriovEthernetCard).
        /// </summary>
        public static bool KeepItem(string path, string itemType)
        {
            if (path != "config.hardware.device") return true;
            if (itemType == null) return false;
            return itemType.StartsWith("VirtualE1000", StringComparison.Ordinal) || itemType.StartsWith("VirtualVmxnet", StringComparison.Ordinal)
                || itemType == "VirtualPCNet32" || itemType.IndexOf("Ethernet", StringComparison.Ordinal) >= 0;
        }

        /// <summary>The types the container view holds: everything the property sets above read.</summary>
        public static readonly string[] ViewTypes =
            { "Datacenter", "Folder", "ComputeResource", "HostSystem", "VirtualMachine", "Network", "DistributedVirtualSwitch", "Datastore" };

        private readonly VimClient _client;
        private readonly Dictionary<string, ObjectContent> _objects = new Dictionary<string, ObjectContent>(StringComparer.Ordinal);
        private readonly List<string> _warnings = new List<string>();
        private Dictionary<int, string> _fieldNames = new Dictionary<int, string>();
        private Dictionary<string, List<VmTag>> _tags;
        private readonly Dictionary<(string vm, string nicKey), (string key, string configVersion, TrafficFilter filter)> _ports =
            new Dictionary<(string, string), (string, string, TrafficFilter)>();
        private readonly Dictionary<string, (string acceptance, HostPackage[] packages)> _software = new Dictionary<string, (string, HostPackage[])>(StringComparer.Ordinal);

        public InventoryCollector(VimClient client) { _client = client; }

        /// <summary>Read each host's acceptance level and packages (two calls per host). On by default.</summary>
        public bool ReadSoftware { get; set; } = true;

        /// <summary>Read VM tags through the CIS REST API. On by default.</summary>
        public bool ReadTags { get; set; } = true;

        /// <summary>Read each distributed switch's connected ports (configVersion, the port's own filter). On by default.</summary>
        public bool ReadPorts { get; set; } = true;

        public CollectionProgress Progress { get; } = new CollectionProgress();
        public IReadOnlyList<string> Warnings => _warnings;

        /// <summary>Collects the whole inventory (or the named clusters' part of it, wildcards allowed).</summary>
        public async Task<Inv> CollectAsync(IReadOnlyCollection<string> clusters, CancellationToken cancel)
        {
            Progress.Phase = "Creating a container view";
            var view = await _client.CreateContainerViewAsync(_client.RootFolder, ViewTypes, true, cancel).ConfigureAwait(false);
            try
            {
                Progress.Phase = "Reading objects";
                await _client.RetrieveAsync(view, Specs, o =>
                {
                    _objects[o.Obj.Value] = o;
                    Progress.ObjectsRead++;
                }, cancel, KeepItem).ConfigureAwait(false);
            }
            finally
            {
                // The view lives in the session; leaving it would cost the server memory until logout.
                if (!cancel.IsCancellationRequested)
                {
                    try { await _client.DestroyViewAsync(view, CancellationToken.None).ConfigureAwait(false); }
                    catch (VimFaultException) { /* the session may be gone; the view goes with it */ }
                    catch (VimConnectionException) { /* reported by the collection itself */ }
                }
            }
            Progress.Phase = "Reading custom field definitions";
            await ReadFieldNamesAsync(cancel).ConfigureAwait(false);
            if (ReadPorts)
            {
                Progress.Phase = "Reading distributed ports";
                await ReadPortsAsync(cancel).ConfigureAwait(false);
            }
            if (ReadSoftware)
            {
                Progress.Phase = "Reading installed software";
                await ReadSoftwareAsync(cancel).ConfigureAwait(false);
            }
            else SoftwareNotReadReason ??= "software not read (Get-VirtInventory -SkipSoftware)";
            if (ReadTags && _client.Credential == null)
            {
                // The CIS REST API needs its own login; a session attached from another client has no credential for it.
                _warnings.Add($"VM tags were not collected: the session to {_client.Url.Host} was attached from another client and has no credential for the CIS REST API, so PCI scope can come only from custom attributes and scope maps.");
            }
            else if (ReadTags)
            {
                Progress.Phase = "Reading tags";
                _tags = await new Cis.TagClient(_client).ReadAttachedTagsAsync(cancel).ConfigureAwait(false);
            }
            if (ReadTags && _client.Credential != null && _tags == null) _warnings.Add($"{_client.Url.Host} has no CIS REST API (/rest): VM tags were not collected, so PCI scope can come only from custom attributes and scope maps.");
            Progress.Phase = "Building the inventory";
            return Build(clusters, _client.Url, _client.ServerDescription);
        }

        /// <summary>
        /// Maps objects read some other way (recorded responses, PowerCLI's VMware.Vim views) as if they
        /// had been read from the server at <paramref name="url"/>: the same mapping, so the same inventory.
        /// </summary>
        public static Inv BuildFrom(IEnumerable<ObjectContent> objects, IReadOnlyDictionary<int, string> fieldNames, Uri url, string description, IReadOnlyCollection<string> clusters = null,
            string softwareNotReadReason = null)
        {
            var collector = new InventoryCollector(null) { SoftwareNotReadReason = softwareNotReadReason ?? $"installed software is not part of the {description}" };
            foreach (var o in objects) collector._objects[o.Obj.Value] = o;
            collector._fieldNames = fieldNames.ToDictionary(kv => kv.Key, kv => kv.Value);
            return collector.Build(clusters, url, description);
        }

        private async Task ReadFieldNamesAsync(CancellationToken cancel)
        {
            if (_client.CustomFieldsManager == null) return;
            var content = await _client.RetrieveObjectAsync(_client.CustomFieldsManager, new[] { "field" }, cancel).ConfigureAwait(false);
            _fieldNames = Items(content?["field"]).OfType<VimObject>()
                .Where(f => f.Int("key") != null && f.Text("name") != null)
                .GroupBy(f => f.Int("key").Value).ToDictionary(g => g.Key, g => g.First().Text("name"));
        }

        /// <summary>
        /// The connected ports of every distributed switch (FetchDVPorts): each VM adapter's port
        /// configVersion and, where the port overrides its portgroup, its own traffic filter.
        /// </summary>
        private async Task ReadPortsAsync(CancellationToken cancel)
        {
            foreach (var dvs in OfType("DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch").ToList())
            {
                IReadOnlyList<VimValue> ports;
                try
                {
                    using (var w = new SoapWriter("FetchDVPorts", dvs.Obj).Start("criteria").Bool("connected", true).End())
                        ports = await _client.InvokeListAsync(w, cancel).ConfigureAwait(false);
                }
                catch (MethodNotFoundException)
                {
                    _warnings.Add($"{_client.Url.Host} does not answer FetchDVPorts: port-level traffic filters were not read; each adapter shows its portgroup's.");
                    return;
                }
                foreach (var port in ports.OfType<VimObject>())
                {
                    var connectee = port.Object("connectee");
                    var vm = connectee?.Ref("connectedEntity");
                    if (vm == null || connectee.Text("nicKey") == null) continue;
                    var config = port.Object("config");
                    var policy = config?.Object("setting")?.Object("filterPolicy");
                    var own = policy != null && policy.Bool("inherited") == false ? FilterOf(policy) ?? new TrafficFilter { Rules = Array.Empty<TrafficRule>() } : null;
                    _ports[(vm.Value, connectee.Text("nicKey"))] = (port.Text("key"), config?.Text("configVersion"), own);
                }
            }
        }

        /// <summary>
        /// Each connected host's image acceptance level and installed packages (VIBs): two calls per
        /// host to its HostImageConfigManager, eight hosts at a time. A server without these methods
        /// (MethodNotFound) gives one warning; the acceptance-level and package controls then read nothing.
        /// </summary>
        private async Task ReadSoftwareAsync(CancellationToken cancel)
        {
            var hosts = OfType("HostSystem").Where(o => Text(o["runtime.connectionState"]) == "connected" && o["configManager.imageConfigManager"] is VimRef).ToList();
            var unsupported = 0;
            using (var gate = new SemaphoreSlim(8))
            {
                await Task.WhenAll(hosts.Select(async host =>
                {
                    await gate.WaitAsync(cancel).ConfigureAwait(false);
                    try
                    {
                        if (Volatile.Read(ref unsupported) != 0) return;
                        var manager = (VimRef)host["configManager.imageConfigManager"];
                        string level;
                        IReadOnlyList<VimValue> packages;
                        using (var w = new SoapWriter("HostImageConfigGetAcceptance", manager)) level = Text(await _client.InvokeAsync(w, cancel).ConfigureAwait(false));
                        using (var w = new SoapWriter("fetchSoftwarePackages", manager)) packages = await _client.InvokeListAsync(w, cancel).ConfigureAwait(false);
                        var list = packages.OfType<VimObject>().Select(p => new HostPackage
                        {
                            Name = p.Text("name"),
                            Version = p.Text("version"),
                            Vendor = p.Text("vendor"),
                            AcceptanceLevel = p.Text("acceptanceLevel"),
                        }).Where(p => p.Name != null).ToArray();
                        lock (_software) _software[host.Obj.Value] = (level, list);
                    }
                    catch (Exception ex) when (ex is MethodNotFoundException || ex is ManagedObjectNotFoundException)
                    {
                        // Not implemented, or the host names a manager the server does not have.
                        Interlocked.Exchange(ref unsupported, 1);
                    }
                    finally
                    {
                        gate.Release();
                    }
                })).ConfigureAwait(false);
            }
            if (unsupported != 0)
            {
                SoftwareNotReadReason = $"{_client.Url.Host} does not report installed software (HostImageConfigManager)";
                _software.Clear();
                _warnings.Add($"{_client.Url.Host} does not report installed software (HostImageConfigManager): the image acceptance level and package (VIB) controls are not evaluated.");
            }
        }

        // ---- mapping ---------------------------------------------------------------------------

        private IEnumerable<ObjectContent> OfType(params string[] types) => _objects.Values.Where(o => types.Contains(o.Obj.RefType));

        private Inv Build(IReadOnlyCollection<string> clusterFilter, Uri url, string serverDescription)
        {
            var datacenters = OfType("Datacenter").Select(o => new Datacenter { Id = o.Obj.Value, Name = Text(o["name"]) }).ToList();
            var switches = OfType("DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch").Select(MapSwitch).ToList();
            var switchByUuid = OfType("DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch")
                .Where(o => Text(o["uuid"]) != null).GroupBy(o => Text(o["uuid"])).ToDictionary(g => g.Key, g => g.First().Obj.Value, StringComparer.OrdinalIgnoreCase);
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
            var networks = OfType("Network", "DistributedVirtualPortgroup", "OpaqueNetwork").Select(MapNetwork)
                .Select(n => uplinks.Contains(n.Id) && !n.IsUplink ? n with { IsUplink = true } : n).ToList();
            var datastores = OfType("Datastore").Select(o => new Datastore
            {
                Id = o.Obj.Value,
                Name = Text(o["name"]),
                Type = Text(o["summary.type"]),
                HostIds = Items(o["host"]).OfType<VimObject>().Select(m => m.Ref("key")?.Value).Where(id => id != null).ToArray(),
            }).ToList();
            var clusters = OfType("ClusterComputeResource").Select(MapCluster).ToList();
            var hosts = OfType("HostSystem").Select(o => MapHost(o, dvsByHost)).ToList();
            // VMs are most of the work; their mapping only reads shared state, so both cores share it.
            var vms = OfType("VirtualMachine").ToList().AsParallel().AsOrdered().Select(o => MapVm(o, switchByUuid)).Where(v => v != null).ToList();

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
                datacenters, clusters, hosts, networks, switches, datastores, vms);
        }

        /// <summary>The datacenter an object sits in, by walking up its parents.</summary>
        private string DatacenterOf(string id)
        {
            for (var guard = 0; id != null && guard < 64; guard++)
            {
                if (!_objects.TryGetValue(id, out var o)) return null;
                if (o.Obj.RefType == "Datacenter") return o.Obj.Value;
                id = (o["parent"] as VimRef)?.Value;
            }
            return null;
        }

        /// <summary>"/DC/vm/Payments/DB": the names from the datacenter down to the VM's folder.</summary>
        private string FolderPath(string folderId)
        {
            var names = new List<string>();
            for (var guard = 0; folderId != null && guard < 64; guard++)
            {
                if (!_objects.TryGetValue(folderId, out var o)) break;
                names.Add(Text(o["name"]));
                if (o.Obj.RefType == "Datacenter") break;
                folderId = (o["parent"] as VimRef)?.Value;
            }
            names.Reverse();
            return names.Count == 0 ? null : "/" + string.Join("/", names);
        }

        private static DistributedSwitch MapSwitch(ObjectContent o) => new DistributedSwitch
        {
            Id = o.Obj.Value,
            ManagedObjectType = o.Obj.RefType,
            Name = Text(o["name"]),
            Version = (o["summary.productInfo"] as VimObject)?.Text("version"),
            HostIds = Items(o["summary.hostMember"]).OfType<VimRef>().Select(r => r.Value).ToArray(),
        };

        private Network MapNetwork(ObjectContent o)
        {
            var kind = o.Obj.RefType == "DistributedVirtualPortgroup" ? NetworkKind.DistributedPortgroup
                : o.Obj.RefType == "OpaqueNetwork" ? NetworkKind.OpaqueNetwork : NetworkKind.StandardPortgroup;
            var network = new Network { Id = o.Obj.Value, Name = Text(o["name"]), Kind = kind, DatacenterId = DatacenterOf(o.Obj.Value) };
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
            };
        }

        /// <summary>A security policy; distributed ones wrap each value in a BoolPolicy (inherited, value).</summary>
        private static SecurityPolicy SecurityOf(VimObject policy, bool wrapped)
        {
            if (policy == null) return new SecurityPolicy();
            bool? Read(string name) => wrapped ? policy.Object(name)?.Bool("value") : policy.Bool(name);
            return new SecurityPolicy { AllowPromiscuous = Read("allowPromiscuous"), MacChanges = Read("macChanges"), ForgedTransmits = Read("forgedTransmits") };
        }

        /// <summary>The traffic filter of a DvsFilterPolicy (its DvsTrafficFilterConfig), or null when there is none.</summary>
        public static TrafficFilter FilterOf(VimObject policy)
        {
            var config = policy?.Objects("filterConfig").FirstOrDefault(c => c.Type == null || c.Type == "DvsTrafficFilterConfig" || c.Object("trafficRuleset") != null);
            var ruleset = config?.Object("trafficRuleset");
            if (ruleset == null) return null;
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
        private static TrafficAction ActionOf(string type)
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

        private static IReadOnlyList<string> Address(VimValue value)
        {
            if (!(value is VimObject a)) return Array.Empty<string>();
            if (a.Text("addressPrefix") != null) return new[] { $"{a.Text("addressPrefix")}/{a.Text("prefixLength")}" };
            if (a.Text("address") != null) return new[] { a.Text("address") };
            return Array.Empty<string>();
        }

        private static string Port(VimValue value)
        {
            if (!(value is VimObject p)) return null;
            if (p.Text("portNumber") != null) return p.Text("portNumber");
            if (p.Text("startPortNumber") != null) return $"{p.Text("startPortNumber")}-{p.Text("endPortNumber")}";
            return null;
        }

        private static Cluster MapCluster(ObjectContent o)
        {
            var config = o["configurationEx"] as VimObject;
            var drs = config?.Object("drsConfig");
            var rules = new List<ClusterRule>();
            foreach (var r in config?.Objects("rule") ?? Enumerable.Empty<VimObject>())
            {
                var rule = new ClusterRule { RuleKey = r.Int("key"), Name = r.Text("name"), Enabled = r.Bool("enabled") ?? true, Mandatory = r.Bool("mandatory") ?? false };
                switch (r.Type)
                {
                    case "ClusterVmHostRuleInfo":
                        rules.Add(rule with
                        {
                            Kind = ClusterRuleKind.VmHost,
                            VmGroup = r.Text("vmGroupName"),
                            AffineHostGroup = r.Text("affineHostGroupName"),
                            AntiAffineHostGroup = r.Text("antiAffineHostGroupName"),
                        });
                        break;
                    case "ClusterAffinityRuleSpec":
                    case "ClusterAntiAffinityRuleSpec":
                        rules.Add(rule with
                        {
                            Kind = r.Type == "ClusterAffinityRuleSpec" ? ClusterRuleKind.VmAffinity : ClusterRuleKind.VmAntiAffinity,
                            VmIds = r.All("vm").OfType<VimRef>().Select(v => v.Value).ToArray(),
                        });
                        break;
                }
            }
            var groups = config?.Objects("group").ToArray() ?? Array.Empty<VimObject>();
            return new Cluster
            {
                Id = o.Obj.Value,
                Name = Text(o["name"]),
                DrsEnabled = drs?.Bool("enabled") ?? false,
                DrsAutomationLevel = Behavior(drs?.Text("defaultVmBehavior")) ?? DrsAutomationLevel.FullyAutomated,
                HaEnabled = config?.Object("dasConfig")?.Bool("enabled") ?? false,
                VmGroups = groups.Where(g => g.Type == "ClusterVmGroup")
                    .Select(g => new ClusterGroup { Name = g.Text("name"), Members = g.All("vm").OfType<VimRef>().Select(v => v.Value).ToArray() }).ToArray(),
                HostGroups = groups.Where(g => g.Type == "ClusterHostGroup")
                    .Select(g => new ClusterGroup { Name = g.Text("name"), Members = g.All("host").OfType<VimRef>().Select(v => v.Value).ToArray() }).ToArray(),
                Rules = rules,
                DrsVmOverrides = (config?.Objects("drsVmConfig") ?? Enumerable.Empty<VimObject>()).Where(c => c.Ref("key") != null).Select(c => new DrsVmOverride
                {
                    VmId = c.Ref("key").Value,
                    Enabled = c.Bool("enabled") ?? true,
                    Behavior = Behavior(c.Text("behavior")),
                }).ToArray(),
            };
        }

        private static DrsAutomationLevel? Behavior(string text)
        {
            switch (text)
            {
                case "manual": return DrsAutomationLevel.Manual;
                case "partiallyAutomated": return DrsAutomationLevel.PartiallyAutomated;
                case "fullyAutomated": return DrsAutomationLevel.FullyAutomated;
                default: return null;
            }
        }

        private Host MapHost(ObjectContent o, Dictionary<string, List<string>> dvsByHost)
        {
            var parent = (o["parent"] as VimRef);
            var product = o["config.product"] as VimObject;
            var firewall = o["config.firewall"] as VimObject;
            var vswitches = Items(o["config.network.vswitch"]).OfType<VimObject>().ToArray();
            return new Host
            {
                Id = o.Obj.Value,
                Name = Text(o["name"]),
                DatacenterId = DatacenterOf(o.Obj.Value),
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
                        Key = r.Text("key"),
                        Label = r.Text("label"),
                        Enabled = r.Bool("enabled") ?? false,
                        AllowedAllIp = r.Object("allowedHosts")?.Bool("allIp") ?? true,
                        AllowedIps = r.Object("allowedHosts")?.All("ipAddress").Select(Text).ToArray() ?? Array.Empty<string>(),
                        AllowedNetworks = r.Object("allowedHosts")?.Objects("ipNetwork").Select(n => $"{n.Text("network")}/{n.Text("prefixLength")}").ToArray() ?? Array.Empty<string>(),
                    }).ToArray(),
                },
                Services = ((o["config.service"] as VimObject)?.Objects("service") ?? Enumerable.Empty<VimObject>()).Select(s => new HostService
                {
                    Key = s.Text("key"),
                    Label = s.Text("label"),
                    Running = s.Bool("running") ?? false,
                    Policy = s.Text("policy") == "on" ? ServicePolicy.On : s.Text("policy") == "automatic" ? ServicePolicy.Automatic : ServicePolicy.Off,
                }).ToArray(),
                AdvancedOptions = Items(o["config.option"]).OfType<VimObject>().Where(v => v.Text("key") != null)
                    .GroupBy(v => v.Text("key")).ToDictionary(g => g.Key, g => Text(g.First()["value"]) ?? "", StringComparer.Ordinal),
                NtpServers = (o["config.dateTimeInfo"] as VimObject)?.Object("ntpConfig")?.All("server").Select(Text).ToArray() ?? Array.Empty<string>(),
                StandardSwitches = vswitches.Select(s => new StandardSwitch
                {
                    Name = s.Text("name"),
                    Mtu = s.Int("mtu") ?? 1500,
                    Uplinks = s.Object("spec")?.Object("bridge")?.All("nicDevice").Select(Text).ToArray()
                        ?? s.All("pnic").Select(p => Text(p)?.Split('-').Last()).ToArray(),
                    Security = SecurityOf(s.Object("spec")?.Object("policy")?.Object("security"), wrapped: false),
                }).ToArray(),
                Portgroups = Items(o["config.network.portgroup"]).OfType<VimObject>().Select(p => p.Object("spec")).Where(s => s != null).Select(s => new HostPortgroup
                {
                    Name = s.Text("name"),
                    VSwitch = s.Text("vswitchName"),
                    VlanId = s.Int("vlanId") ?? 0,
                    Security = SecurityOf(s.Object("policy")?.Object("security"), wrapped: false),
                }).ToArray(),
                AcceptanceLevel = _software.TryGetValue(o.Obj.Value, out var software) ? software.acceptance : null,
                Packages = software.packages ?? Array.Empty<HostPackage>(),
                NotReported = NotReported(o, _software.ContainsKey(o.Obj.Value)),
                DvsIds = dvsByHost.TryGetValue(o.Obj.Value, out var dvs) ? dvs.ToArray() : Array.Empty<string>(),
                DatastoreIds = Items(o["datastore"]).OfType<VimRef>().Select(r => r.Value).ToArray(),
                NetworkIds = Items(o["network"]).OfType<VimRef>().Select(r => r.Value).ToArray(),
            };
        }

        /// <summary>Which property paths carry which part of a host's configuration.</summary>
        private static readonly (string path, string area)[] HostAreas =
        {
            ("config.firewall", DataArea.Firewall), ("config.service", DataArea.Services), ("config.option", DataArea.Options),
            ("config.network.vswitch", DataArea.Network), ("config.network.portgroup", DataArea.Network),
            ("config.dateTimeInfo", DataArea.Time), ("config.lockdownMode", DataArea.Lockdown), ("config.product", DataArea.Product),
        };

        /// <summary>Why software was not read from any host, when it was not (set by the caller for PowerCLI objects, -SkipSoftware, an old server).</summary>
        public string SoftwareNotReadReason { get; set; }

        /// <summary>
        /// The areas of a connected host's configuration the server did not report: a property in the
        /// answer's missingSet (NoPermission: an account without the privilege) or absent altogether
        /// (a connected ESXi host always has these). Controls that read them are then NotEvaluated,
        /// not judged on the model's empty defaults. Portgroups may legitimately be absent (a host on
        /// distributed switches only), so only a fault counts for them.
        /// </summary>
        private IReadOnlyDictionary<string, string> NotReported(ObjectContent o, bool softwareRead)
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
                result[DataArea.Software] = SoftwareNotReadReason ?? "installed software (VIBs and acceptance level) was not read from this host";
            return result.Count == 0 ? null : result;
        }

        private Vm MapVm(ObjectContent o, Dictionary<string, string> switchByUuid)
        {
            var guestNics = Items(o["guest.net"]).OfType<VimObject>().ToArray();
            var nics = new List<VmNic>();
            foreach (var device in Items(o["config.hardware.device"]).OfType<VimObject>())
            {
                if (device.Text("macAddress") == null && device.Object("backing")?.Type?.StartsWith("VirtualEthernetCard", StringComparison.Ordinal) != true) continue;
                var key = device.Int("key") ?? 0;
                var backing = device.Object("backing");
                string networkId = null, dvsId = null, portKey = null;
                if (backing?.Type == "VirtualEthernetCardDistributedVirtualPortBackingInfo")
                {
                    var port = backing.Object("port");
                    networkId = port?.Text("portgroupKey");
                    portKey = port?.Text("portKey");
                    var uuid = port?.Text("switchUuid");
                    if (uuid != null) switchByUuid.TryGetValue(uuid, out dvsId);
                }
                else networkId = backing?.Ref("network")?.Value ?? backing?.Text("opaqueNetworkId");
                var mac = device.Text("macAddress");
                var guest = guestNics.FirstOrDefault(g => g.Int("deviceConfigId") == key)
                    ?? guestNics.FirstOrDefault(g => mac != null && string.Equals(g.Text("macAddress"), mac, StringComparison.OrdinalIgnoreCase));
                string portConfigVersion = null;
                TrafficFilter portFilter = null;
                if (_ports.TryGetValue((o.Obj.Value, key.ToString(CultureInfo.InvariantCulture)), out var dvPort))
                {
                    portKey = dvPort.key ?? portKey;
                    portConfigVersion = dvPort.configVersion;
                    portFilter = dvPort.filter;
                }
                nics.Add(new VmNic
                {
                    PortConfigVersion = portConfigVersion,
                    PortFilter = portFilter,
                    Key = key,
                    Label = device.Object("deviceInfo")?.Text("label"),
                    MacAddress = mac,
                    NetworkId = networkId,
                    DvsId = dvsId,
                    PortKey = portKey,
                    Connected = device.Object("connectable")?.Bool("connected") ?? true,
                    IpAddresses = guest?.All("ipAddress").Select(Text).Where(ip => !string.IsNullOrEmpty(ip)).ToArray() ?? Array.Empty<string>(),
                });
            }
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var value in Items(o["customValue"]).OfType<VimObject>())
            {
                var k = value.Int("key");
                if (k != null && _fieldNames.TryGetValue(k.Value, out var name)) attributes[name] = value.Text("value") ?? "";
            }
            var state = Text(o["runtime.powerState"]);
            return new Vm
            {
                Id = o.Obj.Value,
                Name = Text(o["name"]),
                HostId = (o["runtime.host"] as VimRef)?.Value,
                PowerState = state == "poweredOff" ? PowerState.PoweredOff : state == "suspended" ? PowerState.Suspended : PowerState.PoweredOn,
                Template = Text(o["config.template"]) == "true",
                Folder = FolderPath((o["parent"] as VimRef)?.Value),
                GuestOs = Text(o["config.guestFullName"]),
                InstanceUuid = Text(o["config.instanceUuid"]),
                Annotation = string.IsNullOrEmpty(Text(o["config.annotation"])) ? null : Text(o["config.annotation"]),
                Nics = nics,
                DatastoreIds = Items(o["datastore"]).OfType<VimRef>().Select(r => r.Value).ToArray(),
                CustomAttributes = attributes,
                Tags = _tags != null && _tags.TryGetValue(o.Obj.Value, out var tags) ? tags.ToArray() : Array.Empty<VmTag>(),
            };
        }

        /// <summary>The items of an ArrayOf... value; empty for an absent or empty one; the value itself for a single item.</summary>
        public static IEnumerable<VimValue> Items(VimValue value)
        {
            if (value == null) return Enumerable.Empty<VimValue>();
            if (value is VimObject o && o.Type != null && o.Type.StartsWith("ArrayOf", StringComparison.Ordinal)) return o.Items;
            if (value is VimText t && t.Text.Length == 0 && t.Type != null && t.Type.StartsWith("ArrayOf", StringComparison.Ordinal)) return Enumerable.Empty<VimValue>();
            return new[] { value };
        }

        private static string Text(VimValue value) => value switch
        {
            VimText t => t.Text,
            VimRef r => r.Value,
            _ => null,
        };
    }
}
