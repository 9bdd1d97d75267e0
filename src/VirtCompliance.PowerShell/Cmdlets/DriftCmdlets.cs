using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Controls;
using VirtCompliance.Drift;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>Parameters shared by the cmdlets that judge hosts against a baseline or their peers.</summary>
    public abstract class ControlAnalysisCmdlet : InventoryAnalysisCmdlet
    {
        /// <summary><para type="description">A built-in baseline (pci-dss, scg) or a baseline file. Default: pci-dss; with -Peer and no -Baseline, every catalog control.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Baseline { get; set; }

        /// <summary><para type="description">Take each cluster's majority value as the expectation instead of the baseline's value. A control on which the cluster has no majority is reported for every host, not guessed.</para></summary>
        [Parameter]
        public SwitchParameter Peer { get; set; }

        /// <summary><para type="description">Only clusters with these names or ids (wildcards allowed).</para></summary>
        [Parameter]
        [SupportsWildcards]
        public string[] Cluster { get; set; }

        protected ControlAssessment Assess(IReadOnlyCollection<string> controlIds = null)
        {
            var inventory = RequireInventory();
            var baseline = Baseline != null ? LoadBaseline(Baseline)
                : Peer ? VirtCompliance.Controls.Baseline.PeerOfAll()
                : LoadBaseline("pci-dss");
            WriteVerbose($"Evaluating baseline '{baseline.Name}' ({baseline.Controls.Count} controls{(Peer ? ", peer mode" : "")}) on inventory '{inventory.Source}' ({inventory.Hosts.Count} hosts).");
            var assessment = HostControlEvaluator.Evaluate(inventory, baseline, new EvaluationOptions
            {
                Clusters = Cluster,
                ControlIds = controlIds,
                Peer = Peer,
            });
            WriteNotFoundErrors(Cluster, name => inventory.Clusters.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase) || c.Id == name),
                "cluster", "ClusterNotFound");
            WriteWarnings(assessment.Warnings);
            return assessment;
        }
    }

    /// <summary>
    /// <para type="synopsis">Finds hosts whose security controls differ from the baseline or from their cluster.</para>
    /// <para type="description">Get-HostControlDrift evaluates every connected host of the inventory against a baseline (default pci-dss) and writes one VirtCompliance.HostControlDrift object per host and failed control: what was expected, what was found, severity, the PCI DSS 4.0.1 requirements and SCG/STIG ids, and how to fix it. With -Peer the expectation is each cluster's majority value instead, which finds the host that drifted from its siblings (the one without the IDS agent, the one with SSH left on) whatever the baseline says. A control on which a cluster has no majority is reported for every host with NoMajority set. Disconnected hosts are skipped with a warning: their configuration is not current. Standalone hosts have no peers, so -Peer skips them with a warning; baseline controls still apply to them. Reads the inventory only; it never contacts a server.</para>
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
    ///   <code>Get-Cluster Prod | Get-HostControlDrift -Peer</code>
    ///   <para>With PowerCLI: the hosts of cluster Prod that drifted from its majority, from PowerCLI's objects (the cluster's hosts are fetched with Get-View).</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "HostControlDrift")]
    [OutputType(typeof(HostControlDrift))]
    public sealed class GetHostControlDriftCommand : ControlAnalysisCmdlet
    {
        /// <summary><para type="description">Only these control ids (wildcards allowed).</para></summary>
        [Parameter]
        [SupportsWildcards]
        public string[] ControlId { get; set; }

        protected override void ProcessInventory()
        {
            var assessment = Assess(ControlId);
            var results = HostDriftAnalyzer.Analyze(assessment);
            // Hosts or clusters piped in from PowerCLI: their hosts only (the rest of the cluster still votes in -Peer).
            var focus = FromPowerCli?.FocusHosts;
            if (focus != null && focus.Count > 0) results = results.Where(r => focus.Contains(r.HostId));
            WriteObject(results, true);
        }
    }

    /// <summary>
    /// <para type="synopsis">Finds VMs that vMotion, DRS or HA could move onto a host with weaker security controls.</para>
    /// <para type="description">Get-VmMigrationExposure works out, for each VM, the hosts it could be moved to: the same cluster, connected, not in maintenance mode, with the VM's networks and datastores, and allowed by every mandatory ("must") DRS VM-host rule that covers the VM. "Should" rules do not limit the result because HA ignores them. For each such host that fails a control the VM's current host passes, it writes one VirtCompliance.VmMigrationExposure: the VM, both hosts, the controls it would lose, the highest severity, and whether DRS would make the move without anyone approving it (AutomatedByDrs) or HA could restart it there (HaEnabled). Controls are judged as in Get-HostControlDrift (-Baseline, -Peer). VMs on standalone hosts cannot be moved by DRS or HA and are not listed.</para>
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
    ///   <code>Get-VM pay* | Get-VmMigrationExposure -Peer</code>
    ///   <para>With PowerCLI: where the payment VMs could be moved onto a weaker host.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VmMigrationExposure")]
    [OutputType(typeof(VmMigrationExposure))]
    public sealed class GetVmMigrationExposureCommand : ControlAnalysisCmdlet
    {
        /// <summary><para type="description">Only VMs with these names or ids (wildcards allowed).</para></summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "VmName")]
        [SupportsWildcards]
        public string[] Vm { get; set; }

        private readonly PipedInput _piped = new PipedInput();

        protected override void ProcessInventory() => _piped.Add(VmFilter(Vm), Inventory);

        protected override void EndInventory()
        {
            Vm = _piped.Vms;
            if (_piped.Inventories.Count == 0) _piped.Inventories.Add(RequireInventory());
            foreach (var inventory in _piped.Inventories)
            {
                Inventory = inventory;
                AnalyzeInventory();
            }
        }

        private void AnalyzeInventory()
        {
            var assessment = Assess();
            var domains = new MigrationDomains(assessment.Inventory);
            WriteWarnings(domains.Warnings);
            var warnings = new List<string>();
            var total = assessment.Inventory.Vms.Count;
            var progress = new ProgressRecord(1, "Get-VmMigrationExposure", "Working out where each VM can move");
            // Progress is reported from the analyzer's callback, on this (the pipeline) thread.
            var results = ExposureAnalyzer.Analyze(assessment, domains, Vm, warnings, done =>
            {
                if (total < 5000) return;
                progress.PercentComplete = (int)(100L * done / total);
                progress.StatusDescription = $"{done} of {total} VMs";
                WriteProgress(progress);
            }).ToList();
            WriteWarnings(warnings);
            WriteVmNotFoundErrors(Vm, assessment.Inventory);
            WriteObject(results.OrderBy(r => r.Cluster, StringComparer.OrdinalIgnoreCase)
                .ThenBy(r => r.Vm, StringComparer.OrdinalIgnoreCase)
                .ThenBy(r => r.TargetHost, StringComparer.OrdinalIgnoreCase), true);
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }
}
