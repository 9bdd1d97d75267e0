using System;
using System.Collections.Generic;
using VirtCompliance.Controls;
using VirtCompliance.Inventory;

namespace VirtCompliance
{
    public enum DriftBasis
    {
        /// <summary>The expectation is the baseline's value.</summary>
        Baseline,
        /// <summary>The expectation is the cluster's majority value.</summary>
        Peer,
    }

    /// <summary>One host that fails one control: what was expected, what was found, and why it matters.</summary>
    public sealed record HostControlDrift
    {
        public string Cluster { get; init; }
        public string ClusterId { get; init; }
        public string Host { get; init; }
        public string HostId { get; init; }
        public string ControlId { get; init; }
        public string Title { get; init; }
        public string Expected { get; init; }
        public string Actual { get; init; }
        public Severity Severity { get; init; }
        public DriftBasis Basis { get; init; }
        /// <summary>Name of the baseline the control came from.</summary>
        public string Baseline { get; init; }
        /// <summary>Peer mode only: how many hosts hold the expected value ("3 of 4 hosts").</summary>
        public string PeerAgreement { get; init; }
        /// <summary>Peer mode only: the cluster has no single majority value, so no host can be called the odd one out.</summary>
        public bool NoMajority { get; init; }
        /// <summary>Portgroup controls: the portgroups that fail.</summary>
        public IReadOnlyList<string> FailingObjects { get; init; } = Array.Empty<string>();
        public IReadOnlyList<string> PciDss { get; init; } = Array.Empty<string>();
        public IReadOnlyList<string> Scg { get; init; } = Array.Empty<string>();
        public IReadOnlyList<string> Stig { get; init; } = Array.Empty<string>();
        public string Remediation { get; init; }
    }

    /// <summary>A VM that vMotion/DRS/HA could place on a host that lacks controls its current host has.</summary>
    public sealed record VmMigrationExposure
    {
        public string Vm { get; init; }
        public string VmId { get; init; }
        public PowerState PowerState { get; init; }
        public string Cluster { get; init; }
        public string ClusterId { get; init; }
        public string CurrentHost { get; init; }
        public string CurrentHostId { get; init; }
        public string TargetHost { get; init; }
        public string TargetHostId { get; init; }
        /// <summary>Ids of the controls the VM would lose on the target.</summary>
        public IReadOnlyList<string> LostControls { get; init; } = Array.Empty<string>();
        public IReadOnlyList<string> LostControlTitles { get; init; } = Array.Empty<string>();
        /// <summary>The highest severity among the lost controls.</summary>
        public Severity Severity { get; init; }
        public IReadOnlyList<string> PciDss { get; init; } = Array.Empty<string>();
        /// <summary>The VM's effective DRS automation level ("disabled" when DRS is off for it).</summary>
        public string DrsAutomation { get; init; }
        /// <summary>True when DRS would move the powered-on VM without anyone approving it.</summary>
        public bool AutomatedByDrs { get; init; }
        /// <summary>True when HA would restart the VM on another host after a host failure.</summary>
        public bool HaEnabled { get; init; }
        public DriftBasis Basis { get; init; }
        public string Baseline { get; init; }
    }
}
