using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Common;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Model;
using VirtCompliance.Vim.Collector.Mappers;
using VirtCompliance.Vim.Soap;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Vim.Collector
{
    /// <summary>
    /// Reads a vCenter's inventory in a few requests: one container view over the root folder,
    /// one paged RetrievePropertiesEx with a property set per type (sub-paths such as
    /// config.firewall and config.option, never a whole config), and the custom field
    /// definitions; then maps the objects onto the hypervisor-neutral model.
    /// </summary>
    public sealed class InventoryCollector : IInventorySource
    {
        /// <summary>The properties read per type (each type's mapper says which).</summary>
        public static IReadOnlyList<PropertySpec> Specs => InventoryMapping.Specs;

        /// <summary>
        /// The properties to ask this server for: a path newer than the version the requests name is
        /// left out (a server refuses a path its version does not have), and its area is then not reported.
        /// </summary>
        private static IReadOnlyList<PropertySpec> SpecsFor(VimClient client) =>
            Specs.Select(s => new PropertySpec(s.Type, s.Paths.Where(p => !InventoryMapping.MinimumVersion.TryGetValue(p, out var v) || client.Speaks(v)).ToArray())).ToArray();

        /// <summary>
        /// Of a VM's devices only the network adapters and the devices VM controls read are kept;
        /// controllers, video cards and the rest are skipped unread. A device is an adapter when its
        /// type is a VirtualEthernetCard subtype: the vim25 ones are named
        /// Virtual(E1000|E1000e|PCNet32|Vmxnet*|SriovEthernetCard).
        /// </summary>
        public static bool KeepItem(string path, string? itemType)
        {
            if (path != "config.hardware.device") return true;
            if (itemType == null) return false;
            return itemType.StartsWith("VirtualE1000", StringComparison.Ordinal) || itemType.StartsWith("VirtualVmxnet", StringComparison.Ordinal)
                || itemType == "VirtualPCNet32" || itemType.IndexOf("Ethernet", StringComparison.Ordinal) >= 0
                || VmMapper.ControlDeviceTypes.Contains(itemType);
        }

        /// <summary>
        /// The properties only VM, switch and portgroup controls read: a source without them (PowerCLI
        /// objects of an older shape) still gives the object, with those controls not evaluated.
        /// </summary>
        public static IReadOnlyCollection<string> OptionalPaths { get; } =
            new HashSet<string>(VmMapper.SettingsPaths.Concat(SwitchMapper.SettingsPaths).Concat(new[] { "config.policy", "summary" }), StringComparer.Ordinal);

        /// <summary>The types the container view holds: everything the property sets above read.</summary>
        public static readonly string[] ViewTypes =
            { "Datacenter", "Folder", "ComputeResource", "HostSystem", "VirtualMachine", "Network", "DistributedVirtualSwitch", "Datastore" };

        private readonly VimClient _client;
        private readonly InventoryMapping _read = new InventoryMapping();
        private readonly List<string> _warnings = new List<string>();

        public InventoryCollector(VimClient client) { _client = client; }

        /// <summary>Read each host's acceptance level and packages (two calls per host). On by default.</summary>
        public bool ReadSoftware { get; set; } = true;
        /// <summary>Call QueryLockdownExceptions on each host (no property carries the users).</summary>
        public bool ReadLockdownExceptions { get; set; } = true;
        /// <summary>Why the lockdown exception users were not read, when ReadLockdownExceptions is off: says so on every host's control.</summary>
        public string? LockdownExceptionsNotReadReason
        {
            get => _read.LockdownExceptionsNotReadReason;
            set => _read.LockdownExceptionsNotReadReason = value;
        }

        /// <summary>Run the ESXCLI commands host controls read on each host (through its ReflectManagedMethodExecuter). On by default.</summary>
        public bool ReadEsxCli { get; set; } = true;
        /// <summary>Why ESXCLI was not read, when ReadEsxCli is off: says so on every host's ESXCLI controls.</summary>
        public string? EsxCliNotReadReason
        {
            get => _read.EsxCliNotReadReason;
            set => _read.EsxCliNotReadReason = value;
        }

        /// <summary>Read VM tags through the CIS REST API. On by default.</summary>
        public bool ReadTags { get; set; } = true;

        /// <summary>Read each distributed switch's connected ports (configVersion, the port's own filter). On by default.</summary>
        public bool ReadPorts { get; set; } = true;

        public CollectionProgress Progress { get; } = new CollectionProgress();
        public IReadOnlyList<string> Warnings => _warnings;

        /// <summary>Collects the whole inventory (or the named clusters' part of it, wildcards allowed).</summary>
        public async Task<Inv> CollectAsync(IReadOnlyCollection<string>? clusters, CancellationToken cancel)
        {
            Progress.Phase = "Creating a container view";
            var view = await _client.CreateContainerViewAsync(_client.RootFolder, ViewTypes, true, cancel).ConfigureAwait(false);
            try
            {
                Progress.Phase = "Reading objects";
                await _client.RetrieveAsync(view, SpecsFor(_client), o =>
                {
                    _read.Objects[o.Obj.Value] = o;
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
            Progress.Phase = "Reading vCenter settings";
            await ReadVCenterAsync(cancel).ConfigureAwait(false);
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
            else _read.SoftwareNotReadReason ??= "software not read (Get-VirtInventory -SkipSoftware)";
            if (ReadLockdownExceptions)
            {
                Progress.Phase = "Reading lockdown exception users";
                await ReadLockdownExceptionsAsync(cancel).ConfigureAwait(false);
            }
            else _read.LockdownExceptionsNotReadReason ??= "lockdown exception users not read";
            if (ReadEsxCli)
            {
                Progress.Phase = "Reading ESXCLI settings";
                await ReadEsxCliAsync(cancel).ConfigureAwait(false);
            }
            else _read.EsxCliNotReadReason ??= "ESXCLI settings not read (Get-VirtInventory -SkipEsxCli)";
            if (ReadTags && _client.Credential == null)
            {
                // The CIS REST API needs its own login; a session attached from another client has no credential for it.
                _warnings.Add($"VM tags were not collected: the session to {_client.Url.Host} was attached from another client and has no credential for the CIS REST API, so PCI scope can come only from custom attributes and scope maps.");
            }
            else if (ReadTags)
            {
                Progress.Phase = "Reading tags";
                _read.Tags = await new Cis.TagClient(_client).ReadAttachedTagsAsync(cancel).ConfigureAwait(false);
            }
            if (ReadTags && _client.Credential != null && _read.Tags == null) _warnings.Add($"{_client.Url.Host} has no CIS REST API (/rest): VM tags were not collected, so PCI scope can come only from custom attributes and scope maps.");
            Progress.Phase = "Building the inventory";
            return _read.Build(clusters, _client.Url, _client.ServerDescription);
        }

        /// <summary>
        /// Maps objects read some other way (recorded responses, PowerCLI's VMware.Vim views) as if they
        /// had been read from the server at <paramref name="url"/>: the same mapping, so the same inventory.
        /// </summary>
        public static Inv BuildFrom(IEnumerable<ObjectContent> objects, IReadOnlyDictionary<int, string> fieldNames, Uri url, string description, IReadOnlyCollection<string>? clusters = null,
            string? softwareNotReadReason = null, string? lockdownExceptionsNotReadReason = null, string? esxCliNotReadReason = null)
        {
            var read = new InventoryMapping
            {
                SoftwareNotReadReason = softwareNotReadReason ?? $"installed software is not part of the {description}",
                LockdownExceptionsNotReadReason = lockdownExceptionsNotReadReason ?? $"lockdown exception users are not part of the {description}",
                EsxCliNotReadReason = esxCliNotReadReason ?? $"ESXCLI answers are not part of the {description}",
                FieldNames = fieldNames.ToDictionary(kv => kv.Key, kv => kv.Value),
            };
            foreach (var o in objects) read.Objects[o.Obj.Value] = o;
            return read.Build(clusters, url, description);
        }

        private async Task ReadFieldNamesAsync(CancellationToken cancel)
        {
            var manager = _client.CustomFieldsManager;
            if (manager == null) return;
            var content = await _client.RetrieveObjectAsync(manager, new[] { "field" }, cancel).ConfigureAwait(false);
            var fields = new Dictionary<int, string>();
            foreach (var f in InventoryMapping.Items(content?["field"]).OfType<VimObject>())
            {
                // The first definition of a key wins; one without a key or a name is skipped.
                var key = f.Int("key");
                var name = f.Text("name");
                if (key != null && name != null && !fields.ContainsKey(key.Value)) fields[key.Value] = name;
            }
            _read.FieldNames = fields;
        }

        /// <summary>
        /// vCenter's own advanced settings (the OptionManager of the service content), kept to the
        /// keys vCenter controls read. A host read directly (apiType HostAgent) has no vCenter, and
        /// its setting manager is the host's: nothing is read then.
        /// </summary>
        private async Task ReadVCenterAsync(CancellationToken cancel)
        {
            var about = _client.ServiceContent.Object("about");
            if (about?.Text("apiType") != "VirtualCenter") return;
            var keys = Facts.VCenterSettingKeys(ControlCatalog.BuiltIn.Controls);
            // Host and port, as the inventory's source: two vCenters on one host stay two.
            var vcenter = new VCenterServer { Name = _client.Url.IsDefaultPort ? _client.Url.Host : _client.Url.Authority, Version = about.Text("version"), SettingKeys = keys };
            var manager = _client.ServiceContent.Ref("setting");
            if (manager == null)
            {
                _read.VCenter = vcenter with { NotReported = new Dictionary<string, string> { [DataArea.VCenterSettings] = "the server has no setting manager" } };
                return;
            }
            var content = await _client.RetrieveObjectAsync(manager, new[] { "setting" }, cancel).ConfigureAwait(false);
            if (content != null && content.Missing.TryGetValue("setting", out var fault))
            {
                _read.VCenter = vcenter with { NotReported = new Dictionary<string, string> { [DataArea.VCenterSettings] = $"the server did not report its settings ({fault})" } };
                return;
            }
            var wanted = new HashSet<string>(keys, StringComparer.Ordinal);
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var option in InventoryMapping.Items(content?["setting"]).OfType<VimObject>())
            {
                var key = option.Text("key");
                if (key != null && wanted.Contains(key)) settings[key] = option.Text("value") ?? "";
            }
            _read.VCenter = vcenter with { Settings = settings, Appliance = await ReadApplianceAsync(cancel).ConfigureAwait(false) };
        }

        /// <summary>Read the vCenter appliance's settings through the CIS REST API. On by default.</summary>
        public bool ReadAppliance { get; set; } = true;

        // A session attached from another client has no credential for the CIS REST API: the appliance controls are then not evaluated.
        private async Task<ApplianceSettings?> ReadApplianceAsync(CancellationToken cancel)
        {
            if (!ReadAppliance || _client.Credential == null) return null;
            Progress.Phase = "Reading the vCenter appliance's settings";
            var settings = await new Cis.ApplianceClient(_client).ReadAsync(cancel).ConfigureAwait(false);
            if (settings == null) _warnings.Add($"{_client.Url.Host} has no CIS REST API (/rest): the vCenter appliance controls are not evaluated.");
            return settings;
        }

        /// <summary>
        /// The connected ports of every distributed switch (FetchDVPorts): each VM adapter's port
        /// configVersion and, where the port overrides its portgroup, its own traffic filter.
        /// </summary>
        private async Task ReadPortsAsync(CancellationToken cancel)
        {
            foreach (var dvs in _read.OfType("DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch").ToList())
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
                    var nicKey = connectee?.Text("nicKey");
                    if (vm == null || nicKey == null) continue;
                    var config = port.Object("config");
                    var policy = config?.Object("setting")?.Object("filterPolicy");
                    var own = policy != null && policy.Bool("inherited") == false ? NetworkMapper.OwnFilterOf(policy) : null;
                    _read.Ports[(vm.Value, nicKey)] = (port.Text("key"), config?.Text("configVersion"), own);
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
            var hosts = _read.OfType("HostSystem").Where(o => Text(o["runtime.connectionState"]) == "connected" && o["configManager.imageConfigManager"] is VimRef).ToList();
            var unsupported = 0;
            await ForEachHostAsync(hosts, async host =>
            {
                try
                {
                    if (Volatile.Read(ref unsupported) != 0) return;
                    // Never taken: the query above kept only the hosts whose manager is a reference.
                    if (!(host["configManager.imageConfigManager"] is VimRef manager)) return;
                    string? level;
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
                    lock (_read.Software) _read.Software[host.Obj.Value] = (level, list);
                }
                catch (Exception ex) when (ex is MethodNotFoundException || ex is ManagedObjectNotFoundException)
                {
                    // Not implemented, or the host names a manager the server does not have.
                    Interlocked.Exchange(ref unsupported, 1);
                }
            }, cancel).ConfigureAwait(false);
            if (unsupported != 0)
            {
                _read.SoftwareNotReadReason = $"{_client.Url.Host} does not report installed software (HostImageConfigManager)";
                _read.Software.Clear();
                _warnings.Add($"{_client.Url.Host} does not report installed software (HostImageConfigManager): the image acceptance level and package (VIB) controls are not evaluated.");
            }
        }

        /// <summary>
        /// Each connected host's lockdown exception users: one QueryLockdownExceptions call per host to
        /// its HostAccessManager (no property carries them), eight hosts at a time. A fault on one host
        /// (NoPermission) is that host's reason; a server without the method gives one warning.
        /// </summary>
        private async Task ReadLockdownExceptionsAsync(CancellationToken cancel)
        {
            var hosts = _read.OfType("HostSystem").Where(o => Text(o["runtime.connectionState"]) == "connected").ToList();
            var unsupported = 0;
            await ForEachHostAsync(hosts, async host =>
            {
                try
                {
                    if (!(host["configManager.hostAccessManager"] is VimRef manager))
                    {
                        lock (_read.LockdownExceptions) _read.LockdownExceptionsNotRead[host.Obj.Value] = "the server did not report configManager.hostAccessManager, so the lockdown exception users were not read";
                        return;
                    }
                    IReadOnlyList<VimValue> users;
                    using (var w = new SoapWriter("QueryLockdownExceptions", manager)) users = await _client.InvokeListAsync(w, cancel).ConfigureAwait(false);
                    var list = users.Select(Text).OfType<string>().ToArray();
                    lock (_read.LockdownExceptions) _read.LockdownExceptions[host.Obj.Value] = list;
                }
                catch (Exception ex) when (ex is MethodNotFoundException || ex is ManagedObjectNotFoundException)
                {
                    Interlocked.Exchange(ref unsupported, 1);
                }
                catch (VimFaultException ex) when (!(ex is NotAuthenticatedException))
                {
                    lock (_read.LockdownExceptions) _read.LockdownExceptionsNotRead[host.Obj.Value] = $"the server refused QueryLockdownExceptions ({ex.FaultType})";
                }
            }, cancel).ConfigureAwait(false);
            if (unsupported != 0)
            {
                _read.LockdownExceptions.Clear();
                foreach (var host in hosts) _read.LockdownExceptionsNotRead[host.Obj.Value] = $"{_client.Url.Host} does not answer QueryLockdownExceptions (HostAccessManager)";
                _warnings.Add($"{_client.Url.Host} does not answer QueryLockdownExceptions: the lockdown exception users control is not evaluated.");
            }
        }

        /// <summary>Calls <paramref name="read"/> for each host, eight hosts at a time (a vCenter serves a few requests per session in parallel).</summary>
        private static async Task ForEachHostAsync(IReadOnlyCollection<ObjectContent> hosts, Func<ObjectContent, Task> read, CancellationToken cancel)
        {
            using (var gate = new SemaphoreSlim(8))
            {
                await Task.WhenAll(hosts.Select(async host =>
                {
                    await gate.WaitAsync(cancel).ConfigureAwait(false);
                    try { await read(host).ConfigureAwait(false); }
                    finally { gate.Release(); }
                })).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The ESXCLI commands the built-in host controls read, run on each connected host as the guides'
        /// scripts run them (Get-EsxCli -V2): RetrieveManagedMethodExecuter on the host, then one ExecuteSoap
        /// per command, eight hosts at a time. An ESXCLI error or an answer that cannot be read is that
        /// command's reason on that host; a fault on the host is the host's; a server without the methods
        /// (MethodNotFound) gives one warning, and the ESXCLI controls are then not evaluated.
        /// </summary>
        private async Task ReadEsxCliAsync(CancellationToken cancel)
        {
            var commands = EsxCliQuery.CommandsOf(ControlCatalog.BuiltIn.Controls);
            var hosts = _read.OfType("HostSystem").Where(o => Text(o["runtime.connectionState"]) == "connected").ToList();
            if (commands.Count == 0 || hosts.Count == 0) return;
            var unsupported = 0;
            await ForEachHostAsync(hosts, async host =>
            {
                if (Volatile.Read(ref unsupported) != 0) return;
                var id = host.Obj.Value;
                try
                {
                    VimRef? executer;
                    using (var w = new SoapWriter("RetrieveManagedMethodExecuter", host.Obj)) executer = await _client.InvokeAsync(w, cancel).ConfigureAwait(false) as VimRef;
                    if (executer == null)
                    {
                        lock (_read.EsxCli) _read.EsxCliNotRead[id] = "the server answered RetrieveManagedMethodExecuter without a method executer";
                        return;
                    }
                    var answers = new Dictionary<string, IReadOnlyList<IReadOnlyDictionary<string, string>>>(StringComparer.Ordinal);
                    var notRead = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var command in commands)
                    {
                        using (var w = EsxCliRequest(executer, command))
                        {
                            var result = await _client.InvokeAsync(w, cancel).ConfigureAwait(false) as VimObject;
                            var error = result?.Object("fault");
                            if (error != null) notRead[command.CommandKey] = $"{command.CommandLine} failed on this host: {error.Text("faultMsg") ?? "no message"}";
                            else if (result?.Text("response") is string response)
                            {
                                try { answers[command.CommandKey] = EsxCliAnswer.Parse(response); }
                                catch (System.IO.InvalidDataException ex) { notRead[command.CommandKey] = $"{command.CommandLine}: the host's answer could not be read ({ex.Message})"; }
                            }
                            else notRead[command.CommandKey] = $"{command.CommandLine} gave no answer on this host";
                        }
                    }
                    lock (_read.EsxCli)
                    {
                        _read.EsxCli[id] = answers;
                        if (notRead.Count > 0) _read.EsxCliCommandsNotRead[id] = notRead;
                    }
                }
                catch (Exception ex) when (ex is MethodNotFoundException)
                {
                    Interlocked.Exchange(ref unsupported, 1);
                }
                catch (VimFaultException ex) when (!(ex is NotAuthenticatedException))
                {
                    lock (_read.EsxCli) _read.EsxCliNotRead[id] = $"the server refused ESXCLI on this host ({ex.FaultType}: {ex.Message})";
                }
            }, cancel).ConfigureAwait(false);
            if (unsupported != 0)
            {
                _read.EsxCli.Clear();
                _read.EsxCliCommandsNotRead.Clear();
                foreach (var host in hosts) _read.EsxCliNotRead[host.Obj.Value] = $"{_client.Url.Host} does not answer RetrieveManagedMethodExecuter or ExecuteSoap (the method executer Get-EsxCli uses)";
                _warnings.Add($"{_client.Url.Host} does not run ESXCLI commands through the vSphere API: the controls only ESXCLI reports (SSH daemon, TLS profile, entropy, key persistence, ...) are not evaluated.");
            }
        }

        /// <summary>ExecuteSoap for one ESXCLI read (see <see cref="EsxCliRequest(VimRef, string, IEnumerable{KeyValuePair{string, string}})"/>).</summary>
        public static SoapWriter EsxCliRequest(VimRef executer, EsxCliQuery command) => EsxCliRequest(executer, command.Command, command.Arguments);

        /// <summary>
        /// ExecuteSoap for one ESXCLI command: the handler object of its namespace (ha-cli-handler-system-ssh-server-config),
        /// the method vim.EsxCLI.NAMESPACE.VERB, and each argument as the XML of its value (&lt;name&gt;value&lt;/name&gt;).
        /// </summary>
        public static SoapWriter EsxCliRequest(VimRef executer, string command, IEnumerable<KeyValuePair<string, string>> arguments)
        {
            var ns = command.Substring(0, command.LastIndexOf('.'));
            var w = new SoapWriter("ExecuteSoap", executer)
                .Text("moid", "ha-cli-handler-" + ns.Replace('.', '-'))
                .Text("version", "urn:vim25/5.0")
                .Text("method", "vim.EsxCLI." + command);
            foreach (var argument in arguments)
                w.Start("argument").Text("name", argument.Key).Text("val", $"<{argument.Key}>{System.Security.SecurityElement.Escape(argument.Value)}</{argument.Key}>").End();
            return w;
        }

        /// <summary>Why software was not read from any host, when it was not: says so on every host's software controls (NotEvaluated).</summary>
        public string? SoftwareNotReadReason
        {
            get => _read.SoftwareNotReadReason;
            set => _read.SoftwareNotReadReason = value;
        }

        private static string? Text(VimValue? value) => InventoryMapping.Text(value);
    }
}
