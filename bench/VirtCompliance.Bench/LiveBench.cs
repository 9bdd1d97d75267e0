using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading;
using VirtCompliance.Tests.Vim;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Soap;

namespace VirtCompliance.Bench
{
    /// <summary>
    /// Get-VirtInventory's collector against the vCenter simulator at about 1,100 and 5,250 VMs,
    /// measured in the same run against two baselines: pyVmomi collecting the same properties
    /// (tests/pyvmomi/bench_collect.py), and the raw transfer of the same RetrievePropertiesEx
    /// request by curl (the floor: the server's time to answer plus the bytes on loopback).
    /// </summary>
    internal static class LiveBench
    {
        private static readonly CultureInfo Inv0 = CultureInfo.InvariantCulture;
        private const int Runs = 3;

        /// <summary>Simulator sizes: VMs = (clusters + standalone hosts) × VMs per resource pool.</summary>
        private static readonly (string Label, string[] Args)[] Sizes =
        {
            ("~1,100 VMs", new[] { "-cluster", "10", "-host", "8", "-vm", "100", "-standalone-host", "1" }),
            ("~5,250 VMs", new[] { "-cluster", "20", "-host", "8", "-vm", "250", "-standalone-host", "1" }),
        };

        public sealed class CollectResult
        {
            public List<double> Ms { get; set; } = new List<double>();
            /// <summary>The first collection in the process: JIT compilation included (what a one-off Get-VirtInventory pays).</summary>
            public double FirstMs { get; set; }
            /// <summary>Best of three after ten more collections: JIT fully tiered up (a long-running session or runbook).</summary>
            public double WarmMs { get; set; }
            public int Hosts { get; set; }
            public int Vms { get; set; }
            public int RequestsPerCollection { get; set; }
            public long PeakWorkingSet { get; set; }
        }

        private sealed class Row
        {
            public string Label;
            public double StartSeconds;
            public CollectResult Collector, SinglePage, Full;
            public List<double> PyVmomi = new List<double>();
            public double PyRssMb;
            public List<double> Raw = new List<double>();
            public long RawBytes;
        }

        public static int Run(Func<string, string[], string, string> runChild)
        {
            if (!File.Exists(VcsimServer.BinaryPath))
            {
                Console.WriteLine($"live collection: the simulator is not built ({VcsimServer.BinaryPath}); run build.ps1 Bench (it builds it) or build.ps1 Vcsim.");
                return 1;
            }
            var rows = new List<Row>();
            var specFile = Path.GetTempFileName();
            File.WriteAllText(specFile, JsonSerializer.Serialize(InventoryCollector.Specs.Select(s => new { type = s.Type, paths = s.Paths })));
            try
            {
                foreach (var (label, args) in Sizes)
                {
                    Console.WriteLine($"== live collection, simulator with {label} ({string.Join(" ", args)})");
                    var clock = Stopwatch.StartNew();
                    using (var sim = new VcsimServer(args))
                    {
                        var row = new Row { Label = label, StartSeconds = clock.Elapsed.TotalSeconds };
                        row.Collector = JsonSerializer.Deserialize<CollectResult>(runChild("--live-collect", new[] { sim.Url.ToString(), sim.User, "1000", "properties" }, sim.Password));
                        row.SinglePage = JsonSerializer.Deserialize<CollectResult>(runChild("--live-collect", new[] { sim.Url.ToString(), sim.User, "1000000", "properties" }, sim.Password));
                        row.Full = JsonSerializer.Deserialize<CollectResult>(runChild("--live-collect", new[] { sim.Url.ToString(), sim.User, "1000", "full" }, sim.Password));
                        PyVmomi(sim, specFile, row);
                        Raw(sim, row);
                        rows.Add(row);
                        Console.WriteLine($"   collector {Best(row.Collector.Ms):N0} ms, pyVmomi {Best(row.PyVmomi):N0} ms, raw transfer {Best(row.Raw):N0} ms");
                    }
                }
            }
            finally
            {
                File.Delete(specFile);
            }
            Report(rows);
            return 0;
        }

        /// <summary>
        /// Child process: connect, collect once to warm up, then <see cref="Runs"/> measured collections.
        /// "properties" reads what pyVmomi and curl read (the property pass); "full" is Get-VirtInventory
        /// as users run it, with each host's software (two calls per host), lockdown exception users (one call) and ESXCLI
        /// settings (one call per command), each switch's ports and the tags (REST).
        /// </summary>
        public static int Child(string url, string user, int pageSize, string what)
        {
            var password = Console.ReadLine();
            var options = new VimConnectionOptions { SkipCertificateCheck = true, PageSize = pageSize };
            var result = new CollectResult();
            using (var client = VimClient.ConnectAsync(new Uri(url), new NetworkCredential(user, password), options, CancellationToken.None).GetAwaiter().GetResult())
            {
                // Runs 1..Runs after one warm-up, as before; then, for the property pass, ten more before a
                // steady-state best of three: .NET compiles the parse loop (ours and XmlReader's) in tiers,
                // and the first few collections in a process run on code that is not yet fully optimised.
                var steady = what == "full" ? 0 : 13;
                result.WarmMs = double.MaxValue;
                for (int i = 0; i <= Runs + steady; i++)
                {
                    var before = client.RequestCount;
                    var clock = Stopwatch.StartNew();
                    // The property pass makes no per-host method calls (software, lockdown exceptions, ESXCLI): pyVmomi and curl make none.
                    var full = what == "full";
                    var collector = new InventoryCollector(client) { ReadSoftware = full, ReadTags = full, ReadPorts = full, ReadLockdownExceptions = full, ReadEsxCli = full };
                    var inv = collector.CollectAsync(null, CancellationToken.None).GetAwaiter().GetResult();
                    var ms = clock.Elapsed.TotalMilliseconds;
                    if (i == 0) result.FirstMs = ms;
                    else if (i <= Runs) result.Ms.Add(ms);
                    else if (i > Runs + steady - 3) result.WarmMs = Math.Min(result.WarmMs, ms);
                    result.Hosts = inv.Hosts.Count;
                    result.Vms = inv.Vms.Count;
                    result.RequestsPerCollection = client.RequestCount - before;
                    inv = null;
                    GC.Collect();
                }
                client.LogoutAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            result.PeakWorkingSet = Program.PeakWorkingSet();
            Console.WriteLine(JsonSerializer.Serialize(result));
            return 0;
        }

        private static void PyVmomi(VcsimServer sim, string specFile, Row row)
        {
            var output = Exec("/usr/bin/python3", new[] { Path.Combine(VcsimServer.RepositoryRoot, "tests", "pyvmomi", "bench_collect.py"), sim.Url.ToString(), sim.User, specFile, Runs.ToString(Inv0) }, sim.Password);
            using (var doc = JsonDocument.Parse(output))
            {
                row.PyVmomi = doc.RootElement.GetProperty("times").EnumerateArray().Select(t => t.GetDouble() * 1000).ToList();
                row.PyRssMb = doc.RootElement.GetProperty("peak_rss_mb").GetDouble();
            }
        }

        /// <summary>curl: log in, create the same container view, then time the collector's own RetrievePropertiesEx request (one page) with the response discarded.</summary>
        private static void Raw(VcsimServer sim, Row row)
        {
            var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "vc-bench-" + Guid.NewGuid().ToString("N"))).FullName;
            try
            {
                var cookies = Path.Combine(folder, "cookies");
                string Curl(string bodyFile, params string[] extra) =>
                    Exec("curl", new[] { "-sS", "-k", "-b", cookies, "-c", cookies, "-H", "Content-Type: text/xml; charset=utf-8", "-H", "SOAPAction: urn:vim25/6.7", "--data-binary", "@" + bodyFile }
                        .Concat(extra).Concat(new[] { sim.Url.ToString() }).ToArray(), null);
                string Write(string name, SoapWriter w)
                {
                    var path = Path.Combine(folder, name);
                    using (w) File.WriteAllBytes(path, w.ToArray());
                    return path;
                }
                var content = SoapReader.ReadReturn(new MemoryStream(Encoding.UTF8.GetBytes(Curl(Write("content.xml", new SoapWriter("RetrieveServiceContent", new VimRef("ServiceInstance", "ServiceInstance")))))), "RetrieveServiceContent") as VimObject;
                // The password goes to curl in a file that only this process can read, never on its command line.
                var login = Write("login.xml", new SoapWriter("Login", content.Ref("sessionManager")).Text("userName", sim.User).Text("password", sim.Password));
                Curl(login);
                File.Delete(login);
                var createView = new SoapWriter("CreateContainerView", content.Ref("viewManager")).Ref("container", content.Ref("rootFolder"));
                foreach (var t in new[] { "Datacenter", "Folder", "ComputeResource", "HostSystem", "VirtualMachine", "Network", "DistributedVirtualSwitch", "Datastore" }) createView.Text("type", t);
                var view = (VimRef)SoapReader.ReadReturn(new MemoryStream(Encoding.UTF8.GetBytes(Curl(Write("view.xml", createView.Bool("recursive", true))))), "CreateContainerView");
                var retrieve = Write("retrieve.xml", VimClient.RetrievePropertiesRequest(content.Ref("propertyCollector"), view, InventoryCollector.Specs, 1000000));
                for (int i = 0; i <= Runs; i++)
                {
                    var stats = Curl(retrieve, "-o", "/dev/null", "-w", "%{time_total} %{size_download}").Trim().Split(' ');
                    if (i == 0) continue;
                    row.Raw.Add(double.Parse(stats[0], Inv0) * 1000);
                    row.RawBytes = long.Parse(stats[1], Inv0);
                }
            }
            finally
            {
                Directory.Delete(folder, true);
            }
        }

        private static string Exec(string file, string[] args, string stdin)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using (var p = Process.Start(psi))
            {
                if (stdin != null) p.StandardInput.WriteLine(stdin);
                p.StandardInput.Close();
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                p.WaitForExit();
                if (p.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({p.ExitCode}): {stderr.Result}");
                return stdout.Result;
            }
        }

        private static double Best(IEnumerable<double> values) => values.DefaultIfEmpty(double.NaN).Min();

        private static void Report(List<Row> rows)
        {
            Console.WriteLine();
            Console.WriteLine("Live collection against the vCenter simulator (best of 3 after a warm-up; same properties in every column)");
            const int label = 46, col = 20;
            Console.WriteLine("".PadRight(label) + string.Concat(rows.Select(r => r.Label.PadLeft(col))));
            Console.WriteLine(new string('-', label + col * rows.Count));
            void Line(string name, Func<Row, string> cell) => Console.WriteLine(name.PadRight(label) + string.Concat(rows.Select(r => cell(r).PadLeft(col))));
            Line("hosts / VMs collected", r => $"{r.Collector.Hosts} / {r.Collector.Vms:N0}");
            Line("collector, property pass, ms (pages of 1000)", r => Best(r.Collector.Ms).ToString("N0", Inv0));
            Line("  requests per collection", r => r.Collector.RequestsPerCollection.ToString(Inv0));
            Line("  every measured run", r => string.Join(" / ", r.Collector.Ms.Select(m => m.ToString("F0", Inv0))));
            Line("  peak working set, MB", r => (r.Collector.PeakWorkingSet / 1048576.0).ToString("N0", Inv0));
            Line("  first collection in the process (JIT), ms", r => r.Collector.FirstMs.ToString("N0", Inv0));
            Line("  steady state (JIT tiered up), ms", r => r.Collector.WarmMs.ToString("N0", Inv0));
            Line("collector, property pass, one page, ms", r => Best(r.SinglePage.Ms).ToString("N0", Inv0));
            Line("  steady state (JIT tiered up), ms", r => r.SinglePage.WarmMs.ToString("N0", Inv0));
            Line("Get-VirtInventory in full, ms (all reads)", r => Best(r.Full.Ms).ToString("N0", Inv0));
            Line("  requests per collection", r => r.Full.RequestsPerCollection.ToString(Inv0));
            Line("  peak working set, MB", r => (r.Full.PeakWorkingSet / 1048576.0).ToString("N0", Inv0));
            Line("pyVmomi, same properties, ms", r => Best(r.PyVmomi).ToString("N0", Inv0));
            Line("  peak RSS, MB", r => r.PyRssMb.ToString("N0", Inv0));
            Line("raw transfer (curl, one page), ms", r => Best(r.Raw).ToString("N0", Inv0));
            Line("  response size, MB", r => (r.RawBytes / 1048576.0).ToString("F1", Inv0));
            Line("simulator start-up, s (not timed above)", r => r.StartSeconds.ToString("F1", Inv0));
            Console.WriteLine(new string('-', label + col * rows.Count));
            Line("pyVmomi / collector (target >= 4)", r => "x" + (Best(r.PyVmomi) / Best(r.Collector.Ms)).ToString("F1", Inv0));
            Line("pyVmomi / Get-VirtInventory in full", r => "x" + (Best(r.PyVmomi) / Best(r.Full.Ms)).ToString("F1", Inv0));
            Line("collector / raw transfer (target <= 1.5)", r => "x" + (Best(r.Collector.Ms) / Best(r.Raw)).ToString("F2", Inv0));
            Line("collector one page / raw transfer", r => "x" + (Best(r.SinglePage.Ms) / Best(r.Raw)).ToString("F2", Inv0));
            Line("  steady state: paged / one page / raw", r => "x" + (r.Collector.WarmMs / Best(r.Raw)).ToString("F2", Inv0) + " / x" + (r.SinglePage.WarmMs / Best(r.Raw)).ToString("F2", Inv0));
            var largest = rows.LastOrDefault();
            if (largest != null)
            {
                var peak = Math.Max(largest.Collector.PeakWorkingSet, largest.Full.PeakWorkingSet);
                Console.WriteLine($"memory target: under 500 MB at {largest.Label}: collector peak {peak / 1048576.0:N0} MB -> " +
                                  (peak < 500L * 1048576 ? "holds" : "DOES NOT HOLD"));
            }
        }
    }
}
