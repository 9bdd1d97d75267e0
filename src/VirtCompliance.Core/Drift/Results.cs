using System;
using System.Collections.Generic;
using VirtCompliance.Controls;
using VirtCompliance.Evaluation;
using VirtCompliance.Model;
using VirtCompliance.Scope;
using VirtCompliance.Common;

namespace VirtCompliance
{
    public enum DriftBasis
    {
        /// <summary>The expectation is the baseline's value.</summary>
        Baseline,
        /// <summary>The expectation is the cluster's majority value.</summary>
        Peer,
    }

    /// <summary>
    /// What every control result that did not pass carries, whatever object it is about: the
    /// outcome, what was expected and found, and why it matters. The records below add the object.
    /// </summary>
    public abstract record ControlDrift
    {
        protected ControlDrift()
        {
        }

        private protected ControlDrift(ControlResult result, string baseline)
        {
            var definition = result.Control.Definition;
            Outcome = result.Outcome;
            Reason = result.Reason;
            ControlId = result.Control.Id;
            Title = result.Control.Title;
            Expected = result.ExpectedText;
            Actual = result.Actual.ToString();
            Severity = result.Control.Severity;
            Basis = result.Control.Peer ? DriftBasis.Peer : DriftBasis.Baseline;
            Baseline = baseline;
            PeerAgreement = result.PeerAgreement;
            NoMajority = result.NoMajority;
            PciDss = definition.PciDss;
            Scg = definition.Scg;
            Stig = definition.Stig;
            Vsphere8Stig = definition.Vsphere8Stig;
            Remediation = definition.Remediation;
        }

        /// <summary>The vCenter Server (or host) the inventory was read from: with several, the results of each stay apart.</summary>
        public string? VCenter { get; init; }
        /// <summary>Fail, or NotEvaluated when the value was not reported (Reason says why); Pass only when asked for.</summary>
        public Outcome Outcome { get; init; }
        /// <summary>NotEvaluated: why nothing could be judged.</summary>
        public string? Reason { get; init; }
        /// <summary>The waiver that covers this result: Waived while it is in force; with Expired, the result is Fail again and names it.</summary>
        public Waivers.WaiverRef? Waiver { get; init; }
        public string ControlId { get; init; } = "";
        public string Title { get; init; } = "";
        public string Expected { get; init; } = "";
        public string Actual { get; init; } = "";
        public Severity Severity { get; init; }
        public DriftBasis Basis { get; init; }
        /// <summary>Name of the baseline the control came from.</summary>
        public string Baseline { get; init; } = "";
        /// <summary>Peer mode only: how many peers hold the expected value ("3 of 4 hosts").</summary>
        public string? PeerAgreement { get; init; }
        /// <summary>Peer mode only: the peers have no single majority value, so none can be called the odd one out.</summary>
        public bool NoMajority { get; init; }
        public IReadOnlyList<string> PciDss { get => _pciDss; init => _pciDss = TextList.Of(value); }
        private readonly IReadOnlyList<string> _pciDss = TextList<string>.Empty;
        public IReadOnlyList<string> Scg { get => _scg; init => _scg = TextList.Of(value); }
        private readonly IReadOnlyList<string> _scg = TextList<string>.Empty;
        /// <summary>VMware Cloud Foundation 9 STIG ids.</summary>
        public IReadOnlyList<string> Stig { get => _stig; init => _stig = TextList.Of(value); }
        private readonly IReadOnlyList<string> _stig = TextList<string>.Empty;
        /// <summary>DISA STIG for vSphere 8 ids (ESXI-80-*, VMCH-80-*, VCSA-80-*).</summary>
        public IReadOnlyList<string> Vsphere8Stig { get => _vsphere8Stig; init => _vsphere8Stig = TextList.Of(value); }
        private readonly IReadOnlyList<string> _vsphere8Stig = TextList<string>.Empty;
        public string? Remediation { get; init; }
    }

    /// <summary>One host control on one host that did not pass (Fail or NotEvaluated).</summary>
    public sealed record HostControlDrift : ControlDrift
    {
        public HostControlDrift()
        {
        }

        internal HostControlDrift(ControlResult result, string baseline) : base(result, baseline)
        {
        }

        public string? Cluster { get; init; }
        public string? ClusterId { get; init; }
        public string? Host { get; init; }
        public string HostId { get; init; } = "";
    }

    /// <summary>The kind of network object a network control is about.</summary>
    public enum NetworkObjectKind
    {
        /// <summary>A distributed portgroup: one result for the portgroup, whichever hosts carry it.</summary>
        DistributedPortgroup,
        /// <summary>A standard portgroup, configured on one host (named in Host).</summary>
        StandardPortgroup,
        /// <summary>A distributed switch's own settings (Network is empty; Switch names it).</summary>
        DistributedSwitch,
        /// <summary>A standard vSwitch of one host (named in Host): its own policy, which new portgroups inherit. Network and Switch are its name.</summary>
        StandardSwitch,
    }

    /// <summary>The kind of object a vCenter control is about.</summary>
    public enum EstateObjectKind
    {
        /// <summary>The vCenter Server itself (its advanced settings).</summary>
        VCenter,
        /// <summary>A cluster (DRS, HA).</summary>
        Cluster,
    }

    /// <summary>One vCenter or cluster control that did not pass (Fail or NotEvaluated).</summary>
    public sealed record VCenterControlDrift : ControlDrift
    {
        public VCenterControlDrift()
        {
        }

        internal VCenterControlDrift(ControlResult result, string baseline) : base(result, baseline)
        {
        }

        public EstateObjectKind ObjectKind { get; init; }
        /// <summary>The vCenter Server's or the cluster's name.</summary>
        public string? Object { get; init; }
        public string ObjectId { get; init; } = "";
    }

    /// <summary>One network control on one portgroup that did not pass (Fail or NotEvaluated).</summary>
    public sealed record NetworkControlDrift : ControlDrift
    {
        public NetworkControlDrift()
        {
        }

        internal NetworkControlDrift(ControlResult result, string baseline) : base(result, baseline)
        {
        }

        public NetworkObjectKind ObjectKind { get; init; }
        /// <summary>The portgroup's name (a standard vSwitch's name for a StandardSwitch result).</summary>
        public string? Network { get; init; }
        /// <summary>The distributed portgroup's id; for a standard portgroup "host-id/name"; for a standard vSwitch "host-id#name".</summary>
        public string NetworkId { get; init; } = "";
        /// <summary>The distributed switch, or the standard vSwitch the portgroup is on.</summary>
        public string? Switch { get; init; }
        /// <summary>Standard portgroups: the host they are configured on.</summary>
        public string? Host { get; init; }
        public string? HostId { get; init; }
        /// <summary>Standard portgroups: the host's cluster.</summary>
        public string? Cluster { get; init; }
    }

    /// <summary>One VM control on one VM that did not pass (Fail or NotEvaluated).</summary>
    public sealed record VmControlDrift : ControlDrift
    {
        public VmControlDrift()
        {
        }

        internal VmControlDrift(ControlResult result, string baseline) : base(result, baseline)
        {
        }

        public string? Vm { get; init; }
        public string VmId { get; init; } = "";
        public PowerState PowerState { get; init; }
        /// <summary>The VM's inventory folder.</summary>
        public string? Folder { get; init; }
        /// <summary>The host the VM is registered on, and its cluster (null when standalone).</summary>
        public string? Host { get; init; }
        public string? HostId { get; init; }
        public string? Cluster { get; init; }
        public string? ClusterId { get; init; }
    }

    /// <summary>A VM that vMotion/DRS/HA could place on a host that lacks controls its current host has.</summary>
    public sealed record VmMigrationExposure
    {
        /// <summary>The vCenter Server (or host) the inventory was read from.</summary>
        public string? VCenter { get; init; }
        public string? Vm { get; init; }
        public string VmId { get; init; } = "";
        /// <summary>The VM's PCI scope, from the same scope sources as Test-PciSeparation.</summary>
        public PciScope PciScope { get; init; }
        public PowerState PowerState { get; init; }
        public string? Cluster { get; init; }
        public string ClusterId { get; init; } = "";
        public string? CurrentHost { get; init; }
        public string CurrentHostId { get; init; } = "";
        public string? TargetHost { get; init; }
        public string TargetHostId { get; init; } = "";
        /// <summary>Ids of the controls the VM would lose on the target.</summary>
        public IReadOnlyList<string> LostControls { get => _lostControls; init => _lostControls = TextList.Of(value); }
        private readonly IReadOnlyList<string> _lostControls = TextList<string>.Empty;
        public IReadOnlyList<string> LostControlTitles { get => _lostControlTitles; init => _lostControlTitles = TextList.Of(value); }
        private readonly IReadOnlyList<string> _lostControlTitles = TextList<string>.Empty;
        /// <summary>The highest severity among the lost controls.</summary>
        public Severity Severity { get; init; }
        public IReadOnlyList<string> PciDss { get => _pciDss; init => _pciDss = TextList.Of(value); }
        private readonly IReadOnlyList<string> _pciDss = TextList<string>.Empty;
        /// <summary>The VM's effective DRS automation level ("disabled" when DRS is off for it).</summary>
        public string DrsAutomation { get; init; } = "";
        /// <summary>True when DRS would move the powered-on VM without anyone approving it.</summary>
        public bool AutomatedByDrs { get; init; }
        /// <summary>True when HA would restart the VM on another host after a host failure.</summary>
        public bool HaEnabled { get; init; }
        public DriftBasis Basis { get; init; }
        public string Baseline { get; init; } = "";
    }
}
