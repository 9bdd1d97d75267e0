using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using VirtCompliance.Common;
using VirtCompliance.Model;

namespace VirtCompliance.Bench
{
    /// <summary>
    /// Snapshot files at 100k VMs / 500 hosts, as Export-VirtInventory and Import-VirtInventory use them: write to a
    /// file and read it back, each beside the same bytes copied to and from the disk (File.WriteAllBytes,
    /// File.ReadAllBytes plus their hash) measured in the same run, and the write's peak memory above the
    /// inventory's own (Linux: the resident peak is reset before the write). Best of three after a warm-up.
    /// </summary>
    public static class SnapshotBench
    {
        public static int Run(int vms = 100_000, int hosts = 500)
        {
            Console.WriteLine($"== snapshot files, {vms:N0} VMs / {hosts} hosts");
            var inventory = SyntheticInventory.Generate(vms, hosts).Inventory;
            var folder = Path.Combine(Path.GetTempPath(), "vc-snapshot-bench-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(folder);
            try
            {
                var file = Path.Combine(folder, "snapshot.json");
                var copy = Path.Combine(folder, "copy.json");
                // Warm-up: the JIT and the file system's first allocation are not what is measured.
                InventorySnapshot.Write(inventory, file);
                InventorySnapshot.Read(file);
                var bytes = File.ReadAllBytes(file);
                var mb = bytes.Length / 1048576.0;

                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                var (baseline, peakReset) = ResetPeak();
                var write = Best(() => InventorySnapshot.Write(inventory, file));
                var peak = PeakResident();
                var rawWrite = Best(() => File.WriteAllBytes(copy, bytes));
                // Each read starts from a collected heap, as a fresh Import-VirtInventory does: the writes' garbage is not the read's.
                var read = Best(() => InventorySnapshot.Read(file), collectFirst: true);
                var rawRead = Best(() => AtomicFile.Sha256Hex(File.ReadAllBytes(copy)));
                // The general path (the grammar check beside the library's binder), which reads any file the one-pass path gives up on.
                var general = Best(() => InventorySnapshot.ReadGeneral(File.ReadAllBytes(file), "bench"), collectFirst: true);
                if (!File.ReadAllBytes(file).SequenceEqual(bytes)) throw new InvalidOperationException("the streamed snapshot differs from the buffered one");

                Console.WriteLine($"   file: {mb:N1} MB (bytes identical to InventorySnapshot.ToBytes)");
                Console.WriteLine($"   write: {write:N0} ms = {mb / (write / 1000):N0} MB/s; disk copy {rawWrite:N0} ms = {mb / (rawWrite / 1000):N0} MB/s; ratio {write / rawWrite:N2}");
                Console.WriteLine($"   read by the general path (for a file the one-pass path gives up on): {general:N0} ms = {mb / (general / 1000):N0} MB/s");
                Console.WriteLine($"   read:  {read:N0} ms = {mb / (read / 1000):N0} MB/s; disk read + SHA-256 {rawRead:N0} ms = {mb / (rawRead / 1000):N0} MB/s; ratio {read / rawRead:N2}");
                Console.WriteLine(peakReset
                    ? $"   write peak memory above the inventory's: {(peak - baseline) / 1048576.0:N0} MB (resident {baseline / 1048576.0:N0} MB before, peak {peak / 1048576.0:N0} MB during 3 writes)"
                    : "   write peak memory: not measured (the resident peak can be reset on Linux only)");
                return 0;
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        private static double Best(Action run, bool collectFirst = false)
        {
            var best = double.MaxValue;
            for (int i = 0; i < 3; i++)
            {
                if (collectFirst) GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                var clock = Stopwatch.StartNew();
                run();
                best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
            }
            return best;
        }

        // Linux: writing 5 to clear_refs resets the peak resident set (VmHWM) to the current one.
        private static (long resident, bool reset) ResetPeak()
        {
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
                return (Status("VmRSS:"), true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return (0, false);
            }
        }

        private static long PeakResident() => Status("VmHWM:");

        private static long Status(string field)
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line == null ? 0 : long.Parse(line.Substring(field.Length).Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
    }
}
