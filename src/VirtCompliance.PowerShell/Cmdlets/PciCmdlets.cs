using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.IO;
using VirtCompliance.Pci;
using Inv = VirtCompliance.Inventory.Inventory;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>Parameters shared by the PCI cmdlets: where a VM's scope comes from.</summary>
    public abstract class PciAnalysisCmdlet : InventoryAnalysisCmdlet
    {
        /// <summary><para type="description">The vSphere tag category whose tag names a VM's scope (CDE, Connected, OutOfScope). Default: PCI-Scope. An empty string ignores tags.</para></summary>
        [Parameter]
        [AllowEmptyString]
        public string ScopeTagCategory { get; set; } = "PCI-Scope";

        /// <summary><para type="description">The custom attribute whose value names a VM's scope. Default: PCI-Scope. An empty string ignores attributes.</para></summary>
        [Parameter]
        [AllowEmptyString]
        public string ScopeAttribute { get; set; } = "PCI-Scope";

        /// <summary><para type="description">A scope map file (JSON): name/folder patterns and explicit VM names with their scope, consulted after tags and attributes. See module/schemas/pci-scope-map.schema.json.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ScopeMap { get; set; }

        private ScopeMapFile _map;

        protected override void BeginProcessing()
        {
            if (ScopeMap == null) return;
            var path = ResolveFilePath(ScopeMap);
            try
            {
                _map = ScopeMapFile.Load(path);
            }
            catch (DataFileException ex)
            {
                ThrowDataFileError(ex, "InvalidScopeMap");
            }
            catch (System.IO.IOException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "ScopeMapNotFound", ErrorCategory.ObjectNotFound, path));
            }
        }

        /// <summary>Classifies the inventory's VMs and works out segments and placements; warns about rules that could not be applied.</summary>
        protected PciScopeModel BuildModel(Inv inventory)
        {
            var sources = new ScopeSources
            {
                TagCategory = string.IsNullOrEmpty(ScopeTagCategory) ? null : ScopeTagCategory,
                Attribute = string.IsNullOrEmpty(ScopeAttribute) ? null : ScopeAttribute,
            };
            if (_map != null)
            {
                sources.Patterns = _map.Patterns;
                sources.Map = _map.Vms;
            }
            WriteVerbose($"Classifying {inventory.Vms.Count} VMs of inventory '{inventory.Source}' (tag category '{sources.TagCategory}', attribute '{sources.Attribute}', {sources.Patterns.Count} patterns, {sources.Map.Count} mapped VMs).");
            var model = new PciScopeModel(inventory, sources);
            WriteWarnings(model.Domains.Warnings);
            return model;
        }
    }

    /// <summary>
    /// <para type="synopsis">Shows the PCI DSS scope of every VM, host and network segment, and what decided it.</para>
    /// <para type="description">Get-PciScope classifies each VM as Cde, Connected, OutOfScope or Unknown from, in order, a vSphere tag category (-ScopeTagCategory, default PCI-Scope), a custom attribute (-ScopeAttribute, default PCI-Scope), and the name/folder patterns and explicit names of a scope map file (-ScopeMap). When sources disagree the VM is marked Conflict and takes the strictest scope claimed; Test-PciSeparation reports the conflict. A host is in the scope of the strictest VM it runs or can run (vMotion, DRS, HA within its cluster, limited by mandatory VM-host rules): a hypervisor that can run a CDE VM is in CDE scope. A layer-2 segment (portgroups sharing a VLAN on one switch) is in the scope of the strictest VM attached to it; a trunk that carries a CDE VLAN is in CDE scope. Each object is written as a VirtCompliance.PciScopeEntry with ObjectType, Scope and Source; Format-List shows every claim or reason.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-PciScope -Inventory (Import-VirtInventory ./pci-lab.json)</code>
    ///   <para>Every VM, host and segment with its scope, grouped by object type.</para>
    /// </example>
    /// <example>
    ///   <code>Get-PciScope -Inventory $inv -ObjectType Vm -Scope Unknown</code>
    ///   <para>VMs that no source classifies: their scope must be confirmed (PCI DSS 12.5.2).</para>
    /// </example>
    /// <example>
    ///   <code>Get-PciScope -Inventory $inv -ScopeMap ./scope.json -Name 'esx-gen-*' | Format-List</code>
    ///   <para>The scope of the General cluster's hosts, using a scope map file, with the VMs that decide it.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "PciScope")]
    [OutputType(typeof(PciScopeEntry))]
    public sealed class GetPciScopeCommand : PciAnalysisCmdlet
    {
        /// <summary><para type="description">Only objects with these names or ids (wildcards allowed).</para></summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        public string[] Name { get; set; }

        /// <summary><para type="description">Only these kinds of object: Vm, Host, Segment. Default: all three.</para></summary>
        [Parameter]
        [ValidateSet("Vm", "Host", "Segment")]
        public string[] ObjectType { get; set; }

        /// <summary><para type="description">Only objects with these scopes.</para></summary>
        [Parameter]
        public PciScope[] Scope { get; set; }

        protected override void ProcessInventory()
        {
            var inventory = RequireInventory();
            var model = BuildModel(inventory);
            var nameFilter = NameFilter.Create(Name);
            bool Wanted(string type) => ObjectType == null || ObjectType.Contains(type, StringComparer.OrdinalIgnoreCase);
            bool Keep(PciScopeEntry e) => (nameFilter == null || nameFilter(e.Name) || nameFilter(e.Id)) && (Scope == null || Scope.Contains(e.Scope));

            var entries = new List<PciScopeEntry>();
            if (Wanted("Vm")) entries.AddRange(inventory.Vms.Where(v => !v.Template).Select(model.VmEntry).Where(Keep).OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase));
            if (Wanted("Host")) entries.AddRange(inventory.Hosts.Select(model.HostScope).Where(Keep).OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase));
            if (Wanted("Segment")) entries.AddRange(model.Segments.All.Select(model.SegmentScope).Where(Keep).OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase));
            WriteNotFoundErrors(Name, n => entries.Any(e => string.Equals(e.Name, n, StringComparison.OrdinalIgnoreCase) || e.Id == n)
                || inventory.Vms.Any(v => string.Equals(v.Name, n, StringComparison.OrdinalIgnoreCase)), "object", "ObjectNotFound");
            WriteObject(entries, true);
        }
    }

    /// <summary>
    /// <para type="synopsis">Tests the separation of the cardholder data environment (PCI DSS 4.0.1 2.2.3, 1.3, 11.4.5) in the virtual infrastructure.</para>
    /// <para type="description">Test-PciSeparation classifies VMs as Get-PciScope does and writes one VirtCompliance.PciSeparationFinding per problem, each with RuleId, Outcome (Fail, Warning, Info), Severity, the hosts, VMs, networks and datastores involved, PCI DSS ids, a Message naming the objects, the Evidence it rests on and a Remediation.</para>
    /// <para type="description">Rules: pci.mixed-scope-host (CDE and out-of-scope VMs on one host now); pci.potential-mixed-scope-host (vMotion, DRS or HA can bring them together because no mandatory VM-host rule or anti-affinity rule keeps them apart; Fail when DRS would do it on its own, Warning when it takes a person or an HA restart); pci.shared-segment (CDE and out-of-scope adapters on one layer-2 segment: the same portgroup, or portgroups with the same VLAN on the same switch, unless traffic filters drop the traffic between them in both directions); pci.dual-homed-vm (a connected-to VM with adapters on a CDE segment and on an out-of-scope segment); pci.trunk-carries-cde (a trunk or VLAN 4095 portgroup carrying CDE VLANs); pci.insecure-switch-policy (promiscuous mode, MAC changes or forged transmits accepted on a segment with CDE VMs); pci.in-scope-host-controls (a host that runs or can run in-scope VMs failing the baseline, -Baseline, default pci-dss); pci.in-scope-host-unverified; pci.shared-datastore; pci.unknown-scope-vm (12.5.2); pci.scope-conflict; pci.cde-with-connected (Info, Strict only).</para>
    /// <para type="description">-Interpretation Strict (default) reads 2.2.3 as "no CDE and out-of-scope VMs on one physical host": mixed hosts fail and shared datastores are warnings. -Interpretation HypervisorIsolation accepts a mixed host (Info) when three conditions hold for it, listed in the finding's Evidence: no out-of-scope VM on it reaches a CDE VM at layer 2, the CDE VMs' segments reject promiscuous mode, MAC changes and forged transmits, and the host passes every host control of the baseline; shared datastores are then Info. -Summary writes one VirtCompliance.PciSeparationSummary per cluster; -Quiet writes only $true (no Fail findings) or $false, for runbooks.</para>
    /// </summary>
    /// <example>
    ///   <code>Test-PciSeparation -Inventory (Import-VirtInventory ./pci-lab.json)</code>
    ///   <para>Every finding under the strict reading: outcome, severity, rule and a sentence naming the objects.</para>
    /// </example>
    /// <example>
    ///   <code>Test-PciSeparation -Inventory $inv -Interpretation HypervisorIsolation | Where-Object RuleId -eq 'pci.mixed-scope-host' | Format-List Message, Evidence</code>
    ///   <para>Which mixed hosts the hypervisor-isolation reading accepts, and the conditions each meets or misses.</para>
    /// </example>
    /// <example>
    ///   <code>if (-not (Test-PciSeparation -Inventory $inv -Quiet)) { throw 'CDE separation failed' }</code>
    ///   <para>A runbook step that fails when any finding has the outcome Fail.</para>
    /// </example>
    /// <example>
    ///   <code>Test-PciSeparation -Inventory $inv -Summary -Cluster Payments</code>
    ///   <para>Pass or fail per cluster, with counts by rule and severity.</para>
    /// </example>
    /// <example>
    ///   <code>Get-VM | Test-PciSeparation -Interpretation HypervisorIsolation</code>
    ///   <para>With PowerCLI: separation of the VMs PowerCLI returns (scope from their PCI-Scope custom attribute, or -ScopeMap), their hosts and clusters.</para>
    /// </example>
    [Cmdlet(VerbsDiagnostic.Test, "PciSeparation", DefaultParameterSetName = "Findings")]
    [OutputType(typeof(PciSeparationFinding), ParameterSetName = new[] { "Findings" })]
    [OutputType(typeof(PciSeparationSummary), ParameterSetName = new[] { "Summary" })]
    [OutputType(typeof(bool), ParameterSetName = new[] { "Quiet" })]
    public sealed class TestPciSeparationCommand : PciAnalysisCmdlet
    {
        /// <summary><para type="description">How to read PCI DSS 2.2.3 for VMs sharing a host: Strict (default) or HypervisorIsolation.</para></summary>
        [Parameter]
        public PciInterpretation Interpretation { get; set; } = PciInterpretation.Strict;

        /// <summary><para type="description">Only findings that involve these clusters (names or ids, wildcards allowed). The analysis still sees the whole inventory, since segments and datastores span clusters.</para></summary>
        [Parameter]
        [SupportsWildcards]
        public string[] Cluster { get; set; }

        /// <summary><para type="description">Only findings that name these VMs (names or ids, wildcards allowed). Accepts VM names from the pipeline.</para></summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "VmName")]
        [SupportsWildcards]
        public string[] Vm { get; set; }

        /// <summary><para type="description">Only these rule ids (wildcards allowed), e.g. pci.shared-segment.</para></summary>
        [Parameter]
        [SupportsWildcards]
        public string[] RuleId { get; set; }

        /// <summary><para type="description">The baseline in-scope hosts are held to: a built-in name (pci-dss, scg) or a baseline file. Default: pci-dss.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Baseline { get; set; }

        /// <summary><para type="description">Write one summary per cluster (counts by rule and severity, Passed) instead of the findings.</para></summary>
        [Parameter(ParameterSetName = "Summary", Mandatory = true)]
        public SwitchParameter Summary { get; set; }

        /// <summary><para type="description">Write only $true when no finding has the outcome Fail, else $false.</para></summary>
        [Parameter(ParameterSetName = "Quiet", Mandatory = true)]
        public SwitchParameter Quiet { get; set; }

        private readonly PipedInput _piped = new PipedInput();

        protected override void ProcessInventory() => _piped.Add(VmFilter(Vm), Inventory);

        protected override void EndInventory()
        {
            if (_piped.Inventories.Count == 0) _piped.Inventories.Add(RequireInventory());
            var vmNames = _piped.Vms;
            var baseline = LoadBaseline(Baseline ?? "pci-dss");
            var passed = true;
            foreach (var inventory in _piped.Inventories)
            {
                var progress = new ProgressRecord(1, "Test-PciSeparation", "Classifying VMs and working out segments and placements");
                var large = inventory.Vms.Count >= 5000;
                if (large) WriteProgress(progress);
                var model = BuildModel(inventory);
                if (large) { progress.StatusDescription = $"Evaluating baseline '{baseline.Name}' on {inventory.Hosts.Count} hosts"; progress.PercentComplete = 40; WriteProgress(progress); }
                var assessment = HostControlEvaluator.Evaluate(inventory, baseline);
                if (large) { progress.StatusDescription = "Applying the separation rules"; progress.PercentComplete = 70; WriteProgress(progress); }
                var findings = Filter(new PciSeparationAnalyzer(model, assessment, Interpretation).Analyze(), inventory, vmNames).ToList();
                if (large) { progress.RecordType = ProgressRecordType.Completed; WriteProgress(progress); }

                WriteNotFoundErrors(Cluster, n => inventory.Clusters.Any(c => string.Equals(c.Name, n, StringComparison.OrdinalIgnoreCase) || c.Id == n), "cluster", "ClusterNotFound");
                WriteVmNotFoundErrors(vmNames, inventory);
                passed &= findings.All(f => f.Outcome != FindingOutcome.Fail);
                if (Summary)
                {
                    var clusterFilter = ClusterFilter(inventory);
                    WriteObject(PciSeparationAnalyzer.Summarize(inventory, findings, Interpretation, clusterFilter), true);
                }
                else if (!Quiet)
                {
                    WriteObject(findings, true);
                }
            }
            if (Quiet) WriteObject(passed);
        }

        private IEnumerable<PciSeparationFinding> Filter(IEnumerable<PciSeparationFinding> findings, Inv inventory, IReadOnlyCollection<string> vmNames)
        {
            var rules = NameFilter.Create(RuleId);
            var clusters = ClusterFilter(inventory);
            HashSet<string> vms = null;
            if (vmNames != null)
            {
                var match = NameFilter.Create(vmNames);
                vms = new HashSet<string>(inventory.Vms.Where(v => match(v.Name) || match(v.Id)).Select(v => v.Name), StringComparer.Ordinal);
            }
            return findings.Where(f => (rules == null || rules(f.RuleId))
                && (clusters == null || f.Clusters.Any(clusters))
                && (vms == null || f.Vms.Any(vms.Contains)));
        }

        /// <summary>Matches cluster names against -Cluster by name or id; null when there is no -Cluster.</summary>
        private Func<string, bool> ClusterFilter(Inv inventory)
        {
            var match = NameFilter.Create(Cluster);
            if (match == null) return null;
            var ids = inventory.Clusters.ToDictionary(c => c.Name, c => c.Id, StringComparer.Ordinal);
            return name => match(name) || (ids.TryGetValue(name, out var id) && match(id));
        }
    }

    /// <summary>
    /// <para type="synopsis">Shows what each pair of PCI scope classes (or of VMs) shares: hosts, migration targets, layer-2 segments, datastores.</para>
    /// <para type="description">Get-PciSegmentationMatrix is the table an assessor asks for under PCI DSS 11.4.5 (segmentation testing). For each pair of scope classes (Cde, Connected, OutOfScope, Unknown) it writes a VirtCompliance.PciSegmentationPair: how many VMs each class has, the hosts running VMs of both now, the hosts VMs of both can be moved to (vMotion, DRS, HA), the layer-2 segments and the datastores with VMs of both, and Separated when they share none of these. With -Detailed it writes a VirtCompliance.PciVmPair for each pair of VMs of different scope that share something. The number of VM pairs grows with the square of a cluster's size; narrow it with -Vm.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-PciSegmentationMatrix -Inventory (Import-VirtInventory ./pci-lab.json)</code>
    ///   <para>The six class pairs, with what each shares.</para>
    /// </example>
    /// <example>
    ///   <code>Get-PciSegmentationMatrix -Inventory $inv -Detailed -Vm 'pay-*' | Where-Object SharedHost</code>
    ///   <para>Payment VMs that run on the same host as a VM of another scope, and the VM they share it with.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "PciSegmentationMatrix", DefaultParameterSetName = "Classes")]
    [OutputType(typeof(PciSegmentationPair), ParameterSetName = new[] { "Classes" })]
    [OutputType(typeof(PciVmPair), ParameterSetName = new[] { "Detailed" })]
    public sealed class GetPciSegmentationMatrixCommand : PciAnalysisCmdlet
    {
        /// <summary><para type="description">One row per pair of VMs of different scope that share a host, a migration host, a segment or a datastore.</para></summary>
        [Parameter(ParameterSetName = "Detailed", Mandatory = true)]
        public SwitchParameter Detailed { get; set; }

        /// <summary><para type="description">With -Detailed: only pairs with at least one of these VMs (names or ids, wildcards allowed).</para></summary>
        [Parameter(ParameterSetName = "Detailed", Position = 0)]
        [SupportsWildcards]
        public string[] Vm { get; set; }

        protected override void ProcessInventory()
        {
            var inventory = RequireInventory();
            var model = BuildModel(inventory);
            if (!Detailed)
            {
                WriteObject(PciSegmentationMatrix.Classes(model), true);
                return;
            }
            WriteVmNotFoundErrors(Vm, inventory);
            foreach (var pair in PciSegmentationMatrix.VmPairs(model, NameFilter.Create(Vm)))
                WriteObject(pair);
        }
    }
}
