using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Assessments;
using VirtCompliance.Reporting;
using VirtCompliance.Scope;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Writes an evidence bundle: the inventory snapshot, every result set and a manifest of SHA-256 hashes.</para>
    /// <para type="description">Save-ComplianceEvidence runs the analyses on the inventory (a snapshot, or collected from -Server or the default connection) and writes, into a new or empty folder: inventory.json (the canonical snapshot), host-control-drift.json (against -Baseline, default pci-dss), network-control-drift.json, host-control-drift-peer.json, vm-migration-exposure.json (peer), pci-scope.json, pci-separation.json (-Interpretation, default Strict; VM scope from -ScopeTagCategory, -ScopeAttribute and -ScopeMap, as Test-PciSeparation reads it), firewall-policy-status.json when -Policy is given, with -Waiver the waiver file as it was read (waivers.yaml or waivers.json) and waiver-status.json (each waiver's state on the assessment date and what it covered; a waiver that covered nothing is Unused), the reports report.html, report.sarif and report.junit.xml (drift against the baseline, network drift, exposure, separation and firewall enforcement; see Export-ComplianceReport), and manifest.json with the module version, the source, collection and creation times, the inventory's SHA-256, and the SHA-256, size and record count of every file. The bundle is written into a temporary folder and renamed into place: it is either complete or absent. Test-ComplianceEvidence verifies it.</para>
    /// </summary>
    /// <example>
    ///   <code>Save-ComplianceEvidence -Inventory (Import-VirtInventory ./today.json) -Path ./evidence/2026-11-27</code>
    ///   <para>A bundle for the auditor from a snapshot.</para>
    /// </example>
    /// <example>
    ///   <code>Save-ComplianceEvidence -Path "/srv/evidence/$(Get-Date -Format yyyy-MM-dd)" -Interpretation HypervisorIsolation -Policy ./cde.policy.yaml -Confirm:$false</code>
    ///   <para>A nightly bundle from the default server, with the firewall policy's enforcement.</para>
    /// </example>
    /// <example>
    ///   <code>Save-ComplianceEvidence -Inventory $inv -Path ./evidence/2026-11-27 -Waiver ./waivers.yaml -Confirm:$false</code>
    ///   <para>A bundle in which the accepted risks are Waived, with the waiver file and each waiver's state filed beside the results.</para>
    /// </example>
    [Cmdlet(VerbsData.Save, "ComplianceEvidence", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(EvidenceFile))]
    public sealed class SaveComplianceEvidenceCommand : WaivedScopedAnalysisCmdlet
    {
        /// <summary><para type="description">The folder to create (or an empty one).</para></summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary><para type="description">The baseline for host-control-drift.json and the separation rules: a built-in name or a file. Default: pci-dss.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Baseline { get; set; } = "pci-dss";

        /// <summary><para type="description">The reading of PCI DSS 2.2.3 for pci-separation.json: Strict (default) or HypervisorIsolation.</para></summary>
        [Parameter]
        public PciInterpretation Interpretation { get; set; } = PciInterpretation.Strict;

        /// <summary><para type="description">A firewall policy whose enforcement to record (firewall-policy-status.json).</para></summary>
        [Parameter]
        public object? Policy { get; set; }

        protected override string? WhyNotFromPowerCli() =>
            Policy != null ? FirewallPolicyCmdlet.PortStateNotInPowerCli(MyInvocation.MyCommand.Name + " -Policy") : null;

        protected override void ProcessInventory()
        {
            var target = ResolveFilePath(Path);
            var inventory = RequireInventory();
            var options = WithWaivers(new AssessmentOptions
            {
                Baseline = LoadBaseline(Baseline),
                Interpretation = Interpretation,
                ScopeSources = ScopeSources(),
                Policy = Policy == null ? null : InvokeVmFirewallPolicyCommand.LoadPolicy(this, Policy),
            });
            if (!ShouldProcess(target, $"Write an evidence bundle ({Assessment.EvidenceFileCount(options)} files) for inventory {inventory.Source}")) return;
            try
            {
                WriteObject(Assessment.Evidence(inventory, options, target, typeof(SaveComplianceEvidenceCommand).Assembly.GetName().Version.ToString(), WriteWarning), true);
            }
            catch (IOException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "EvidenceNotWritten", ErrorCategory.WriteError, target));
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Verifies an evidence bundle: every file against the SHA-256 in its manifest.</para>
    /// <para type="description">Test-ComplianceEvidence recomputes the SHA-256 of every file the manifest of a bundle lists and writes one VirtCompliance.Reporting.EvidenceCheck per file: Ok, Changed (a single changed byte is enough), Missing, or Unlisted (a file the manifest does not name); ManifestInvalid when the manifest cannot be read. -Quiet writes only $true when every file is Ok and nothing is unlisted.</para>
    /// </summary>
    /// <example>
    ///   <code>Test-ComplianceEvidence -Path ./evidence/2026-11-27</code>
    ///   <para>Every file of the bundle and whether it is as written.</para>
    /// </example>
    /// <example>
    ///   <code>if (-not (Test-ComplianceEvidence ./evidence/2026-11-27 -Quiet)) { throw 'The evidence was altered.' }</code>
    ///   <para>A check before handing the bundle to an assessor.</para>
    /// </example>
    [Cmdlet(VerbsDiagnostic.Test, "ComplianceEvidence", DefaultParameterSetName = "Checks")]
    [OutputType(typeof(EvidenceCheck), ParameterSetName = new[] { "Checks" })]
    [OutputType(typeof(bool), ParameterSetName = new[] { "Quiet" })]
    public sealed class TestComplianceEvidenceCommand : VirtCmdletBase
    {
        /// <summary><para type="description">The bundle folder. Accepts pipeline input by property name (FullName).</para></summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary><para type="description">Write only $true when the bundle is intact, else $false.</para></summary>
        [Parameter(ParameterSetName = "Quiet", Mandatory = true)]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            var folder = ResolveFilePath(Path);
            if (!Directory.Exists(folder))
            {
                WriteError(new ErrorRecord(new DirectoryNotFoundException($"No evidence bundle at '{folder}'."), "EvidenceNotFound", ErrorCategory.ObjectNotFound, folder));
                if (Quiet) WriteObject(false);
                return;
            }
            var checks = EvidenceVerifier.Verify(folder).ToList();
            // A bundle with nothing checked is not intact: a gate that checked nothing does not pass.
            if (Quiet) WriteObject(checks.Count > 0 && checks.All(c => c.Status == EvidenceStatus.Ok));
            else WriteObject(checks, true);
        }
    }
}
