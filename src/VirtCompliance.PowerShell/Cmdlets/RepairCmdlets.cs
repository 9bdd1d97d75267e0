using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using VirtCompliance.Common;
using VirtCompliance.Controls;
using VirtCompliance.Repair;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Repair;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>What a repair run wrote, and how to put it back: the file -BackupPath writes and Undo-ControlRepair reads.</summary>
    internal static class RepairBackup
    {
        public static void Write(string path, string server, IEnumerable<ControlRepair> repairs)
        {
            var doc = new JObject
            {
                ["tool"] = "VirtCompliance",
                ["kind"] = "controlRepairBackup",
                ["server"] = server,
                ["repairs"] = JToken.FromObject(repairs.ToList(), JsonFiles.Serializer),
            };
            AtomicFile.WriteAllText(path, doc.ToString(Formatting.Indented) + "\n");
        }

        public static IReadOnlyList<ControlRepair> Read(string path)
        {
            var text = StrictJson.ReadText(File.OpenRead(path), path, 64L * 1024 * 1024);
            var root = StrictJson.Load(new MemoryStream(AtomicFile.Utf8NoBom.GetBytes(text)), path) as JObject;
            if (root == null || (string?)root["kind"] != "controlRepairBackup" || !(root["repairs"] is JArray list))
                throw new DataFileException(path, 1, 1, "not a repair backup (Repair-HostControlDrift -BackupPath writes one).");
            try { return list.ToObject<List<ControlRepair>>(JsonFiles.Serializer)!; }
            catch (JsonException ex) { throw new DataFileException(path, 1, 1, "the repair backup cannot be read: " + ex.Message.Split('\n')[0], ex); }
        }
    }

    /// <summary>
    /// <para type="synopsis">Repairs host control drift on the server: each failing (host, control) set to the baseline's value, read back and verified.</para>
    /// <para type="description">Repair-HostControlDrift takes the results of Get-HostControlDrift from the pipeline (or -ControlId, for every host that fails those controls) and, on a live connection (-Server or the default one), reads the hosts again, plans each repair from that fresh read and writes it: advanced options (one UpdateOptions per host for all of them), services (stopped or started, and their policy), the firewall's default policy, lockdown mode (only with -Force: it can lock every administrator out) and the settings only ESXCLI changes (through the host's method executer, as Get-EsxCli -V2). How to fix each control is data in the catalog (its fix). What is not safe to automate (installing or removing software, the acceptance level, firmware, site-specific values such as the syslog server) is written as Skipped with the reason, not as an error. A value that changed since it was read is skipped, not overwritten. Every change is one ShouldProcess target per host and control that says what changes from what to what (ConfirmImpact High; -WhatIf writes Planned results and changes nothing). After the changes the hosts are read once more: each repair is Verified when the control now passes, else Failed with what was found. -BackupPath writes the values found before the first change, atomically, and again with the outcome of each change; Undo-ControlRepair -Path puts them back. Output: one VirtCompliance.Repair.ControlRepair per host and control. A snapshot cannot be repaired.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-HostControlDrift -Baseline scg | Repair-HostControlDrift -WhatIf</code>
    ///   <para>What a repair would change on each host, from what to what, without changing anything.</para>
    /// </example>
    /// <example>
    ///   <code>Get-HostControlDrift -Baseline scg -Cluster Payments | Repair-HostControlDrift -BackupPath ./repair-backup.json -Confirm:$false</code>
    ///   <para>Repairs the Payments hosts against the SCG, keeping the values found so that Undo-ControlRepair can put them back.</para>
    /// </example>
    /// <example>
    ///   <code>Repair-HostControlDrift -Baseline stig -ControlId 'vc.ssh-*', 'esx-9.ssh' -Confirm:$false | Where-Object Status -ne Verified</code>
    ///   <para>The SSH controls on every host that fails them, and what did not end verified.</para>
    /// </example>
    [Cmdlet(VerbsDiagnostic.Repair, "HostControlDrift", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Pipeline")]
    [OutputType(typeof(ControlRepair))]
    public sealed class RepairHostControlDriftCommand : RepairControlDriftCommandBase<HostControlDrift>
    {
        /// <summary><para type="description">The networks (CIDR, 10.0.0.0/24) and addresses to restrict each open firewall ruleset to (esx-9.firewall-restrict-access). Without it open rulesets are not restricted: allowing nothing would cut the host off.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? AllowedNetwork { get; set; }

        protected override IReadOnlyList<ControlScope> Scopes { get; } = new[] { ControlScope.Host };
        protected override string IdOf(HostControlDrift drift) => drift.HostId;

        protected override RepairOptions Options()
        {
            foreach (var item in AllowedNetwork ?? Array.Empty<string>())
                if (!Firewall.IpNetwork.TryParse(item, out _))
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{item}' is not an address or a network (CIDR, such as 10.0.0.0/24)."), "InvalidAllowedNetwork", ErrorCategory.InvalidArgument, item));
            return new RepairOptions { Force = Force, AllowedNetworks = AllowedNetwork };
        }
    }

    /// <summary>
    /// <para type="synopsis">Repairs network drift on the server: distributed and standard portgroups' and standard vSwitches' settings set to the baseline's value, read back and verified.</para>
    /// <para type="description">Repair-NetworkControlDrift takes the results of Get-NetworkControlDrift from the pipeline (or -ControlId, for every portgroup and vSwitch that fails those controls) and, on a live connection, reads them again and writes each object's failing settings: a distributed portgroup's security policy, NetFlow and reset at disconnect in one ReconfigureDVPortgroup_Task with its config version (a concurrent change is read again and retried); a standard vSwitch's or portgroup's security policy in one UpdateVirtualSwitch or UpdatePortGroup, their whole spec echoed as the host holds it (a portgroup gets its own value, so that the policy in force meets the control whatever the vSwitch says). A distributed switch's default security policy and discovery protocol go in one ReconfigureDvs_Task with its config version, Network I/O Control with EnableNetworkResourceManagement; which NetFlow collector and mirroring sessions are authorized, VLAN design and per-port override choices are Skipped with the reason. Each change is one ShouldProcess target (ConfirmImpact High; -WhatIf plans); the portgroups are read again to verify; -BackupPath and Undo-ControlRepair put the values back. Output: one VirtCompliance.Repair.ControlRepair per portgroup and control.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-NetworkControlDrift -Baseline scg | Repair-NetworkControlDrift -WhatIf</code>
    ///   <para>What a repair would change on each distributed portgroup.</para>
    /// </example>
    /// <example>
    ///   <code>Get-NetworkControlDrift -Baseline pci-dss | Repair-NetworkControlDrift -BackupPath ./network-before.json -Confirm:$false</code>
    ///   <para>Repairs the distributed portgroups against pci-dss, keeping the values found for Undo-ControlRepair.</para>
    /// </example>
    [Cmdlet(VerbsDiagnostic.Repair, "NetworkControlDrift", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Pipeline")]
    [OutputType(typeof(ControlRepair))]
    public sealed class RepairNetworkControlDriftCommand : RepairControlDriftCommandBase<NetworkControlDrift>
    {
        protected override IReadOnlyList<ControlScope> Scopes { get; } = new[] { ControlScope.DistributedSwitch, ControlScope.DistributedPortgroup, ControlScope.StandardPortgroup, ControlScope.StandardSwitch };
        protected override string IdOf(NetworkControlDrift drift) => drift.NetworkId;

        protected override ControlScope ScopeOf(NetworkControlDrift drift) => drift.ObjectKind switch
        {
            NetworkObjectKind.StandardPortgroup => ControlScope.StandardPortgroup,
            NetworkObjectKind.StandardSwitch => ControlScope.StandardSwitch,
            NetworkObjectKind.DistributedSwitch => ControlScope.DistributedSwitch,
            _ => ControlScope.DistributedPortgroup,
        };
    }

    /// <summary>
    /// <para type="synopsis">Repairs VM control drift on the server: each failing VM advanced setting set to the baseline's value, read back and verified.</para>
    /// <para type="description">Repair-VmControlDrift takes the results of Get-VmControlDrift from the pipeline (or -ControlId, for every VM that fails those controls) and, on a live connection, reads the VMs again and sets each failing advanced setting (console copy and paste, VMCI, tools settings, the TPS salt, ...) to the baseline's value: one ReconfigVM_Task per VM for all of its settings. A setting a running VM reads at power-on says that it takes effect when the VM is powered off and on again. Removing devices, upgrading virtual hardware and changing firmware or encryption change the VM itself and are Skipped with the reason. Each change is one ShouldProcess target (ConfirmImpact High; -WhatIf plans); the VMs are read again to verify; -BackupPath and Undo-ControlRepair put the values back. Output: one VirtCompliance.Repair.ControlRepair per VM and control.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-VmControlDrift -Baseline scg -Vm 'pay-*' | Repair-VmControlDrift -WhatIf</code>
    ///   <para>What a repair would set on the payment VMs, from what to what.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VmControlDrift -Baseline pci-dss | Repair-VmControlDrift -BackupPath ./vm-before.json -Confirm:$false</code>
    ///   <para>Repairs the VMs' advanced settings against pci-dss, keeping the values found for Undo-ControlRepair.</para>
    /// </example>
    [Cmdlet(VerbsDiagnostic.Repair, "VmControlDrift", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Pipeline")]
    [OutputType(typeof(ControlRepair))]
    public sealed class RepairVmControlDriftCommand : RepairControlDriftCommandBase<VmControlDrift>
    {
        protected override IReadOnlyList<ControlScope> Scopes { get; } = new[] { ControlScope.Vm };
        protected override string IdOf(VmControlDrift drift) => drift.VmId;
    }

    /// <summary>
    /// <para type="synopsis">Repairs vCenter control drift on the server: the vCenter Server's advanced settings, the appliance's own settings and the clusters' DRS and HA, each set to the baseline's value, read back and verified.</para>
    /// <para type="description">Repair-VCenterControlDrift takes the results of Get-VCenterControlDrift from the pipeline (or -ControlId, for the vCenter Server and every cluster that fails those controls) and, on a live connection, reads the server again and writes what fails: the vCenter Server's advanced settings (event and task retention, log level, vpxuser password rotation and length, syslog of events, SNMP receivers) in one UpdateOptions on its setting manager, with each setting's wire type as the server holds it; the appliance's SSH access, time synchronisation and local password lifetime through the CIS REST API (the password policy echoed whole); DRS and vSphere HA in one ReconfigureComputeResource_Task per cluster that changes only those members. Values that are the site's own (the NTP and syslog servers, the mail server, the login banner) and the EVC mode are Skipped with the reason. vCenter keeps an advanced setting once it is added, so a setting that was not there before has no undo. Each change is one ShouldProcess target (ConfirmImpact High; -WhatIf plans); the server is read again to verify; -BackupPath and Undo-ControlRepair put the values back. Output: one VirtCompliance.Repair.ControlRepair per object and control.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-VCenterControlDrift -Baseline scg | Repair-VCenterControlDrift -WhatIf</code>
    ///   <para>What a repair would change on the vCenter Server and its clusters, from what to what.</para>
    /// </example>
    /// <example>
    ///   <code>Repair-VCenterControlDrift -Baseline pci-dss -ControlId 'vcenter-9.events-*', 'vc.tasks-database-retention' -BackupPath ./vcenter-before.json -Confirm:$false</code>
    ///   <para>Sets the event and task retention the baseline asks for, keeping the values found for Undo-ControlRepair.</para>
    /// </example>
    [Cmdlet(VerbsDiagnostic.Repair, "VCenterControlDrift", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Pipeline")]
    [OutputType(typeof(ControlRepair))]
    public sealed class RepairVCenterControlDriftCommand : RepairControlDriftCommandBase<VCenterControlDrift>
    {
        protected override IReadOnlyList<ControlScope> Scopes { get; } = new[] { ControlScope.VCenter, ControlScope.Cluster };
        protected override string IdOf(VCenterControlDrift drift) => drift.ObjectId;
        protected override ControlScope ScopeOf(VCenterControlDrift drift) => drift.ObjectKind == EstateObjectKind.Cluster ? ControlScope.Cluster : ControlScope.VCenter;
    }

    /// <summary>
    /// What the Repair-*ControlDrift commands share: piped drift results or -ControlId,
    /// a fresh read to plan from, one ShouldProcess per object and control, the backup, the writes per
    /// object, and a second read to verify.
    /// </summary>
    public abstract class RepairControlDriftCommandBase<TDrift> : VirtCmdletBase where TDrift : ControlDrift
    {
        /// <summary><para type="description">Drift results (Get-HostControlDrift for hosts, Get-VmControlDrift for VMs): the objects and controls to repair (Fail results; others are skipped).</para></summary>
        [Parameter(ValueFromPipeline = true, ParameterSetName = "Pipeline", Mandatory = true)]
        public TDrift? InputObject { get; set; }

        /// <summary>Host, Vm, or the network kinds: the objects this command repairs.</summary>
        protected abstract IReadOnlyList<ControlScope> Scopes { get; }

        /// <summary>The kind of object one result is about (for a command that repairs more than one kind).</summary>
        protected virtual ControlScope ScopeOf(TDrift drift) => Scopes[0];

        /// <summary>The object a drift result is about.</summary>
        protected abstract string IdOf(TDrift drift);

        /// <summary>The kind of object an id names: a standard portgroup "host-21/VM Network", a vSwitch "host-21#vSwitch0", else the scope asked for.</summary>
        private static ControlScope ScopeOfId(string id, ControlScope scope) =>
            scope != ControlScope.StandardPortgroup && scope != ControlScope.StandardSwitch ? scope : id.Contains("#") ? ControlScope.StandardSwitch : ControlScope.StandardPortgroup;

        /// <summary>What the repairs may do beyond the catalog's fixes (the host command adds the networks open rulesets are restricted to).</summary>
        protected virtual RepairOptions Options() => new RepairOptions { Force = Force };

        /// <summary>A result this command does not repair at all (a kind of object it cannot write), as a Skipped repair; null: plan it.</summary>
        protected virtual ControlRepair? NotRepaired(TDrift drift) => null;

        /// <summary><para type="description">The controls to repair on every object that fails them (wildcards allowed), with -Baseline.</para></summary>
        [Parameter(ParameterSetName = "Controls", Mandatory = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ControlIdCompleter))]
        public string[]? ControlId { get; set; }

        /// <summary><para type="description">The baseline whose values to set (a built-in name, a file or a baseline object (Get-ComplianceBaseline, New-ComplianceBaseline)). Default: the baseline the piped results name (built in), else pci-dss.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BaselineCompleter))]
        public object? Baseline { get; set; }

        /// <summary><para type="description">The connection to repair through (a connection or its server name); default: the default connection (Connect-VirtServer). With several connected, say which.</para></summary>
        [Parameter]
        [ServerTransformation]
        public VirtServerConnection? Server { get; set; }

        /// <summary><para type="description">Also make the changes that can lock administrators out (lockdown mode on a host): check its exception users first.</para></summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary><para type="description">A file to write the values found before the first change to (atomically), and again with each change's outcome; Undo-ControlRepair -Path puts them back.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BackupPath { get; set; }

        /// <summary><para type="description">Refused: a snapshot cannot be repaired. Repair through a connection.</para></summary>
        [Parameter]
        public Inv? Inventory { get; set; }

        private readonly List<TDrift> _piped = new List<TDrift>();
        private readonly System.Threading.CancellationTokenSource _cancel = new System.Threading.CancellationTokenSource();

        protected override void ProcessRecord()
        {
            if (InputObject != null) _piped.Add(InputObject);
        }

        protected override void StopProcessing() => _cancel.Cancel();

        protected override void EndProcessing()
        {
            if (Inventory != null)
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("A snapshot cannot be repaired: its hosts are files, not servers. Connect with Connect-VirtServer and repair through the connection."),
                    "SnapshotNotRepairable", ErrorCategory.InvalidOperation, Inventory.Source));
            var server = ServerWork.Require(this, Server, "Repair");
            var baselineName = Baseline ?? _piped.Select(p => p.Baseline).FirstOrDefault(b => VirtCompliance.Controls.Baseline.BuiltInName(b) != null) ?? "pci-dss";
            var baseline = LoadBaseline(baselineName);
            var fresh = ServerWork.Collect(this, server, null, _cancel);
            var wanted = new List<(ControlScope scope, string id, string control, string? actual)>();
            if (ControlId != null)
            {
                var match = NameFilter.Create(ControlId)!;
                foreach (var scope in Scopes)
                {
                    var ids = baseline.Controls.Where(c => c.Definition.Scope == scope && match(c.Id)).Select(c => c.Id).ToArray();
                    if (ids.Length == 0) continue;
                    wanted.AddRange(RepairEngine.Current(fresh, baseline, scope, ids).Where(kv => kv.Value.Outcome == Outcome.Fail && Scopes.Contains(ScopeOfId(kv.Key.id, scope)))
                        .Select(kv => (ScopeOfId(kv.Key.id, scope), kv.Key.id, kv.Key.controlId, (string?)kv.Value.Actual)).Distinct());
                }
            }
            else
            {
                foreach (var other in _piped.Where(p => p.Baseline != baseline.Name).Select(p => p.Baseline).Distinct())
                    WriteWarning($"Results of baseline '{other}' are repaired to the values of '{baseline.Name}'.");
                wanted.AddRange(_piped.Where(p => p.Outcome == Outcome.Fail && NotRepaired(p) == null).Select(p => (ScopeOf(p), IdOf(p), p.ControlId, (string?)p.Actual)));
            }
            var plan = wanted.GroupBy(w => w.scope).SelectMany(g => RepairEngine.Plan(fresh, baseline, g.Key, g.Select(w => (w.id, w.control, w.actual)), Options())).ToList();
            var results = _piped.Where(p => p.Outcome == Outcome.Fail).Select(NotRepaired).OfType<ControlRepair>().ToList();
            var accepted = new List<(int index, RepairStep step)>();
            foreach (var (repair, step) in plan)
            {
                results.Add(repair);
                if (step == null) continue;
                if (ShouldProcess($"{repair.Object} {repair.ControlId}", $"{repair.Action} (now {repair.Before})")) accepted.Add((results.Count - 1, step));
            }
            var backup = BackupPath == null ? null : ResolveFilePath(BackupPath);
            if (accepted.Count > 0)
            {
                if (backup != null) RepairBackup.Write(backup, server.Name, accepted.Select(a => results[a.index]));
                var lost = false;
                foreach (var target in accepted.GroupBy(a => a.step.ObjectId))
                {
                    var steps = target.ToList();
                    IReadOnlyList<string?> errors;
                    if (lost) errors = steps.Select(_ => (string?)"not written: the connection to the server was lost before this object's changes").ToList();
                    else
                    {
                        var applied = ServerWork.RunEach(c => RepairEngine.ApplyAsync(server.Client, target.Key, steps.Select(s => s.step).ToList(), c), _cancel);
                        errors = applied.errors;
                        lost |= applied.lost;
                    }
                    for (int i = 0; i < steps.Count; i++)
                        results[steps[i].index] = results[steps[i].index] with
                        {
                            Status = errors[i] == null ? RepairStatus.Changed : RepairStatus.Failed,
                            Message = errors[i] ?? results[steps[i].index].Message,
                        };
                }
                if (!lost) Verify(server, baseline, results);
                if (backup != null) RepairBackup.Write(backup, server.Name, accepted.Select(a => results[a.index]));
                if (lost) WriteError(new ErrorRecord(new VimConnectionException($"The connection to {server.Name} was lost while repairing: each result says whether its change was written.", null),
                    "RepairInterrupted", ErrorCategory.ConnectionError, server.Name));
            }
            WriteObject(results, true);
        }

        // Reads the hosts once more: a change is Verified when its control passes now, Failed (with what was found) when not.
        private void Verify(VirtServerConnection server, Baseline baseline, List<ControlRepair> results)
        {
            var changed = results.Select((r, i) => (r, i)).Where(x => x.r.Status == RepairStatus.Changed).ToList();
            if (changed.Count == 0) return;
            var after = ServerWork.Collect(this, server, null, _cancel);
            var drift = new Dictionary<(string id, string controlId), ControlDrift>();
            foreach (var scope in Scopes)
                foreach (var kv in RepairEngine.Current(after, baseline, scope, changed.Select(c => c.r.ControlId))) drift[kv.Key] = kv.Value;
            foreach (var (r, i) in changed)
            {
                if (!drift.TryGetValue((r.ObjectId, r.ControlId), out var now)) continue;
                results[i] = now.Outcome == Outcome.Pass ? r with { Status = RepairStatus.Verified, After = now.Actual }
                    : r with { Status = RepairStatus.Failed, After = now.Actual, Message = $"written, but read back as {now.Actual} ({now.Outcome})" + (r.Message != null ? "; " + r.Message : "") };
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Puts back the values a repair changed, from its backup file.</para>
    /// <para type="description">Undo-ControlRepair reads the file Repair-HostControlDrift -BackupPath wrote and, for each change it made (Changed or Verified), sets the value found before it again: the advanced option, the service's state and policy, the firewall default, the lockdown mode, the ESXCLI setting. Changes that cannot be undone automatically (an option that did not exist before, a one-way ESXCLI command) are Skipped with the reason. Each is one ShouldProcess target (ConfirmImpact High); -WhatIf writes Planned results. Output: one VirtCompliance.Repair.ControlRepair per change, Changed or Failed.</para>
    /// </summary>
    /// <example>
    ///   <code>Undo-ControlRepair -Path ./repair-backup.json -WhatIf</code>
    ///   <para>What undoing the repair would put back.</para>
    /// </example>
    /// <example>
    ///   <code>Undo-ControlRepair -Path ./repair-backup.json -Confirm:$false</code>
    ///   <para>Puts every before-value back through the default connection.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Undo, "ControlRepair", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ControlRepair))]
    public sealed class UndoControlRepairCommand : VirtCmdletBase
    {
        /// <summary><para type="description">The backup file Repair-HostControlDrift or Repair-VmControlDrift -BackupPath wrote.</para></summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary><para type="description">The connection to undo through; default: the default connection.</para></summary>
        [Parameter]
        [ServerTransformation]
        public VirtServerConnection? Server { get; set; }

        private readonly System.Threading.CancellationTokenSource _cancel = new System.Threading.CancellationTokenSource();

        protected override void StopProcessing() => _cancel.Cancel();

        protected override void EndProcessing()
        {
            var path = ResolveFilePath(Path);
            IReadOnlyList<ControlRepair> repairs;
            try { repairs = RepairBackup.Read(path); }
            catch (DataFileException ex) { ThrowDataFileError(ex, "InvalidRepairBackup"); return; }
            catch (IOException ex) { ThrowTerminatingError(new ErrorRecord(ex, "RepairBackupNotRead", ErrorCategory.ReadError, path)); return; }
            var server = ServerWork.Require(this, Server, "Undo");
            var results = new List<ControlRepair>();
            var accepted = new List<(int index, RepairStep step)>();
            foreach (var r in repairs.Where(r => r.Status == RepairStatus.Changed || r.Status == RepairStatus.Verified || r.Status == RepairStatus.Failed))
            {
                var undo = new ControlRepair { ObjectKind = r.ObjectKind, ObjectId = r.ObjectId, Object = r.Object, ControlId = r.ControlId, Baseline = r.Baseline, Before = r.After, After = r.Before };
                if (r.Undo == null) { results.Add(undo with { Status = RepairStatus.Skipped, Action = "undo " + r.Action, Message = "this change cannot be put back automatically (no value was recorded before it)" }); continue; }
                var action = $"put back {r.Undo.Target} to {(r.Undo.Value.Length == 0 ? "(empty)" : r.Undo.Value)}";
                results.Add(undo with { Status = RepairStatus.Planned, Action = action });
                if (ShouldProcess($"{r.Object} {r.ControlId}", action)) accepted.Add((results.Count - 1, r.Undo));
            }
            foreach (var host in accepted.GroupBy(a => a.step.ObjectId))
            {
                var steps = host.ToList();
                var applied = ServerWork.RunEach(c => RepairEngine.ApplyAsync(server.Client, host.Key, steps.Select(s => s.step).ToList(), c), _cancel);
                for (int i = 0; i < steps.Count; i++)
                    results[steps[i].index] = results[steps[i].index] with { Status = applied.errors[i] == null ? RepairStatus.Changed : RepairStatus.Failed, Message = applied.errors[i] };
                if (applied.lost) break;
            }
            WriteObject(results, true);
        }
    }
}
