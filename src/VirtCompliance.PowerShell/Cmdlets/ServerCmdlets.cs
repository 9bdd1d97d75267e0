using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Model;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Soap;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance
{
    /// <summary>A logged-in session with a vCenter Server or ESXi host, from Connect-VirtServer.</summary>
    public sealed class VirtServerConnection
    {
        internal VirtServerConnection(string name, VimClient client)
        {
            Name = name;
            Client = client;
        }

        /// <summary>The server as given to Connect-VirtServer.</summary>
        public string Name { get; }
        public Uri Url => Client.Url;
        /// <summary>The account; for a reused PowerCLI session, what the server reported (null when it reported none).</summary>
        public string? User => Client.UserName;
        /// <summary>The server's own description, e.g. "VMware vCenter Server 8.0.3 build-..."; null when the server gave none.</summary>
        public string? ServerDescription => Client.ServerDescription;
        public string? ApiVersion => Client.ApiVersion;
        /// <summary>SHA-1 thumbprint of the certificate the server presented; null over plain http.</summary>
        public string? CertificateThumbprint => Client.CertificateThumbprint;
        public bool IsConnected => Client.LoggedIn;
        internal VimClient Client { get; }

        public override string ToString() => Name;
    }
}

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>Running wire work from a cmdlet: on a worker, with progress written on the pipeline thread and Ctrl+C cancelling it.</summary>
    internal static class ServerWork
    {
        public const string DefaultVariable = "DefaultVirtServer";
        /// <summary>Every connection Connect-VirtServer made the default, as PowerCLI's $DefaultVIServers: analyses without -Server read all of them.</summary>
        public const string DefaultsVariable = "DefaultVirtServers";

        /// <summary>The connected default connections ($global:DefaultVirtServers), else the default one; empty when there is none.</summary>
        public static IReadOnlyList<VirtServerConnection> Defaults(PSCmdlet cmdlet) => Defaults(cmdlet.SessionState);

        internal static IReadOnlyList<VirtServerConnection> Defaults(SessionState state)
        {
            var list = (state.PSVariable.GetValue("global:" + DefaultsVariable) as System.Collections.IEnumerable)?.Cast<object>()
                .Select(o => o is PSObject p ? p.BaseObject : o).OfType<VirtServerConnection>().Where(c => c.IsConnected).ToList() ?? new List<VirtServerConnection>();
            if (list.Count == 0 && state.PSVariable.GetValue("global:" + DefaultVariable) is VirtServerConnection one && one.IsConnected) list.Add(one);
            return list;
        }

        /// <summary>Adds a connection to the defaults (a connection to the same server before it is replaced) and makes it the default.</summary>
        internal static void AddDefault(PSCmdlet cmdlet, VirtServerConnection connection)
        {
            var others = Defaults(cmdlet.SessionState).Where(c => !c.Url.Equals(connection.Url)).ToList();
            others.Add(connection);
            cmdlet.SessionState.PSVariable.Set("global:" + DefaultsVariable, others.ToArray());
            cmdlet.SessionState.PSVariable.Set("global:" + DefaultVariable, connection);
        }

        /// <summary>Takes a connection out of the defaults; the default becomes the last one left, or none.</summary>
        internal static void RemoveDefault(PSCmdlet cmdlet, VirtServerConnection connection)
        {
            var left = Defaults(cmdlet.SessionState).Where(c => !ReferenceEquals(c, connection)).ToArray();
            if (left.Length > 0) cmdlet.SessionState.PSVariable.Set("global:" + DefaultsVariable, left);
            else cmdlet.SessionState.PSVariable.Remove("global:" + DefaultsVariable);
            if (ReferenceEquals(cmdlet.SessionState.PSVariable.GetValue("global:" + DefaultVariable), connection))
            {
                if (left.Length > 0) cmdlet.SessionState.PSVariable.Set("global:" + DefaultVariable, left[left.Length - 1]);
                else cmdlet.SessionState.PSVariable.Remove("global:" + DefaultVariable);
            }
        }

        /// <summary>
        /// The one server a change goes to: -Server (exactly one), else the default connection. With several
        /// connected and no -Server, nothing is guessed: the command stops and asks for -Server.
        /// </summary>
        public static VirtServerConnection? Single(PSCmdlet cmdlet, IReadOnlyList<VirtServerConnection>? servers, string what)
        {
            var list = servers ?? Defaults(cmdlet);
            if (list.Count <= 1) return list.FirstOrDefault();
            cmdlet.ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                $"{what} works on one server at a time, and {list.Count} are connected ({string.Join(", ", list.Select(c => c.Name))}): pass -Server with the one to use."),
                "SeveralServers", ErrorCategory.InvalidArgument, null));
            return null;
        }

        /// <summary>
        /// Waits for the task, writing progress every quarter second, and completes the progress bar it
        /// showed when the work ends, however it ends; turns wire failures into error records.
        /// </summary>
        public static T Run<T>(PSCmdlet cmdlet, Func<CancellationToken, Task<T>> work, CancellationTokenSource cancel, Func<ProgressRecord>? progress, string target)
        {
            var task = Task.Run(() => work(cancel.Token));
            ProgressRecord? shown = null;
            try
            {
                while (!task.Wait(250))
                {
                    var record = progress?.Invoke();
                    if (record != null) cmdlet.WriteProgress(shown = record);
                }
                return task.GetAwaiter().GetResult();
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
            {
                throw Translate(cmdlet, ex.InnerException, target);
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is PipelineClosedException))
            {
                throw Translate(cmdlet, ex, target);
            }
            finally
            {
                // Otherwise the bar stays on screen after the command. Ctrl+C (the token cancelled) stops the
                // pipeline, which then takes no more records; the host clears the bar itself.
                if (shown != null && !cancel.IsCancellationRequested) cmdlet.WriteProgress(ProgressRecords.Completed(shown));
            }
        }

        /// <summary>As <see cref="Run{T}"/>, but failures come back as the wire's own exceptions, for a cmdlet that reports them per object.</summary>
        public static T RunEach<T>(Func<CancellationToken, Task<T>> work, CancellationTokenSource cancel)
        {
            var task = Task.Run(() => work(cancel.Token));
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }

        private static Exception Translate(PSCmdlet cmdlet, Exception ex, string target)
        {
            if (ex is OperationCanceledException) return new PipelineStoppedException();
            var record = RecordOf(ex, target);
            if (record == null) return ex;
            cmdlet.ThrowTerminatingError(record);
            return ex;
        }

        /// <summary>The error record of a wire failure, naming the server; null for an exception that is not one.</summary>
        internal static ErrorRecord? RecordOf(Exception ex, string target)
        {
            ErrorRecord record;
            switch (ex)
            {
                case InvalidLoginException _:
                    record = new ErrorRecord(ex, "InvalidLogin", ErrorCategory.AuthenticationError, target)
                    {
                        ErrorDetails = new ErrorDetails($"{target} refused the user name or password.") { RecommendedAction = "Check the credential and try again." },
                    };
                    break;
                case VimConnectionException _:
                    record = new ErrorRecord(ex, ex.Message.Contains("certificate") ? "CertificateNotTrusted" : "ServerUnreachable",
                        ErrorCategory.ConnectionError, target);
                    break;
                case NotAuthenticatedException _:
                    record = new ErrorRecord(ex, "SessionNotValid", ErrorCategory.AuthenticationError, target);
                    break;
                case VimFaultException fault:
                    record = new ErrorRecord(ex, "ServerFault," + fault.FaultType, ErrorCategory.InvalidResult, target);
                    break;
                case VirtCompliance.Model.InventoryReferenceException _:
                    record = new ErrorRecord(ex, "InconsistentInventory", ErrorCategory.InvalidData, target);
                    break;
                default:
                    return null;
            }
            return record;
        }

        /// <summary>The default connection ($global:DefaultVirtServer) when it is still logged in, else null.</summary>
        public static VirtServerConnection? Default(PSCmdlet cmdlet) =>
            cmdlet.SessionState.PSVariable.GetValue("global:" + DefaultVariable) is VirtServerConnection c && c.IsConnected ? c : null;

        /// <summary>The connection given, else the default one; stops with NotConnected (saying what to do) when there is neither, and with SeveralServers when several are connected and none was given.</summary>
        public static VirtServerConnection Require(PSCmdlet cmdlet, VirtServerConnection? server, string what)
        {
            server ??= Single(cmdlet, null, what);
            if (server == null)
                cmdlet.ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"{what} needs a live connection: run Connect-VirtServer -Server <name> -Credential <credential> first, or pass -Server."),
                    "NotConnected", ErrorCategory.ConnectionError, null));
            return server!;
        }

        /// <summary>Collects the inventory of a connection, with progress and cancellation.</summary>
        public static Inv Collect(PSCmdlet cmdlet, VirtServerConnection server, IReadOnlyCollection<string>? clusters, CancellationTokenSource cancel,
            bool readSoftware = true, bool readEsxCli = true)
        {
            IInventorySource collector = new InventoryCollector(server.Client) { ReadSoftware = readSoftware, ReadEsxCli = readEsxCli };
            var progress = new ProgressRecord(7, "Collecting the inventory of " + server.Name, "Connecting");
            // No clusters named is the whole inventory, as an empty list is.
            var inventory = Run(cmdlet, c => collector.CollectAsync(clusters, c), cancel, () =>
            {
                progress.StatusDescription = $"{collector.Progress.Phase}: {collector.Progress.ObjectsRead} objects read";
                return progress;
            }, server.Name);
            return Collected(cmdlet, server, inventory, collector.Warnings, clusters);
        }

        /// <summary>
        /// What follows every collection, one server or several: its warnings, an error per literal -Cluster name the
        /// server does not have (a mistyped name must not pass as an empty, clean inventory), and the inventory kept
        /// for Tab completion.
        /// </summary>
        private static Inv Collected(PSCmdlet cmdlet, VirtServerConnection server, Inv inventory, IEnumerable<string> warnings, IReadOnlyCollection<string>? clusters)
        {
            foreach (var w in warnings) cmdlet.WriteWarning(w);
            foreach (var name in clusters ?? Array.Empty<string>())
            {
                // NameFilter.Create gives null only for no patterns; here there is one.
                var match = VirtCompliance.Common.NameFilter.Create(new[] { name })!;
                if (inventory.Clusters.Any(c => match(c.Name) || match(c.Id))) continue;
                if (WildcardPattern.ContainsWildcardCharacters(name)) cmdlet.WriteWarning($"No cluster of {server.Name} matches '{name}'.");
                else cmdlet.WriteError(new ErrorRecord(new ItemNotFoundException($"{server.Name} has no cluster named '{name}'; nothing of it was collected."),
                    "ClusterNotFound", ErrorCategory.ObjectNotFound, name));
            }
            cmdlet.WriteVerbose($"Collected {inventory.Hosts.Count} hosts and {inventory.Vms.Count} VMs from {server.Name} in {server.Client.RequestCount} requests so far on this connection.");
            // Tab completion offers what this collected; one narrowed by -Cluster would hide the other clusters, so it is kept only when there is nothing better.
            if (clusters == null || clusters.Count == 0 || CollectedInventories.Of(server) == null) CollectedInventories.Remember(server, inventory);
            return inventory;
        }

        /// <summary>
        /// Collects the inventories of several connections at once, one collection per server in parallel (the time is
        /// the slowest server's, not the sum). A server that fails is one non-terminating error naming it; the others'
        /// inventories are returned, in the order of <paramref name="servers"/>.
        /// </summary>
        public static IReadOnlyList<Inv> CollectAll(PSCmdlet cmdlet, IReadOnlyList<VirtServerConnection> servers, CancellationTokenSource cancel,
            bool readSoftware = true, bool readEsxCli = true, IReadOnlyCollection<string>? clusters = null)
        {
            if (servers.Count == 1) return new[] { Collect(cmdlet, servers[0], clusters, cancel, readSoftware, readEsxCli) };
            var collectors = servers.Select(s => new InventoryCollector(s.Client) { ReadSoftware = readSoftware, ReadEsxCli = readEsxCli }).ToList();
            var tasks = collectors.Select(c => Task.Run(() => c.CollectAsync(clusters, cancel.Token))).ToList();
            var progress = new ProgressRecord(7, $"Collecting the inventories of {servers.Count} servers", "Connecting");
            // Waiting on the handle, not the task: a failed server's exception is looked at below, with the others' inventories.
            var all = (IAsyncResult)Task.WhenAll(tasks);
            while (!all.AsyncWaitHandle.WaitOne(250))
            {
                progress.StatusDescription = string.Join("; ", servers.Select((s, i) => $"{s.Name}: {collectors[i].Progress.Phase}, {collectors[i].Progress.ObjectsRead} objects"));
                cmdlet.WriteProgress(progress);
            }
            progress.RecordType = ProgressRecordType.Completed;
            cmdlet.WriteProgress(progress);
            if (cancel.IsCancellationRequested) throw new PipelineStoppedException();
            var inventories = new List<Inv>();
            for (int i = 0; i < servers.Count; i++)
            {
                if (tasks[i].Status == TaskStatus.RanToCompletion)
                {
                    inventories.Add(Collected(cmdlet, servers[i], tasks[i].Result, collectors[i].Warnings, clusters));
                    continue;
                }
                foreach (var w in collectors[i].Warnings) cmdlet.WriteWarning(w);
                var ex = tasks[i].Exception?.InnerExceptions.Count == 1 ? tasks[i].Exception!.InnerException! : (Exception?)tasks[i].Exception ?? new OperationCanceledException();
                cmdlet.WriteError(RecordOf(ex, servers[i].Name) ?? new ErrorRecord(ex, "CollectionFailed", ErrorCategory.NotSpecified, servers[i].Name));
            }
            return inventories;
        }
    }

    /// <summary>
    /// Lets -Server take what a user types: a connection (Connect-VirtServer's output), the name of one of the
    /// connections Connect-VirtServer keeps ($DefaultVirtServers; the name given to it, or the server's host),
    /// or an array of either. A name that no connection has is an error saying to connect first.
    /// </summary>
    public sealed class ServerTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject p ? p.BaseObject : inputData;
            if (value == null) return null;
            var items = value is System.Collections.IEnumerable list && !(value is string) ? list.Cast<object>().ToList() : new List<object> { value };
            var known = ServerWork.Defaults(engineIntrinsics.SessionState);
            var servers = new List<VirtServerConnection>();
            foreach (var item in items.Select(i => i is PSObject o ? o.BaseObject : i))
            {
                switch (item)
                {
                    case VirtServerConnection c: servers.Add(c); break;
                    case string name:
                        var found = known.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(c.Url.Host, name, StringComparison.OrdinalIgnoreCase)
                            || string.Equals(c.Url.Authority, name, StringComparison.OrdinalIgnoreCase));
                        if (found == null)
                            throw new ArgumentTransformationMetadataException($"Not connected to '{name}': connect with Connect-VirtServer -Server {name} -Credential <credential> first (connected: {(known.Count == 0 ? "none" : string.Join(", ", known.Select(c => c.Name)))}).");
                        servers.Add(found);
                        break;
                    default:
                        throw new ArgumentTransformationMetadataException($"-Server takes connections (Connect-VirtServer) or their server names, not {item?.GetType().FullName}.");
                }
            }
            // One connection stays one: a command that takes a single server binds it as it is.
            return servers.Count == 1 ? (object)servers[0] : servers.Distinct().ToArray();
        }
    }

    /// <summary>
    /// <para type="synopsis">Logs in to a vCenter Server or ESXi host and makes it the default server.</para>
    /// <para type="description">Connect-VirtServer opens a vim25 session (the vSphere SDK at https://server/sdk) with the credential given and returns a VirtCompliance.VirtServerConnection. The connection becomes the default ($global:DefaultVirtServer) and joins the default connections ($global:DefaultVirtServers, one per server, as PowerCLI's $DefaultVIServers): Get-VirtInventory and every analysis cmdlet run without -Inventory and -Server read all of them, in parallel, and name each result's vCenter; a change (a repair, a firewall policy, an evidence bundle) with several connected asks for -Server. The server certificate is validated; a self-signed or private-CA certificate is refused unless you pass the thumbprint you have verified (-CertificateThumbprint) or -SkipCertificateCheck (for a lab). The password is used only to log in, and again to log in once more if the server ends the session; it is never written to output, logs or snapshots. With -ViServer (or no parameters at all, when PowerCLI is connected) it reuses the session of a PowerCLI connection instead of logging in again: see the -ViServer parameter for what it relies on.</para>
    /// </summary>
    /// <example>
    ///   <code>Connect-VirtServer -Server vcsa-01.example.com -Credential (Get-Credential)</code>
    ///   <para>Logs in to a vCenter whose certificate a trusted CA signed.</para>
    /// </example>
    /// <example>
    ///   <code>Connect-VirtServer -Server 127.0.0.1:8989 -Credential $cred -SkipCertificateCheck</code>
    ///   <para>Logs in to a lab or simulator with a self-signed certificate.</para>
    /// </example>
    /// <example>
    ///   <code>Connect-VirtServer -Server vcsa-01 -Credential $cred -CertificateThumbprint 'AB:CD:...'</code>
    ///   <para>Trusts exactly this certificate (SHA-1 or SHA-256 thumbprint, as the error message for an untrusted certificate shows it).</para>
    /// </example>
    /// <example>
    ///   <code>Connect-VIServer vcsa-01.example.com; Connect-VirtServer -ViServer $global:DefaultVIServer</code>
    ///   <para>Reuses PowerCLI's session for the module's collector: no second login, no credential asked for. Connect-VirtServer with no parameters does the same with PowerCLI's default connection.</para>
    /// </example>
    [Cmdlet(VerbsCommunications.Connect, "VirtServer", DefaultParameterSetName = "PowerCli")]
    [OutputType(typeof(VirtServerConnection))]
    public sealed class ConnectVirtServerCommand : PSCmdlet
    {
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();

        /// <summary><para type="description">The server: a name, name:port, or https URL (the /sdk path is added when missing).</para></summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Credential")]
        [ValidateNotNullOrEmpty]
        // Mandatory in the Credential set, the only one that reads it.
        public string Server { get; set; } = null!;

        /// <summary><para type="description">The user name and password to log in with.</para></summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = "Credential")]
        [Credential]
        [ValidateNotNull]
        // Mandatory in the Credential set, the only one that reads it.
        public PSCredential Credential { get; set; } = null!;

        /// <summary><para type="description">A PowerCLI connection (Connect-VIServer's output, $global:DefaultVIServer) whose session to reuse. It is read through its members: ServiceUri (or Name and Port), SessionSecret (the vim25 session cookie) and IsConnected. Without -Server, -Credential and -ViServer, PowerCLI's default connection ($global:DefaultVIServer) is used. The session stays PowerCLI's: Disconnect-VirtServer forgets it without logging it out, and it cannot log in again when it ends. VM tags need their own login to the CIS REST API and are not collected over a reused session.</para></summary>
        [Parameter(ParameterSetName = "PowerCli")]
        [ValidateNotNull]
        public PSObject? ViServer { get; set; }

        /// <summary><para type="description">Accept any server certificate. Use only for labs and simulators.</para></summary>
        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary><para type="description">Accept this server certificate (SHA-1 or SHA-256 thumbprint, hex, colons optional) even when no trusted CA signed it.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CertificateThumbprint { get; set; }

        /// <summary><para type="description">Allow a plain http:// server URL. Over http the password crosses the network readable, so it is refused without this (with it, a warning says so). For labs without TLS only.</para></summary>
        [Parameter]
        public SwitchParameter AllowInsecureHttp { get; set; }

        /// <summary><para type="description">Do not make this connection the default.</para></summary>
        [Parameter]
        public SwitchParameter NotDefault { get; set; }

        protected override void ProcessRecord()
        {
            var options = new VimConnectionOptions { SkipCertificateCheck = SkipCertificateCheck, CertificateThumbprint = CertificateThumbprint, AllowInsecureHttp = AllowInsecureHttp };
            VimClient client;
            string name;
            if (ParameterSetName == "PowerCli")
            {
                var viServer = ViServer ?? (SessionState.PSVariable.GetValue("global:DefaultVIServer") is object o ? PSObject.AsPSObject(o) : null);
                if (viServer == null)
                {
                    ThrowTerminatingError(new ErrorRecord(new PSArgumentException("There is no connection to use: pass -Server and -Credential, or -ViServer, or connect PowerCLI (Connect-VIServer) first."),
                        "NoConnection", ErrorCategory.InvalidArgument, null));
                    return;
                }
                var (url, cookie, serverName) = ReadViServer(viServer);
                name = serverName;
                WriteVerbose($"Reusing PowerCLI's session to {url}" + (SkipCertificateCheck ? " without checking its certificate." : "."));
                client = ServerWork.Run(this, c => VimClient.AttachAsync(url, cookie, options, c), _cancel,
                    () => new ProgressRecord(8, "Connect-VirtServer", "Attaching to the session at " + url), name);
            }
            else
            {
                Uri url;
                try
                {
                    url = VimClient.SdkUrl(Server);
                }
                catch (ArgumentException ex)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, "InvalidServer", ErrorCategory.InvalidArgument, VimClient.WithoutUserInfo(Server)));
                    return;
                }
                if (url.Scheme == Uri.UriSchemeHttp && AllowInsecureHttp)
                    WriteWarning($"{url.GetLeftPart(UriPartial.Authority)} is plain http: the password crosses the network readable (-AllowInsecureHttp).");
                var credential = Credential.GetNetworkCredential();
                WriteVerbose($"Connecting to {url} as {credential.UserName}" + (SkipCertificateCheck ? " without checking its certificate." : "."));
                client = ServerWork.Run(this, c => VimClient.ConnectAsync(url, credential, options, c), _cancel,
                    () => new ProgressRecord(8, "Connect-VirtServer", "Logging in to " + url), Server);
                name = Server;
            }
            var connection = new VirtServerConnection(name, client);
            if (!NotDefault) ServerWork.AddDefault(this, connection);
            WriteObject(connection);
        }

        /// <summary>A PowerCLI VIServer, read through its members: where it is and its session cookie.</summary>
        private (Uri url, string cookie, string name) ReadViServer(PSObject viServer)
        {
            string? Member(string member) => VirtCompliance.PowerShell.PowerCli.VimViewReader.Unwrap(viServer.Properties[member]?.Value)?.ToString();
            var name = Member("Name");
            var what = name != null ? $"The PowerCLI connection '{name}'" : "The -ViServer object";
            // Stops the cmdlet: ThrowTerminatingError always throws. The exception is returned only for the
            // callers to throw, which tells the compiler that the code after them is not reached.
            Exception Fail(string member)
            {
                var shape = new VirtCompliance.PowerShell.PowerCli.PowerCliShapeException(what, member);
                ThrowTerminatingError(new ErrorRecord(shape, "UnknownObjectShape", ErrorCategory.InvalidArgument, viServer));
                return shape;
            }
            if (viServer.Properties["IsConnected"]?.Value is bool connected && !connected)
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"{what} is not connected; connect it again with Connect-VIServer."), "NotConnected", ErrorCategory.ConnectionError, viServer));
            var cookie = Member("SessionSecret");
            if (cookie == null || cookie.Length == 0) throw Fail("SessionSecret");
            Uri url;
            var service = Member("ServiceUri");
            if (service != null) url = VimClient.SdkUrl(service);
            else if (name != null) url = VimClient.SdkUrl(Member("Port") is string port && port != "443" ? $"{name}:{port}" : name);
            else throw Fail("ServiceUri");
            return (url, cookie, name ?? url.Host);
        }

        protected override void StopProcessing() => _cancel.Cancel();
    }

    /// <summary>
    /// <para type="synopsis">Logs out of a server connected with Connect-VirtServer.</para>
    /// <para type="description">Disconnect-VirtServer ends the vim25 session of the connections given (connections or their server names; by default, the default connection) and takes them out of the default connections ($global:DefaultVirtServers); when one was the default, the last connection left becomes the default. A connection that reuses PowerCLI's session (Connect-VirtServer -ViServer) is only forgotten: the session stays logged in for PowerCLI.</para>
    /// </summary>
    /// <example>
    ///   <code>Disconnect-VirtServer</code>
    ///   <para>Logs out of the default server.</para>
    /// </example>
    /// <example>
    ///   <code>$lab | Disconnect-VirtServer -Confirm:$false</code>
    ///   <para>Logs out of a connection kept in a variable, without asking.</para>
    /// </example>
    [Cmdlet(VerbsCommunications.Disconnect, "VirtServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(VirtServerConnection))]
    public sealed class DisconnectVirtServerCommand : PSCmdlet
    {
        /// <summary><para type="description">Write the closed connection to the pipeline (IsConnected is then false).</para></summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();

        /// <summary><para type="description">The connections to close (connections or their server names); default: the default connection. Accepts pipeline input.</para></summary>
        [Parameter(Position = 0, ValueFromPipeline = true)]
        [ServerTransformation]
        public VirtServerConnection[]? Server { get; set; }

        protected override void ProcessRecord()
        {
            var servers = Server ?? (ServerWork.Default(this) is VirtServerConnection d ? new[] { d } : Array.Empty<VirtServerConnection>());
            if (servers.Length == 0)
            {
                WriteError(new ErrorRecord(new InvalidOperationException("There is no connection to close: pass -Server, or connect with Connect-VirtServer first."),
                    "NoConnection", ErrorCategory.InvalidOperation, null));
                return;
            }
            foreach (var server in servers) Close(server);
        }

        private void Close(VirtServerConnection server)
        {
            if (!ShouldProcess(server.Name, server.Client.SharedSession ? "Forget the connection (the session stays with PowerCLI)" : "Log out")) return;
            if (server.IsConnected) ServerWork.Run(this, async c => { await server.Client.LogoutAsync(c).ConfigureAwait(false); return true; }, _cancel, null, server.Name);
            server.Client.Dispose();
            ServerWork.RemoveDefault(this, server);
            if (PassThru) WriteObject(server);
        }

        protected override void StopProcessing() => _cancel.Cancel();
    }

    /// <summary>
    /// <para type="synopsis">Collects the inventory of a connected vCenter Server or ESXi host.</para>
    /// <para type="description">Get-VirtInventory reads datacenters, clusters (DRS and HA settings, groups, rules, VM overrides), hosts (firewall, services, advanced options, lockdown mode, NTP, standard switches and portgroups), distributed switches and portgroups (VLAN, security policy, traffic filter), datastores and VMs (host, power state, network adapters with guest IPs, datastores, folder, custom attributes) in a few paged property collector requests, and returns the same VirtCompliance.Model.Inventory object Import-VirtInventory returns. Pipe it to Export-VirtInventory to keep it as a snapshot, or to any analysis cmdlet. Ctrl+C stops it promptly.</para>
    /// </summary>
    /// <example>
    ///   <code>Connect-VirtServer vcsa-01 -Credential $cred; $inv = Get-VirtInventory</code>
    ///   <para>Collects the default server's inventory.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VirtInventory -Server $DefaultVirtServers | ForEach-Object { Export-VirtInventory -Inventory $_ -Path "./snapshots/$($_.VCenter.Name -replace '[:\/]', '_').json" }</code>
    ///   <para>Collects every connected vCenter at once (-Server also takes their names: -Server vcsa-01, vcsa-02) and keeps one snapshot each, named after its vCenter.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VirtInventory -Cluster Payments | Export-VirtInventory -Path ./snapshots/payments.json</code>
    ///   <para>Collects one cluster and keeps it as a snapshot file (written atomically: nothing is written if collection fails).</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VirtInventory")]
    [OutputType(typeof(Inv))]
    public sealed class GetVirtInventoryCommand : PSCmdlet
    {
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();

        /// <summary><para type="description">The connections to collect from (connections or their server names); several are collected at once, one inventory each. Default: every connection Connect-VirtServer made the default ($DefaultVirtServers).</para></summary>
        [Parameter(Position = 0, ValueFromPipeline = true)]
        [ServerTransformation]
        public VirtServerConnection[]? Server { get; set; }

        /// <summary><para type="description">Only these clusters (names or ids, wildcards allowed), their hosts and VMs.</para></summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ClusterNameCompleter))]
        public string[]? Cluster { get; set; }

        /// <summary><para type="description">Do not read each host's image acceptance level and installed packages (two requests per host, the slowest part of a collection on a large vCenter). The acceptance-level and package controls then have nothing to read.</para></summary>
        [Parameter]
        public SwitchParameter SkipSoftware { get; set; }

        /// <summary><para type="description">Do not run the ESXCLI commands host controls read (SSH daemon settings, TLS profile, entropy, key persistence, configuration encryption, log persistence and filtering, the dcui account): one request per host and command, through the host's method executer as Get-EsxCli -V2 runs them. Those controls are then NotEvaluated.</para></summary>
        [Parameter]
        public SwitchParameter SkipEsxCli { get; set; }

        protected override void ProcessRecord()
        {
            var servers = Server ?? ServerWork.Defaults(this).ToArray();
            if (servers.Length == 0)
            {
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("Not connected: run Connect-VirtServer -Server <name> -Credential <credential> first, or pass -Server."),
                    "NotConnected", ErrorCategory.ConnectionError, null));
                return;
            }
            WriteObject(ServerWork.CollectAll(this, servers, _cancel, readSoftware: !SkipSoftware, readEsxCli: !SkipEsxCli, clusters: Cluster), true);
        }

        protected override void StopProcessing() => _cancel.Cancel();
    }
}
