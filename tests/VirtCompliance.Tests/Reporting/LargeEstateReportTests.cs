using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Evaluation;
using VirtCompliance.Firewall;
using VirtCompliance.Reporting;
using Xunit;

namespace VirtCompliance.Tests.Reporting
{
    /// <summary>What a report does differently for a large estate: passes counted, long diffs cut, every writer to a stream.</summary>
    public class LargeEstateReportTests
    {
        private static VmControlDrift Vm(int n, string control, Outcome outcome) => new VmControlDrift
        {
            Vm = $"vm-{n:D6}", VmId = $"vm-{n}", ControlId = control, Title = control + " title", Outcome = outcome, Expected = "true", Actual = outcome == Outcome.Pass ? "true" : "false",
            Severity = Severity.Medium, Baseline = "pci-dss", Cluster = "c1", VCenter = "vc1",
        };

        [Fact]
        public void Above_the_limit_passing_VM_controls_are_one_testcase_per_control_and_every_failure_keeps_its_own()
        {
            var vms = ReportItems.VmPassesListedAtMost / 2 + 1;
            var results = Enumerable.Range(0, vms).SelectMany(n => new object[] { Vm(n, "vm.a", n == 7 ? Outcome.Fail : Outcome.Pass), Vm(n, "vm.b", Outcome.Pass) }).ToList();
            var items = ReportItems.EveryEvaluated(results);
            Assert.Single(items, i => i.Outcome == ReportOutcome.Fail && i.Object == "vm-000007");
            var passes = items.Where(i => i.Outcome == ReportOutcome.Pass).OrderBy(i => i.Rule).ToList();
            Assert.Equal(new[] { "vm.a", "vm.b" }, passes.Select(p => p.Rule));
            Assert.Equal($"vm.a title: passed on {vms - 1} VMs", passes[0].Message);
            Assert.Equal($"vm.b title: passed on {vms} VMs", passes[1].Message);

            var junit = XDocument.Parse(Encoding.UTF8.GetString(ReportWriter.Write(ReportFormat.JUnit, items, new ReportContext())));
            var cases = junit.Descendants("testcase").ToList();
            Assert.Equal(3, cases.Count);
            Assert.Equal("1", junit.Root!.Attribute("failures")!.Value);
        }

        [Fact]
        public void At_or_below_the_limit_every_pass_is_its_own_item()
        {
            var results = Enumerable.Range(0, ReportItems.VmPassesListedAtMost).Select(n => (object)Vm(n, "vm.a", Outcome.Pass)).ToList();
            var items = ReportItems.EveryEvaluated(results);
            Assert.Equal(ReportItems.VmPassesListedAtMost, items.Count);
            Assert.All(items, i => Assert.StartsWith("vm-", i.Object));
        }

        [Theory]
        [InlineData(100)]
        [InlineData(ReportItems.VmPassesListedAtMost / 2)]
        [InlineData(ReportItems.VmPassesListedAtMost / 2 + 1)]
        public void Passes_counted_as_they_are_judged_make_the_items_they_make_in_the_results(int vms)
        {
            // As a bundle counts them: the passes go to the tally while the rest of the results are listed.
            var results = Enumerable.Range(0, vms).SelectMany(n => new object[] { Vm(n, "vm.a", n % 9 == 0 ? Outcome.Fail : Outcome.Pass), Vm(n, "vm.b", Outcome.Pass) }).ToList();
            var tally = new ReportItems.VmPassTally();
            var rest = results.Where(r => !(r is VmControlDrift { Outcome: Outcome.Pass } pass && Counted(tally, pass))).ToList();
            var counted = ReportItems.EveryEvaluated(rest, tally);
            var inline = ReportItems.EveryEvaluated(results);
            Assert.Equal(results.Count(r => ((VmControlDrift)r).Outcome == Outcome.Pass), tally.Count);
            Assert.Equal(Json(inline), Json(counted));
        }

        private static bool Counted(ReportItems.VmPassTally tally, VmControlDrift pass)
        {
            tally.Add(pass);
            return true;
        }

        private static string Json(object value) => Newtonsoft.Json.JsonConvert.SerializeObject(value);

        [Fact]
        public void A_status_shows_the_first_lines_of_a_long_diff_and_counts_them_all()
        {
            var diff = Enumerable.Range(0, 50).Select(n => $"+ {n} to-VM allow proto 6 from 10.0.0.{n} to any port 443 [p/r]").ToArray();
            var status = VmFirewallPolicyStatus.From(new VmFirewallPolicyChange { Policy = "p", Vm = "db", Nic = "nic1", PortKey = "12", Action = PortChangeAction.Add, Diff = diff });
            Assert.Equal(EnforcementStatus.Missing, status.Status);
            Assert.Equal(50, status.DiffLines);
            Assert.Equal(VmFirewallPolicyStatus.DiffLinesShownAtMost + 1, status.Diff.Count);
            Assert.Equal(diff.Take(VmFirewallPolicyStatus.DiffLinesShownAtMost), status.Diff.Take(VmFirewallPolicyStatus.DiffLinesShownAtMost));
            Assert.Equal($"... and {50 - VmFirewallPolicyStatus.DiffLinesShownAtMost} more lines (Invoke-VmFirewallPolicy -WhatIf shows them all)", status.Diff.Last());

            var shortDiff = diff.Take(3).ToArray();
            var small = VmFirewallPolicyStatus.From(new VmFirewallPolicyChange { Policy = "p", Vm = "db", Nic = "nic1", PortKey = "12", Action = PortChangeAction.Update, Diff = shortDiff });
            Assert.Equal(shortDiff, small.Diff);
            Assert.Equal(3, small.DiffLines);
        }

        [Theory]
        [InlineData(ReportFormat.Html)]
        [InlineData(ReportFormat.Json)]
        [InlineData(ReportFormat.Csv)]
        [InlineData(ReportFormat.JUnit)]
        [InlineData(ReportFormat.Sarif)]
        [InlineData(ReportFormat.Markdown)]
        public void Every_writer_streams_the_bytes_it_would_return_and_leaves_the_stream_open(ReportFormat format)
        {
            var items = Enumerable.Range(0, 300).Select(n => ReportItems.From(Vm(n, "vm.a", n % 3 == 0 ? Outcome.Fail : Outcome.NotEvaluated))).ToList();
            var context = new ReportContext { GeneratedAt = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero), CollectedAt = new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.FromHours(2)) };
            var bytes = ReportWriter.Write(format, items, context);
            using (var stream = new MemoryStream())
            {
                ReportWriter.Write(format, items, context, stream);
                Assert.True(stream.CanWrite);
                Assert.Equal(bytes, stream.ToArray());
            }
            var text = Encoding.UTF8.GetString(bytes);
            Assert.Contains("vm-000299", text);
            // A time is printed in UTC where the report says UTC: 09:30 at +02:00 is 07:30 UTC.
            if (format == ReportFormat.Markdown || format == ReportFormat.Html) Assert.Contains("2026-12-01 07:30:00 UTC", text);
        }
    }
}
