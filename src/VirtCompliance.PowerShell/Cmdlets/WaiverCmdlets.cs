using System;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Assessments;
using VirtCompliance.Waivers;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Lists the waivers of a waiver file with their state: Active, ExpiringSoon, Expired, and Unused given an inventory.</para>
    /// <para type="description">Get-ComplianceWaiver reads a waiver file (YAML or JSON; module/schemas/waivers.schema.json) and writes one VirtCompliance.Waivers.WaiverStatus per waiver: its id, state, expiry and days left, the controls and objects it covers, the justification, owner, approver, ticket and compensating control. The state is judged on -AsOf, else the inventory's collection time, else today: Expired once its last day has passed (results it covers fail again), ExpiringSoon within -ExpiringWithinDays (default 30), Active otherwise. With -Inventory, every control of the baseline (default pci-dss) and the CDE separation rules are evaluated, and Matched and Covers say what each waiver covers there; a waiver in force that covers nothing is Unused. A file with any error (unknown control id, no justification, an expiry before its creation, a bad wildcard, a duplicate id) is one error naming the file, line and value.</para>
    /// </summary>
    /// <example>
    ///   <code>Get-ComplianceWaiver ./waivers.yaml</code>
    ///   <para>Each waiver and whether it is in force today.</para>
    /// </example>
    /// <example>
    ///   <code>Get-ComplianceWaiver ./waivers.yaml -Inventory (Import-VirtInventory ./snapshots/vcsa-01.json) | Where-Object State -ne Active</code>
    ///   <para>The waivers to act on: expired, expiring within 30 days, or covering nothing in this inventory.</para>
    /// </example>
    /// <example>
    ///   <code>Get-ComplianceWaiver ./waivers.yaml -AsOf 2026-12-31 -ExpiringWithinDays 60 | Format-List</code>
    ///   <para>How the file will stand at the end of the year, with everything expiring within 60 days of it.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "ComplianceWaiver")]
    [OutputType(typeof(WaiverStatus))]
    public sealed class GetComplianceWaiverCommand : VirtCmdletBase
    {
        /// <summary><para type="description">The waiver file. Accepts pipeline input by property name (FullName, from Get-ChildItem).</para></summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary><para type="description">An inventory to judge the waivers against: each waiver's Matched and Covers, and Unused for one that covers nothing.</para></summary>
        [Parameter]
        public Inv? Inventory { get; set; }

        /// <summary><para type="description">With -Inventory, the baseline its controls are judged against (a built-in name, a file or a baseline object (Get-ComplianceBaseline, New-ComplianceBaseline)). Default: pci-dss.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BaselineCompleter))]
        public object Baseline { get; set; } = "pci-dss";

        /// <summary><para type="description">The date the states are judged on. Default: the inventory's collection time, else today.</para></summary>
        [Parameter]
        public DateTime? AsOf { get; set; }

        /// <summary><para type="description">A waiver that expires within this many days is ExpiringSoon (default 30).</para></summary>
        [Parameter]
        [ValidateRange(0, 3650)]
        public int ExpiringWithinDays { get; set; } = WaiverSet.DefaultWarningDays;

        /// <summary><para type="description">Only waivers in these states.</para></summary>
        [Parameter]
        public WaiverState[]? State { get; set; }

        protected override void ProcessRecord()
        {
            var baseline = LoadBaseline(Baseline);
            var file = LoadWaivers(Path, baseline)!;
            var asOf = AsOfDate(AsOf) ?? Inventory?.CollectedAt ?? DateTimeOffset.UtcNow;
            var statuses = Inventory == null
                ? new WaiverSet(file, asOf, ExpiringWithinDays).Statuses(judgedUse: false)
                : Assessment.WaiverUse(Inventory, new AssessmentOptions { Baseline = baseline, Waivers = file, AsOf = asOf, WaiverWarningDays = ExpiringWithinDays });
            WriteObject(statuses.Where(s => State == null || State.Contains(s.State)), true);
        }
    }
}
