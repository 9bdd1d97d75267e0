using System;
using System.Collections.Generic;
using VirtCompliance.Controls;
using VirtCompliance.Common;

namespace VirtCompliance
{
    /// <summary>A control as a user lists it: the definition with the expectation a baseline gives it.</summary>
    public sealed record ComplianceControl
    {
        public string Id { get; init; } = "";
        public string Title { get; init; } = "";
        public string? Description { get; init; }
        public ControlScope Scope { get; init; }
        public string Fact { get; init; } = "";
        /// <summary>"= false", "between 1 and 900", or "cluster majority" for peer controls.</summary>
        public string? Expected { get; init; }
        public Severity Severity { get; init; }
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
        /// <summary>For a template control: what its parameter names (package, service).</summary>
        public string? Parameter { get; init; }
        /// <summary>The baseline this expectation comes from; null for the catalog's own recommendation.</summary>
        public string? Baseline { get; init; }

        public static ComplianceControl From(ControlDefinition d) => new ComplianceControl
        {
            Id = d.Id,
            Title = d.Title,
            Description = d.Description,
            Scope = d.Scope,
            Fact = d.Fact,
            Expected = d.Operator == ControlOperator.Empty || d.Operator == ControlOperator.NotEmpty || d.Expected != null
                ? Expectation.Create(d.Operator, FactValue.FromJson(d.Expected)).Text : null,
            Severity = d.Severity,
            PciDss = d.PciDss,
            Scg = d.Scg,
            Stig = d.Stig,
            Vsphere8Stig = d.Vsphere8Stig,
            Remediation = d.Remediation,
            Parameter = d.Parameter,
        };

        public static ComplianceControl From(EffectiveControl c, string? baseline) => From(c.Definition) with
        {
            Id = c.Id,
            Title = c.Title,
            Fact = c.Fact,
            // A control that is not a peer control was built with its expectation (Baseline.Parse).
            Expected = c.Peer ? "cluster majority" : c.Expectation!.Text,
            Severity = c.Severity,
            Baseline = baseline,
        };
    }
}
