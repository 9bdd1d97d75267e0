using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Assessments;
using VirtCompliance.Common;
using VirtCompliance.Pci;
using VirtCompliance.Scope;

namespace VirtCompliance.PowerShell.Cmdlets
{
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
    public sealed class GetPciScopeCommand : ScopedAnalysisCmdlet
    {
        /// <summary><para type="description">Only objects with these names or ids (wildcards allowed).</para></summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        public string[]? Name { get; set; }

        /// <summary><para type="description">Only these kinds of object: Vm, Host, Segment. Default: all three.</para></summary>
        [Parameter]
        [ValidateSet("Vm", "Host", "Segment")]
        public string[]? ObjectType { get; set; }

        /// <summary><para type="description">Only objects with these scopes.</para></summary>
        [Parameter]
        public PciScope[]? Scope { get; set; }

        protected override void ProcessInventory()
        {
            var inventory = RequireInventory();
            var result = Assess(() => Assessment.Scope(inventory, new AssessmentOptions { ScopeSources = ScopeSources() }));
            var nameFilter = NameFilter.Create(Name);
            bool Keep(PciScopeEntry e) => (ObjectType == null || ObjectType.Contains(e.ObjectType, StringComparer.OrdinalIgnoreCase))
                && (nameFilter == null || nameFilter(e.Name) || nameFilter(e.Id)) && (Scope == null || Scope.Contains(e.Scope));
            var entries = result.Entries.Where(Keep).ToList();
            WriteNotFoundErrors(Name, n => result.Entries.Any(e => string.Equals(e.Name, n, StringComparison.OrdinalIgnoreCase) || e.Id == n), "object", "ObjectNotFound");
            WriteObject(entries, true);
        }
    }

    /// <summary>
    /// <para type="synopsis">Tests the separation of the cardholder data environment (PCI DSS 4.0.1 2.2.3, 1.3, 11.4.5) in the virtual infrastructure.</para>
    /// <para type="description">Test-PciSeparation classifies VMs as Get-PciScope does and writes one VirtCompliance.PciSeparationFinding per problem, each with RuleId, Outcome (Fail, Warning, Info), Severity, the hosts, VMs, networks and datastores involved, PCI DSS ids, a Message naming the objects, the Evidence it rests on and a Remediation.</para>
    /// <para type="description">-Interpretation Strict (default) reads 2.2.3 as "no CDE and out-of-scope VMs on one physical host": mixed hosts fail and shared datastores are warnings. -Interpretation HypervisorIsolation accepts a mixed host (Info) when three conditions hold for it, listed in the finding's Evidence: no out-of-scope VM on it reaches a CDE VM at layer 2, the CDE VMs' segments reject promiscuous mode, MAC changes and forged transmits, and the host passes every host control of the baseline; shared datastores are then Info. -Summary writes one VirtCompliance.PciSeparationSummary per cluster; -Quiet writes only $true (no Fail and no NotEvaluated findings, or only NotEvaluated ones with -AllowNotEvaluated) or $false, for runbooks. pci.no-cde-scope fails the test when no VM is in CDE scope: a mistyped tag category tests nothing and must not pass.</para>
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
    public sealed class TestPciSeparationCommand : WaivedScopedAnalysisCmdlet
    {
        /// <summary>The rules, one paragraph each, from the registry: the help generator appends them to the description.</summary>
        public static IEnumerable<string> HelpDescriptionAppendix =>
            new[] { "The rules, in the order their findings are written (-RuleId takes these ids):" }
                .Concat(SeparationRules.All.Select(r => $"{r.Info.Id}: {r.Info.Title} (PCI DSS {string.Join(", ", r.Info.PciDss)}). {r.Info.Remediation}"));

        /// <summary><para type="description">How to read PCI DSS 2.2.3 for VMs sharing a host: Strict (default) or HypervisorIsolation.</para></summary>
        [Parameter]
        public PciInterpretation Interpretation { get; set; } = PciInterpretation.Strict;

        /// <summary><para type="description">Only findings that involve these clusters (names or ids, wildcards allowed). The analysis still sees the whole inventory, since segments and datastores span clusters.</para></summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ClusterNameCompleter))]
        public string[]? Cluster { get; set; }

        /// <summary><para type="description">Only findings that name these VMs (names or ids, wildcards allowed). Accepts VM names from the pipeline.</para></summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "VmName")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[]? Vm { get; set; }

        /// <summary><para type="description">Only these rule ids (wildcards allowed), e.g. pci.shared-segment. An id without wildcards that names no rule is an error. Tab completion offers the rules.</para></summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(RuleIdCompleter))]
        public string[]? RuleId { get; set; }

        /// <summary><para type="description">The baseline in-scope hosts are held to: a built-in name (pci-dss, scg, stig), a baseline file or a baseline object (Get-ComplianceBaseline, New-ComplianceBaseline). Default: pci-dss.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BaselineCompleter))]
        public object? Baseline { get; set; }

        /// <summary><para type="description">Write one summary per cluster (counts by rule and severity, Passed) instead of the findings.</para></summary>
        [Parameter(ParameterSetName = "Summary", Mandatory = true)]
        public SwitchParameter Summary { get; set; }

        /// <summary><para type="description">Write only $true when no finding has the outcome Fail or NotEvaluated (unless -AllowNotEvaluated), else $false; a Waived finding passes, one whose waiver has expired fails. A test with no VM in CDE scope fails: it tested nothing (rule pci.no-cde-scope).</para></summary>
        [Parameter(ParameterSetName = "Quiet", Mandatory = true)]
        public SwitchParameter Quiet { get; set; }

        /// <summary><para type="description">A NotEvaluated finding (a host in scope whose controls the server did not report) does not fail -Quiet or -Summary's Passed. It is still written and counted.</para></summary>
        [Parameter]
        public SwitchParameter AllowNotEvaluated { get; set; }

        protected override PipedNameKind PipedNames => PipedNameKind.Vm;

        private readonly PipedInput _piped = new PipedInput();

        protected override void ProcessInventory() => _piped.Add(VmFilter(Vm), Inventory);

        protected override void EndInventory()
        {
            if (_piped.Inventories.Count == 0) _piped.Inventories.Add(RequireInventory());
            var options = WithWaivers(new AssessmentOptions
            {
                Baseline = LoadBaseline(Baseline ?? "pci-dss"),
                ScopeSources = ScopeSources(),
                Interpretation = Interpretation,
                Clusters = Cluster,
                Vms = _piped.Vms,
                RuleIds = RuleId,
                AllowNotEvaluated = AllowNotEvaluated,
            });
            var passed = true;
            foreach (var inventory in _piped.Inventories)
            {
                var large = inventory.Vms.Count >= 5000;
                var progress = new ProgressRecord(1, "Test-PciSeparation", $"Classifying {inventory.Vms.Count} VMs, working out segments and placements, applying the rules");
                if (large) WriteProgress(progress);
                SeparationResult result;
                try
                {
                    result = Assess(() => Assessment.Separation(inventory, options));
                }
                finally
                {
                    // Completed also when the analysis stops with an error, so that no bar is left behind.
                    if (large) WriteProgress(ProgressRecords.Completed(progress));
                }
                passed &= result.Passed;
                if (Summary) WriteObject(result.Summaries, true);
                else if (!Quiet) WriteObject(result.Findings, true);
            }
            if (Quiet) WriteObject(passed);
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
    public sealed class GetPciSegmentationMatrixCommand : ScopedAnalysisCmdlet
    {
        /// <summary><para type="description">One row per pair of VMs of different scope that share a host, a migration host, a segment or a datastore.</para></summary>
        [Parameter(ParameterSetName = "Detailed", Mandatory = true)]
        public SwitchParameter Detailed { get; set; }

        /// <summary><para type="description">With -Detailed: only pairs with at least one of these VMs (names or ids, wildcards allowed).</para></summary>
        [Parameter(ParameterSetName = "Detailed", Position = 0)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[]? Vm { get; set; }

        protected override PipedNameKind PipedNames => Detailed ? PipedNameKind.Vm : PipedNameKind.None;

        protected override void ProcessInventory()
        {
            var inventory = RequireInventory();
            var result = Assess(() => Assessment.SegmentationMatrix(inventory, new AssessmentOptions { ScopeSources = ScopeSources(), Vms = VmFilter(Vm) }, Detailed));
            if (!Detailed) WriteObject(result.Classes, true);
            else foreach (var pair in result.VmPairs) WriteObject(pair);
        }
    }

    /// <summary>Completes -RuleId from the rule registry.</summary>
    public sealed class RuleIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
        {
            var match = new WildcardPattern((wordToComplete ?? "") + "*", WildcardOptions.IgnoreCase);
            return SeparationRules.All.Select(r => r.Info).Where(i => match.IsMatch(i.Id))
                .Select(i => new CompletionResult(i.Id, i.Id, CompletionResultType.ParameterValue, i.Title));
        }
    }
}
