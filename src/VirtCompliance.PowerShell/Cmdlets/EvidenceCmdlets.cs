using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using VirtCompliance.Assessments;
using VirtCompliance.Reporting;
using VirtCompliance.Scope;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Writes an evidence bundle: the inventory snapshot, every result set and a manifest of SHA-256 hashes.</para>
    /// <para type="description">Save-ComplianceEvidence runs the analyses on the inventory (a snapshot, or collected from -Server or the default connection) and writes, into a new or empty folder: inventory.json (the canonical snapshot), host-control-drift.json (against -Baseline, default pci-dss), network-control-drift.json, host-control-drift-peer.json, vm-migration-exposure.json (peer), pci-scope.json, pci-separation.json (-Interpretation, default Strict; VM scope from -ScopeTagCategory, -ScopeAttribute and -ScopeMap, as Test-PciSeparation reads it), firewall-policy-status.json when -Policy is given, with -Waiver the waiver file as it was read (waivers.yaml or waivers.json) and waiver-status.json (each waiver's state on the assessment date and what it covered; a waiver that covered nothing is Unused), the reports report.html, report.sarif and report.junit.xml (drift against the baseline, network drift, exposure, separation and firewall enforcement; see Export-ComplianceReport), and manifest.json with the module version, the source, collection and creation times, the inventory's SHA-256, and the SHA-256, size and record count of every file. The JSON result files hold what did not pass; report.junit.xml has a testcase for every evaluated control, the passes too. With -Certificate the manifest is signed: manifest.json.p7s is a detached CMS (PKCS#7) signature of the manifest's bytes (SHA-256, with the signing time and the signer's certificate, never its private key), so a file changed after signing cannot be passed off by recomputing its hash in the manifest. The bundle is written into a temporary folder and renamed into place: it is either complete or absent. Test-ComplianceEvidence verifies it.</para>
    /// </summary>
    /// <example>
    ///   <code>Save-ComplianceEvidence -Inventory (Import-VirtInventory ./today.json) -Path ./evidence/2026-11-27</code>
    ///   <para>A bundle for the auditor from a snapshot.</para>
    /// </example>
    /// <example>
    ///   <code>Save-ComplianceEvidence -Path "./evidence/$(Get-Date -Format yyyy-MM-dd)" -Interpretation HypervisorIsolation -Policy ./cde.policy.yaml -Confirm:$false</code>
    ///   <para>A nightly bundle from the default server, with the firewall policy's enforcement, in a folder named for the day under ./evidence (which must exist).</para>
    /// </example>
    /// <example>
    ///   <code>Save-ComplianceEvidence -Inventory $inv -Path ./evidence/2026-11-27 -Waiver ./waivers.yaml -Confirm:$false</code>
    ///   <para>A bundle in which the accepted risks are Waived, with the waiver file and each waiver's state filed beside the results.</para>
    /// </example>
    /// <example>
    ///   <code>$signer = Get-PfxCertificate -FilePath ./evidence-signer.pfx
    /// Save-ComplianceEvidence -Inventory $inv -Path ./evidence/2026-11-27-signed -Certificate $signer</code>
    ///   <para>A signed bundle: the certificate comes with its private key from a .pfx file (on Windows also from the certificate store, e.g. Get-Item Cert:\CurrentUser\My\THUMBPRINT).</para>
    /// </example>
    [Cmdlet(VerbsData.Save, "ComplianceEvidence", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(EvidenceFile))]
    public sealed class SaveComplianceEvidenceCommand : WaivedScopedAnalysisCmdlet
    {
        /// <summary><para type="description">The folder to create (or an empty one).</para></summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary><para type="description">The baseline for host-control-drift.json and the separation rules: a built-in name, a file or a baseline object (Get-ComplianceBaseline, New-ComplianceBaseline). Default: pci-dss.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BaselineCompleter))]
        public object Baseline { get; set; } = "pci-dss";

        /// <summary><para type="description">The reading of PCI DSS 2.2.3 for pci-separation.json: Strict (default) or HypervisorIsolation.</para></summary>
        [Parameter]
        public PciInterpretation Interpretation { get; set; } = PciInterpretation.Strict;

        /// <summary><para type="description">A firewall policy whose enforcement to record (firewall-policy-status.json).</para></summary>
        [Parameter]
        public object? Policy { get; set; }

        /// <summary><para type="description">Sign the manifest with this certificate, which must have its private key (Get-PfxCertificate of a .pfx, or a certificate store entry with its key): manifest.json.p7s, a detached CMS signature. The key is used, never written.</para></summary>
        [Parameter]
        [ValidateNotNull]
        public X509Certificate2? Certificate { get; set; }

        protected override void BeginProcessing()
        {
            // A certificate that cannot sign is unusable input: refused before any inventory is collected or file written.
            if (Certificate != null)
            {
                try
                {
                    EvidenceSignature.CheckCanSign(Certificate);
                }
                catch (ArgumentException ex)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, Certificate.HasPrivateKey ? "CertificateCannotSign" : "CertificateWithoutPrivateKey", ErrorCategory.InvalidArgument, Certificate));
                }
            }
            base.BeginProcessing();
        }

        // A bundle is the evidence of one vCenter: with several connected, -Server says which (one bundle each).
        protected override bool OneServerOnly => true;

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
            var signed = Certificate == null ? "" : $", signed by {Certificate.Subject}";
            if (!ShouldProcess(target, $"Write an evidence bundle ({Assessment.EvidenceFileCount(options, Certificate != null)} files{signed}) for inventory {inventory.Source}")) return;
            try
            {
                WriteObject(Assessment.Evidence(inventory, options, target, typeof(SaveComplianceEvidenceCommand).Assembly.GetName().Version.ToString(), WriteWarning, Certificate), true);
                if (Certificate != null) WriteVerbose($"Signed {System.IO.Path.Combine(target, EvidenceBundle.ManifestName)} with {Certificate.Subject} (thumbprint {Certificate.Thumbprint}): {EvidenceSignature.FileName}.");
            }
            catch (IOException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "EvidenceNotWritten", ErrorCategory.WriteError, target));
            }
            catch (CryptographicException ex)
            {
                // The key could not sign (a smart card removed, a key the platform cannot use): nothing was written.
                ThrowTerminatingError(new ErrorRecord(ex, "EvidenceNotSigned", ErrorCategory.SecurityError, Certificate));
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Verifies an evidence bundle: the manifest's signature and every file against the SHA-256 in the manifest.</para>
    /// <para type="description">Test-ComplianceEvidence checks the manifest's signature first and writes one VirtCompliance.Reporting.EvidenceCheck for it (File manifest.json): Ok with the signer's certificate subject, thumbprint and signing time (Signer, SignerThumbprint, SignedAt), Unsigned (no manifest.json.p7s), Tampered (the signature does not match the manifest: the manifest was changed after signing, a file's hash recomputed in it, say; or the signature file is not a signature) or UntrustedSigner (the signature matches, but the signer is not one given to -TrustedCertificate or -TrustedThumbprint, or with -VerifyChain its certificate is not trusted on this machine); the message names the signer and the one expected. By default the signature is checked as a signature only: it proves the manifest is as its signer wrote it and names the signer, but anyone can sign a bundle with a certificate of their own, so pin the signer you expect. -VerifyChain also asks the platform whether the signer's certificate chains to a root this machine trusts and is valid today, which a bundle kept for years after its certificate expired no longer is: pinning is the check that lasts. Then it recomputes the SHA-256 of every file the manifest lists, one check per file: Ok, Changed (a single changed byte is enough), Missing, or Unlisted (a file the manifest does not name); ManifestInvalid when the manifest cannot be read. -Quiet writes only $true when every check is Ok, an unsigned manifest passing unless a signature is required (-RequireSignature, -TrustedCertificate, -TrustedThumbprint or -VerifyChain).</para>
    /// </summary>
    /// <example>
    ///   <code>Test-ComplianceEvidence -Path ./evidence/2026-11-27</code>
    ///   <para>Every file of the bundle and whether it is as written.</para>
    /// </example>
    /// <example>
    ///   <code>if (-not (Test-ComplianceEvidence ./evidence/2026-11-27 -Quiet)) { throw 'The evidence was altered.' }</code>
    ///   <para>A check before handing the bundle to an assessor.</para>
    /// </example>
    /// <example>
    ///   <code>Test-ComplianceEvidence ./evidence/2026-11-27-signed -TrustedCertificate (Get-PfxCertificate ./evidence-signer.cer) | Where-Object File -eq manifest.json | Format-List Status, Signer, SignerThumbprint, SignedAt, Message</code>
    ///   <para>Who signed the bundle, and whether it is the signer the assessor was given (its public certificate, a .cer file).</para>
    /// </example>
    /// <example>
    ///   <code>Test-ComplianceEvidence ./evidence/2026-11-27-signed -TrustedThumbprint 3B1EFD3A66EA28B16697394703A72CA340A05BD5 -Quiet</code>
    ///   <para>$true only for an intact bundle signed by the certificate of that thumbprint (SHA-1 as the Cert: drive shows it, or SHA-256).</para>
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

        /// <summary><para type="description">An unsigned bundle fails (its manifest.json check is Unsigned, and -Quiet writes $false).</para></summary>
        [Parameter]
        public SwitchParameter RequireSignature { get; set; }

        /// <summary><para type="description">The certificates whose signature is expected (the public certificate is enough: Get-PfxCertificate ./signer.cer). A bundle signed by any other certificate is UntrustedSigner, and an unsigned one fails.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public X509Certificate2[]? TrustedCertificate { get; set; }

        /// <summary><para type="description">The thumbprints of the certificates whose signature is expected: SHA-1 (as the Cert: drive shows it) or SHA-256, in hex; spaces and colons are ignored. A bundle signed by any other certificate is UntrustedSigner, and an unsigned one fails.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? TrustedThumbprint { get; set; }

        /// <summary><para type="description">Also require the signer's certificate to chain to a root this machine trusts, to be valid today and allowed to sign, as the platform checks it; an unsigned bundle fails.</para></summary>
        [Parameter]
        public SwitchParameter VerifyChain { get; set; }

        private EvidenceSignaturePolicy _signature = new EvidenceSignaturePolicy();

        protected override void BeginProcessing()
        {
            var thumbprints = new List<string>();
            foreach (var thumbprint in TrustedThumbprint ?? Array.Empty<string>())
            {
                try
                {
                    thumbprints.Add(EvidenceSignaturePolicy.NormalizeThumbprint(thumbprint));
                }
                catch (ArgumentException ex)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, "InvalidThumbprint", ErrorCategory.InvalidArgument, thumbprint));
                }
            }
            _signature = new EvidenceSignaturePolicy
            {
                Required = RequireSignature,
                TrustedCertificates = TrustedCertificate ?? Array.Empty<X509Certificate2>(),
                TrustedThumbprints = thumbprints,
                VerifyChain = VerifyChain,
            };
        }

        protected override void ProcessRecord()
        {
            var folder = ResolveFilePath(Path);
            if (!Directory.Exists(folder))
            {
                WriteError(new ErrorRecord(new DirectoryNotFoundException($"No evidence bundle at '{folder}'."), "EvidenceNotFound", ErrorCategory.ObjectNotFound, folder));
                if (Quiet) WriteObject(false);
                return;
            }
            var checks = EvidenceVerifier.Verify(folder, _signature);
            if (Quiet) WriteObject(EvidenceVerifier.Passed(checks, _signature));
            else WriteObject(checks, true);
        }
    }
}
