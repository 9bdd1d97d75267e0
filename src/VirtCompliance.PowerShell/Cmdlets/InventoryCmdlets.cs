using System.IO;
using System.Management.Automation;
using VirtCompliance.Model;
using VirtCompliance.Common;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Reads an inventory snapshot file.</para>
    /// <para type="description">Import-VirtInventory reads a VirtCompliance snapshot (JSON, schemaVersion 1) and returns the inventory it describes: datacenters, clusters with their DRS rules, hosts with their security configuration, networks, switches, datastores and VMs. The Sha256 property is the SHA-256 of the file, which identifies the evidence. A malformed, truncated or wrong-version file stops the command with an error that names the file, line and problem.</para>
    /// </summary>
    /// <example>
    ///   <code>$inv = Import-VirtInventory -Path (Join-Path (Get-Module VirtCompliance).ModuleBase 'samples/pci-lab.json')</code>
    ///   <para>Reads the bundled sample lab and keeps it for analysis.</para>
    /// </example>
    /// <example>
    ///   <code>Get-ChildItem ./snapshots/*.json | Import-VirtInventory | Select-Object Source, CollectedAt, Sha256</code>
    ///   <para>Reads several snapshots from the pipeline and lists where and when each was collected.</para>
    /// </example>
    [Cmdlet(VerbsData.Import, "VirtInventory")]
    [OutputType(typeof(Inv))]
    public sealed class ImportVirtInventoryCommand : VirtCmdletBase
    {
        /// <summary><para type="description">The snapshot file to read. Accepts file objects from Get-ChildItem on the pipeline.</para></summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        protected override void ProcessRecord()
        {
            var path = ResolveFilePath(Path);
            if (!File.Exists(path))
            {
                ThrowTerminatingError(new ErrorRecord(new FileNotFoundException($"The snapshot file '{path}' does not exist.", path),
                    "SnapshotNotFound", ErrorCategory.ObjectNotFound, path));
            }
            WriteVerbose($"Reading snapshot {path}");
            try
            {
                WriteObject(InventorySnapshot.Read(path));
            }
            catch (DataFileException ex)
            {
                ThrowDataFileError(ex, "InvalidSnapshot");
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
