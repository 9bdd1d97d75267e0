using System.Management.Automation;

namespace VirtCompliance.PowerShell.Cmdlets
{
    internal static class ProgressRecords
    {
        /// <summary>
        /// The record that takes a shown progress bar down: a new one, since the shown record may be written
        /// again, and whoever keeps the records written (PowerShell.Streams.Progress, a remote host) holds that
        /// same object.
        /// </summary>
        public static ProgressRecord Completed(ProgressRecord shown) => new ProgressRecord(shown.ActivityId, shown.Activity, shown.StatusDescription)
        {
            ParentActivityId = shown.ParentActivityId,
            RecordType = ProgressRecordType.Completed,
        };
    }
}
