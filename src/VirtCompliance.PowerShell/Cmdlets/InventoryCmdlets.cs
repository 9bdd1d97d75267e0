using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using VirtCompliance.Model;
using VirtCompliance.Common;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Reads inventory snapshot files.</para>
    /// <para type="description">Import-VirtInventory reads VirtCompliance snapshots (JSON, schemaVersion 1) and returns the inventory each describes: datacenters, clusters with their DRS rules, hosts with their security configuration, networks, switches, datastores and VMs. The Sha256 property is the SHA-256 of the file, which identifies the evidence. -Path takes wildcards (./snapshots/*.json); -LiteralPath, and file objects from Get-ChildItem on the pipeline, name files exactly. A malformed, truncated or wrong-version file is an error that names the file, line and problem, and the other files are still read (-ErrorAction Stop stops at the first); a path that names no file is an error too.</para>
    /// </summary>
    /// <example>
    ///   <code>$inv = Import-VirtInventory -Path (Join-Path (Get-Module VirtCompliance).ModuleBase 'samples/pci-lab.json')</code>
    ///   <para>Reads the bundled sample lab and keeps it for analysis.</para>
    /// </example>
    /// <example>
    ///   <code>Get-ChildItem (Join-Path (Get-Module VirtCompliance).ModuleBase 'samples') -Filter *.json | Import-VirtInventory -ErrorAction SilentlyContinue | Select-Object Source, CollectedAt, Sha256</code>
    ///   <para>Reads every snapshot of a folder from the pipeline, passing over the files that are not snapshots, and lists where and when each was collected.</para>
    /// </example>
    /// <example>
    ///   <code>Import-VirtInventory -Path ./snapshots/vcsa-*.json -ErrorVariable bad | Get-HostControlDrift -Baseline scg; $bad | ForEach-Object TargetObject</code>
    ///   <para>Analyses every vCenter snapshot that reads, and then names the files that did not.</para>
    /// </example>
    [Cmdlet(VerbsData.Import, "VirtInventory", DefaultParameterSetName = "Path")]
    [OutputType(typeof(Inv))]
    public sealed class ImportVirtInventoryCommand : VirtCmdletBase
    {
        /// <summary><para type="description">The snapshot files to read (wildcards allowed).</para></summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Path")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        /// <summary><para type="description">The snapshot files to read, exactly as named (no wildcards). Accepts file objects from Get-ChildItem on the pipeline.</para></summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "LiteralPath")]
        [Alias("FullName", "PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = null!;

        protected override void ProcessRecord()
        {
            foreach (var path in Files())
            {
                WriteVerbose($"Reading snapshot {path}");
                try
                {
                    WriteObject(InventorySnapshot.Read(path));
                }
                catch (DataFileException ex)
                {
                    // One bad file is that file's error: the others are still read.
                    WriteError(new ErrorRecord(ex, "InvalidSnapshot", ErrorCategory.InvalidData, path)
                    {
                        ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = "Correct the file at the position given, or collect it again with Get-VirtInventory." },
                    });
                }
                catch (IOException ex)
                {
                    WriteError(new ErrorRecord(ex, "SnapshotNotRead", ErrorCategory.ReadError, path));
                }
            }
        }

        /// <summary>The paths a wildcard matches; none is an empty list, which the caller reports as SnapshotNotFound.</summary>
        private IEnumerable<string> Matching(string pattern)
        {
            try
            {
                return GetResolvedProviderPathFromPSPath(pattern, out _);
            }
            catch (ItemNotFoundException)
            {
                // PowerShell throws when nothing matches; for this command that is "no file", said once by the caller.
                return System.Array.Empty<string>();
            }
        }

        /// <summary>The files the paths name: each wildcard expanded, each literal path as given; a path that names no file is an error.</summary>
        private IEnumerable<string> Files()
        {
            var literal = ParameterSetName == "LiteralPath";
            foreach (var given in literal ? LiteralPath : Path)
            {
                var files = new List<string>();
                if (!literal && WildcardPattern.ContainsWildcardCharacters(given))
                {
                    files.AddRange(Matching(given));
                    files.RemoveAll(f => !File.Exists(f));
                    if (files.Count == 0)
                        WriteError(new ErrorRecord(new FileNotFoundException($"No snapshot file matches '{given}'.", given), "SnapshotNotFound", ErrorCategory.ObjectNotFound, given));
                }
                else
                {
                    var path = ResolveFilePath(given);
                    if (File.Exists(path)) files.Add(path);
                    else WriteError(new ErrorRecord(new FileNotFoundException($"The snapshot file '{path}' does not exist.", path), "SnapshotNotFound", ErrorCategory.ObjectNotFound, path));
                }
                foreach (var f in files) yield return f;
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Writes an inventory to a snapshot file.</para>
    /// <para type="description">Export-VirtInventory writes the inventory as a VirtCompliance snapshot: JSON with schemaVersion, source, collection time and collector, then every object sorted by id, so that two snapshots of the same infrastructure are byte-identical and diff cleanly. The file is written to a temporary name and renamed, so a reader never sees half a file and a failed write leaves any existing file as it was. The command returns the file. Its SHA-256 is the evidence id of the inventory: it equals the inventory's Sha256 for a collected inventory and for one read from a file Export-VirtInventory wrote (a hand-edited file keeps its own hash until it is exported again).</para>
    /// </summary>
    /// <example>
    ///   <code>Import-VirtInventory ./snapshots/vcsa-01.json | Export-VirtInventory -Path ./evidence/vcsa-01-2026-11-27.json</code>
    ///   <para>Writes a copy of the sample in canonical form.</para>
    /// </example>
    /// <example>
    ///   <code>Export-VirtInventory -Inventory $inv -Path ./snapshot.json -NoClobber -WhatIf</code>
    ///   <para>Shows what would be written, refusing to overwrite an existing file.</para>
    /// </example>
    [Cmdlet(VerbsData.Export, "VirtInventory", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportVirtInventoryCommand : VirtCmdletBase
    {
        /// <summary><para type="description">The inventory to write.</para></summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Inv Inventory { get; set; } = null!;

        /// <summary><para type="description">The file to write. Its folder must exist.</para></summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary><para type="description">Do not overwrite an existing file.</para></summary>
        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        protected override void ProcessRecord()
        {
            var path = ResolveFilePath(Path);
            if (NoClobber && File.Exists(path))
            {
                WriteError(new ErrorRecord(new IOException($"The file '{path}' already exists and -NoClobber was given."),
                    "FileExists", ErrorCategory.ResourceExists, path));
                return;
            }
            if (!ShouldProcess(path, $"Write inventory snapshot of '{Inventory.Source}' ({Inventory.Hosts.Count} hosts, {Inventory.Vms.Count} VMs)"))
                return;
            try
            {
                InventorySnapshot.Write(Inventory, path);
            }
            catch (System.Exception ex) when (ex is IOException || ex is System.UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "SnapshotWriteFailed", ErrorCategory.WriteError, path));
                return;
            }
            WriteObject(new FileInfo(path));
        }
    }
}
