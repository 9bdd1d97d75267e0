using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Controls;
using VirtCompliance.Common;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>Shared plumbing: resolving paths as PowerShell users mean them, and turning failures into error records.</summary>
    public abstract class VirtCmdletBase : PSCmdlet
    {
        /// <summary>
        /// A path relative to the current PowerShell location (not the process directory), with
        /// ~ and provider paths resolved; the file need not exist yet.
        /// </summary>
        protected string ResolveFilePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        internal string ResolvePath(string path) => ResolveFilePath(path);

        internal void ThrowDataError(DataFileException ex, string errorId) => ThrowDataFileError(ex, errorId);

        /// <summary>Stops the cmdlet with an error record that names the file and line.</summary>
        protected void ThrowDataFileError(DataFileException ex, string errorId)
        {
            ThrowTerminatingError(new ErrorRecord(ex, errorId, ErrorCategory.InvalidData, ex.Path)
            {
                ErrorDetails = new ErrorDetails(ex.Message)
                {
                    RecommendedAction = "Correct the file at the position given, or recreate it with the VirtCompliance cmdlet that writes it.",
                },
            });
        }

        /// <summary>
        /// What every -Baseline takes, resolved in this one place: a baseline object (Get-ComplianceBaseline,
        /// New-ComplianceBaseline) as it is, a built-in baseline name, or a file path (a string, or a file from
        /// Get-Item / Get-ChildItem), loaded; stops with a clear error if unusable.
        /// </summary>
        protected Baseline LoadBaseline(object value)
        {
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            if (value is Baseline baseline) return baseline;
            if (value is System.IO.FileSystemInfo file) value = file.FullName;
            if (!(value is string nameOrPath) || nameOrPath.Length == 0)
            {
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException(
                    $"-Baseline takes a built-in baseline name ({string.Join(", ", Baseline.BuiltInNames)}), a baseline file, or a baseline object from Get-ComplianceBaseline or New-ComplianceBaseline; " +
                    $"'{value}' ({value?.GetType().FullName ?? "null"}) is none of them."), "InvalidBaselineArgument", ErrorCategory.InvalidArgument, value));
                // Not reached: ThrowTerminatingError always throws.
                throw new InvalidOperationException();
            }
            try
            {
                return Baseline.Load(Baseline.BuiltInName(nameOrPath) != null ? nameOrPath : ResolveFilePath(nameOrPath));
            }
            catch (DataFileException ex)
            {
                ThrowDataFileError(ex, "InvalidBaseline");
                // Not reached: ThrowDataFileError always throws.
                throw;
            }
        }

        /// <summary>A waiver file, resolved and read whole (ids of <paramref name="baseline"/>'s own controls count as known); stops with a clear error naming file and line if unusable.</summary>
        protected Waivers.WaiverFile? LoadWaivers(string? path, Baseline? baseline)
        {
            if (path == null) return null;
            try
            {
                return Waivers.WaiverReader.Load(ResolveFilePath(path), baseline?.Controls.Select(c => c.Id));
            }
            catch (DataFileException ex)
            {
                ThrowDataFileError(ex, "InvalidWaiverFile");
                throw;
            }
        }

        /// <summary>-AsOf as the date it names (UTC midnight): waivers are judged by calendar day.</summary>
        protected static DateTimeOffset? AsOfDate(DateTime? asOf) => asOf == null ? (DateTimeOffset?)null : new DateTimeOffset(DateTime.SpecifyKind(asOf.Value.Date, DateTimeKind.Utc));

        /// <summary>
        /// A WriteError per literal name (no wildcards) that matches nothing: a mistyped -Vm or
        /// -Cluster must not pass as "no findings".
        /// </summary>
        protected void WriteNotFoundErrors(IEnumerable<string>? names, Func<string, bool> exists, string kind, string errorId)
        {
            if (names == null) return;
            foreach (var name in names)
            {
                if (WildcardPattern.ContainsWildcardCharacters(name) || exists(name)) continue;
                WriteError(new ErrorRecord(new ItemNotFoundException($"The inventory has no {kind} named '{name}'."),
                    errorId, ErrorCategory.ObjectNotFound, name));
            }
        }

        /// <summary><see cref="WriteNotFoundErrors"/> for VM names or ids.</summary>
        protected void WriteVmNotFoundErrors(IEnumerable<string>? names, Inv inventory) =>
            WriteNotFoundErrors(names, n => inventory.Vms.Any(v => string.Equals(v.Name, n, StringComparison.OrdinalIgnoreCase) || v.Id == n), "VM", "VmNotFound");

        protected void WriteWarnings(IEnumerable<string> warnings)
        {
            foreach (var w in warnings) WriteWarning(w);
        }

        /// <summary>
        /// Makes the one call into Core's assessments and reports what it says besides its results:
        /// warnings, and a WriteError per name given without wildcards that matched nothing. An
        /// unknown control or rule id stops the cmdlet: it names nothing that could be checked.
        /// </summary>
        internal T Assess<T>(Func<T> call) where T : VirtCompliance.Assessments.AssessmentResult
        {
            T result;
            try
            {
                result = call();
            }
            catch (VirtCompliance.Common.UnknownIdException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ex.Kind == "rule" ? "UnknownRuleId" : "UnknownControlId", ErrorCategory.InvalidArgument, ex.Id));
                // Not reached: ThrowTerminatingError always throws.
                throw;
            }
            WriteWarnings(result.Warnings);
            foreach (var missing in result.NotFound)
            {
                var kind = missing.Kind;
                WriteError(new ErrorRecord(new ItemNotFoundException($"The inventory has no {kind} named '{missing.Name}'."),
                    (kind == "VM" ? "Vm" : char.ToUpperInvariant(kind[0]) + kind.Substring(1)) + "NotFound", ErrorCategory.ObjectNotFound, missing.Name));
            }
            return result;
        }
    }

    /// <summary>Cmdlets that analyse an inventory.</summary>
    public abstract class InventoryAnalysisCmdlet : VirtCmdletBase
    {
        /// <summary>
        /// <para type="description">The inventory to analyse, from Import-VirtInventory (a snapshot file) or a collector. Accepts pipeline input.</para>
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        public Inv? Inventory { get; set; }

        /// <summary>
        /// <para type="description">Pipeline input: an inventory (used as -Inventory), or PowerCLI objects (Get-VMHost, Get-VM, Get-Cluster, Get-VDPortgroup, Get-VDSwitch, Get-Datastore) and Get-View output, from which the inventory is built: the objects piped in, the hosts and clusters they lead to, and, when PowerCLI's Get-View is available, every host of their clusters and the datastores, networks and switches they use. Results are then limited to the hosts (or the hosts of the clusters) and VMs piped in. Objects are read through their members, so no PowerCLI version is required; an object of another shape is an error naming the member it lacks.</para>
        /// </summary>
        [Parameter(ValueFromPipeline = true)]
        [ValidateNotNull]
        public PSObject? InputObject { get; set; }

        private PowerCli.PowerCliInventory _powerCli = new PowerCli.PowerCliInventory();

        /// <summary>When the inventory was built from piped PowerCLI objects: which hosts and VMs were piped. Null otherwise.</summary>
        protected PowerCli.PowerCliInventory? FromPowerCli { get; private set; }

        /// <summary>
        /// The VM filter: -Vm, except for an inventory built from PowerCLI objects, which holds only the
        /// VMs piped in (related objects fetched are hosts, clusters, datastores and networks, never VMs).
        /// A PowerCLI object's Name also binds -Vm by property name, so there -Vm would hold only the
        /// last piped object's name.
        /// </summary>
        protected string[]? VmFilter(string[]? vm) => FromPowerCli != null ? null : PipedNames == PipedNameKind.Vm && _pipedNames.Count > 0 ? _pipedNames.ToArray() : vm;

        /// <summary>The host filter: -VMHost, or the host names and ids piped in (a piped name replaces -VMHost, as for -Vm).</summary>
        protected string[]? HostFilter(string[]? vmHost) => PipedNames == PipedNameKind.Host && _pipedNames.Count > 0 ? _pipedNames.ToArray() : vmHost;

        /// <summary>What a string piped to this command names: VMs (its -Vm), hosts (its -VMHost), or nothing it takes (an error).</summary>
        protected virtual PipedNameKind PipedNames => PipedNameKind.None;

        // The names (and the ids of VM and host objects) piped in, analysed once at the end; whether anything was piped at all.
        private readonly List<string> _pipedNames = new List<string>();
        private bool _received;

        /// <summary>
        /// Results limited to the hosts of <paramref name="filter"/> (names or ids, wildcards allowed); a literal name
        /// that names no host of the inventory is an error, as for -Vm.
        /// </summary>
        protected IEnumerable<T> OnHosts<T>(IEnumerable<T> results, string[]? filter, Inv inventory, Func<T, string?> hostId)
        {
            if (filter == null) return results;
            WriteNotFoundErrors(filter, n => inventory.Hosts.Any(h => string.Equals(h.Name, n, StringComparison.OrdinalIgnoreCase) || h.Id == n), "host", "HostNotFound");
            var match = NameFilter.Create(filter)!;
            var ids = new HashSet<string>(inventory.Hosts.Where(h => match(h.Id) || (h.Name != null && match(h.Name))).Select(h => h.Id), StringComparer.Ordinal);
            return results.Where(r => hostId(r) is string id && ids.Contains(id));
        }

        /// <summary>
        /// Each pipeline object: an inventory is analysed as it comes; PowerCLI objects are gathered and
        /// analysed together in EndProcessing (a host's drift needs its whole cluster, not one host at a time).
        /// </summary>
        protected sealed override void ProcessRecord()
        {
            if (InputObject != null)
            {
                _received = true;
                var value = InputObject.BaseObject;
                // Names, VMs and hosts piped in are gathered and analysed together at the end: one analysis, not one per name.
                if (PipedNames != PipedNameKind.None && value is string name) { _pipedNames.Add(name); return; }
                if (PipedNames == PipedNameKind.Vm && value is Model.Vm vm) { _pipedNames.Add(vm.Id); return; }
                if (PipedNames == PipedNameKind.Host && value is Model.Host host) { _pipedNames.Add(host.Id); return; }
                if (value is Inv piped) Inventory = piped;
                else if (!LooksLikeVSphere(InputObject) && BoundByPropertyName())
                {
                    // A plain object that gave a parameter its value by property name ([pscustomobject]@{ Name = 'pay-db-01' } to -Vm).
                }
                else if (!LooksLikeVSphere(InputObject))
                {
                    var names = PipedNames == PipedNameKind.Vm ? ", VM names" : PipedNames == PipedNameKind.Host ? ", host names" : "";
                    WriteError(new ErrorRecord(new PSArgumentException(
                        $"{MyInvocation.MyCommand.Name} takes an inventory (Import-VirtInventory, Get-VirtInventory){names} or PowerCLI objects (Get-VMHost, Get-VM, Get-Cluster, Get-View ...) from the pipeline; " +
                        $"'{value}' ({value?.GetType().FullName}) is none of them."), "UnknownObjectShape", ErrorCategory.InvalidType, InputObject));
                    return;
                }
                else
                {
                    try { _powerCli.Add(InputObject); }
                    catch (Exception ex) when (ex is PowerCli.PowerCliShapeException || ex is InvalidOperationException)
                    {
                        WriteError(new ErrorRecord(ex, "UnknownObjectShape", ErrorCategory.InvalidType, InputObject));
                    }
                    return;
                }
            }
            ProcessEach();
        }

        /// <summary>
        /// Runs the analysis once per inventory: the one given or piped, or, with several servers to collect from
        /// (-Server, or several default connections), each server's, collected in parallel and analysed on its own.
        /// </summary>
        private void ProcessEach()
        {
            var servers = Inventory == null && !OneServerOnly ? Server ?? ServerWork.Defaults(this) : null;
            if (servers == null || servers.Count <= 1) { ProcessInventory(); return; }
            foreach (var inventory in ServerWork.CollectAll(this, servers, _cancel))
            {
                Inventory = inventory;
                ProcessInventory();
            }
            Inventory = null;
        }

        private static bool LooksLikeVSphere(PSObject o) =>
            o.Properties["ExtensionData"] != null || o.Properties["MoRef"] != null || o.TypeNames.Any(t => t.StartsWith("VMware.", StringComparison.Ordinal));

        /// <summary>Whether this pipeline object bound one of the cmdlet's by-property-name parameters.</summary>
        private bool BoundByPropertyName() => ByPropertyName.GetValue(GetType(), t => t.GetProperties()
                .Where(p => p.GetCustomAttributes(typeof(ParameterAttribute), true).Cast<ParameterAttribute>().Any(a => a.ValueFromPipelineByPropertyName))
                .Select(p => p.Name).ToArray())
            .Any(MyInvocation.BoundParameters.ContainsKey);

        /// <summary>Per cmdlet type, its by-property-name parameters: read once, not per pipeline object.</summary>
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Type, string[]> ByPropertyName =
            new System.Runtime.CompilerServices.ConditionalWeakTable<Type, string[]>();

        protected sealed override void EndProcessing()
        {
            if (_powerCli.Any)
            {
                var notFromPowerCli = WhyNotFromPowerCli();
                if (notFromPowerCli != null)
                    ThrowTerminatingError(new ErrorRecord(new PSNotSupportedException(notFromPowerCli), "NotFromPowerCli", ErrorCategory.InvalidArgument, null));
                _powerCli.Complete(FetchViews());
                try
                {
                    Inventory = _powerCli.Build();
                }
                catch (Exception ex) when (ex is InvalidOperationException || ex is ArgumentException || ex is FormatException)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, "InvalidPowerCliObjects", ErrorCategory.InvalidData, null));
                    // Not reached: ThrowTerminatingError always throws.
                    throw;
                }
                WriteWarnings(_powerCli.Warnings);
                WriteVerbose($"Built an inventory from PowerCLI objects: {Inventory.Hosts.Count} hosts, {Inventory.Vms.Count} VMs, {Inventory.Clusters.Count} clusters.");
                FromPowerCli = _powerCli;
                _powerCli = new PowerCli.PowerCliInventory();
                ProcessInventory();
            }
            else if (_pipedNames.Count > 0) ProcessEach();
            // Input was piped and none came (@() | ..., Get-VM typo* | ...): no objects to analyse, not all of them.
            else if (MyInvocation.ExpectingInput && !_received) return;
            EndInventory();
        }

        /// <summary>
        /// Why this call cannot work from PowerCLI objects (it needs data they do not carry), or null when
        /// it can. A cmdlet that would otherwise report wrong results says so instead.
        /// </summary>
        protected virtual string? WhyNotFromPowerCli() => null;

        /// <summary>What ProcessRecord would do: runs once per inventory (piped, given or collected).</summary>
        protected abstract void ProcessInventory();

        /// <summary>What EndProcessing would do, after the last inventory.</summary>
        protected virtual void EndInventory() { }

        /// <summary>
        /// PowerCLI's Get-View -Id, when PowerCLI is loaded and connected: fetches the objects the piped
        /// ones refer to. Called through the session, so a Pester Mock of Get-View stands in for it.
        /// </summary>
        private Func<IReadOnlyList<string>, IEnumerable<PSObject>>? FetchViews()
        {
            if (InvokeCommand.GetCommand("Get-View", CommandTypes.Cmdlet | CommandTypes.Function | CommandTypes.Alias) == null) return null;
            var progress = new ProgressRecord(9, MyInvocation.MyCommand.Name, "Fetching the objects the piped ones refer to");
            return ids =>
            {
                WriteVerbose($"Fetching {ids.Count} related objects with Get-View -Id.");
                progress.StatusDescription = $"Get-View -Id: {ids.Count} objects";
                WriteProgress(progress);
                try
                {
                    return InvokeCommand.InvokeScript(SessionState, ScriptBlock.Create("param($ids) Get-View -Id $ids -ErrorAction SilentlyContinue"), new object[] { ids.ToArray() }).Where(o => o != null).ToList();
                }
                catch (RuntimeException ex)
                {
                    WriteWarning("Get-View -Id could not fetch the related objects: " + ex.Message);
                    return Enumerable.Empty<PSObject>();
                }
                finally
                {
                    WriteProgress(ProgressRecords.Completed(progress));
                }
            };
        }

        /// <summary>
        /// <para type="description">Collect the inventories of these connections (Connect-VirtServer's output, or their server names) when no -Inventory is given: several are collected at once and each is analysed on its own, every result naming its vCenter. Without either, every default connection ($DefaultVirtServers) is used.</para>
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        [ServerTransformation]
        public VirtServerConnection[]? Server { get; set; }

        /// <summary>A command whose output is about one inventory (an evidence bundle, a change): with several servers it asks which.</summary>
        protected virtual bool OneServerOnly => false;

        /// <summary>The one server a change goes to (-Server with one, else the default); several connected and none named stops the command.</summary>
        protected VirtServerConnection? SingleServer() => ServerWork.Single(this, Server, MyInvocation.MyCommand.Name);

        private readonly System.Threading.CancellationTokenSource _cancel = new System.Threading.CancellationTokenSource();
        private Inv? _collected;

        /// <summary>Cancelled by Ctrl+C (StopProcessing): for wire work the cmdlet does itself.</summary>
        protected System.Threading.CancellationTokenSource Cancel => _cancel;

        protected override void StopProcessing() => _cancel.Cancel();

        /// <summary>
        /// The inventory to use: -Inventory, else one collected from -Server or the default
        /// connection (once per cmdlet call), else a terminating error telling the user how to get one.
        /// </summary>
        protected Inv RequireInventory()
        {
            if (Inventory != null) return Inventory;
            var server = SingleServer();
            if (server != null) return _collected ?? (_collected = ServerWork.Collect(this, server, null, _cancel));
            const string message = "No inventory to analyse. Pass -Inventory (Import-VirtInventory -Path snapshot.json), pipe one in, or connect to a server with Connect-VirtServer (or pass -Server).";
            var error = new PSArgumentException(message);
            ThrowTerminatingError(new ErrorRecord(error, "NoInventory", ErrorCategory.InvalidArgument, null)
            {
                ErrorDetails = new ErrorDetails(message)
                {
                    RecommendedAction = "$inv = Import-VirtInventory -Path .\\snapshot.json; " + MyInvocation.MyCommand.Name + " -Inventory $inv",
                },
            });
            // Not reached: ThrowTerminatingError always throws.
            throw error;
        }
    }

    /// <summary>What a string piped to an analysis names.</summary>
    public enum PipedNameKind
    {
        /// <summary>Nothing: the command takes inventories and PowerCLI objects only.</summary>
        None,
        /// <summary>VMs (names or ids), as its -Vm.</summary>
        Vm,
        /// <summary>Hosts (names or ids), as its -VMHost.</summary>
        Host,
    }

    /// <summary>
    /// VM names and inventories that arrive one pipeline object at a time, gathered so that the
    /// cmdlet analyses each inventory once, in EndProcessing: analysing per piped VM would repeat
    /// the same whole-inventory work for every VM.
    /// </summary>
    internal sealed class PipedInput
    {
        private readonly List<string> _vms = new List<string>();
        private bool _anyVms;

        public List<Inv> Inventories { get; } = new List<Inv>();

        public void Add(string[]? vms, Inv? inventory)
        {
            if (vms != null)
            {
                _anyVms = true;
                _vms.AddRange(vms);
            }
            if (inventory != null && !Inventories.Contains(inventory)) Inventories.Add(inventory);
        }

        /// <summary>Every VM name given, each once; null when none was given (no filter).</summary>
        public string[]? Vms => _anyVms ? System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Distinct(_vms, StringComparer.OrdinalIgnoreCase)) : null;
    }
}
