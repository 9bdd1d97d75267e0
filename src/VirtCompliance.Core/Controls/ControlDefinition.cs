using System;
using VirtCompliance.Common;
using System.Collections.Generic;
using Newtonsoft.Json.Linq;

namespace VirtCompliance.Controls
{
    public enum Severity { Informational, Low, Medium, High, Critical }

    /// <summary>What a control is evaluated on: one result per object of this kind.</summary>
    public enum ControlScope
    {
        /// <summary>One result per host.</summary>
        Host,
        /// <summary>One result per standard portgroup of each host (standard portgroups are configured host by host).</summary>
        StandardPortgroup,
        /// <summary>One result per distributed portgroup, whatever the state of the hosts that carry it.</summary>
        DistributedPortgroup,
        /// <summary>
        /// One result per standard vSwitch of each host and one per portgroup on it: a vSwitch that
        /// accepts is a finding even when today's portgroups override it, as a new portgroup inherits it.
        /// </summary>
        StandardSwitch,
        /// <summary>One result per VM (its settings move with it, whichever host it runs on).</summary>
        Vm,
        /// <summary>One result per distributed switch (its own settings, not its portgroups').</summary>
        DistributedSwitch,
        /// <summary>One result per cluster.</summary>
        Cluster,
        /// <summary>One result for the vCenter Server the inventory was read from.</summary>
        VCenter,
    }

    /// <summary>
    /// One security control: the fact it reads, how the value is judged, and what it maps to in
    /// PCI DSS 4.0.1, the vSphere Security Configuration Guide (SCG) and the DISA STIG. Controls
    /// are data (module/baselines/controls.json or a baseline's customControls).
    /// </summary>
    public sealed record ControlDefinition
    {
        /// <summary>SCG id where one fits (esx-9.ssh), else vc.* for VirtCompliance's own.</summary>
        public string Id { get; init; } = "";
        /// <summary>Required: a definition without one is refused when read.</summary>
        public string Title { get; init; } = "";
        public string? Description { get; init; }
        public ControlScope Scope { get; init; } = ControlScope.Host;
        /// <summary>
        /// The fact read, e.g. "option:UserVars.DcuiTimeOut", "service:TSM-SSH", "firewall.incomingBlocked".
        /// A template control contains "{parameter}" and is instantiated per parameter value.
        /// </summary>
        public string Fact { get; init; } = "";
        public ControlOperator Operator { get; init; } = ControlOperator.Equals;
        /// <summary>The recommended value; a baseline may override it.</summary>
        public JToken? Expected { get; init; }
        /// <summary>The platform default used when an advanced option is not reported at all.</summary>
        public JToken? Default { get; init; }
        public Severity Severity { get; init; } = Severity.Medium;
        // The mapping ids are TextLists, as on every result: a result takes the definition's list as it is
        // instead of copying it (four copies per result were most of the cost of millions of VM passes).
        public IReadOnlyList<string> PciDss { get => _pciDss; init => _pciDss = TextList.Of(value); }
        private readonly IReadOnlyList<string> _pciDss = TextList<string>.Empty;
        public IReadOnlyList<string> Scg { get => _scg; init => _scg = TextList.Of(value); }
        private readonly IReadOnlyList<string> _scg = TextList<string>.Empty;
        /// <summary>VMware Cloud Foundation 9 STIG ids (VCFE-9X-*, VCFA-9X-*, VCFV-9X-*), as the SCG lists them.</summary>
        public IReadOnlyList<string> Stig { get => _stig; init => _stig = TextList.Of(value); }
        private readonly IReadOnlyList<string> _stig = TextList<string>.Empty;
        /// <summary>DISA STIG for vSphere 8 ids (ESXI-80-*, VMCH-80-*, VCSA-80-*).</summary>
        public IReadOnlyList<string> Vsphere8Stig { get => _vsphere8Stig; init => _vsphere8Stig = TextList.Of(value); }
        private readonly IReadOnlyList<string> _vsphere8Stig = TextList<string>.Empty;
        public string? Remediation { get; init; }
        /// <summary>How Repair-*ControlDrift fixes it, or why it will not; null: no repair is defined (a custom control without one).</summary>
        public ControlFix? Fix { get; init; }
        /// <summary>For template controls: what the parameter names (package, service, ...).</summary>
        public string? Parameter { get; init; }

        public bool IsTemplate => Parameter != null;
    }

    /// <summary>How a control is repaired: data beside how it is read (module/schemas/controls.schema.json, definitions/fix).</summary>
    public sealed record ControlFix
    {
        /// <summary>setOption, setService, setFirewallDefault, restrictRulesets, setLockdown, esxcli, setVmExtraConfig or refuse.</summary>
        public string Action { get; init; } = "";
        /// <summary>The value to set when the expectation is not one value; null: the expectation's.</summary>
        public JToken? Value { get; init; }
        /// <summary>esxcli: the command that sets it, and its arguments ({value} is the value).</summary>
        public string? Command { get; init; }
        public IReadOnlyDictionary<string, string>? Arguments { get; init; }
        /// <summary>force or allowedNetworks: what the repair needs from the caller.</summary>
        public string? Needs { get; init; }
        /// <summary>reboot or powerCycle: when the change is in force.</summary>
        public string? TakesEffect { get; init; }
        /// <summary>refuse: why it is not repaired automatically.</summary>
        public string? Reason { get; init; }
    }

    public enum ControlOperator
    {
        Equals,
        NotEquals,
        /// <summary>Expected is a list; the value must be one of them.</summary>
        In,
        NotIn,
        /// <summary>Expected is [min, max]; numeric, inclusive.</summary>
        Between,
        LessOrEqual,
        GreaterOrEqual,
        /// <summary>Expected is a regular expression.</summary>
        Matches,
        NotMatches,
        /// <summary>Value is absent, an empty string or an empty list.</summary>
        Empty,
        NotEmpty,
    }
}
