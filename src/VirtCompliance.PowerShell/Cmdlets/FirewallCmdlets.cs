using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Common;
using VirtCompliance.Assessments;
using VirtCompliance.Firewall;
using VirtCompliance.Vim.Ports;
using VirtCompliance.Vim.Soap;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>Parameters of the cmdlets that work with a firewall policy.</summary>
    public abstract class FirewallPolicyCmdlet : ScopedAnalysisCmdlet
    {
        /// <summary><para type="description">The policy: a YAML or JSON file path, or a policy object.</para></summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public object Policy { get; set; } = null!;

        /// <summary><para type="description">Only these VMs (names or ids, wildcards allowed).</para></summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[]? Vm { get; set; }

        protected override string WhyNotFromPowerCli() => PortStateNotInPowerCli(MyInvocation.MyCommand.Name);

        /// <summary>The options of a firewall assessment: the policy, the VMs, and the scope sources its scope: groups read.</summary>
        protected AssessmentOptions Options(FirewallPolicy policy) => new AssessmentOptions { Policy = policy, Vms = VmFilter(Vm), ScopeSources = ScopeSources() };

        protected override PipedNameKind PipedNames => PipedNameKind.Vm;

        /// <summary>Each port's own filter comes from FetchDVPorts, which no PowerCLI object carries: judging ports without it would call every one of them Missing.</summary>
        internal static string PortStateNotInPowerCli(string command) =>
            $"{command} needs each distributed port's own traffic filter, which PowerCLI's objects do not carry. " +
            "Reuse PowerCLI's session instead: Connect-VirtServer -ViServer $global:DefaultVIServer, then run it without pipeline input (or with -Server).";
    }

    /// <summary>
    /// <para type="synopsis">Applies a per-VM firewall policy to the distributed ports of the VMs it protects.</para>
    /// <para type="description">Invoke-VmFirewallPolicy reads a policy (YAML or JSON: groups, ordered rules, defaults, failure mode; see module/schemas/firewall-policy.schema.json), compiles it against the inventory into one traffic filter per protected VM, compares each VM adapter's distributed port with it, and writes one VirtCompliance.Firewall.VmFirewallPolicyChange per port: Add, Update, Remove (a VM the policy no longer protects, whose filter the policy wrote), NoChange (only with -PassThru) or Unenforceable (an adapter on a standard portgroup, which no switch can filter; also a warning). A rule is enforced at the ports of the VMs in its destination group (at its source group's ports only when the destination has no VMs: "any" or addresses), so a VM named only as a source keeps its inbound traffic as it is. The filter lives on the port, so it follows the VM through vMotion; onFailure is failClosed or failOpen from the policy's failureMode (or -FailureMode).</para>
    /// <para type="description">Changes are applied only to a connected server (-Server or the default connection): each port is reconfigured with ReconfigureDVPort_Task, echoing the configVersion read, and read again and retried when someone else changed it in between (ConcurrentAccess). A port that cannot be changed is an error for that VM; the others proceed, and each output object says whether it was Applied. A filter with default-drop rules cuts off whatever traffic the policy does not allow, so the cmdlet's ConfirmImpact is High: at PowerShell's default $ConfirmPreference it asks before each port (and each cluster's placement) it changes; -WhatIf shows the plan without asking, -Confirm:$false applies it without asking (a scheduled job or runbook). A port of a VM the policy no longer protects (Remove) loses only the policy's own filter, as with Remove-VmFirewallPolicy; the port's other filters stay. With -Inventory (a snapshot) the cmdlet plans only: use -WhatIf. With failureMode closed it also keeps each protected VM on hosts that can enforce its filter: per cluster a DRS VM group of the protected VMs, a host group of the capable hosts (connected, not in maintenance mode, members of the VMs' distributed switches) and a mandatory VM-host rule, all named "vc-fw-POLICY-..." so it owns only its own objects, each written as a VirtCompliance.Firewall.ClusterPlacementChange. With failureMode open, protected VMs that could be moved to a host that cannot enforce their filter are reported as warnings (PCI DSS 10.7.2). A second run with nothing changed in between changes nothing. The policy owns only filters whose rules it described ("policy/rule"); it never rewrites a filter someone else wrote unless that port belongs to a VM it protects.</para>
    /// </summary>
    /// <example>
    ///   <code>Invoke-VmFirewallPolicy -Policy ./pci-lab.policy.yaml -Inventory (Import-VirtInventory ./pci-lab.json) -WhatIf</code>
    ///   <para>The plan for a snapshot: what would be added or changed on which port, with the rule diff.</para>
    /// </example>
    /// <example>
    ///   <code>Invoke-VmFirewallPolicy -Policy ./cde.policy.yaml -Vm 'pay-db-*' -PassThru | Format-List</code>
    ///   <para>Only the database VMs, on the default server. It asks before changing each port ("Are you sure you want to perform this action? ... [Y] Yes [A] Yes to All [N] No [L] No to All"): answer Y port by port, or A for all of them; ports already in line are listed too (NoChange).</para>
    /// </example>
    /// <example>
    ///   <code>Connect-VirtServer vcsa-01 -Credential $cred; Invoke-VmFirewallPolicy -Policy ./cde.policy.yaml -Confirm:$false</code>
    ///   <para>Applies the policy to every protected port without asking (as a runbook does, after a reviewed -WhatIf); the output lists each port changed, Applied once the server accepted it.</para>
    /// </example>
    /// <example>
    ///   <code>Invoke-VmFirewallPolicy -Policy ./cde.policy.yaml -FailureMode Closed -Confirm:$false | Where-Object Kind</code>
    ///   <para>Fail closed: the DRS VM group, host group and mandatory rule that keep the protected VMs on hosts able to enforce their filter.</para>
    /// </example>
    [Cmdlet(VerbsLifecycle.Invoke, "VmFirewallPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(VmFirewallPolicyChange), typeof(ClusterPlacementChange))]
    public sealed class InvokeVmFirewallPolicyCommand : FirewallPolicyCmdlet
    {
        // Writes go to one server: with several connected, -Server says which.
        protected override bool OneServerOnly => true;


        /// <summary><para type="description">Overrides the policy's failureMode: Closed (a host that cannot enforce the filter drops the VM's traffic) or Open (it lets traffic pass).</para></summary>
        [Parameter]
        public FailureMode? FailureMode { get; set; }

        /// <summary><para type="description">Also write ports that already enforce the policy (NoChange).</para></summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessInventory()
        {
            var policy = LoadPolicy(this, Policy);
            if (FailureMode != null) policy.FailureMode = FailureMode.Value;
            var fromSnapshot = Inventory != null;
            var inventory = RequireInventory();
            var plan = Assess(() => Assessment.FirewallPlan(inventory, Options(policy)));
            var server = fromSnapshot ? null : SingleServer();
            var writer = server == null ? null : new PortFilterWriter(server.Client);
            var pending = plan.Ports.Where(c => c.Action == PortChangeAction.Add || c.Action == PortChangeAction.Update || c.Action == PortChangeAction.Remove).ToList();
            if (pending.Count > 0 && writer == null && !MyInvocation.BoundParameters.ContainsKey("WhatIf"))
            {
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                    "A snapshot can be planned, not changed: pass -WhatIf to see the plan, or connect (Connect-VirtServer) and run without -Inventory to apply it."),
                    "SnapshotCannotBeChanged", ErrorCategory.InvalidOperation, null));
            }

            ApplyPlacement(plan.Placement, server);

            foreach (var change in plan.Ports)
            {
                switch (change.Action)
                {
                    case PortChangeAction.NoChange:
                        if (PassThru) WriteObject(change);
                        continue;
                    case PortChangeAction.Unenforceable:
                        WriteWarning(change.Message);
                        WriteObject(change);
                        continue;
                }
                if (change.Message != null) WriteVerbose(change.Message);
                var target = $"{change.Vm} {change.Nic} (port {change.PortKey} on {change.Switch})";
                var what = change.Action == PortChangeAction.Remove
                    ? PortRemoval.What(policy.Name, change)
                    : $"{change.Action} firewall policy '{policy.Name}': {change.RuleCount} rules, {change.Diff.Count} changed lines";
                if (writer == null)
                {
                    ShouldProcess(target, what); // with -WhatIf (the only way here), prints the plan line
                    WriteObject(change);
                    continue;
                }
                if (!ShouldProcess(target, what))
                {
                    WriteObject(change);
                    continue;
                }
                if (change.Action == PortChangeAction.Remove)
                {
                    WriteObject(PortRemoval.Apply(this, writer, change, target, Cancel));
                    continue;
                }
                try
                {
                    // The planner gives Add, Update and Remove only to adapters on a distributed port it knows
                    // (switch, type and port key all set); the others are Unenforceable, handled above.
                    var dvs = new VimRef(change.SwitchType!, change.SwitchId!);
                    var portKey = change.PortKey!;
                    var version = ServerWork.RunEach(c => writer.WriteAsync(dvs, portKey, change.PortConfigVersion, change.Desired, c), Cancel);
                    WriteObject(change with { Applied = true, PortConfigVersion = version, Message = writer.Attempts > 1 ? $"written after {writer.Attempts} attempts: the port changed while it was read" : change.Message });
                }
                catch (PipelineStoppedException) { throw; }
                catch (Exception ex) when (ex is VimFaultException || ex is VirtCompliance.Vim.VimConnectionException || ex is TimeoutException)
                {
                    WriteError(new ErrorRecord(ex, "FirewallApplyFailed", ErrorCategory.WriteError, change.Vm)
                    {
                        ErrorDetails = new ErrorDetails($"{target} was not changed: {ex.Message}"),
                    });
                    WriteObject(change with { Message = "not changed: " + ex.Message });
                }
            }
        }

        /// <summary>Fail closed: writes the DRS objects that keep protected VMs on capable hosts, cluster by cluster.</summary>
        private void ApplyPlacement(IReadOnlyList<ClusterPlacementChange> placement, VirtServerConnection? server)
        {
            var writer = server == null ? null : new ClusterPlacementWriter(server.Client);
            foreach (var cluster in placement.GroupBy(c => c.ClusterId))
            {
                var changes = cluster.ToList();
                foreach (var note in changes.Where(c => c.Message != null)) WriteWarning(note.Message);
                var pending = changes.Where(c => c.Action != PlacementAction.NoChange).ToList();
                if (pending.Count == 0)
                {
                    if (PassThru) WriteObject(changes, true);
                    continue;
                }
                var what = string.Join(", ", pending.Select(c => $"{c.Action.ToString().ToLowerInvariant()} {c.Kind} {c.Name}"));
                if (writer == null || !ShouldProcess($"cluster {changes[0].Cluster}", "Fail closed: " + what))
                {
                    WriteObject(changes.Where(c => PassThru || c.Action != PlacementAction.NoChange), true);
                    continue;
                }
                // The planner sets every change's ClusterId from its cluster's id, so the group's key is never null.
                var clusterId = cluster.Key!;
                try
                {
                    ServerWork.RunEach(async c => { await writer.ApplyAsync(clusterId, changes, c).ConfigureAwait(false); return true; }, Cancel);
                    WriteObject(changes.Where(c => PassThru || c.Action != PlacementAction.NoChange).Select(c => c.Action == PlacementAction.NoChange ? c : c with { Applied = true }), true);
                }
                catch (Exception ex) when (ex is VimFaultException || ex is VirtCompliance.Vim.VimConnectionException || ex is TimeoutException)
                {
                    WriteError(new ErrorRecord(ex, "PlacementApplyFailed", ErrorCategory.WriteError, changes[0].Cluster)
                    {
                        ErrorDetails = new ErrorDetails($"Cluster {changes[0].Cluster} was not changed: {ex.Message}"),
                    });
                }
            }
        }

        /// <summary>A policy object as given, or the file it names, read with file:line errors.</summary>
        internal static FirewallPolicy LoadPolicy(VirtCmdletBase cmdlet, object value)
        {
            if (value is PSObject ps) value = ps.BaseObject;
            if (value is FirewallPolicy policy) return policy;
            var path = cmdlet.ResolvePath(value.ToString());
            try
            {
                return PolicyReader.Load(path);
            }
            catch (DataFileException ex)
            {
                cmdlet.ThrowDataError(ex, "InvalidPolicy");
                // Not reached: ThrowDataError always throws.
                throw;
            }
            catch (IOException ex)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(ex, "PolicyNotFound", ErrorCategory.ObjectNotFound, path));
                // Not reached: ThrowTerminatingError always throws.
                throw;
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Takes a firewall policy off the distributed ports it owns, and leaves every other filter on them.</para>
    /// <para type="description">Remove-VmFirewallPolicy collects the inventory of a connected server (-Server or the default connection) and finds each VM adapter's distributed port whose own traffic filter the policy owns: a filter whose rules all carry the policy's name ("policy/rule"), as Invoke-VmFirewallPolicy describes them. Only the policy's name is read, so it works whether or not the policy still protects the VM, and with -PolicyName when the policy file is gone. For each such port it writes one VirtCompliance.Firewall.VmFirewallPolicyChange (Action Remove): the rules taken off (Diff), Applied once the server accepted the change, the port's new configVersion, and KeptFilters, the port's other filters, which are left exactly as they were.</para>
    /// <para type="description">Each port is changed on its own with ReconfigureDVPort_Task and a DvsTrafficFilterConfigSpec that names only the policy's filter (by its key): "remove", or, where the portgroup has a filter of the same key, "edit" inherited, which puts the portgroup's filter back. The port is read again just before (a filter someone else has written there since the inventory was read is refused and reported, one that is already gone is a warning) and the configVersion the inventory read is echoed, so a port changed since is refused by the server (ConcurrentAccess), read and judged again and the change retried; afterwards the port is read back. A port that cannot be changed is an error for that VM (FirewallRemoveFailed, FirewallPolicyNotOwned) and its output object says "not changed"; the other ports proceed, so the output says exactly which ports were changed and which were not. A port whose filter mixes the policy's rules with anyone else's is not the policy's alone: it is left as it is, with a warning. The fail-closed DRS groups and rule (vc-fw-POLICY-...) are not removed: delete them in the cluster's settings once the policy is off every port.</para>
    /// <para type="description">Removing a filter opens traffic it dropped, so ConfirmImpact is High: at PowerShell's default $ConfirmPreference the cmdlet asks before each port; -WhatIf lists what would be removed without changing anything; -Confirm:$false removes without asking. VM names (or objects with a Vm or Name property: Test-VmFirewallPolicy's and Invoke-VmFirewallPolicy's output, PowerCLI's Get-VM) can be piped in; with pipeline input only those VMs are touched, and empty input touches none.</para>
    /// </summary>
    /// <example>
    ///   <code>Remove-VmFirewallPolicy -Policy ./cde.policy.yaml -WhatIf</code>
    ///   <para>Which ports of the default server carry the policy's filter, and the rules that would be taken off; nothing is changed and nothing is asked.</para>
    /// </example>
    /// <example>
    ///   <code>Remove-VmFirewallPolicy -Policy ./cde.policy.yaml -Vm pay-db-01</code>
    ///   <para>Takes the policy off pay-db-01's ports. It asks before each port ("Are you sure you want to perform this action? ... [Y] Yes [A] Yes to All [N] No [L] No to All"); the output lists each port with Applied and the filters kept.</para>
    /// </example>
    /// <example>
    ///   <code>Test-VmFirewallPolicy -Policy ./cde.policy.yaml | Where-Object Status -eq Stale | Remove-VmFirewallPolicy -Policy ./cde.policy.yaml -Confirm:$false</code>
    ///   <para>Clears the policy from the VMs it no longer protects (Stale), without asking.</para>
    /// </example>
    /// <example>
    ///   <code>Remove-VmFirewallPolicy -PolicyName cde -Server $vc -Confirm:$false | Where-Object { -not $_.Applied }</code>
    ///   <para>The policy named cde, whose file is gone, off every port of $vc; lists the ports that were not changed (each also an error saying why).</para>
    /// </example>
    [Cmdlet(VerbsCommon.Remove, "VmFirewallPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Policy")]
    [OutputType(typeof(VmFirewallPolicyChange))]
    public sealed class RemoveVmFirewallPolicyCommand : VirtCmdletBase
    {
        /// <summary><para type="description">The policy: a YAML or JSON file path, or a policy object. Only its name is used: its filters are the ones whose rules carry that name.</para></summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Policy")]
        [ValidateNotNull]
        public object Policy { get; set; } = null!;

        /// <summary><para type="description">The policy's name, as its rules carry it ("NAME/rule"): for a policy whose file is gone.</para></summary>
        [Parameter(Mandatory = true, ParameterSetName = "PolicyName")]
        [ValidateNotNullOrEmpty]
        public string PolicyName { get; set; } = "";

        /// <summary><para type="description">Only these VMs (names or ids, wildcards allowed). Accepts pipeline input: names, or objects with a Vm or Name property. Without it, every VM of the server.</para></summary>
        [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[]? Vm { get; set; }

        /// <summary><para type="description">The connection (Connect-VirtServer, or its server name) whose ports to change. Default: the default connection; with several connected, say which.</para></summary>
        [Parameter]
        [ValidateNotNull]
        [ServerTransformation]
        public VirtServerConnection? Server { get; set; }

        private readonly PipedInput _piped = new PipedInput();
        private readonly System.Threading.CancellationTokenSource _cancel = new System.Threading.CancellationTokenSource();
        private string _policyName = "";

        protected override void StopProcessing() => _cancel.Cancel();

        protected override void BeginProcessing()
        {
            _policyName = ParameterSetName == "PolicyName" ? PolicyName : InvokeVmFirewallPolicyCommand.LoadPolicy(this, Policy).Name;
        }

        protected override void ProcessRecord() => _piped.Add(Vm, null);

        protected override void EndProcessing()
        {
            var vms = _piped.Vms;
            if (MyInvocation.ExpectingInput && vms == null)
            {
                // Empty pipeline input names no VM: it must not mean every VM.
                WriteVerbose("No VM came down the pipeline: no port is changed.");
                return;
            }
            var server = ServerWork.Require(this, Server, MyInvocation.MyCommand.Name);
            var inventory = ServerWork.Collect(this, server, null, _cancel, readSoftware: false, readEsxCli: false);
            var options = new AssessmentOptions { Policy = new FirewallPolicy { Name = _policyName }, Vms = vms };
            var plan = Assess(() => Assessment.FirewallRemoval(inventory, options));
            if (plan.Ports.Count == 0) WriteVerbose($"No port of {server.Name}{(vms == null ? "" : " among the VMs named")} carries a filter of policy '{_policyName}'.");
            var writer = new PortFilterWriter(server.Client);
            foreach (var change in plan.Ports)
            {
                var target = $"{change.Vm} {change.Nic} (port {change.PortKey} on {change.Switch})";
                if (!ShouldProcess(target, PortRemoval.What(_policyName, change)))
                {
                    WriteObject(change);
                    continue;
                }
                WriteObject(PortRemoval.Apply(this, writer, change, target, _cancel));
            }
        }
    }

    /// <summary>Taking a policy's filter off one port: what Remove-VmFirewallPolicy and Invoke-VmFirewallPolicy's Remove do alike.</summary>
    internal static class PortRemoval
    {
        public static string What(string policy, VmFirewallPolicyChange change) =>
            $"Remove firewall policy '{policy}' ({change.Diff.Count} rules; the port's other filters stay)";

        /// <summary>
        /// Removes the policy's filter from the change's port and returns the change as it ended:
        /// Applied with the new configVersion and the filters kept, or "not changed" with the reason,
        /// after a WriteError (or, for a filter already gone, a warning).
        /// </summary>
        public static VmFirewallPolicyChange Apply(PSCmdlet cmdlet, PortFilterWriter writer, VmFirewallPolicyChange change, string target, System.Threading.CancellationTokenSource cancel)
        {
            var policy = change.Policy;
            try
            {
                // The planners give Remove only to adapters on a distributed port they know (switch, type and port key all set).
                var dvs = new VimRef(change.SwitchType!, change.SwitchId!);
                var portKey = change.PortKey!;
                var removal = ServerWork.RunEach(c => writer.RemoveAsync(dvs, portKey, change.PortConfigVersion, policy, c), cancel);
                switch (removal.Outcome)
                {
                    case PortFilterRemovalOutcome.Removed:
                        var kept = removal.KeptFilters.Count == 0 ? "no other filter on the port" : "kept: " + string.Join(", ", removal.KeptFilters);
                        return change with
                        {
                            Applied = true,
                            PortConfigVersion = removal.ConfigVersion,
                            KeptFilters = removal.KeptFilters,
                            Message = (writer.Attempts > 1 ? $"removed after {writer.Attempts} attempts: the port changed while it was read; " : "removed; ") + kept,
                        };
                    case PortFilterRemovalOutcome.Gone:
                        cmdlet.WriteWarning($"{target} no longer carries a filter of policy '{policy}' (someone took it off or replaced it after the inventory was read): nothing to remove.");
                        return change with { PortConfigVersion = removal.ConfigVersion, KeptFilters = removal.KeptFilters, Message = "not changed: the policy's filter was already gone" };
                    default:
                        var message = $"{target} was not changed: its filter is no longer policy '{policy}''s alone (someone added rules of their own after the inventory was read: {string.Join(", ", removal.KeptFilters)}), so it is left as it is.";
                        cmdlet.WriteError(new ErrorRecord(new InvalidOperationException(message), "FirewallPolicyNotOwned", ErrorCategory.ResourceUnavailable, change.Vm)
                        {
                            ErrorDetails = new ErrorDetails(message),
                        });
                        return change with { PortConfigVersion = removal.ConfigVersion, KeptFilters = removal.KeptFilters, Message = "not changed: the port's filter is no longer the policy's" };
                }
            }
            catch (PipelineStoppedException) { throw; }
            catch (Exception ex) when (ex is VimFaultException || ex is VirtCompliance.Vim.VimConnectionException || ex is TimeoutException)
            {
                cmdlet.WriteError(new ErrorRecord(ex, "FirewallRemoveFailed", ErrorCategory.WriteError, change.Vm)
                {
                    ErrorDetails = new ErrorDetails($"{target} was not changed: {ex.Message}"),
                });
                return change with { Message = "not changed: " + ex.Message };
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Checks that each VM a firewall policy protects has the policy's filter on its distributed ports.</para>
    /// <para type="description">Test-VmFirewallPolicy compiles the policy against the inventory (a snapshot, or collected from -Server or the default connection) and compares every protected VM adapter's port with it, writing one VirtCompliance.Firewall.VmFirewallPolicyStatus per port that is not Enforced: Missing (no filter on the port), Different (edited by hand, or the policy changed), Unenforceable (the adapter was moved to a standard portgroup, which no switch can filter), Stale (the VM left the policy but its port still carries the filter) or, failing closed, OutsideCapableHosts (the VM runs on a host that is off its distributed switch, in maintenance, or fails the policy's hostControls), or, failing open, FailOpenExposure (the VM can be moved to such a host, where its traffic would pass unfiltered: evidence for PCI DSS 10.7.2). -PassThru also writes the Enforced ones; -Quiet writes only $true when every port enforces the policy, else $false. It changes nothing.</para>
    /// </summary>
    /// <example>
    ///   <code>Test-VmFirewallPolicy -Policy ./cde.policy.yaml</code>
    ///   <para>The protected VMs of the default server whose ports do not enforce the policy.</para>
    /// </example>
    /// <example>
    ///   <code>if (-not (Test-VmFirewallPolicy -Policy ./cde.policy.yaml -Quiet)) { throw 'CDE firewall not enforced' }</code>
    ///   <para>A runbook step.</para>
    /// </example>
    [Cmdlet(VerbsDiagnostic.Test, "VmFirewallPolicy", DefaultParameterSetName = "Status")]
    [OutputType(typeof(VmFirewallPolicyStatus), ParameterSetName = new[] { "Status" })]
    [OutputType(typeof(bool), ParameterSetName = new[] { "Quiet" })]
    public sealed class TestVmFirewallPolicyCommand : FirewallPolicyCmdlet
    {

        /// <summary><para type="description">Also write the ports that enforce the policy.</para></summary>
        [Parameter(ParameterSetName = "Status")]
        public SwitchParameter PassThru { get; set; }

        /// <summary><para type="description">Write only $true when every protected port enforces the policy, else $false; a policy that protects no VM gives $false (NothingProtected).</para></summary>
        [Parameter(ParameterSetName = "Quiet", Mandatory = true)]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessInventory()
        {
            var policy = InvokeVmFirewallPolicyCommand.LoadPolicy(this, Policy);
            var inventory = RequireInventory();
            var result = Assess(() => Assessment.FirewallStatus(inventory, Options(policy)));
            if (Quiet)
            {
                WriteObject(result.Passed);
                return;
            }
            WriteObject(result.Statuses.Where(s => PassThru || s.Status != EnforcementStatus.Enforced), true);
        }
    }

    /// <summary>
    /// <para type="synopsis">Shows the traffic filter rules in force on each VM adapter's distributed port.</para>
    /// <para type="description">Get-VmFirewallPolicy writes one VirtCompliance.Firewall.VmFirewallRule per rule in force on each adapter of the VMs (all, or those -Vm names): sequence, direction, action, protocol, addresses, ports, the rule's description ("policy/rule" for rules Invoke-VmFirewallPolicy wrote), and whether it is the port's own filter or its portgroup's (Origin).</para>
    /// </summary>
    /// <example>
    ///   <code>Get-VmFirewallPolicy -Vm pay-db-01</code>
    ///   <para>The rules in force on pay-db-01's ports, from the default server.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VmFirewallPolicy -Inventory $inv | Where-Object Origin -eq Port | Group-Object Vm</code>
    ///   <para>VMs whose ports carry a filter of their own, from a snapshot.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VmFirewallPolicy")]
    [OutputType(typeof(VmFirewallRule))]
    public sealed class GetVmFirewallPolicyCommand : InventoryAnalysisCmdlet
    {
        protected override string WhyNotFromPowerCli() => FirewallPolicyCmdlet.PortStateNotInPowerCli(MyInvocation.MyCommand.Name);

        protected override PipedNameKind PipedNames => PipedNameKind.Vm;

        /// <summary><para type="description">Only these VMs (names or ids, wildcards allowed). Accepts VM names from the pipeline.</para></summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[]? Vm { get; set; }

        protected override void ProcessInventory()
        {
            var inventory = RequireInventory();
            WriteVmNotFoundErrors(VmFilter(Vm), inventory);
            WriteObject(VmFirewallRule.Of(inventory, VirtCompliance.Common.NameFilter.Create(VmFilter(Vm))), true);
        }
    }
}
