using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using VirtCompliance.Assessments;
using VirtCompliance.Controls;
using VirtCompliance.Model;
using VirtCompliance.Reporting;

namespace VirtCompliance.Bench
{
    /// <summary>
    /// The nightly job's work at 100k VMs / 500 hosts, from the snapshot file to a verified bundle, in a process of
    /// its own: first the job's path (import, the bundle as Save-ComplianceEvidence writes it with every analysis,
    /// its verification) and its peak working set (Linux: VmHWM); then, on the same inventory, each analysis and
    /// report of the bundle timed alone (drift with the passes; peer drift; exposure; separation; firewall status;
    /// the bundle's three reports), to show where the bundle's time goes. One run: the job runs once a night, cold. With the
    /// environment variable VC_NIGHT_KEEP set, the bundle's folder is left in the temp folder to look at.
    /// </summary>
    public static class NightBench
    {
        public static int Run(int vms = 100_000, int hosts = 500)
        {
            Console.WriteLine($"== the night, {vms:N0} VMs / {hosts} hosts: snapshot file to verified bundle");
            var folder = Path.Combine(Path.GetTempPath(), "vc-night-bench-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(folder);
            try
            {
                var snapshot = Path.Combine(folder, "inventory.json");
                InventorySnapshot.Write(SyntheticInventory.Generate(vms, hosts).Inventory, snapshot);
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                // The generator's peak is not the job's.
                ResetPeak();
                var phases = new List<(string name, double ms)>();
                T Phase<T>(string name, Func<T> work)
                {
                    var clock = Stopwatch.StartNew();
                    var result = work();
                    phases.Add((name, clock.Elapsed.TotalMilliseconds));
                    return result;
                }

                // The job's path first, so that its peak is its own: the phases below keep results alive that the job does not.
                var inventory = Phase("import the snapshot", () => InventorySnapshot.Read(snapshot));
                var baseline = Baseline.Load("pci-dss");
                var options = new AssessmentOptions { Baseline = baseline, Policy = FirewallBench.Policy() };
                var bundle = Path.Combine(folder, "bundle");
                var written = Phase("the bundle (Save-ComplianceEvidence: every analysis, the reports, the files)", () => Assessment.Evidence(inventory, options, bundle, "bench"));
                Console.WriteLine($"   the bundle's files: {string.Join(", ", written.Select(f => $"{f.Name} {f.Bytes / 1048576.0:N1} MB"))}");
                var checks = Phase("verify the bundle (Test-ComplianceEvidence)", () => EvidenceVerifier.Verify(bundle));
                if (checks.Any(c => c.Status != EvidenceStatus.Ok && c.Status != EvidenceStatus.Unsigned))
                    throw new InvalidOperationException("the bundle does not verify: " + string.Join("; ", checks.Where(c => c.Status != EvidenceStatus.Ok).Select(c => $"{c.File} {c.Status}")));

                var jobPeak = PeakMb();
                ResetPeak();
                var drift = Phase("drift, pci-dss with the passes", () => Assessment.Drift(inventory, options with { IncludePass = true }));
                Phase("drift, peer", () => Assessment.Drift(inventory, options with { Baseline = null, Peer = true, Objects = new[] { ControlScope.Host } }));
                var exposure = Phase("exposure", () => Assessment.Exposure(inventory, options with { Baseline = null, Peer = true }));
                var separation = Phase("separation", () => Assessment.Separation(inventory, options));
                Phase("firewall status", () => Assessment.FirewallStatus(inventory, options));
                // As the bundle reports them: HTML and SARIF what needs attention, JUnit every evaluated control.
                var every = ReportItems.EveryEvaluated(drift.Hosts.Cast<object>().Concat(drift.Networks).Concat(drift.Vms).Concat(drift.Estate).Concat(exposure.Exposures).Concat(separation.Findings));
                var attention = every.Where(i => i.Outcome != ReportOutcome.Pass).ToList();
                Console.WriteLine($"   results: {drift.Hosts.Count:N0} host, {drift.Networks.Count:N0} network, {drift.Vms.Count:N0} VM and {drift.Estate.Count:N0} vCenter control results (passes included), " +
                                  $"{exposure.Exposures.Count:N0} exposures, {separation.Findings.Count:N0} separation findings; {attention.Count:N0} need attention");
                foreach (var g in attention.GroupBy(i => i.Category)) Console.WriteLine($"     {g.Key}: {g.Count():N0}");
                var context = ReportContext.For(inventory, "night", "bench");
                foreach (var (name, format) in Assessment.EvidenceReports)
                {
                    var items = format == ReportFormat.JUnit ? every : attention;
                    Phase($"{name} ({items.Count:N0} items)", () =>
                    {
                        using (var file = File.Create(Path.Combine(folder, name))) ReportWriter.Write(format, items, context, file);
                        return 0;
                    });
                }
                foreach (var (name, ms) in phases) Console.WriteLine($"   {name,-78} {ms,8:N0} ms");
                var job = phases.Where(p => p.name.StartsWith("import", StringComparison.Ordinal) || p.name.StartsWith("the bundle", StringComparison.Ordinal) || p.name.StartsWith("verify", StringComparison.Ordinal)).Sum(p => p.ms);
                Console.WriteLine($"   the job's path (import + bundle + verify): {job:N0} ms; peak working set {jobPeak:N0} MB (the phases after it: {PeakMb():N0} MB)");
                return 0;
            }
            finally
            {
                if (Environment.GetEnvironmentVariable("VC_NIGHT_KEEP") == null) Directory.Delete(folder, recursive: true);
            }
        }

        // Linux: writing 5 to clear_refs resets the peak resident set (VmHWM) to the current one.
        private static void ResetPeak()
        {
            if (File.Exists("/proc/self/clear_refs")) File.WriteAllText("/proc/self/clear_refs", "5");
        }

        private static double PeakMb()
        {
            var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
            if (line != null) return long.Parse(line.Substring(6).Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
            return Program.PeakWorkingSet() / 1048576.0;
        }
    }
}
