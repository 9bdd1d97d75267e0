using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;
using VirtCompliance.Assessments;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Bench
{
    /// <summary>
    /// Times the analysis behind Get-HostControlDrift and Get-VmMigrationExposure on synthetic
    /// inventories of 1k, 10k and 100k VMs, each size in its own child process (so that peak memory
    /// is that size's own), plus snapshot write/read and a naive script-style baseline at 1k VMs.
    /// Prints; asserts nothing.
    /// </summary>
    internal static class Program
    {
        private static readonly (int Vms, int Hosts)[] Sizes = { (1_000, 40), (10_000, 200), (100_000, 500) };
        private const string ResultMarker = "@@RESULT ";
        private const double TargetMs = 2000;
        private static readonly CultureInfo Inv0 = CultureInfo.InvariantCulture;

        private static int Main(string[] args)
        {
            try
            {
                if (args.Length == 3 && args[0] == "--one") return ChildSize(int.Parse(args[1], Inv0), int.Parse(args[2], Inv0));
                if (args.Length == 3 && args[0] == "--naive") return ChildNaive(int.Parse(args[1], Inv0), int.Parse(args[2], Inv0));
                if (args.Length == 5 && args[0] == "--live-collect") return LiveBench.Child(args[1], args[2], int.Parse(args[3], Inv0), args[4]);
                return Parent(args);
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine("VirtCompliance.Bench failed: " + ex);
                return 2;
            }
        }

        // ---- parent ------------------------------------------------------------------------------

        private static int Parent(string[] args)
        {
            var sizes = Sizes.ToList();
            var naive = true;
            var live = true;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--sizes" when i + 1 < args.Length:
                        var wanted = args[++i].Split(',').Select(s => int.Parse(s.Trim().Replace("k", "000"), Inv0)).ToHashSet();
                        sizes = Sizes.Where(s => wanted.Contains(s.Vms)).ToList();
                        break;
                    case "--no-naive": naive = false; break;
                    case "--no-live": live = false; break;
                    case "--live-only": live = true; naive = false; sizes.Clear(); break;
                    case "--repair-only": return RepairBench.Run();
                    case "--snapshot-only": return SnapshotBench.Run();
                    // "--night-only 20000": a smaller estate, to see how a phase grows with it.
                    case "--night-only": return i + 1 < args.Length && int.TryParse(args[i + 1], out var nightVms) ? NightBench.Run(nightVms, Math.Max(16, nightVms / 200)) : NightBench.Run();
                    case "-h": case "--help":
                        Console.WriteLine("usage: VirtCompliance.Bench [--sizes 1000,10000,100000] [--no-naive] [--no-live | --live-only | --repair-only | --snapshot-only | --night-only [VMs]]");
                        return 0;
                    default:
                        Console.Error.WriteLine($"unknown argument '{args[i]}'; try --help");
                        return 2;
                }
            }

            Console.WriteLine($"VirtCompliance.Bench: .NET {Environment.Version}, {RuntimeInformation.OSDescription.Trim()} {RuntimeInformation.ProcessArchitecture}, " +
                              $"{Environment.ProcessorCount} logical cores, {(IsRelease ? "Release" : "DEBUG build - times are not representative")}, " +
                              $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC");
            Console.WriteLine("Each size runs in its own child process. Analysis = what Get-HostControlDrift and Get-VmMigrationExposure");
            Console.WriteLine("compute, both with the pci-dss baseline and with -Peer; time = best of N runs after one warm-up.");
            Console.WriteLine();

            var results = new List<SizeResult>();
            foreach (var (vms, hosts) in sizes)
            {
                Console.WriteLine($"== {vms:N0} VMs / {hosts:N0} hosts");
                var r = RunChild<SizeResult>("--one", vms, hosts);
                if (r != null) results.Add(r);
            }
            NaiveResult naiveResult = null;
            if (naive)
            {
                Console.WriteLine($"== naive script-style baseline, {Sizes[0].Vms:N0} VMs / {Sizes[0].Hosts} hosts");
                naiveResult = RunChild<NaiveResult>("--naive", Sizes[0].Vms, Sizes[0].Hosts);
            }
            Console.WriteLine();
            PrintReport(results, naiveResult);
            // Snapshot files at the largest size, in a process of their own (its memory is the snapshot's alone).
            var snapshotFailed = sizes.Any(s => s.Vms == 100_000) && (RunChildEcho("--snapshot-only") != 0 | RunChildEcho("--night-only") != 0);
            var liveFailed = live && (LiveBench.Run(RunChildText) != 0 | RepairBench.Run() != 0);
            return results.Count == sizes.Count && (!naive || naiveResult != null) && !liveFailed && !snapshotFailed ? 0 : 1;
        }

        /// <summary>Runs this program again with a child mode; a secret goes on its stdin, never its command line. Returns its last output line.</summary>
        private static string RunChildText(string mode, string[] args, string stdin)
        {
            var psi = ChildStartInfo(mode, args);
            psi.RedirectStandardInput = true;
            using (var child = Process.Start(psi))
            {
                child.StandardInput.WriteLine(stdin);
                child.StandardInput.Close();
                var lines = child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                child.WaitForExit();
                if (child.ExitCode != 0 || lines.Length == 0) throw new InvalidOperationException($"child {mode} failed with exit code {child.ExitCode}");
                return lines[lines.Length - 1];
            }
        }

        /// <summary>This program again, in a child mode whose output is printed as it comes; its exit code.</summary>
        private static int RunChildEcho(string mode)
        {
            using (var child = Process.Start(ChildStartInfo(mode, Array.Empty<string>())))
            {
                string line;
                while ((line = child.StandardOutput.ReadLine()) != null) Console.WriteLine(line);
                child.WaitForExit();
                return child.ExitCode;
            }
        }

        /// <summary>This program again, in a child mode, with its standard output read by the parent.</summary>
        private static ProcessStartInfo ChildStartInfo(string mode, IEnumerable<string> args)
        {
            var psi = new ProcessStartInfo(Environment.ProcessPath) { RedirectStandardOutput = true, UseShellExecute = false };
            // Started as "dotnet VirtCompliance.Bench.dll": pass the assembly to the host again.
            if (string.Equals(Path.GetFileNameWithoutExtension(Environment.ProcessPath), "dotnet", StringComparison.OrdinalIgnoreCase))
                psi.ArgumentList.Add(typeof(Program).Assembly.Location);
            psi.ArgumentList.Add(mode);
            foreach (var a in args) psi.ArgumentList.Add(a);
            return psi;
        }

        private static T RunChild<T>(string mode, int vms, int hosts) where T : class
        {
            var psi = ChildStartInfo(mode, new[] { vms.ToString(Inv0), hosts.ToString(Inv0) });
            T result = null;
            var clock = Stopwatch.StartNew();
            using (var child = Process.Start(psi))
            {
                string line;
                while ((line = child.StandardOutput.ReadLine()) != null)
                {
                    if (line.StartsWith(ResultMarker, StringComparison.Ordinal))
                        result = JsonSerializer.Deserialize<T>(line.Substring(ResultMarker.Length));
                    else
                        Console.WriteLine("   " + line);
                }
                child.WaitForExit();
                if (child.ExitCode != 0 || result == null)
                {
                    Console.WriteLine($"   child process failed (exit code {child.ExitCode}); this size is left out.");
                    return null;
                }
            }
            Console.WriteLine($"   (child process: {clock.Elapsed.TotalSeconds:F1} s wall clock)");
            return result;
        }

        private static void PrintReport(List<SizeResult> results, NaiveResult naive)
        {
            if (results.Count > 0)
            {
                var heads = results.Select(r => $"{Short(r.Vms)} VMs/{r.Hosts} h").ToArray();
                const int labelWidth = 40, colWidth = 20;
                void Row(string label, Func<SizeResult, string> cell) =>
                    Console.WriteLine(label.PadRight(labelWidth) + string.Concat(results.Select(r => cell(r).PadLeft(colWidth))));
                void Rule() => Console.WriteLine(new string('-', labelWidth + colWidth * results.Count));

                Console.WriteLine("Analysis time, ms (phases of the best run)".PadRight(labelWidth) + string.Concat(heads.Select(h => h.PadLeft(colWidth))));
                Rule();
                foreach (var phase in results[0].Phases.Keys)
                    Row("  " + phase, r => Ms(r.Phases.TryGetValue(phase, out var v) ? v : double.NaN));
                Row("  TOTAL", r => Ms(r.TotalMs));
                Row("  per VM, microseconds", r => (r.TotalMs * 1000 / r.Vms).ToString("F1", Inv0));
                Row("  runs measured (after 1 warm-up)", r => r.Runs.ToString(Inv0));
                Row("  every measured run, total", r => string.Join(" / ", r.RunTotalsMs.Select(t => t.ToString("F0", Inv0))));
                Row("  warm-up run (first, JIT included)", r => Ms(r.WarmupMs));
                Rule();
                Console.WriteLine("Inventory and results");
                Row("  clusters / hosts", r => $"{r.Clusters} / {r.Hosts}");
                Row("  VMs / networks / datastores", r => $"{Short(r.Vms)} / {r.Networks} / {r.Datastores}");
                Row("  hosts evaluated (connected)", r => r.HostsEvaluated.ToString("N0", Inv0));
                Row("  candidate (VM, target host) pairs", r => r.CandidatePairs.ToString("N0", Inv0));
                Row("  drift records, pci-dss", r => r.DriftPci.ToString("N0", Inv0));
                Row("  drift records, peer", r => r.DriftPeer.ToString("N0", Inv0));
                Row("  exposure records, pci-dss", r => r.ExposurePci.ToString("N0", Inv0));
                Row("  exposure records, peer", r => r.ExposurePeer.ToString("N0", Inv0));
                Row("  warnings (evaluator + rules)", r => r.Warnings.ToString("N0", Inv0));
                Row("  seeded drift all found", r => r.SeededDriftFound ? "yes" : "NO");
                Rule();
                Console.WriteLine("Memory");
                Row("  managed heap holding inventory, MB", r => Mb(r.InventoryHeapBytes));
                Row("  allocated per analysis run, MB", r => Mb(r.AllocatedPerRunBytes));
                Row("  GCs per run (gen0/gen1/gen2)", r => r.GcPerRun);
                Row("  peak working set after analysis, MB", r => Mb(r.PeakWorkingSetAnalysis));
                Row("  peak working set incl. snapshot, MB", r => Mb(r.PeakWorkingSetTotal));
                Rule();
                Console.WriteLine("Snapshot (InventorySnapshot, in memory)");
                Row("  ToBytes, ms", r => Ms(r.SnapshotWriteMs));
                Row("  Read(stream), ms", r => Ms(r.SnapshotReadMs));
                Row("  file size, MB", r => Mb(r.SnapshotBytes));
                Row("  runs measured", r => r.SnapshotRuns.ToString(Inv0));
                Rule();
                Console.WriteLine("Test-PciSeparation, one call per interpretation (each builds its own scope model), and the matrix, ms");
                foreach (var phase in results[0].PciPhases.Keys)
                    Row("  " + phase.Replace("pci: ", ""), r => Ms(r.PciPhases.TryGetValue(phase, out var v) ? v : double.NaN));
                Row("  TOTAL", r => Ms(r.PciTotalMs));
                Row("  per VM, microseconds", r => (r.PciTotalMs * 1000 / r.Vms).ToString("F1", Inv0));
                Row("  every measured run, total", r => string.Join(" / ", r.PciRunTotalsMs.Select(t => t.ToString("F0", Inv0))));
                Row("  every measured run, slower call", r => string.Join(" / ", r.PciSlowestCallMs.Select(t => t.ToString("F0", Inv0))));
                Row("  findings Strict / HypervisorIsolation", r => $"{r.PciFindingsStrict:N0} / {r.PciFindingsIsolation:N0}");
                Rule();
                Console.WriteLine("Firewall policy: compile and plan (Invoke-VmFirewallPolicy -WhatIf's work, best of 3)");
                Row("  compile + plan, ms", r => Ms(r.FirewallCompileMs));
                Row("  protected VMs", r => r.FirewallVms.ToString("N0", Inv0));
                Row("  distinct rulesets / most rules on a port", r => $"{r.FirewallRulesets} / {r.FirewallMaxRules:N0}");
                Rule();
                Console.WriteLine("Export-ComplianceReport: drift (pci-dss) + exposure (peer) + separation (Strict), to a file, best of 3");
                Row("  results in the report", r => r.Report.Items.ToString("N0", Inv0));
                Row("  HTML, ms", r => Ms(r.Report.HtmlMs));
                Row("  HTML file, MB", r => Mb(r.Report.HtmlBytes));
                Row("  HTML allocated per export, MB", r => Mb(r.Report.HtmlAllocatedBytes));
                Row("  JSON (baseline), ms", r => Ms(r.Report.JsonMs));
                Row("  HTML / JSON time, ratio", r => "x" + (r.Report.HtmlMs / r.Report.JsonMs).ToString("F2", Inv0));
                Row("  HTML / JSON size, ratio", r => "x" + ((double)r.Report.HtmlBytes / r.Report.JsonBytes).ToString("F2", Inv0));
                Row("  SARIF, ms / MB", r => $"{Ms(r.Report.SarifMs)} / {Mb(r.Report.SarifBytes)}");
                Row("  SARIF of 100,000 results, ms (target: under 3 s)", r => r.Report.Sarif100kMs > 0 ? Ms(r.Report.Sarif100kMs) : "-");
                Console.WriteLine();

                Console.WriteLine("Scaling of total analysis time (linear in VMs = 10; hosts grow x5 then x2.5):");
                foreach (var (small, big) in new[] { (1_000, 10_000), (10_000, 100_000) })
                {
                    var a = results.FirstOrDefault(r => r.Vms == small);
                    var b = results.FirstOrDefault(r => r.Vms == big);
                    if (a == null || b == null) continue;
                    Console.WriteLine($"  {Short(big)}/{Short(small)}: total x{b.TotalMs / a.TotalMs:F1}   " +
                                      $"(exposure phases x{ExposureMs(b) / ExposureMs(a):F1}, candidate pairs x{(double)b.CandidatePairs / a.CandidatePairs:F1})");
                }
                foreach (var (small, big) in new[] { (1_000, 10_000), (10_000, 100_000) })
                {
                    var a = results.FirstOrDefault(r => r.Vms == small);
                    var b = results.FirstOrDefault(r => r.Vms == big);
                    if (a == null || b == null) continue;
                    Console.WriteLine($"  {Short(big)}/{Short(small)}: Test-PciSeparation x{b.PciTotalMs / a.PciTotalMs:F1}");
                }
                var tenK = results.FirstOrDefault(r => r.Vms == 10_000);
                if (tenK != null)
                    Console.WriteLine($"target: firewall policy compile + plan at 10k VMs < 2 s  ->  {tenK.FirewallCompileMs:N0} ms: {(tenK.FirewallCompileMs < TargetMs ? "holds" : "DOES NOT HOLD")}");
                if (tenK != null)
                    Console.WriteLine($"target: HTML report of the 10k-VM result set < 3 s and < 10 MB  ->  {tenK.Report.HtmlMs:N0} ms, {tenK.Report.HtmlBytes / 1048576.0:F1} MB " +
                                      $"({tenK.Report.Items:N0} results): {(tenK.Report.HtmlMs < 3000 && tenK.Report.HtmlBytes < 10 * 1048576L ? "holds" : "DOES NOT HOLD")}");
                var largest = results.FirstOrDefault(r => r.Vms == 100_000);
                if (largest != null)
                    Console.WriteLine($"target: Test-PciSeparation at 100k VMs < 2 s (each call, either interpretation)  ->  best run's slower call {largest.PciSlowestCallMs.Min():N0} ms: " +
                                      $"{(largest.PciSlowestCallMs.Min() < TargetMs ? "holds" : "DOES NOT HOLD")} ({largest.PciSlowestCallMs.Count(t => t < TargetMs)} of {largest.PciSlowestCallMs.Count} measured runs under 2 s)");
                Console.WriteLine($"target: drift + exposure (pci-dss and peer, four calls) at 100k VMs < 2 s  ->  " + (largest == null ? "not measured (100k size not run)"
                    : $"best run {largest.TotalMs:N0} ms: {(largest.TotalMs < TargetMs ? "holds" : "DOES NOT HOLD")} " +
                      $"({largest.RunTotalsMs.Count(t => t < TargetMs)} of {largest.RunTotalsMs.Count} measured runs under 2 s, slowest {largest.RunTotalsMs.Max():N0} ms)"));
            }
            if (naive != null)
            {
                Console.WriteLine();
                Console.WriteLine($"Naive script-style baseline at {naive.Vms:N0} VMs / {naive.Hosts} hosts (pci-dss exposure: evaluate + domains + exposure):");
                Console.WriteLine($"  naive (per VM, per target host, every control re-read on both hosts): {naive.NaiveMs:N0} ms (best of {naive.NaiveRuns})");
                Console.WriteLine($"  engine (Assessment.Exposure: evaluation, migration domains, exposure):   {naive.EngineMs:N1} ms (best of {naive.EngineRuns})");
                Console.WriteLine($"  speed-up of the engine over the naive loop: x{naive.NaiveMs / naive.EngineMs:N0}; " +
                                  $"same answer: {(naive.NaiveRecords == naive.EngineRecords ? "yes" : "NO")} ({naive.EngineRecords:N0} engine / {naive.NaiveRecords:N0} naive records)");
                Console.WriteLine("  (the naive loop reads memory; a real script pays a server round trip per look-up, so real gains are larger)");
                Console.WriteLine("Test-PciSeparation (every rule, both interpretations, the matrix) against a pairwise loop that only asks,");
                Console.WriteLine("for every CDE VM and every out-of-scope VM, \"same host? same datastore?\":");
                foreach (var row in naive.Separation)
                    Console.WriteLine($"  {Short(row.Vms)} VMs / {row.Hosts} hosts: naive {row.NaiveMs:N0} ms, engine {row.EngineMs:N1} ms, ratio x{row.NaiveMs / row.EngineMs:N1}; " +
                                      $"same mixed hosts and shared datastores: {(row.SameAnswer ? "yes" : "NO")} ({row.MixedHosts} hosts, {row.SharedDatastores} datastores)");
                if (naive.Separation.Count == 2)
                    Console.WriteLine($"  growth for ten times the VMs: naive x{naive.Separation[1].NaiveMs / naive.Separation[0].NaiveMs:N0}, engine x{naive.Separation[1].EngineMs / naive.Separation[0].EngineMs:N1}");
            }
        }

        private static double ExposureMs(SizeResult r) => r.Phases.Where(p => p.Key.StartsWith("exposure", StringComparison.Ordinal)).Sum(p => p.Value);
        private static string Ms(double ms) => double.IsNaN(ms) ? "-" : ms < 10 ? ms.ToString("F2", Inv0) : ms < 100 ? ms.ToString("F1", Inv0) : ms.ToString("N0", Inv0);
        private static string Mb(long bytes) => (bytes / 1048576.0).ToString(bytes < 10 * 1048576L ? "F1" : "N0", Inv0);
        private static string Short(int n) => n >= 1000 && n % 1000 == 0 ? (n / 1000).ToString(Inv0) + "k" : n.ToString(Inv0);

#if DEBUG
        private const bool IsRelease = false;
#else
        private const bool IsRelease = true;
#endif

        // ---- child: one size ---------------------------------------------------------------------

        public sealed class SizeResult
        {
            public int Vms { get; set; }
            public int Hosts { get; set; }
            public int Clusters { get; set; }
            public int Networks { get; set; }
            public int Datastores { get; set; }
            public double GenerateMs { get; set; }
            public Dictionary<string, double> Phases { get; set; } = new Dictionary<string, double>();
            public double TotalMs { get; set; }
            public List<double> RunTotalsMs { get; set; } = new List<double>();
            public double WarmupMs { get; set; }
            public int Runs { get; set; }
            public int HostsEvaluated { get; set; }
            public long CandidatePairs { get; set; }
            public int DriftPci { get; set; }
            public int DriftPeer { get; set; }
            public int ExposurePci { get; set; }
            public int ExposurePeer { get; set; }
            public int Warnings { get; set; }
            public bool SeededDriftFound { get; set; }
            public long InventoryHeapBytes { get; set; }
            public long AllocatedPerRunBytes { get; set; }
            public string GcPerRun { get; set; }
            public long PeakWorkingSetAnalysis { get; set; }
            public long PeakWorkingSetTotal { get; set; }
            public double SnapshotWriteMs { get; set; }
            public double SnapshotReadMs { get; set; }
            public long SnapshotBytes { get; set; }
            public int SnapshotRuns { get; set; }
            public Dictionary<string, double> PciPhases { get; set; } = new Dictionary<string, double>();
            public double PciTotalMs { get; set; }
            public List<double> PciRunTotalsMs { get; set; } = new List<double>();
            public List<double> PciSlowestCallMs { get; set; } = new List<double>();
            public int PciFindingsStrict { get; set; }
            public int PciFindingsIsolation { get; set; }
            public string PciCountsStrict { get; set; }
            public double FirewallCompileMs { get; set; }
            public int FirewallVms { get; set; }
            public int FirewallRulesets { get; set; }
            public int FirewallMaxRules { get; set; }
            public ReportBench.Result Report { get; set; }
        }

        /// <summary>One analysis pass, as the two cmdlets do it for pci-dss and for -Peer.</summary>
        private sealed class Run
        {
            public readonly Dictionary<string, double> Phases = new Dictionary<string, double>();
            public double TotalMs;
            public long Allocated;
            public int Gen0, Gen1, Gen2;
            public IReadOnlyList<HostControlDrift> DriftPci, DriftPeer;
            public IReadOnlyList<VmMigrationExposure> ExposurePci, ExposurePeer;
        }

        private static Run Analyze(Inv inventory)
        {
            var run = new Run();
            var g0 = GC.CollectionCount(0); var g1 = GC.CollectionCount(1); var g2 = GC.CollectionCount(2);
            var allocated = GC.GetTotalAllocatedBytes(true);
            var phase = new Stopwatch();
            var total = Stopwatch.StartNew();
            void Done(string name) { run.Phases[name] = phase.Elapsed.TotalMilliseconds; phase.Restart(); }

            phase.Start();
            // The entry points the cmdlets call: Get-HostControlDrift and Get-VmMigrationExposure, with and without -Peer.
            // Get-HostControlDrift evaluates host controls only (Objects = Host); exposure evaluates what it needs itself.
            var pci = new AssessmentOptions { Baseline = Baseline.Load("pci-dss"), Objects = new[] { ControlScope.Host } };
            var peer = new AssessmentOptions { Peer = true, Objects = new[] { ControlScope.Host } };
            run.DriftPci = Assessment.Drift(inventory, pci).Hosts;
            Done("drift, pci-dss");
            run.DriftPeer = Assessment.Drift(inventory, peer).Hosts;
            Done("drift, peer");
            run.ExposurePci = Assessment.Exposure(inventory, pci).Exposures;
            Done("exposure, pci-dss");
            run.ExposurePeer = Assessment.Exposure(inventory, peer).Exposures;
            Done("exposure, peer");
            total.Stop();

            run.TotalMs = total.Elapsed.TotalMilliseconds;
            run.Allocated = GC.GetTotalAllocatedBytes(true) - allocated;
            run.Gen0 = GC.CollectionCount(0) - g0; run.Gen1 = GC.CollectionCount(1) - g1; run.Gen2 = GC.CollectionCount(2) - g2;
            return run;
        }

        private static void FullCollect()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        private static int ChildSize(int vmCount, int hostCount)
        {
            var clock = Stopwatch.StartNew();
            var synthetic = SyntheticInventory.Generate(vmCount, hostCount);
            var inventory = synthetic.Inventory;
            var generateMs = clock.Elapsed.TotalMilliseconds;
            FullCollect();
            var heap = GC.GetTotalMemory(true);
            Console.WriteLine($"generated in {generateMs / 1000:F1} s (not timed below): {inventory.Clusters.Count} clusters, {inventory.Hosts.Count} hosts, " +
                              $"{inventory.Vms.Count:N0} VMs, {inventory.Networks.Count} networks, {inventory.Datastores.Count} datastores");
            Console.WriteLine($"seeded: {synthetic.Drift}");

            var warmup = Analyze(inventory);
            var warmupMs = warmup.TotalMs;
            var result = new SizeResult
            {
                Vms = inventory.Vms.Count,
                Hosts = inventory.Hosts.Count,
                Clusters = inventory.Clusters.Count,
                Networks = inventory.Networks.Count,
                Datastores = inventory.Datastores.Count,
                GenerateMs = generateMs,
                WarmupMs = warmupMs,
                InventoryHeapBytes = heap,
            };
            Describe(result, warmup, synthetic);

            warmup = null;

            // Three measured runs, or one when a run is slow enough that more would make the bench drag.
            var runs = warmupMs > 8000 ? 1 : 3;
            Run best = null;
            for (int i = 0; i < runs; i++)
            {
                FullCollect();
                var run = Analyze(inventory);
                Console.WriteLine($"run {i + 1}/{runs}: {run.TotalMs:N0} ms");
                result.RunTotalsMs.Add(run.TotalMs);
                // Keep only the phase times and counters; the result lists can go before the next run.
                run.DriftPci = run.DriftPeer = null; run.ExposurePci = run.ExposurePeer = null;
                if (best == null || run.TotalMs < best.TotalMs) best = run;
            }
            result.Runs = runs;
            result.Phases = best.Phases;
            result.TotalMs = best.TotalMs;
            result.AllocatedPerRunBytes = best.Allocated;
            result.GcPerRun = $"{best.Gen0}/{best.Gen1}/{best.Gen2}";
            result.PeakWorkingSetAnalysis = PeakWorkingSet();

            Separation(inventory, result);

            // The firewall policy, compiled and planned: one warm-up, best of three.
            var policy = FirewallBench.Policy();
            FirewallBench.Compile(inventory, policy);
            result.FirewallCompileMs = double.MaxValue;
            for (int i = 0; i < 3; i++)
            {
                FullCollect();
                var (ms, vms, rulesets, maxRules) = FirewallBench.Compile(inventory, policy);
                result.FirewallCompileMs = Math.Min(result.FirewallCompileMs, ms);
                (result.FirewallVms, result.FirewallRulesets, result.FirewallMaxRules) = (vms, rulesets, maxRules);
            }
            Console.WriteLine($"firewall policy: {result.FirewallVms:N0} protected VMs, {result.FirewallRulesets} distinct rulesets, up to {result.FirewallMaxRules:N0} rules per port, compiled and planned in {result.FirewallCompileMs:N0} ms");

            FullCollect();
            Snapshot(inventory, result);
            result.PeakWorkingSetTotal = PeakWorkingSet();

            // Export-ComplianceReport after the memory figures above, so they stay the analysis's own.
            FullCollect();
            result.Report = ReportBench.Measure(inventory);
            Console.WriteLine($"report: {result.Report.Items:N0} results to HTML in {result.Report.HtmlMs:N0} ms ({result.Report.HtmlBytes / 1048576.0:F1} MB)");

            Console.WriteLine(ResultMarker + JsonSerializer.Serialize(result));
            return 0;
        }

        private static void Describe(SizeResult result, Run run, SyntheticInventory synthetic)
        {
            var inventory = synthetic.Inventory;
            result.HostsEvaluated = inventory.Hosts.Count(h => h.ConnectionState == ConnectionState.Connected);
            result.DriftPci = run.DriftPci.Count;
            result.DriftPeer = run.DriftPeer.Count;
            result.ExposurePci = run.ExposurePci.Count;
            result.ExposurePeer = run.ExposurePeer.Count;
            var domains = new MigrationDomains(inventory);
            result.Warnings = Assessment.Drift(inventory, new AssessmentOptions()).Warnings.Count + domains.Warnings.Count;
            // Pairs the exposure analysis has to consider: VMs on evaluated clustered hosts times their targets.
            long pairs = 0;
            foreach (var vm in inventory.Vms)
            {
                var host = inventory.GetHost(vm.HostId);
                if (vm.Template || host == null || host.ConnectionState != ConnectionState.Connected || host.ClusterId == null) continue;
                pairs += domains.TargetsFor(vm).Count;
            }
            result.CandidatePairs = pairs;

            // What the generator broke must be what the engine reports, host for host.
            bool Finds(IReadOnlyList<HostControlDrift> drift, string controlId, IReadOnlyList<string> hosts) =>
                new HashSet<string>(drift.Where(d => d.ControlId == controlId && d.Outcome == Outcome.Fail).Select(d => d.HostId)).SetEquals(hosts);
            var drift = synthetic.Drift;
            result.SeededDriftFound = Finds(run.DriftPeer, "vc.package-installed:acme-ids-sensor", drift.MissingIdsAgent)
                && Finds(run.DriftPeer, "vc.service-running:acme-idsd", drift.MissingIdsAgent)
                && Finds(run.DriftPci, "esx-9.ssh", drift.SshOn)
                && Finds(run.DriftPeer, "esx-9.ssh", drift.SshOn)
                && Finds(run.DriftPci, "esx-9.log-forwarding", drift.NoSyslog)
                && drift.Disconnected.All(h => run.DriftPci.Where(d => d.HostId == h).All(d => d.Outcome == Outcome.NotEvaluated));
            Console.WriteLine($"results: {result.DriftPci:N0} pci-dss and {result.DriftPeer:N0} peer drift records, " +
                              $"{result.ExposurePci:N0} pci-dss and {result.ExposurePeer:N0} peer exposure records; " +
                              $"seeded drift found: {(result.SeededDriftFound ? "yes" : "NO")}");
        }

        /// <summary>Test-PciSeparation under both interpretations: one warm-up, then three measured runs (one if slow).</summary>
        private static void Separation(Inv inventory, SizeResult result)
        {
            FullCollect();
            var warmup = SeparationBench.Analyze(inventory);
            result.PciFindingsStrict = warmup.Strict.Count;
            result.PciFindingsIsolation = warmup.Isolation.Count;
            result.PciCountsStrict = SeparationBench.Counts(warmup.Strict);
            Console.WriteLine($"pci separation: {warmup.Strict.Count:N0} Strict and {warmup.Isolation.Count:N0} HypervisorIsolation findings ({result.PciCountsStrict})");
            var runs = warmup.TotalMs > 8000 ? 1 : 3;
            warmup = null;
            SeparationBench.Run best = null;
            for (int i = 0; i < runs; i++)
            {
                FullCollect();
                var run = SeparationBench.Analyze(inventory);
                run.Strict = run.Isolation = null;
                Console.WriteLine($"pci run {i + 1}/{runs}: {run.TotalMs:N0} ms");
                result.PciRunTotalsMs.Add(run.TotalMs);
                result.PciSlowestCallMs.Add(Math.Max(run.Phases[SeparationBench.StrictPhase], run.Phases[SeparationBench.IsolationPhase]));
                if (best == null || run.TotalMs < best.TotalMs) best = run;
            }
            result.PciPhases = best.Phases;
            result.PciTotalMs = best.TotalMs;
        }

        private static void Snapshot(Inv inventory, SizeResult result)
        {
            // A quick first round is the warm-up for three measured ones; a slow one (100k) is the measurement.
            var (write, read) = SnapshotRound(inventory, result);
            var runs = 1;
            if (write + read <= 3000)
            {
                runs = 3;
                write = read = double.MaxValue;
                for (int i = 0; i < runs; i++)
                {
                    FullCollect();
                    var (w, r) = SnapshotRound(inventory, result);
                    write = Math.Min(write, w);
                    read = Math.Min(read, r);
                }
            }
            result.SnapshotWriteMs = write;
            result.SnapshotReadMs = read;
            result.SnapshotRuns = runs;
            Console.WriteLine($"snapshot: {result.SnapshotBytes / 1048576.0:N1} MB, write {write:N0} ms, read {read:N0} ms (best of {runs})");
        }

        private static (double write, double read) SnapshotRound(Inv inventory, SizeResult result)
        {
            var clock = Stopwatch.StartNew();
            var bytes = InventorySnapshot.ToBytes(inventory);
            var write = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var back = InventorySnapshot.Read(new MemoryStream(bytes, writable: false), "synthetic.json");
            var read = clock.Elapsed.TotalMilliseconds;
            if (back.Vms.Count != inventory.Vms.Count || back.Hosts.Count != inventory.Hosts.Count)
                throw new InvalidOperationException("The snapshot read back differs from the inventory written.");
            result.SnapshotBytes = bytes.LongLength;
            return (write, read);
        }

        internal static long PeakWorkingSet()
        {
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            return self.PeakWorkingSet64;
        }

        // ---- child: naive baseline ---------------------------------------------------------------

        public sealed class NaiveResult
        {
            public int Vms { get; set; }
            public int Hosts { get; set; }
            public double EngineMs { get; set; }
            public int EngineRuns { get; set; }
            public int EngineRecords { get; set; }
            public double NaiveMs { get; set; }
            public int NaiveRuns { get; set; }
            public int NaiveRecords { get; set; }
            public List<SeparationComparison> Separation { get; set; } = new List<SeparationComparison>();
        }

        public sealed class SeparationComparison
        {
            public int Vms { get; set; }
            public int Hosts { get; set; }
            public double EngineMs { get; set; }
            public double NaiveMs { get; set; }
            public bool SameAnswer { get; set; }
            public int MixedHosts { get; set; }
            public int SharedDatastores { get; set; }
        }

        private static int ChildNaive(int vmCount, int hostCount)
        {
            var inventory = SyntheticInventory.Generate(vmCount, hostCount).Inventory;
            var result = new NaiveResult { Vms = inventory.Vms.Count, Hosts = inventory.Hosts.Count };

            // The engine doing the same job: pci-dss exposure (Get-VmMigrationExposure without -Peer).
            int Engine()
            {
                return Assessment.Exposure(inventory, new AssessmentOptions()).Exposures.Count;
            }
            result.EngineRecords = Engine();
            result.EngineMs = BestOf(3, () => Engine());
            result.EngineRuns = 3;

            var baseline = Baseline.Load("pci-dss");
            var first = Stopwatch.StartNew();
            result.NaiveRecords = NaiveExposure.Count(inventory, baseline);
            var firstMs = first.Elapsed.TotalMilliseconds;
            if (firstMs < 5000)
            {
                result.NaiveMs = BestOf(2, () => NaiveExposure.Count(inventory, baseline));
                result.NaiveRuns = 2;
            }
            else
            {
                result.NaiveMs = firstMs;
                result.NaiveRuns = 1;
            }
            Console.WriteLine($"engine {result.EngineMs:N1} ms, naive {result.NaiveMs:N0} ms");

            // Test-PciSeparation (all rules, both readings) against the pairwise loop that answers only two of its
            // questions, at this size and at ten times the VMs: the loop grows with the square of the VM count.
            foreach (var inv in new[] { inventory, SyntheticInventory.Generate(vmCount * 10, hostCount * 5).Inventory })
            {
                var engine = SeparationBench.EngineAnswer(inv, SeparationBench.Analyze(inv).Strict);
                var naiveAnswer = SeparationBench.Naive(inv);
                var row = new SeparationComparison
                {
                    Vms = inv.Vms.Count,
                    Hosts = inv.Hosts.Count,
                    SameAnswer = engine.hosts.SetEquals(naiveAnswer.hosts) && engine.datastores.SetEquals(naiveAnswer.datastores),
                    MixedHosts = engine.hosts.Count,
                    SharedDatastores = engine.datastores.Count,
                    EngineMs = BestOf(3, () => SeparationBench.Analyze(inv).Strict.Count),
                    NaiveMs = BestOf(2, () => SeparationBench.Naive(inv).hosts.Count),
                };
                result.Separation.Add(row);
                Console.WriteLine($"separation at {row.Vms:N0} VMs: engine {row.EngineMs:N1} ms (all rules, both readings), naive pairs {row.NaiveMs:N0} ms");
            }
            Console.WriteLine(ResultMarker + JsonSerializer.Serialize(result));
            return 0;
        }

        private static double BestOf(int runs, Func<int> work)
        {
            var best = double.MaxValue;
            for (int i = 0; i < runs; i++)
            {
                FullCollect();
                var clock = Stopwatch.StartNew();
                work();
                best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
            }
            return best;
        }
    }
}
