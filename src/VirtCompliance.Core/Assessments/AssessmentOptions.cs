using System;
using System.Collections.Generic;
using VirtCompliance.Controls;
using VirtCompliance.Firewall;
using VirtCompliance.Pci;
using VirtCompliance.Scope;

namespace VirtCompliance.Assessments
{
    /// <summary>
    /// Everything that can change an answer, in one record: every cmdlet binds its parameters into
    /// one of these and makes one call into Assessment, so two commands can never
    /// answer one question two ways. A field a use case does not read is ignored by it.
    /// </summary>
    public sealed record AssessmentOptions
    {
        /// <summary>The baseline controls are judged against; null: pci-dss, or with <see cref="Peer"/> every catalog control.</summary>
        public Baseline? Baseline { get; init; }
        /// <summary>Judge each control against the object's peers' majority instead of the baseline's value.</summary>
        public bool Peer { get; init; }
        /// <summary>Where a VM's PCI scope comes from: tag category, custom attribute, scope map.</summary>
        public ScopeSources ScopeSources { get; init; } = new ScopeSources();
        public PciInterpretation Interpretation { get; init; } = PciInterpretation.Strict;
        /// <summary>Cluster names or ids (wildcards); null: all.</summary>
        public IReadOnlyCollection<string>? Clusters { get; init; }
        /// <summary>VM names or ids (wildcards); null: all. An empty list means no VM.</summary>
        public IReadOnlyCollection<string>? Vms { get; init; }
        /// <summary>Control ids (wildcards); null: every control of the baseline.</summary>
        public IReadOnlyCollection<string>? ControlIds { get; init; }
        /// <summary>Separation rule ids (wildcards); null: every rule.</summary>
        public IReadOnlyCollection<string>? RuleIds { get; init; }
        /// <summary>Exposure: only VMs of these PCI scopes; null: all.</summary>
        public IReadOnlyCollection<PciScope>? VmScopes { get; init; }
        /// <summary>The firewall policy, for the firewall plan and status (and the evidence bundle's firewall status); null: none.</summary>
        public FirewallPolicy? Policy { get; init; }
        /// <summary>Gates: a NotEvaluated result does not fail the gate (it is still reported and counted).</summary>
        public bool AllowNotEvaluated { get; init; }
        /// <summary>Drift: write passing results too.</summary>
        public bool IncludePass { get; init; }
        /// <summary>Drift: the kinds of object whose results are wanted; null: all (hosts, networks, VMs).</summary>
        public IReadOnlyCollection<ControlScope>? Objects { get; init; }
        /// <summary>VM controls in peer mode: which VMs are each other's peers.</summary>
        public Evaluation.VmPeerGroup VmPeers { get; init; } = Evaluation.VmPeerGroup.Folder;
        /// <summary>With VmPeers Tag: the category whose tags make VMs peers.</summary>
        public string? VmPeerTagCategory { get; init; }

        /// <summary>Accepted risks: failing results a waiver in force covers become Waived; null: none.</summary>
        public Waivers.WaiverFile? Waivers { get; init; }
        /// <summary>The date waivers are judged on; null: the inventory's collection time (so an old snapshot reads as it did then).</summary>
        public DateTimeOffset? AsOf { get; init; }
        /// <summary>A waiver expiring within this many days is ExpiringSoon, and warned about.</summary>
        public int WaiverWarningDays { get; init; } = VirtCompliance.Waivers.WaiverSet.DefaultWarningDays;
        /// <summary>One set for several analyses of one run (the evidence bundle), so that each waiver's use is counted once over all of them.</summary>
        internal Waivers.WaiverSet? SharedWaivers { get; init; }

        /// <summary>The baseline to use: the given one, else every catalog control in peer mode, else pci-dss.</summary>
        public Baseline EffectiveBaseline => Baseline ?? (Peer ? Baseline.PeerOfAll() : Baseline.Load("pci-dss"));
    }

    /// <summary>A name given without wildcards that matched nothing in the inventory: the cmdlet reports each as an error.</summary>
    public sealed record NotFoundName(string Kind, string Name);

    /// <summary>What an assessment gives back besides its results: warnings for a person, names that matched nothing.</summary>
    public abstract class AssessmentResult
    {
        private readonly List<string> _warnings = new List<string>();
        private readonly List<NotFoundName> _notFound = new List<NotFoundName>();

        public IReadOnlyList<string> Warnings => _warnings;
        public IReadOnlyList<NotFoundName> NotFound => _notFound;

        internal void Warn(IEnumerable<string> warnings) => _warnings.AddRange(warnings);
        internal void Warn(string warning) => _warnings.Add(warning);
        internal void Missing(string kind, string name) => _notFound.Add(new NotFoundName(kind, name));
    }

    public sealed class DriftResult : AssessmentResult
    {
        public IReadOnlyList<HostControlDrift> Hosts { get; internal set; } = Array.Empty<HostControlDrift>();
        public IReadOnlyList<NetworkControlDrift> Networks { get; internal set; } = Array.Empty<NetworkControlDrift>();
        public IReadOnlyList<VmControlDrift> Vms { get; internal set; } = Array.Empty<VmControlDrift>();
        public IReadOnlyList<VCenterControlDrift> Estate { get; internal set; } = Array.Empty<VCenterControlDrift>();
        /// <summary>With waivers: each waiver's state and what it covered in these results.</summary>
        public IReadOnlyList<Waivers.WaiverStatus> Waivers { get; internal set; } = Array.Empty<Waivers.WaiverStatus>();
    }

    public sealed class ExposureResult : AssessmentResult
    {
        public IReadOnlyList<VmMigrationExposure> Exposures { get; internal set; } = Array.Empty<VmMigrationExposure>();
    }

    public sealed class ScopeResult : AssessmentResult
    {
        public IReadOnlyList<PciScopeEntry> Entries { get; internal set; } = Array.Empty<PciScopeEntry>();
    }

    public sealed class SeparationResult : AssessmentResult
    {
        public IReadOnlyList<PciSeparationFinding> Findings { get; internal set; } = Array.Empty<PciSeparationFinding>();
        public IReadOnlyList<PciSeparationSummary> Summaries { get; internal set; } = Array.Empty<PciSeparationSummary>();
        /// <summary>The gate: no Fail, and no NotEvaluated unless allowed.</summary>
        public bool Passed { get; internal set; }
        /// <summary>With waivers: each waiver's state and what it covered in these findings.</summary>
        public IReadOnlyList<Waivers.WaiverStatus> Waivers { get; internal set; } = Array.Empty<Waivers.WaiverStatus>();
    }

    public sealed class MatrixResult : AssessmentResult
    {
        public IReadOnlyList<PciSegmentationPair> Classes { get; internal set; } = Array.Empty<PciSegmentationPair>();
        public IEnumerable<PciVmPair> VmPairs { get; internal set; } = Array.Empty<PciVmPair>();
    }

    public sealed class FirewallPlanResult : AssessmentResult
    {
        /// <summary>The compiled policy the plan was made from; set on every result <see cref="Assessment.FirewallPlan"/> returns.</summary>
        public CompiledPolicy? Compiled { get; internal set; }
        public IReadOnlyList<VmFirewallPolicyChange> Ports { get; internal set; } = Array.Empty<VmFirewallPolicyChange>();
        /// <summary>Fail closed: the DRS objects that keep protected VMs on capable hosts.</summary>
        public IReadOnlyList<ClusterPlacementChange> Placement { get; internal set; } = Array.Empty<ClusterPlacementChange>();
    }

    public sealed class FirewallRemovalResult : AssessmentResult
    {
        /// <summary>One Remove per port whose own filter the policy owns.</summary>
        public IReadOnlyList<VmFirewallPolicyChange> Ports { get; internal set; } = Array.Empty<VmFirewallPolicyChange>();
    }

    public sealed class FirewallStatusResult : AssessmentResult
    {
        public IReadOnlyList<VmFirewallPolicyStatus> Statuses { get; internal set; } = Array.Empty<VmFirewallPolicyStatus>();
        /// <summary>The gate: every protected port enforces the policy, and the policy protects at least one VM.</summary>
        public bool Passed { get; internal set; }
    }
}
