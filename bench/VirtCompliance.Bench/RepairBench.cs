using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Threading;
using VirtCompliance.Controls;
using VirtCompliance.Repair;
using VirtCompliance.Tests.Vim;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Repair;
using VirtCompliance.Vim.Soap;

namespace VirtCompliance.Bench
{
    /// <summary>
    /// Repairing ten advanced-option controls on 100 hosts of the simulator: the repair as it writes
    /// (one UpdateOptions per host for all its options) beside the naive one request per control, both
    /// from the same plan, counting the requests per host and timing the writes (not the reads around them).
    /// </summary>
    public static class RepairBench
    {
        // Ten scg controls that read advanced options, each planted with a failing value.
        private static readonly (string control, string key, string failing)[] Planted =
        {
            ("esx-9.account-lockout-duration", "Security.AccountUnlockTime", "120"), ("esx-9.account-lockout-max-attempts", "Security.AccountLockFailures", "10"),
            ("esx-9.account-password-history", "Security.PasswordHistory", "0"), ("esx-9.dcui-timeout", "UserVars.DcuiTimeOut", "0"),
            ("esx-9.shell-interactive-timeout", "UserVars.ESXiShellInteractiveTimeOut", "0"), ("esx-9.shell-timeout", "UserVars.ESXiShellTimeOut", "0"),
            ("esx-9.session-timeout", "UserVars.HostClientSessionTimeout", "0"), ("esx-9.api-soap-timeout", "Config.HostAgent.vmacore.soap.sessionTimeout", "0"),
            ("esx-9.transparent-page-sharing", "Mem.ShareForceSalting", "0"), ("esx-9.network-bpdu", "Net.BlockGuestBPDU", "0"),
        };

        public static int Run()
        {
            if (!System.IO.File.Exists(VcsimServer.BinaryPath)) { Console.WriteLine("repair bench: the simulator is not built; run build.ps1 Bench."); return 1; }
            Console.WriteLine("== repair, simulator with 100 hosts (-cluster 10 -host 10 -vm 1 -standalone-host 0), ten advanced-option controls per host");
            using (var sim = new VcsimServer("-cluster", "10", "-host", "10", "-vm", "1", "-standalone-host", "0"))
            using (var client = VimClient.ConnectAsync(sim.Url, new NetworkCredential(sim.User, sim.Password), new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None).GetAwaiter().GetResult())
            {
                var baseline = Baseline.Load("scg");
                var batched = Measure(client, baseline, oneRequestPerControl: false);
                var naive = Measure(client, baseline, oneRequestPerControl: true);
                Console.WriteLine();
                Console.WriteLine("Repair of ten controls on 100 hosts (writes only; the reads before and after are the same for both)");
                Console.WriteLine($"{"",-44}{"hosts",8}{"changes",9}{"requests/host",15}{"ms",9}");
                Console.WriteLine($"{"repair (one UpdateOptions per host)",-44}{batched.hosts,8}{batched.changes,9}{batched.requestsPerHost,15:N1}{batched.ms,9:N0}");
                Console.WriteLine($"{"naive (one control at a time)",-44}{naive.hosts,8}{naive.changes,9}{naive.requestsPerHost,15:N1}{naive.ms,9:N0}");
                Console.WriteLine($"naive / repair: requests x{naive.requestsPerHost / batched.requestsPerHost:N1}, time x{naive.ms / batched.ms:N1}");
                client.LogoutAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            return 0;
        }

        private static (int hosts, int changes, double requestsPerHost, double ms) Measure(VimClient client, Baseline baseline, bool oneRequestPerControl)
        {
            var hosts = new InventoryCollector(client) { ReadSoftware = false, ReadTags = false, ReadPorts = false, ReadEsxCli = false, ReadLockdownExceptions = false }
                .CollectAsync(null, CancellationToken.None).GetAwaiter().GetResult().Hosts.Where(h => h.ClusterId != null).ToList();
            foreach (var h in hosts) Plant(client, h.Id);
            var inventory = new InventoryCollector(client) { ReadSoftware = false, ReadTags = false, ReadPorts = false, ReadEsxCli = false, ReadLockdownExceptions = false }
                .CollectAsync(null, CancellationToken.None).GetAwaiter().GetResult();
            var plan = RepairEngine.Plan(inventory, baseline, hosts.SelectMany(h => Planted.Select(p => (h.Id, p.control, (string?)null))), new RepairOptions())
                .Where(p => p.step != null).Select(p => p.step!).ToList();
            var before = client.RequestCount;
            var clock = Stopwatch.StartNew();
            foreach (var host in plan.GroupBy(s => s.ObjectId))
            {
                var batches = oneRequestPerControl ? host.Select(s => new List<RepairStep> { s }).ToList() : new List<List<RepairStep>> { host.ToList() };
                foreach (var batch in batches)
                {
                    var (errors, _) = RepairEngine.ApplyAsync(client, host.Key, batch, CancellationToken.None).GetAwaiter().GetResult();
                    if (errors.Any(e => e != null)) throw new InvalidOperationException(errors.First(e => e != null));
                }
            }
            var ms = clock.Elapsed.TotalMilliseconds;
            var requests = client.RequestCount - before;
            return (hosts.Count, plan.Count, (double)requests / hosts.Count, ms);
        }

        // The failing values, in one UpdateOptions per host (the planting is not measured).
        private static void Plant(VimClient client, string hostId)
        {
            var manager = client.RetrieveObjectAsync(new VimRef("HostSystem", hostId), new[] { "configManager.advancedOption" }, CancellationToken.None).GetAwaiter().GetResult()?["configManager.advancedOption"] as VimRef
                ?? throw new InvalidOperationException($"host {hostId} has no option manager");
            using (var w = new SoapWriter("UpdateOptions", manager))
            {
                foreach (var (_, key, failing) in Planted) w.Start("changedValue", "OptionValue").Text("key", key).Typed("value", "xsd:long", failing).End();
                client.InvokeAsync(w, CancellationToken.None).GetAwaiter().GetResult();
            }
        }
    }
}
