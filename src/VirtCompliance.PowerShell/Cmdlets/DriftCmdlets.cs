using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Assessments;
using VirtCompliance.Controls;
using VirtCompliance.Scope;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>Parameters shared by the cmdlets that judge objects against a baseline or their peers.</summary>
    public abstract class ControlAnalysisCmdlet : InventoryAnalysisCmdlet
    {
        /// <summary><para type="description">A built-in baseline (pci-dss, scg, stig), a baseline file or a baseline object (Get-ComplianceBaseline, New-ComplianceBaseline). Default: pci-dss; with -Peer and no -Baseline, every catalog control.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BaselineCompleter))]
        public object? Baseline { get; set; }

        /// <summary><para type="description">Take the majority value of each object's peers (a host's cluster, the same-named standard portgroup on the cluster's other hosts, the other portgroups of a distributed switch) as the expectation instead of the baseline's value. A control on which the peers have no majority is NotEvaluated for each of them (NoMajority), not guessed; values the server did not report do not vote.</para></summary>
        [Parameter]
        public SwitchParameter Peer { get; set; }

        /// <summary><para type="description">Only clusters with these names or ids (wildcards allowed).</para></summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ClusterNameCompleter))]
        public string[]? Cluster { get; set; }

        /// <summary><para type="description">Only these control ids (wildcards allowed). An id without wildcards that names no control of the baseline is an error.</para></summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ControlIdCompleter))]
        public string[]? ControlId { get; set; }

        /// <summary><para type="description">Also write the controls that pass (Outcome Pass).</para></summary>
        [Parameter]
        public SwitchParameter IncludePass { get; set; }

        /// <summary><para type="description">A waiver file (YAML or JSON, module/schemas/waivers.schema.json): a failing result a waiver in force covers is written with Outcome Waived and the waiver (id, justification, expiry); one whose waiver has expired stays Fail and names it. A waiver expiring within -WaiverWarningDays is warned about. A file with any error (unknown control id, no justification, a bad wildcard, a duplicate id) stops the command and applies nothing.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Waiver { get; set; }

        /// <summary><para type="description">The date waivers are judged on. Default: the inventory's collection time, so a snapshot reads as it did when it was taken.</para></summary>
        [Parameter]
        public DateTime? AsOf { get; set; }

        /// <summary><para type="description">A waiver that expires within this many days is ExpiringSoon and warned about (default 30).</para></summary>
        [Parameter]
        [ValidateRange(0, 3650)]
        public int WaiverWarningDays { get; set; } = VirtCompliance.Waivers.WaiverSet.DefaultWarningDays;

        /// <summary>The options for this cmdlet's kind of object: its results only are evaluated.</summary>
        protected AssessmentOptions Options(params ControlScope[] objects)
        {
            var baseline = Baseline == null ? null : LoadBaseline(Baseline);
            return new AssessmentOptions
            {
                Baseline = baseline,
                Peer = Peer,
                Clusters = Cluster,
                ControlIds = ControlId,
                IncludePass = IncludePass,
                Objects = objects,
                Waivers = LoadWaivers(Waiver, baseline),
                AsOf = AsOfDate(AsOf),
                WaiverWarningDays = WaiverWarningDays,
            };
        }
    }

    /// <summary>
    /// <para type="synopsis">Finds hosts whose security controls differ from the baseline or from their cluster.</para>
    /// <para type="description">Get-HostControlDrift evaluates the host controls of a baseline (default pci-dss) on every host of the inventory and writes one VirtCompliance.HostControlDrift per host and control that did not pass: Outcome Fail (what was expected, what was found), or NotEvaluated when nothing could be judged, with the Reason: the server did not report that part of the host's configuration (an account without the privilege gets NoPermission for config.service, say), installed software was not read (-SkipSoftware, PowerCLI objects), the host is disconnected (its configuration is not current), or in peer mode the host has no peers or its peers have no majority. A control that was not evaluated is not a pass. Each result carries its severity, the PCI DSS 4.0.1 requirements and SCG/STIG ids, and how to fix it; -IncludePass writes the passes too. With -Peer the expectation is each cluster's majority value, which finds the host that drifted from its siblings (the one without the IDS agent, the one with SSH left on) whatever the baseline says; values the server did not report do not vote. Portgroup controls are not host results: Get-NetworkControlDrift reports each distributed portgroup once, and each host's standard portgroups with their host. An unknown -ControlId is an error. It reads the inventory only: with no -Inventory it collects from -Server or the default connection first.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-HostControlDrift -Inventory (Import-VirtInventory ./snapshots/vcsa-01.json)</code>
    ///   <para>Every host against the pci-dss baseline, grouped by cluster.</para>
    /// </example>
    /// <example>
    ///   <code>Import-VirtInventory ./snapshots/vcsa-01.json | Get-HostControlDrift -Peer -Cluster Payments</code>
    ///   <para>Hosts of the Payments cluster that differ from the cluster majority.</para>
    /// </example>
    /// <example>
    ///   <code>Get-HostControlDrift -Inventory $inv -Baseline ./gold.baseline.json -ControlId 'esx-9.log-*' | Where-Object Severity -ge High | Format-List</code>
    ///   <para>High and critical log-forwarding findings against a site baseline, with evidence and remediation.</para>
    /// </example>
    /// <example>
    ///   <code>Get-HostControlDrift -Inventory $inv -Waiver ./waivers.yaml | Where-Object Outcome -ne Waived</code>
    ///   <para>What still needs fixing once the accepted risks (waivers with a justification and an expiry) are set aside; a waiver that has expired no longer hides its failure.</para>
    /// </example>
    /// <example>
    ///   <code>Get-Cluster Prod | Get-HostControlDrift -Peer</code>
    ///   <para>With PowerCLI: the hosts of cluster Prod that drifted from its majority, from PowerCLI's objects (the cluster's hosts are fetched with Get-View).</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "HostControlDrift")]
    [OutputType(typeof(HostControlDrift))]
    public sealed class GetHostControlDriftCommand : ControlAnalysisCmdlet
    {
        /// <summary><para type="description">Only hosts with these names or ids (wildcards allowed); the rest of each cluster still votes with -Peer. Accepts host names and Get-VirtInventory's host objects from the pipeline.</para></summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VmHostNameCompleter))]
        public string[]? VMHost { get; set; }

        protected override PipedNameKind PipedNames => PipedNameKind.Host;

        protected override void ProcessInventory()
        {
            var inventory = RequireInventory();
            var result = Assess(() => Assessment.Drift(inventory, Options(ControlScope.Host)));
            // Hosts or clusters piped in from PowerCLI: their hosts only (the rest of the cluster still votes in -Peer).
            var focus = FromPowerCli?.FocusHosts;
            IEnumerable<HostControlDrift> hosts = result.Hosts;
            if (focus != null && focus.Count > 0) hosts = hosts.Where(r => focus.Contains(r.HostId));
            WriteObject(OnHosts(hosts, HostFilter(VMHost), inventory, r => r.HostId), true);
        }
    }

    /// <summary>
    /// <para type="synopsis">Finds distributed and standard portgroups whose security settings differ from the baseline or from their peers.</para>
    /// <para type="description">Get-NetworkControlDrift evaluates the baseline's network controls (promiscuous mode, MAC address changes, forged transmits, virtual guest tagging) and writes one VirtCompliance.NetworkControlDrift per portgroup and control that did not pass. A distributed portgroup is one object with one result, whether or not the hosts that carry it are connected; a standard portgroup is configured host by host, so each host's copy is a result of its own, naming the host; the standard-switch controls (promiscuous mode, MAC changes, forged transmits) also judge each standard vSwitch's own policy, which a new portgroup inherits (ObjectKind StandardSwitch, Network and Switch its name), so a vSwitch that accepts fails even when every portgroup on it overrides to reject. Outcome is Fail, or NotEvaluated when the server did not report the setting (Reason says what); -IncludePass writes the passes too. With -Peer a distributed portgroup is compared with the other portgroups of its switch, a standard portgroup with the portgroup of the same name on the other hosts of its cluster, and a standard vSwitch with the vSwitch of the same name there. Get-HostControlDrift covers the hosts' own controls.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-NetworkControlDrift -Inventory (Import-VirtInventory ./pci-lab.json)</code>
    ///   <para>Every portgroup setting that fails the pci-dss baseline, one row per portgroup.</para>
    /// </example>
    /// <example>
    ///   <code>Get-NetworkControlDrift -Inventory $inv -Baseline scg | Where-Object ObjectKind -eq DistributedPortgroup | Format-List</code>
    ///   <para>Distributed portgroups against the Security Configuration Guide, with evidence and remediation.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "NetworkControlDrift")]
    [OutputType(typeof(NetworkControlDrift))]
    public sealed class GetNetworkControlDriftCommand : ControlAnalysisCmdlet
    {
        /// <summary><para type="description">Only the standard vSwitches and portgroups of hosts with these names or ids (wildcards allowed); distributed switches and portgroups belong to no host and are left out. Accepts host names from the pipeline.</para></summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VmHostNameCompleter))]
        public string[]? VMHost { get; set; }

        protected override PipedNameKind PipedNames => PipedNameKind.Host;

        protected override void ProcessInventory()
        {
            var inventory = RequireInventory();
            var result = Assess(() => Assessment.Drift(inventory, Options(ControlScope.StandardSwitch, ControlScope.StandardPortgroup, ControlScope.DistributedPortgroup, ControlScope.DistributedSwitch)));
            var focus = FromPowerCli?.FocusHosts;
            IEnumerable<NetworkControlDrift> networks = result.Networks;
            if (focus != null && focus.Count > 0) networks = networks.Where(r => r.HostId == null || focus.Contains(r.HostId));
            WriteObject(OnHosts(networks, HostFilter(VMHost), inventory, r => r.HostId), true);
        }
    }

    /// <summary>
    /// <para type="synopsis">Finds vCenter Server and cluster settings that differ from the baseline.</para>
    /// <para type="description">Get-VCenterControlDrift evaluates the baseline's vCenter controls (the vCenter Server's advanced settings: event forwarding to syslog, log level, vpxuser password length and rotation, event and task retention, the login banner, mail) and cluster controls (DRS, HA), and writes one VirtCompliance.VCenterControlDrift per object and control that did not pass: Outcome Fail, or NotEvaluated with the Reason (the collection did not read that setting, the inventory predates vCenter controls, or it was not read from a vCenter). -IncludePass writes the passes too. With -Peer a cluster is compared with the other clusters of its datacenter; the vCenter Server has no peers. It reads the inventory only: with no -Inventory it collects from -Server or the default connection first.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-VCenterControlDrift -Inventory (Import-VirtInventory ./pci-lab.json)</code>
    ///   <para>The vCenter and cluster settings that fail the pci-dss baseline.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VCenterControlDrift -Inventory $inv -Baseline scg -IncludePass | Format-Table ObjectKind, Object, ControlId, Outcome, Actual</code>
    ///   <para>Every vCenter control of the Security Configuration Guide, passing or not.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VCenterControlDrift")]
    [OutputType(typeof(VCenterControlDrift))]
    public sealed class GetVCenterControlDriftCommand : ControlAnalysisCmdlet
    {
        protected override void ProcessInventory()
        {
            var inventory = RequireInventory();
            var result = Assess(() => Assessment.Drift(inventory, Options(ControlScope.VCenter, ControlScope.Cluster)));
            WriteObject(result.Estate, true);
        }
    }

    /// <summary>
    /// <para type="synopsis">Finds VMs whose own settings (advanced settings, devices, encryption, logging, boot) differ from the baseline or from their peers.</para>
    /// <para type="description">Get-VmControlDrift evaluates the baseline's VM controls (console copy and paste, drag and drop, disk shrinking, host information, VMX log size and retention, dvfilter bindings, the TPS salt, vMotion and Fault Tolerance encryption, logging, secure boot, virtual hardware version, floppy, CD/DVD, serial, parallel, USB, sound and passthrough devices, independent non-persistent disks) and writes one VirtCompliance.VmControlDrift per VM and control that did not pass: Outcome Fail (what was expected, what was found), or NotEvaluated with the Reason: the server did not report the setting (an older vSphere has no Fault Tolerance encryption mode), the collection did not read that advanced setting, the inventory predates VM controls, or the VM is a vSphere Cluster Service VM that vCenter manages. An advanced setting that is not present counts as the platform default the guide names, where the guide says that default is safe ("TRUE or not present"). VM settings move with the VM, so they are judged per VM, whichever host it is on; Get-VmMigrationExposure does not count them. With -Peer the expectation is the majority of the VM's peers: the VMs of its folder (default), cluster, networks or tag (-PeerBy, -PeerTagCategory). -IncludePass writes the passes too. It reads the inventory only: with no -Inventory it collects from -Server or the default connection first.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-VmControlDrift -Inventory (Import-VirtInventory ./pci-lab.json)</code>
    ///   <para>Every VM setting that fails the pci-dss baseline, grouped by VM.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VmControlDrift -Inventory $inv -Baseline scg -Vm 'pay-*' -ControlId 'vm-9.deactivate-console-*'</code>
    ///   <para>Payment VMs whose console copy or paste is enabled (PCI DSS 3.4.2).</para>
    /// </example>
    /// <example>
    ///   <code>Get-VmControlDrift -Inventory $inv -Peer -PeerBy Tag -PeerTagCategory Application | Format-List</code>
    ///   <para>VMs whose settings differ from the other VMs of the same application tag, with evidence.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VmControlDrift -Inventory $inv -Baseline stig | Group-Object ControlId | Sort-Object Count -Descending</code>
    ///   <para>Which DISA STIG VM findings are most common.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VmControlDrift")]
    [OutputType(typeof(VmControlDrift))]
    public sealed class GetVmControlDriftCommand : ControlAnalysisCmdlet
    {
        /// <summary><para type="description">Only VMs with these names or ids (wildcards allowed). Accepts VM names from the pipeline.</para></summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "VmName")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[]? Vm { get; set; }

        /// <summary><para type="description">With -Peer: which VMs are each other's peers. Folder (default): the VMs of one inventory folder; Cluster; Network: VMs on exactly the same networks; Tag: VMs with the same tag of -PeerTagCategory.</para></summary>
        [Parameter]
        public Evaluation.VmPeerGroup PeerBy { get; set; } = Evaluation.VmPeerGroup.Folder;

        /// <summary><para type="description">With -PeerBy Tag: the tag category whose tags make VMs peers (an application or service tag).</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PeerTagCategory { get; set; }

        protected override PipedNameKind PipedNames => PipedNameKind.Vm;

        private readonly PipedInput _piped = new PipedInput();

        protected override void BeginProcessing()
        {
            if (PeerBy == Evaluation.VmPeerGroup.Tag && PeerTagCategory == null)
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException(
                    "-PeerBy Tag compares the VMs that carry the same tag of one category: name the category with -PeerTagCategory (for example -PeerTagCategory Application)."),
                    "PeerTagCategoryMissing", ErrorCategory.InvalidArgument, null));
            base.BeginProcessing();
        }

        protected override void ProcessInventory() => _piped.Add(VmFilter(Vm), Inventory);

        protected override void EndInventory()
        {
            if (_piped.Inventories.Count == 0) _piped.Inventories.Add(RequireInventory());
            var options = Options(ControlScope.Vm) with
            {
                Vms = _piped.Vms,
                VmPeers = PeerBy,
                VmPeerTagCategory = PeerTagCategory,
            };
            foreach (var inventory in _piped.Inventories)
            {
                var result = Assess(() => Assessment.Drift(inventory, options));
                WriteObject(result.Vms, true);
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Finds VMs that vMotion, DRS or HA could move onto a host with weaker security controls.</para>
    /// <para type="description">Get-VmMigrationExposure works out, for each VM, the hosts it could be moved to: the same cluster, connected, not in maintenance mode, with the VM's networks and datastores, and allowed by every mandatory ("must") DRS VM-host rule that covers the VM. "Should" rules do not limit the result because HA ignores them. For each such host where the VM would lose a control its current host gives it, it writes one VirtCompliance.VmMigrationExposure: the VM and its PCI scope, both hosts, the controls it would lose, the highest severity, and whether DRS would make the move without anyone approving it (AutomatedByDrs) or HA could restart it there (HaEnabled). What a VM can lose is the target host's own controls and the controls of its own standard portgroups as the target host configures them (named "control (portgroup)"); a portgroup the VM does not use does not count, and a distributed portgroup is the same object on every host. A control not evaluated on either host is no loss anyone can show. Controls are judged as in Get-HostControlDrift (-Baseline, -Peer); the VM's scope as in Test-PciSeparation (-ScopeTagCategory, -ScopeAttribute, -ScopeMap), and -PciScope Cde narrows the result to CDE VMs. VMs on standalone hosts cannot be moved by DRS or HA and are not listed.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-VmMigrationExposure -Inventory (Import-VirtInventory ./snapshots/vcsa-01.json) -Peer</code>
    ///   <para>VMs that could land on a host that drifted from its cluster.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VmMigrationExposure -Inventory $inv -Vm 'pay-*' | Where-Object AutomatedByDrs | Sort-Object Severity -Descending</code>
    ///   <para>Payment VMs that DRS could move to a weaker host on its own, worst first.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VmMigrationExposure -Inventory $inv -Peer -PciScope Cde -ScopeMap ./scope.json</code>
    ///   <para>Only the CDE VMs, with their scope read from tags, attributes and a scope map as Test-PciSeparation reads it.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VM pay* | Get-VmMigrationExposure -Peer</code>
    ///   <para>With PowerCLI: where the payment VMs could be moved onto a weaker host.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VmMigrationExposure")]
    [OutputType(typeof(VmMigrationExposure))]
    public sealed class GetVmMigrationExposureCommand : ScopedAnalysisCmdlet
    {
        /// <summary><para type="description">Only VMs with these names or ids (wildcards allowed). Accepts VM names from the pipeline.</para></summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "VmName")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[]? Vm { get; set; }

        /// <summary><para type="description">A built-in baseline (pci-dss, scg, stig), a baseline file or a baseline object (Get-ComplianceBaseline, New-ComplianceBaseline). Default: pci-dss; with -Peer and no -Baseline, every catalog control.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BaselineCompleter))]
        public object? Baseline { get; set; }

        /// <summary><para type="description">Judge the hosts against their cluster's majority instead of the baseline's values.</para></summary>
        [Parameter]
        public SwitchParameter Peer { get; set; }

        /// <summary><para type="description">Only clusters with these names or ids (wildcards allowed).</para></summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ClusterNameCompleter))]
        public string[]? Cluster { get; set; }

        /// <summary><para type="description">Only VMs of these PCI scopes (Cde, Connected, OutOfScope, Unknown), judged from -ScopeTagCategory, -ScopeAttribute and -ScopeMap as Test-PciSeparation judges them. Every result carries the VM's PciScope.</para></summary>
        [Parameter]
        public PciScope[]? PciScope { get; set; }

        protected override PipedNameKind PipedNames => PipedNameKind.Vm;

        private readonly PipedInput _piped = new PipedInput();

        protected override void ProcessInventory() => _piped.Add(VmFilter(Vm), Inventory);

        protected override void EndInventory()
        {
            if (_piped.Inventories.Count == 0) _piped.Inventories.Add(RequireInventory());
            var options = new AssessmentOptions
            {
                Baseline = Baseline == null ? null : LoadBaseline(Baseline),
                Peer = Peer,
                Clusters = Cluster,
                Vms = _piped.Vms,
                VmScopes = PciScope,
                ScopeSources = ScopeSources(),
            };
            foreach (var inventory in _piped.Inventories)
            {
                var total = inventory.Vms.Count;
                var progress = new ProgressRecord(1, "Get-VmMigrationExposure", "Working out where each VM can move");
                // Progress is reported from the analysis's callback, on this (the pipeline) thread.
                var shown = false;
                ExposureResult result;
                try
                {
                    result = Assess(() => Assessment.Exposure(inventory, options, done =>
                    {
                        if (total < 5000) return;
                        progress.PercentComplete = (int)(100L * done / total);
                        progress.StatusDescription = $"{done} of {total} VMs";
                        WriteProgress(progress);
                        shown = true;
                    }));
                }
                finally
                {
                    // Completed also when the analysis stops with an error, so that no bar is left behind.
                    if (shown) WriteProgress(ProgressRecords.Completed(progress));
                }
                WriteObject(result.Exposures, true);
            }
        }
    }
}
