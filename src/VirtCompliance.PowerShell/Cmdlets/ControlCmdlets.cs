using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Common;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Model;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Lists the security controls VirtCompliance can check.</para>
    /// <para type="description">Get-ComplianceControl lists the built-in control catalog: each control's id (the vSphere Security Configuration Guide id where one exists, vc.* otherwise), title, the fact it reads, the recommended value, severity, PCI DSS 4.0.1 requirements, SCG and STIG ids, and remediation. With -Baseline it lists the controls of that baseline with the baseline's expected values. Template controls (vc.package-installed, vc.service-running) take a parameter: the package or service a baseline requires, such as an IDS or monitoring agent.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-ComplianceControl</code>
    ///   <para>Lists the whole catalog.</para>
    /// </example>
    /// <example>
    ///   <code>Get-ComplianceControl -Id esx-9.ssh, 'esx-9.log-*' | Format-List</code>
    ///   <para>Shows everything about the SSH control and every log control.</para>
    /// </example>
    /// <example>
    ///   <code>Get-ComplianceControl -Baseline pci-dss | Where-Object PciDss -contains '10.3.3'</code>
    ///   <para>The controls of the pci-dss baseline that serve PCI DSS requirement 10.3.3.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "ComplianceControl")]
    [OutputType(typeof(ComplianceControl))]
    public sealed class GetComplianceControlCommand : VirtCmdletBase
    {
        /// <summary><para type="description">Control ids to list; wildcards allowed. An id without wildcards that matches nothing is an error.</para></summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("ControlId")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ControlIdCompleter))]
        public string[]? Id { get; set; }

        /// <summary><para type="description">A built-in baseline name (pci-dss, scg, stig), a baseline file or a baseline object (Get-ComplianceBaseline, New-ComplianceBaseline): list its controls with its expected values.</para></summary>
        [Parameter]
        [ArgumentCompleter(typeof(BaselineCompleter))]
        public object? Baseline { get; set; }

        protected override void ProcessRecord()
        {
            IEnumerable<ComplianceControl> controls;
            if (Baseline != null)
            {
                var baseline = LoadBaseline(Baseline);
                controls = baseline.Controls.Select(c => ComplianceControl.From(c, baseline.Name));
            }
            else
            {
                controls = ControlCatalog.BuiltIn.Controls.Select(ComplianceControl.From);
            }
            var all = controls.ToArray();
            if (Id == null || Id.Length == 0)
            {
                WriteObject(all, true);
                return;
            }
            foreach (var pattern in Id)
            {
                // NameFilter.Create gives null only for no patterns; here there is one.
                var match = NameFilter.Create(new[] { pattern })!;
                var found = all.Where(c => match(c.Id)).ToArray();
                if (found.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException($"No control has the id '{pattern}'. Get-ComplianceControl lists the known ids."),
                        "ControlNotFound", ErrorCategory.ObjectNotFound, pattern));
                }
                WriteObject(found, true);
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Lists baselines: which controls are checked, with which expected values.</para>
    /// <para type="description">Get-ComplianceBaseline lists the built-in baselines (pci-dss, scg, stig) or reads baseline files. A baseline file is JSON (module/schemas/baseline.schema.json): a name, a list of control ids with optional expected values, operators, severities or "peer": true, and optionally customControls of its own. A file with an unknown control id or a malformed value stops the command with an error naming the file and line.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-ComplianceBaseline</code>
    ///   <para>Lists the built-in baselines.</para>
    /// </example>
    /// <example>
    ///   <code>Get-ComplianceBaseline -Path (Join-Path (Get-Module VirtCompliance).ModuleBase 'samples/pci-lab.baseline.json') | Select-Object -ExpandProperty Controls</code>
    ///   <para>Checks a baseline file and lists the controls it selects.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "ComplianceBaseline", DefaultParameterSetName = "Name")]
    [OutputType(typeof(Baseline))]
    public sealed class GetComplianceBaselineCommand : VirtCmdletBase
    {
        /// <summary><para type="description">Built-in baseline names; wildcards allowed. Default: all.</para></summary>
        [Parameter(Position = 0, ParameterSetName = "Name")]
        [SupportsWildcards]
        public string[]? Name { get; set; }

        /// <summary><para type="description">Baseline files to read.</para></summary>
        [Parameter(Mandatory = true, ParameterSetName = "Path", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        // Mandatory in the Path set, the only one that reads it: PowerShell sets it before ProcessRecord.
        public string[] Path { get; set; } = null!;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == "Path")
            {
                foreach (var p in Path) WriteObject(LoadBaseline(ResolveFilePath(p)));
                return;
            }
            var match = NameFilter.Create(Name);
            foreach (var name in VirtCompliance.Controls.Baseline.BuiltInNames)
            {
                if (match == null || match(name)) WriteObject(LoadBaseline(name));
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Builds a baseline from one host's current configuration.</para>
    /// <para type="description">New-ComplianceBaseline takes a reference host ("every host should look like this one") and writes a baseline in which each catalog control expects exactly the reference host's value, every package installed on it is required (vc.package-installed) and every service running on it must run (vc.service-running). Review the file before using it: it encodes the reference host's weaknesses as well as its strengths. The file is written atomically; use it with Get-HostControlDrift -Baseline.</para>
    /// </summary>
    /// <example>
    ///   <code>New-ComplianceBaseline -Inventory $inv -ReferenceHost esx-pay-01.lab.local -Name payments-gold -Path ./payments-gold.baseline.json</code>
    ///   <para>Captures esx-pay-01 as the standard for its peers and writes it to a file.</para>
    /// </example>
    /// <example>
    ///   <code>New-ComplianceBaseline -Inventory $inv -ReferenceHost esx-pay-01 -Name gold -Path ./gold.json | Out-Null; Get-HostControlDrift -Inventory $inv -Baseline ./gold.json -Cluster Payments</code>
    ///   <para>Compares the whole Payments cluster with its reference host.</para>
    /// </example>
    [Cmdlet(VerbsCommon.New, "ComplianceBaseline", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(Baseline))]
    public sealed class NewComplianceBaselineCommand : InventoryAnalysisCmdlet
    {
        /// <summary><para type="description">Name, short name (before the first dot) or id of the host whose values become the baseline.</para></summary>
        [Parameter(Mandatory = true, Position = 0)]
        [Alias("Host", "VMHost")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VmHostNameCompleter))]
        public string ReferenceHost { get; set; } = null!;

        /// <summary><para type="description">The baseline's name.</para></summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = null!;

        /// <summary><para type="description">Where to write the baseline file (JSON). Without it the baseline is only returned.</para></summary>
        [Parameter]
        public string? Path { get; set; }

        /// <summary><para type="description">Only these catalog control ids (wildcards allowed).</para></summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ControlIdCompleter))]
        public string[]? ControlId { get; set; }

        protected override void ProcessInventory()
        {
            var inventory = RequireInventory();
            var host = inventory.GetHost(ReferenceHost)
                ?? inventory.Hosts.FirstOrDefault(h => string.Equals(h.Name, ReferenceHost, StringComparison.OrdinalIgnoreCase));
            if (host == null)
            {
                // A host without a name (the server gave none) matches no short name.
                var byShortName = inventory.Hosts.Where(h => h.Name != null && string.Equals(h.Name.Split('.')[0], ReferenceHost, StringComparison.OrdinalIgnoreCase)).ToArray();
                if (byShortName.Length > 1)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{ReferenceHost}' matches several hosts ({string.Join(", ", byShortName.Select(h => h.Name))}); give the full name."),
                        "AmbiguousHost", ErrorCategory.InvalidArgument, ReferenceHost));
                host = byShortName.FirstOrDefault();
            }
            if (host == null)
            {
                ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"The inventory has no host named '{ReferenceHost}'."),
                    "HostNotFound", ErrorCategory.ObjectNotFound, ReferenceHost));
                return;
            }
            var notes = new List<string>();
            var document = BaselineBuilder.FromHost(inventory, host, Name, NameFilter.Create(ControlId), notes);
            foreach (var note in notes) WriteVerbose(note);
            var bytes = AtomicFile.Utf8NoBom.GetBytes(document.ToString(Newtonsoft.Json.Formatting.Indented).Replace("\r\n", "\n") + "\n");
            string source = "(not saved)";
            if (Path != null)
            {
                var path = ResolveFilePath(Path);
                if (!ShouldProcess(path, $"Write baseline '{Name}' from host {host.Name}")) return;
                try
                {
                    AtomicFile.WriteAllBytes(path, bytes);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, "BaselineWriteFailed", ErrorCategory.WriteError, path));
                }
                source = path;
            }
            try
            {
                WriteObject(VirtCompliance.Controls.Baseline.Parse(new MemoryStream(bytes), Name, source));
            }
            catch (DataFileException ex)
            {
                ThrowDataFileError(ex, "InvalidBaseline");
            }
        }
    }
}
