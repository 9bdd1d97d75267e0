using System.Linq;
using System.Management.Automation;
using VirtCompliance.Reporting;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Lists what changed between two inventory snapshots.</para>
    /// <para type="description">Compare-VirtInventory writes one VirtCompliance.InventoryChange per difference between a reference inventory (say, yesterday's snapshot) and a difference inventory (today's): hosts added or removed (HostAdded, HostRemoved), host controls that started failing or pass again against the same baseline (ControlFailing, ControlPassing; -Baseline, default pci-dss), VMs added, removed or moved to another host (VmAdded, VmRemoved, VmMoved), and VMs whose PCI scope changed (ScopeChanged). A nightly job can report "new drift since yesterday" from it.</para>
    /// </summary>
    /// <example>
    ///   <code>Compare-VirtInventory -Reference (Import-VirtInventory ./yesterday.json) -Difference (Import-VirtInventory ./today.json)</code>
    ///   <para>Everything that changed overnight.</para>
    /// </example>
    /// <example>
    ///   <code>Compare-VirtInventory -Reference $old -Difference (Get-VirtInventory) | Where-Object Kind -eq ControlFailing</code>
    ///   <para>New drift since the last snapshot, against the live inventory.</para>
    /// </example>
    [Cmdlet(VerbsData.Compare, "VirtInventory")]
    [OutputType(typeof(InventoryChange))]
    public sealed class CompareVirtInventoryCommand : VirtCmdletBase
    {
        /// <summary><para type="description">The earlier inventory.</para></summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public Inv Reference { get; set; } = null!;

        /// <summary><para type="description">The later inventory. Accepts pipeline input.</para></summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Inv Difference { get; set; } = null!;

        /// <summary><para type="description">The baseline both are judged against for ControlFailing / ControlPassing: a built-in name (pci-dss, scg, stig), a baseline file or a baseline object (Get-ComplianceBaseline, New-ComplianceBaseline). Default: pci-dss.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BaselineCompleter))]
        public object Baseline { get; set; } = "pci-dss";

        protected override void ProcessRecord()
        {
            var baseline = LoadBaseline(Baseline);
            WriteObject(VirtCompliance.Assessments.Assessment.Changes(Reference, Difference, new VirtCompliance.Assessments.AssessmentOptions { Baseline = baseline }), true);
        }
    }
}
