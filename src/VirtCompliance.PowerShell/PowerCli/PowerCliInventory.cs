using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Soap;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.PowerShell.PowerCli
{
    /// <summary>
    /// Builds an inventory from PowerCLI objects piped into a cmdlet: the impl objects of Get-VMHost,
    /// Get-VM, Get-Cluster, Get-VDPortgroup, Get-VDSwitch, Get-Datastore (through their ExtensionData)
    /// and the views of Get-View, all read through PowerShell members. Each object is read with the
    /// collector's own property set and mapped by the collector's own mapping, so a lab gives the same
    /// inventory whether it arrives as PowerCLI objects or is collected by Get-VirtInventory.
    ///
    /// What an analysis needs beyond the piped objects is followed: a VM's host and a host's cluster
    /// from the impl objects (VMHost, Parent); and, when a fetch function is given (the cmdlet passes
    /// PowerCLI's Get-View -Id), every host of each cluster (drift majorities and move targets need the
    /// whole cluster), the datastores and networks VMs and hosts use, and the switches of portgroups.
    /// </summary>
    public sealed class PowerCliInventory
    {
        /// <summary>Why hosts read from PowerCLI objects have no lockdown exception users: only a method call returns them.</summary>
        public const string LockdownExceptionsReason = "PowerCLI objects carry no lockdown exception users (HostAccessManager.QueryLockdownExceptions)";
        /// <summary>Why hosts read from PowerCLI objects have no ESXCLI answers: Get-EsxCli runs commands, its answers are not part of a view.</summary>
        public const string EsxCliReason = "PowerCLI objects carry no ESXCLI answers (Get-EsxCli -V2 runs each command on the host)";


        // One property set per type. A switch view reads the base switch's properties and the VMware switch's
        // (optional ones: a third-party switch's view lacks them, and its switch controls are then not evaluated).
        private static readonly Dictionary<string, PropertySpec> SpecByType = BuildSpecs();

        private static Dictionary<string, PropertySpec> BuildSpecs()
        {
            var specs = InventoryCollector.Specs.Where(s => s.Type != "VmwareDistributedVirtualSwitch").ToDictionary(s => s.Type, StringComparer.Ordinal);
            var switchPaths = InventoryCollector.Specs.Where(s => s.Type == "DistributedVirtualSwitch" || s.Type == "VmwareDistributedVirtualSwitch")
                .SelectMany(s => s.Paths).Distinct(StringComparer.Ordinal).ToArray();
            specs["DistributedVirtualSwitch"] = new PropertySpec("DistributedVirtualSwitch", switchPaths);
            specs["VmwareDistributedVirtualSwitch"] = new PropertySpec("VmwareDistributedVirtualSwitch", switchPaths);
            return specs;
        }

        private readonly Dictionary<string, ObjectContent> _objects = new Dictionary<string, ObjectContent>(StringComparer.Ordinal);
        private readonly Dictionary<int, string> _fieldNames = new Dictionary<int, string>();
        private readonly List<string> _warnings = new List<string>();
        private readonly HashSet<string> _pipedHosts = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _pipedClusters = new HashSet<string>(StringComparer.Ordinal);
        /// <summary>Extra references each object carries that the mapping does not read but following does (a cluster's hosts, a VM's networks).</summary>
        private readonly Dictionary<string, List<VimRef>> _links = new Dictionary<string, List<VimRef>>(StringComparer.Ordinal);
        private string? _server;
        /// <summary>Objects to fetch that no read object refers to (the hosts of standard portgroups piped in).</summary>
        private readonly List<VimRef> _pending = new List<VimRef>();

        public IReadOnlyList<string> Warnings => _warnings;

        /// <summary>True once an object was added.</summary>
        public bool Any => _objects.Count > 0 || _pending.Count > 0;

        /// <summary>Adds an object piped in (and, for impl objects, the host and cluster it leads to).</summary>
        /// <exception cref="PowerCliShapeException">The object is not shaped like a PowerCLI object or view.</exception>
        public void Add(PSObject input) => Add(input, piped: true);

        private void Add(PSObject input, bool piped)
        {
            var what = Describe(input);
            var extension = input.Properties["ExtensionData"];
            var view = extension != null ? VimViewReader.AsPSObject(extension.Value ?? throw new PowerCliShapeException(what, "ExtensionData")) : input;
            if (extension != null) NoteServer(input.Properties["Uid"]?.Value as string);
            if (IsStandardPortgroup(input, view))
            {
                // Get-VirtualPortGroup -Standard: a host's portgroup, whose VLAN and security policy are in that host's own
                // config; the host is what to read (fetched by its PowerCLI id).
                if (input.Properties["VMHostId"]?.Value is string hostId && ParseId(hostId) is VimRef h) _pending.Add(h);
                else throw new PowerCliShapeException(what, "VMHostId");
                return;
            }
            var moRef = VimViewReader.Ref(view.Properties["MoRef"]?.Value)
                // PowerCLI's own id ("HostSystem-host-21") names the object when its view has no MoRef.
                ?? (extension != null ? ParseId(input.Properties["Id"]?.Value as string) : null)
                ?? throw new PowerCliShapeException(what, extension != null ? "ExtensionData.MoRef" : "MoRef");
            NoteServer(view);

            if (piped)
            {
                if (moRef.RefType == "HostSystem") _pipedHosts.Add(moRef.Value);
                else if (moRef.RefType == "ClusterComputeResource") _pipedClusters.Add(moRef.Value);
            }
            if (!_objects.ContainsKey(moRef.Value))
            {
                // Subtypes read with their base type's property set, as the collector's container view reads them.
                var specType = moRef.RefType == "OpaqueNetwork" ? "Network" : moRef.RefType;
                if (!SpecByType.TryGetValue(specType, out var spec))
                    throw new PowerCliShapeException($"{what} is a {moRef.RefType} ({moRef.Value}), which the analyses do not use: pipe hosts, VMs, clusters, portgroups, switches, datastores, datacenters or folders.");
                var content = new ObjectContent(moRef);
                var label = $"{moRef.RefType} '{Name(view) ?? moRef.Value}'";
                foreach (var path in spec.Paths)
                {
                    VimValue? value;
                    try
                    {
                        value = VimViewReader.Read(view, path, label, InventoryCollector.KeepItem);
                    }
                    catch (PowerCliShapeException) when (InventoryCollector.OptionalPaths.Contains(path) || InventoryMapping.MinimumVersion.ContainsKey(path))
                    {
                        // A view without these still places the object; only the controls that read them go unevaluated.
                        // A PowerCLI built on an API older than a property (uefiSecureBoot: 7.0) has no such member: not reported, not a wrong object.
                        if (InventoryCollector.OptionalPaths.Contains(path)) content.Missing[path] = "not in the PowerCLI object";
                        continue;
                    }
                    if (value != null) content.Properties[path] = value;
                }
                _objects[moRef.Value] = content;
                ReadLinks(view, moRef, label);
                ReadFieldNames(view);
            }

            // Impl objects know their host and cluster without asking the server.
            if (extension != null)
            {
                if (moRef.RefType == "VirtualMachine" && input.Properties["VMHost"]?.Value is object vmHost) Add(VimViewReader.AsPSObject(vmHost), piped: false);
                if (moRef.RefType == "HostSystem" && input.Properties["Parent"]?.Value is object parent && IsCluster(parent)) Add(VimViewReader.AsPSObject(parent), piped: false);
            }
        }

        /// <summary>
        /// Follows references to objects not yet read, fetching them in batches ("HostSystem-host-21"
        /// ids, as Get-View -Id takes them) until nothing more is needed. Without a fetch function, what
        /// is missing is reported as warnings when the inventory is built.
        /// </summary>
        public void Complete(Func<IReadOnlyList<string>, IEnumerable<PSObject>>? fetch)
        {
            if (fetch == null) return;
            var asked = new HashSet<string>(StringComparer.Ordinal);
            for (var round = 0; round < 6; round++)
            {
                var missing = Wanted().Where(r => !_objects.ContainsKey(r.Value) && asked.Add(r.Value)).ToList();
                if (missing.Count == 0) return;
                foreach (var view in fetch(missing.Select(r => $"{r.RefType}-{r.Value}").ToList()) ?? Enumerable.Empty<PSObject>())
                    if (view != null) Add(view, piped: false);
            }
        }

        /// <summary>The inventory of everything read, mapped as Get-VirtInventory maps a server's objects.</summary>
        public Inv Build()
        {
            var missing = Wanted().Where(r => !_objects.ContainsKey(r.Value)).GroupBy(r => r.Value).Select(g => g.First());
            foreach (var r in missing.GroupBy(r => r.RefType))
                _warnings.Add($"{r.Count()} {r.Key} object(s) that the piped objects refer to were not piped in and could not be fetched ({string.Join(", ", r.Select(x => x.Value).Take(5))}{(r.Count() > 5 ? ", ..." : "")}); " +
                              "pipe them too (Get-View -Id, Get-Datastore, Get-VDPortgroup) or use Get-VirtInventory for a complete inventory.");
            // A host whose cluster is unknown would point at nothing; a VM whose host is unknown likewise.
            foreach (var host in _objects.Values.Where(o => o.Obj.RefType == "HostSystem"))
                if (host["parent"] is VimRef p && p.RefType == "ClusterComputeResource" && !_objects.ContainsKey(p.Value))
                {
                    _warnings.Add($"Host '{Text(host["name"])}' belongs to cluster {p.Value}, which was not piped in: it is analysed as a standalone host.");
                    host.Properties.Remove("parent");
                }
            foreach (var vm in _objects.Values.Where(o => o.Obj.RefType == "VirtualMachine"))
                if (vm["runtime.host"] is VimRef h && !_objects.ContainsKey(h.Value))
                {
                    _warnings.Add($"VM '{Text(vm["name"])}' runs on host {h.Value}, which was not piped in: its placement is unknown.");
                    vm.Properties.Remove("runtime.host");
                }
            if (_objects.Values.Any(o => o.Obj.RefType == "HostSystem"))
                _warnings.Add("PowerCLI's objects do not carry the hosts' image acceptance level or installed packages (VIBs): those controls are not evaluated. " +
                              "For those, collect with Get-VirtInventory over PowerCLI's session (Connect-VirtServer -ViServer $global:DefaultVIServer).");
            var url = new Uri("https://" + (_server ?? "powercli") + "/sdk");
            return InventoryCollector.BuildFrom(_objects.Values, _fieldNames, url, "PowerCLI objects", softwareNotReadReason: "PowerCLI objects carry no VIBs or image acceptance level",
                lockdownExceptionsNotReadReason: LockdownExceptionsReason, esxCliNotReadReason: EsxCliReason);
        }

        /// <summary>Hosts to report on: those piped in and those of the clusters piped in; empty when neither was.</summary>
        public IReadOnlyCollection<string> FocusHosts =>
            _pipedHosts.Concat(_objects.Values.Where(o => o.Obj.RefType == "HostSystem" && o["parent"] is VimRef p && _pipedClusters.Contains(p.Value)).Select(o => o.Obj.Value))
                .Distinct().ToList();

        private IEnumerable<VimRef> Wanted()
        {
            foreach (var r in _pending) yield return r;
            foreach (var o in _objects.Values.ToList())
            {
                switch (o.Obj.RefType)
                {
                    case "VirtualMachine":
                        if (o["runtime.host"] is VimRef host) yield return host;
                        foreach (var r in InventoryMapping.Items(o["datastore"]).OfType<VimRef>()) yield return r;
                        break;
                    case "HostSystem":
                        if (o["parent"] is VimRef parent && parent.RefType == "ClusterComputeResource") yield return parent;
                        foreach (var r in InventoryMapping.Items(o["datastore"]).OfType<VimRef>()) yield return r;
                        foreach (var r in InventoryMapping.Items(o["network"]).OfType<VimRef>()) yield return r;
                        break;
                    case "DistributedVirtualPortgroup":
                        if (o["config.distributedVirtualSwitch"] is VimRef dvs) yield return dvs;
                        break;
                }
                if (_links.TryGetValue(o.Obj.Value, out var links))
                    foreach (var r in links) yield return r;
            }
        }

        /// <summary>References read only for following: a cluster's hosts, a VM's networks.</summary>
        private void ReadLinks(PSObject view, VimRef moRef, string label)
        {
            string? member = moRef.RefType == "ClusterComputeResource" ? "Host" : moRef.RefType == "VirtualMachine" ? "Network" : null;
            if (member == null) return;
            var property = view.Properties[member] ?? throw new PowerCliShapeException(label, member);
            var refs = (property.Value as System.Collections.IEnumerable)?.Cast<object>().Select(VimViewReader.Ref).OfType<VimRef>().ToList();
            if (refs != null && refs.Count > 0) _links[moRef.Value] = refs;
        }

        /// <summary>Custom attribute names: every ManagedEntity view lists the field definitions in AvailableField.</summary>
        private void ReadFieldNames(PSObject view)
        {
            if (!(view.Properties["AvailableField"]?.Value is System.Collections.IEnumerable fields)) return;
            foreach (var f in fields.Cast<object>().Where(f => f != null).Select(VimViewReader.AsPSObject))
                if (f.Properties["Key"]?.Value is object key && f.Properties["Name"]?.Value is string name)
                    _fieldNames[Convert.ToInt32(VimViewReader.Unwrap(key), System.Globalization.CultureInfo.InvariantCulture)] = name;
        }

        private static bool IsCluster(object parent)
        {
            var ext = VimViewReader.AsPSObject(parent).Properties["ExtensionData"]?.Value;
            return ext != null && VimViewReader.Ref(VimViewReader.AsPSObject(ext).Properties["MoRef"]?.Value)?.RefType == "ClusterComputeResource";
        }

        /// <summary>Impl objects' Uid: "/VIServer=user@vcsa-01.example.com:443/VMHost=HostSystem-host-21/".</summary>
        private void NoteServer(string? uid)
        {
            if (_server != null || uid == null) return;
            var start = uid.IndexOf("/VIServer=", StringComparison.Ordinal);
            if (start < 0) return;
            var server = uid.Substring(start + 10).Split('/')[0];
            var at = server.LastIndexOf('@');
            _server = at >= 0 ? server.Substring(at + 1) : server;
            if (_server.EndsWith(":443", StringComparison.Ordinal)) _server = _server.Substring(0, _server.Length - 4);
        }

        /// <summary>Views' Client.ServiceUrl: "https://vcsa-01.example.com/sdk".</summary>
        private void NoteServer(PSObject view)
        {
            if (_server != null) return;
            var client = view.Properties["Client"]?.Value;
            if (client != null && VimViewReader.AsPSObject(client).Properties["ServiceUrl"]?.Value is string url && Uri.TryCreate(url, UriKind.Absolute, out var u))
                _server = u.IsDefaultPort ? u.Host : $"{u.Host}:{u.Port}";
        }

        private static string? Name(PSObject o) => o.Properties["Name"]?.Value as string;

        /// <summary>"HostSystem-host-21" → HostSystem host-21 (the type never contains '-'; the value may).</summary>
        private static VimRef? ParseId(string? id)
        {
            if (id == null) return null;
            var dash = id.IndexOf('-');
            return dash > 0 && dash < id.Length - 1 ? new VimRef(id.Substring(0, dash), id.Substring(dash + 1)) : null;
        }

        private static bool IsStandardPortgroup(PSObject input, PSObject view) =>
            input.TypeNames.Any(t => t.EndsWith("VirtualPortGroupImpl", StringComparison.Ordinal) && !t.EndsWith("VDPortgroupImpl", StringComparison.Ordinal))
            || view.TypeNames.Any(t => t == "VMware.Vim.HostPortGroup");

        private static string Describe(PSObject o)
        {
            var type = o.TypeNames.Count > 0 ? o.TypeNames[0] : o.BaseObject?.GetType().FullName;
            var name = o.Properties["Name"]?.Value as string;
            return name != null ? $"{type} '{name}'" : $"An object of type {type}";
        }

        private static string? Text(VimValue? value) => (value as VimText)?.Text;
    }
}
