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
    /// <para type="description">Changes are applied only to a connected server (-Server or the default connection): each port is reconfigured with ReconfigureDVPort_Task, echoing the configVersion read, and read again and retried when someone else changed it in between (ConcurrentAccess). A port that cannot be changed is an error for that VM; the others proceed, and each output object says whether it was Applied. With -Inventory (a snapshot) the cmdlet plans only: use -WhatIf. With failureMode closed it also keeps each protected VM on hosts that can enforce its filter: per cluster a DRS VM group of the protected VMs, a host group of the capable hosts (connected, not in maintenance mode, members of the VMs' distributed switches) and a mandatory VM-host rule, all named "vc-fw-POLICY-..." so it owns only its own objects, each written as a VirtCompliance.Firewall.ClusterPlacementChange. With failureMode open, protected VMs that could be moved to a host that cannot enforce their filter are reported as warnings (PCI DSS 10.7.2). A second run with nothing changed in between changes nothing. The policy owns only filters whose rules it described ("policy/rule"); it never rewrites a filter someone else wrote unless that port belongs to a VM it protects.</para>
    /// </summary>
    /// <example>
    ///   <code>Invoke-VmFirewallPolicy -Policy ./pci-lab.policy.yaml -Inventory (Import-VirtInventory ./pci-lab.json) -WhatIf</code>
    ///   <para>The plan for a snapshot: what would be added or changed on which port, with the rule diff.</para>
    /// </example>
    /// <example>
    ///   <code>Connect-VirtServer vcsa-01 -Credential $cred; Invoke-VmFirewallPolicy -Policy ./cde.policy.yaml -Confirm:$false</code>
    ///   <para>Applies the policy to the default server's ports; the output lists each port changed.</para>
    /// </example>
    /// <example>
    ///   <code>Invoke-VmFirewallPolicy -Policy ./cde.policy.yaml -Vm 'pay-db-*' -PassThru | Format-List</code>
    ///   <para>Only the database VMs, with ports already in line listed too (NoChange).</para>
    /// </example>
    /// <example>
    ///   <code>Invoke-VmFirewallPolicy -Policy ./cde.policy.yaml -FailureMode Closed -Confirm:$false | Where-Object Kind</code>
    ///   <para>Fail closed: the DRS VM group, host group and mandatory rule that keep the protected VMs on hosts able to enforce their filter.</para>
    /// </example>
    [Cmdlet(VerbsLifecycle.Invoke, "VmFirewallPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VmFirewallPolicyChange), typeof(ClusterPlacementChange))]
    public sealed class InvokeVmFirewallPolicyCommand : FirewallPolicyCmdlet
    {

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
            var server = fromSnapshot ? null : Server ?? ServerWork.Default(this);
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
                    ? $"Remove firewall policy '{policy.Name}' (back to the portgroup's filter)"
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
