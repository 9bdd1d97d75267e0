using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using VirtCompliance.Assessments;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Common;
using VirtCompliance.Pci;
using VirtCompliance.Reporting;
using Inv = VirtCompliance.Model.Inventory;
using VirtCompliance.Scope;

namespace VirtCompliance.Bench
{
    /// <summary>
    /// Export-ComplianceReport's work on one size's whole result set (drift against pci-dss, peer
    /// exposure, Strict separation): the items built, each format written to a file the way the cmdlet
    /// writes it (temporary name, then rename). The baseline is the JSON export of the same items in
    /// the same run: JSON is the plainest serialisation of the records, so the ratio says what the
    /// page's layout costs on top.
    /// </summary>
    public static class ReportBench
    {
        public sealed class Result
        {
            public int Items { get; set; }
            public double HtmlMs { get; set; }
            public long HtmlBytes { get; set; }
            public long HtmlAllocatedBytes { get; set; }
            public double JsonMs { get; set; }
            public long JsonBytes { get; set; }
            public double SarifMs { get; set; }
            public long SarifBytes { get; set; }
            /// <summary>SARIF of the first 100,000 results (the target's size); 0 when the set is smaller.</summary>
            public double Sarif100kMs { get; set; }
        }

        public static Result Measure(Inv inventory)
        {
            var results = Assessment.Drift(inventory, new AssessmentOptions()).Hosts.Cast<object>()
                .Concat(Assessment.Exposure(inventory, new AssessmentOptions { Peer = true }).Exposures)
                .Concat(Assessment.Separation(inventory, new AssessmentOptions()).Findings)
                .ToList();
            var folder = Path.Combine(Path.GetTempPath(), "vc-report-bench-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                var result = new Result();
                // Timed from the result records, as the cmdlet receives them, to the file on disk.
                (double ms, long bytes, long allocated) Time(ReportFormat format, List<object>? only = null)
                {
                    var set = only ?? results;
                    var path = Path.Combine(folder, "report." + format.ToString().ToLowerInvariant());
                    Write(format, set, inventory, path);
                    var best = double.MaxValue;
                    long allocated = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
                        var before = GC.GetAllocatedBytesForCurrentThread();
                        var clock = Stopwatch.StartNew();
                        var items = Write(format, set, inventory, path);
                        if (only == null) result.Items = items;
                        best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
                        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    }
                    return (best, new FileInfo(path).Length, allocated);
                }
                (result.HtmlMs, result.HtmlBytes, result.HtmlAllocatedBytes) = Time(ReportFormat.Html);
                (result.JsonMs, result.JsonBytes, _) = Time(ReportFormat.Json);
                (result.SarifMs, result.SarifBytes, _) = Time(ReportFormat.Sarif);
                if (results.Count >= 100_000) result.Sarif100kMs = Time(ReportFormat.Sarif, results.Take(100_000).ToList()).ms;
                return result;
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        private static int Write(ReportFormat format, List<object> results, Inv inventory, string path)
        {
            var items = results.Select(ReportItems.From).ToList();
            var context = ReportContext.For(inventory, "Bench report", "0.0.0");
            // As Export-ComplianceReport writes: streamed to a temporary name, then renamed.
            AtomicFile.Write(path, stream => ReportWriter.Write(format, items, context, stream));
            return items.Count;
        }
    }
}
