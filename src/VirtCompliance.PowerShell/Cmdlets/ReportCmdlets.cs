using System;
using System.Linq;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using VirtCompliance.Common;
using VirtCompliance.Reporting;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Writes the results piped in as a report: HTML, JSON, CSV, JUnit, SARIF or Markdown.</para>
    /// <para type="description">Export-ComplianceReport takes the output of Get-HostControlDrift, Get-VmMigrationExposure, Test-PciSeparation, Test-VmFirewallPolicy and Compare-VirtInventory (mixed freely) and writes one file: HTML (one self-contained page with no network resources: a summary by outcome, severity chart as inline SVG, a table by PCI DSS 4.0.1 requirement, and each category's findings with their evidence and remediation, readable printed to PDF), JSON (the items with a summary), CSV (stable columns: Category, Rule, Object, Cluster, Severity, Outcome, PciDss, Message, Evidence, Remediation), JUnit (one testcase per rule and object whatever its outcome: Fail fails, NotEvaluated is skipped with the reason, Waived is skipped with the waiver, Pass passes; pipe drift with -IncludePass so that a control that is fixed turns green instead of disappearing), SARIF 2.1.0 (one result per item with a stable fingerprint, each with a location as GitHub code scanning requires: the snapshot file of -Inventory as the physical location, relative to the current folder when it is inside it (the checkout, in a CI job) or else an absolute file URI, or for an inventory collected live https://its vCenter/; the object, named from its vCenter and cluster down, as a logical location with its kind: host, vm, cluster, vcenter, distributedPortgroup, standardPortgroup, ...) or Markdown. The HTML drift matrix lists every connected host of the clusters the drift results cover when -Inventory is given. -Inventory adds the inventory's source, collection time and SHA-256 to the report. The file is written to a temporary name and renamed, so it is never half-written.</para>
    /// </summary>
    /// <example>
    ///   <code>Test-PciSeparation -Inventory $inv | Export-ComplianceReport -Path ./separation.html -Inventory $inv</code>
    ///   <para>An HTML report of the separation findings for the assessor.</para>
    /// </example>
    /// <example>
    ///   <code>@(Get-HostControlDrift -Inventory $inv; Test-PciSeparation -Inventory $inv) | Export-ComplianceReport -Path ./results.xml -Format JUnit</code>
    ///   <para>Drift and separation as JUnit for a CI system.</para>
    /// </example>
    /// <example>
    ///   <code>Test-PciSeparation -Inventory $inv | Export-ComplianceReport ./separation.sarif -Inventory $inv</code>
    ///   <para>SARIF for a code-scanning view, the format taken from the extension; every result is located in the snapshot file $inv was read from.</para>
    /// </example>
    /// <example>
    ///   <code>Get-HostControlDrift -Inventory $inv -IncludePass | Export-ComplianceReport ./host-controls.xml</code>
    ///   <para>JUnit with a testcase for every host and control, the passes too: a control fixed since the last run shows as passed.</para>
    /// </example>
    [Cmdlet(VerbsData.Export, "ComplianceReport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportComplianceReportCommand : VirtCmdletBase
    {
        /// <summary><para type="description">Result objects; accepts pipeline input.</para></summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [AllowNull]
        public object? InputObject { get; set; }

        /// <summary><para type="description">The file to write.</para></summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary><para type="description">Html, Json, Csv, JUnit, Sarif or Markdown. Without it, the file's extension decides: .json, .csv, .xml (JUnit), .sarif, .md; anything else is Html.</para></summary>
        [Parameter]
        public ReportFormat Format { get; set; } = ReportFormat.Html;

        /// <summary><para type="description">The report's title.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Title { get; set; } = "VirtCompliance report";

        /// <summary><para type="description">The inventory the results came from: its source, collection time and SHA-256 go into the report, and its snapshot file (or vCenter) is every SARIF result's location. With results of several vCenters, give each one's inventory: the report names every source, each result is located in its own, and clusters are named with their vCenter.</para></summary>
        [Parameter]
        public Inv[]? Inventory { get; set; }

        /// <summary><para type="description">The waiver file the results were judged with: the HTML and Markdown reports get a waiver register (each waiver, its state, what it covers among these results, its expiry), and the JSON report the waivers' states.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Waiver { get; set; }

        /// <summary><para type="description">The date the register judges waivers on. Default: the inventory's collection time (-Inventory), else today.</para></summary>
        [Parameter]
        public DateTime? AsOf { get; set; }

        private readonly List<ReportItem> _items = new List<ReportItem>();

        protected override void ProcessRecord()
        {
            var value = InputObject is PSObject ps ? ps.BaseObject : InputObject;
            if (value == null) return;
            try
            {
                _items.Add(ReportItems.From(value));
            }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "NotAResult", ErrorCategory.InvalidType, value));
            }
        }

        /// <summary>The format a file name asks for by its extension.</summary>
        internal static ReportFormat FormatOf(string path)
        {
            switch (System.IO.Path.GetExtension(path).ToLowerInvariant())
            {
                case ".json": return ReportFormat.Json;
                case ".csv": return ReportFormat.Csv;
                case ".xml": return ReportFormat.JUnit;
                case ".sarif": return ReportFormat.Sarif;
                case ".md": case ".markdown": return ReportFormat.Markdown;
                default: return ReportFormat.Html;
            }
        }

        protected override void EndProcessing()
        {
            var target = ResolveFilePath(Path);
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(Format))) Format = FormatOf(target);
            // A CI job runs in its checkout: a snapshot inside it is named by the relative path code scanning resolves against the repository.
            var context = ReportContext.For(Inventory ?? Array.Empty<Inv>(), Title, typeof(ExportComplianceReportCommand).Assembly.GetName().Version.ToString(),
                SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            if (Format == ReportFormat.Sarif && context.ArtifactUri == null && context.ArtifactUris == null)
                WriteWarning($"Without -Inventory the SARIF results cannot name the snapshot file they come from; their location is '{ReportContext.UnknownArtifactUri}'. Give -Inventory for code scanning.");
            if (LoadWaivers(Waiver, null) is Waivers.WaiverFile file)
            {
                var register = new Waivers.WaiverSet(file, AsOfDate(AsOf) ?? context.CollectedAt ?? DateTimeOffset.UtcNow);
                register.CountCovered(_items.Where(i => i.Waiver != null).Select(i => (i.Waiver!.Id, $"{i.Rule} on {i.Object}")));
                context.Waivers = register.Statuses(judgedUse: true);
            }
            if (!ShouldProcess(target, $"Write a {Format} report of {_items.Count} results")) return;
            try
            {
                // Streamed to a temporary file renamed into place: a large report is never held whole, and never seen half-written.
                AtomicFile.Write(target, stream => ReportWriter.Write(Format, _items, context, stream));
            }
            catch (IOException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "ReportNotWritten", ErrorCategory.WriteError, target));
            }
            WriteObject(new FileInfo(target));
        }
    }
}
