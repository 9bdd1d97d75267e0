using System;
using System.Collections.Generic;
using VirtCompliance.Controls;
using VirtCompliance.Pci;
using VirtCompliance.Scope;
using VirtCompliance.Common;

namespace VirtCompliance
{
    /// <summary>How an assessor reads PCI DSS 2.2.3 for virtual machines that share a physical host.</summary>
    public enum PciInterpretation
    {
        /// <summary>CDE and non-CDE VMs must not share a physical host, nor be able to.</summary>
        Strict,
        /// <summary>Sharing is accepted when the guests are network-separated and the hypervisor is hardened.</summary>
        HypervisorIsolation,
    }

    /// <summary>What a finding means for the assessment; ordered from weakest to strongest.</summary>
    public enum FindingOutcome
    {
        /// <summary>Recorded as evidence; no action needed under this interpretation.</summary>
        Info,
        /// <summary>Needs review or a decision, but does not by itself fail the assessment.</summary>
        Warning,
        /// <summary>What the rule needs was not reported (a host's controls, say): not a pass; the gate fails unless told to allow it.</summary>
        NotEvaluated,
        /// <summary>Fails the separation test.</summary>
        Fail,
        /// <summary>A Fail or Warning that a waiver in force accepts (the finding names it). Passes the gate; counted on its own.</summary>
        Waived,
    }

    /// <summary>One separation problem (or, as Info, one accepted arrangement) with the evidence behind it.</summary>
    public sealed record PciSeparationFinding
    {
        /// <summary>The vCenter Server (or host) the inventory was read from.</summary>
        public string? VCenter { get; init; }
        /// <summary>pci.mixed-scope-host, pci.shared-segment, ...</summary>
        public string RuleId { get; init; } = "";
        public FindingOutcome Outcome { get; init; }
        public Severity Severity { get; init; }
        public PciInterpretation Interpretation { get; init; }
        /// <summary>Clusters of the hosts involved; "(standalone)" for hosts outside a cluster.</summary>
        public IReadOnlyList<string> Clusters { get => _clusters; init => _clusters = TextList.Of(value); }
        private readonly IReadOnlyList<string> _clusters = TextList<string>.Empty;
        public IReadOnlyList<string?> Hosts { get => _hosts; init => _hosts = TextList.Of(value); }
        private readonly IReadOnlyList<string?> _hosts = TextList<string?>.Empty;
        public IReadOnlyList<string?> Vms { get => _vms; init => _vms = TextList.Of(value); }
        private readonly IReadOnlyList<string?> _vms = TextList<string?>.Empty;
        public IReadOnlyList<string?> Networks { get => _networks; init => _networks = TextList.Of(value); }
        private readonly IReadOnlyList<string?> _networks = TextList<string?>.Empty;
        public IReadOnlyList<string> Datastores { get => _datastores; init => _datastores = TextList.Of(value); }
        private readonly IReadOnlyList<string> _datastores = TextList<string>.Empty;
        public IReadOnlyList<string> PciDss { get => _pciDss; init => _pciDss = TextList.Of(value); }
        private readonly IReadOnlyList<string> _pciDss = TextList<string>.Empty;
        /// <summary>A plain sentence naming the objects.</summary>
        public string Message { get; init; } = "";
        /// <summary>The facts the finding rests on, one per line.</summary>
        public IReadOnlyList<string> Evidence { get => _evidence; init => _evidence = TextList.Of(value); }
        private readonly IReadOnlyList<string> _evidence = TextList<string>.Empty;
        public string? Remediation { get; init; }
        /// <summary>The waiver that covers this finding: Waived while it is in force; with Expired, the finding keeps its outcome and names it.</summary>
        public Waivers.WaiverRef? Waiver { get; init; }
    }

    /// <summary>Test-PciSeparation -Summary: one per cluster.</summary>
    public sealed record PciSeparationSummary
    {
        /// <summary>The vCenter Server (or host) the inventory was read from.</summary>
        public string? VCenter { get; init; }
        public string? Cluster { get; init; }
        public PciInterpretation Interpretation { get; init; }
        /// <summary>True when no finding of the cluster has the outcome Fail or NotEvaluated.</summary>
        public bool Passed { get; init; }
        public int Fail { get; init; }
        public int NotEvaluated { get; init; }
        public int Warning { get; init; }
        public int Info { get; init; }
        /// <summary>Fail and Warning findings a waiver in force accepts.</summary>
        public int Waived { get; init; }
        /// <summary>Findings per rule id, e.g. "pci.shared-segment" → 2.</summary>
        public IReadOnlyDictionary<string, int> ByRule { get => _byRule; init => _byRule = TextList.Of(value); }
        private readonly IReadOnlyDictionary<string, int> _byRule = TextList.Of(new Dictionary<string, int>());
        /// <summary>Fail and Warning findings per severity.</summary>
        public IReadOnlyDictionary<string, int> BySeverity { get => _bySeverity; init => _bySeverity = TextList.Of(value); }
        private readonly IReadOnlyDictionary<string, int> _bySeverity = TextList.Of(new Dictionary<string, int>());
        public string Inventory { get; init; } = "";
    }

    /// <summary>Get-PciScope: the scope of one VM, host or network segment, and what decided it.</summary>
    public sealed record PciScopeEntry
    {
        /// <summary>The vCenter Server (or host) the inventory was read from.</summary>
        public string? VCenter { get; init; }
        /// <summary>Vm, Host or Segment.</summary>
        public string ObjectType { get; init; } = "";
        public string? Name { get; init; }
        public string Id { get; init; } = "";
        public PciScope Scope { get; init; }
        /// <summary>What decided: "tag PCI-Scope/CDE", "runs CDE VM pay-db-01", "CDE VM pay-db-01 is attached".</summary>
        public string Source { get; init; } = "";
        /// <summary>VMs only: the sources disagree (the strictest claim was taken).</summary>
        public bool Conflict { get; init; }
        /// <summary>Every claim or reason, for Format-List.</summary>
        public IReadOnlyList<string> Details { get => _details; init => _details = TextList.Of(value); }
        private readonly IReadOnlyList<string> _details = TextList<string>.Empty;
        /// <summary>The cluster of the VM's or host's host; empty for segments.</summary>
        public string Cluster { get; init; } = "";
    }

    /// <summary>Get-PciSegmentationMatrix: what two scope classes share (11.4.5 evidence).</summary>
    public sealed record PciSegmentationPair
    {
        /// <summary>The vCenter Server (or host) the inventory was read from.</summary>
        public string? VCenter { get; init; }
        public PciScope ScopeA { get; init; }
        public PciScope ScopeB { get; init; }
        public int VmsA { get; init; }
        public int VmsB { get; init; }
        /// <summary>Hosts running VMs of both classes now.</summary>
        public IReadOnlyList<string?> SharedHosts { get => _sharedHosts; init => _sharedHosts = TextList.Of(value); }
        private readonly IReadOnlyList<string?> _sharedHosts = TextList<string?>.Empty;
        /// <summary>Hosts that VMs of both classes can run on (vMotion, DRS, HA), including SharedHosts.</summary>
        public IReadOnlyList<string?> MigrationHosts { get => _migrationHosts; init => _migrationHosts = TextList.Of(value); }
        private readonly IReadOnlyList<string?> _migrationHosts = TextList<string?>.Empty;
        /// <summary>Layer-2 segments with adapters of both classes.</summary>
        public IReadOnlyList<string> SharedSegments { get => _sharedSegments; init => _sharedSegments = TextList.Of(value); }
        private readonly IReadOnlyList<string> _sharedSegments = TextList<string>.Empty;
        public IReadOnlyList<string> SharedDatastores { get => _sharedDatastores; init => _sharedDatastores = TextList.Of(value); }
        private readonly IReadOnlyList<string> _sharedDatastores = TextList<string>.Empty;
        /// <summary>True when the classes share no host, migration host, segment or datastore.</summary>
        public bool Separated { get; init; }
        /// <summary>How many hosts run VMs of both classes now: the table's column (not written to JSON, SharedHosts is).</summary>
        public int SharedHostCount => SharedHosts.Count;
        /// <summary>How many hosts VMs of both classes can run on: the table's column (not written to JSON, MigrationHosts is).</summary>
        public int MigrationHostCount => MigrationHosts.Count;
    }

    /// <summary>Get-PciSegmentationMatrix -Detailed: what two VMs of different scope share.</summary>
    public sealed record PciVmPair
    {
        public string? VmA { get; init; }
        public PciScope ScopeA { get; init; }
        public string? VmB { get; init; }
        public PciScope ScopeB { get; init; }
        /// <summary>The host both run on now, if any.</summary>
        public string? SharedHost { get; init; }
        public IReadOnlyList<string?> MigrationHosts { get => _migrationHosts; init => _migrationHosts = TextList.Of(value); }
        private readonly IReadOnlyList<string?> _migrationHosts = TextList<string?>.Empty;
        public IReadOnlyList<string> SharedSegments { get => _sharedSegments; init => _sharedSegments = TextList.Of(value); }
        private readonly IReadOnlyList<string> _sharedSegments = TextList<string>.Empty;
        public IReadOnlyList<string> SharedDatastores { get => _sharedDatastores; init => _sharedDatastores = TextList.Of(value); }
        private readonly IReadOnlyList<string> _sharedDatastores = TextList<string>.Empty;
        /// <summary>How many hosts both VMs can run on: the table's column (not written to JSON, MigrationHosts is).</summary>
        public int MigrationHostCount => MigrationHosts.Count;
    }
}
