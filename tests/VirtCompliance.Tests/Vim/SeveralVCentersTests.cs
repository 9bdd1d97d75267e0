using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Pci;
using VirtCompliance.Tests.Cmdlets;
using Xunit;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>
    /// Two simulators at once, as an estate with two vCenters: both have a datacenter DC0 with a cluster DC0_C0
    /// and hosts of the same names, so anything that keyed results by name alone would merge them.
    /// </summary>
    [Collection("vcsim")]
    public class SeveralVCentersTests
    {
        private static PSCredential Credential(VcsimServer sim)
        {
            var password = new System.Security.SecureString();
            foreach (var ch in sim.Password) password.AppendChar(ch);
            return new PSCredential(sim.User, password);
        }

        [Fact]
        public void Two_vCenters_are_collected_together_analysed_apart_and_named_in_every_result_and_the_report()
        {
            using var a = new VcsimServer();
            using var b = new VcsimServer();
            using var temp = new TempFolder();
            var nameA = a.Url.Authority;
            var nameB = b.Url.Authority;
            using var ps = CmdletTests.Shell();
            void Set(string name, object value) => ps.Runspace.SessionStateProxy.SetVariable(name, value);
            Set("urlA", a.Url.ToString()); Set("credA", Credential(a));
            Set("urlB", b.Url.ToString()); Set("credB", Credential(b));
            Set("report", Path.Combine(temp.Path, "estate.html"));
            Set("csv", Path.Combine(temp.Path, "estate.csv"));
            object[] Run(string script)
            {
                ps.Commands.Clear();
                ps.Streams.Error.Clear();
                ps.AddScript(script);
                var output = ps.Invoke().Select(o => o?.BaseObject).ToArray();
                Assert.True(ps.Streams.Error.Count == 0, string.Join("; ", ps.Streams.Error.Select(e => e.ToString())));
                return output!;
            }

            // Both connections are kept as defaults; the last is the default one.
            var connected = Run("$null = Connect-VirtServer -Server $urlA -Credential $credA -SkipCertificateCheck; $null = Connect-VirtServer -Server $urlB -Credential $credB -SkipCertificateCheck; " +
                "$global:DefaultVirtServers | ForEach-Object { $_.Url.Authority }; $global:DefaultVirtServer.Url.Authority");
            Assert.Equal(new object[] { nameA, nameB, nameB }, connected);

            // One collection from both: two inventories, each naming its own vCenter.
            var sources = Run("$invs = Get-VirtInventory; $invs | ForEach-Object { $_.VCenter.Name }");
            Assert.Equal(new object[] { nameA, nameB }, sources);

            // Every drift result names its vCenter; the same host name in both stays two results.
            var drift = Run("Get-HostControlDrift -Baseline scg -ControlId esx-9.ssh -IncludePass").OfType<HostControlDrift>().ToList();
            var both = new[] { nameA, nameB }.OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(both, drift.Select(d => d.VCenter).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray());
            var host = drift.First().Host;
            Assert.Equal(2, drift.Count(d => d.Host == host));
            // -Server takes names (as connected) and arrays of them.
            var one = Run("Get-HostControlDrift -Baseline scg -ControlId esx-9.ssh -IncludePass -Server " + nameA).OfType<HostControlDrift>().ToList();
            Assert.All(one, d => Assert.Equal(nameA, d.VCenter));
            Assert.Equal(drift.Count, Run($"Get-HostControlDrift -Baseline scg -ControlId esx-9.ssh -IncludePass -Server {nameA}, {nameB}").Length);

            // The two clusters named DC0_C0 are two summaries, one per vCenter.
            var summaries = Run("Test-PciSeparation -Summary").OfType<PciSeparationSummary>().Where(s => s.Cluster == "DC0_C0").ToList();
            Assert.Equal(both, summaries.Select(s => s.VCenter).OrderBy(n => n, StringComparer.Ordinal).ToArray());

            // The report names both vCenters and keeps the clusters apart.
            Run("Get-HostControlDrift -Baseline scg -ControlId esx-9.ssh -IncludePass | Export-ComplianceReport -Path $report -Inventory $invs; " +
                "Get-HostControlDrift -Baseline scg -ControlId esx-9.ssh -IncludePass | Export-ComplianceReport -Path $csv -Inventory $invs");
            var html = File.ReadAllText(Path.Combine(temp.Path, "estate.html"));
            Assert.Contains($"DC0_C0 ({nameA})", html);
            Assert.Contains($"DC0_C0 ({nameB})", html);
            Assert.Contains($"{host} ({nameA})", html);
            var rows = File.ReadAllLines(Path.Combine(temp.Path, "estate.csv"));
            Assert.StartsWith("Category,Rule,Object,Cluster,VCenter,", rows[0]);
            Assert.Contains(rows, r => r.Contains("," + nameA + ","));
            Assert.Contains(rows, r => r.Contains("," + nameB + ","));

            // A change goes to one server: with two connected, it asks which.
            ps.Commands.Clear();
            ps.AddScript("$ErrorActionPreference = 'Stop'; Repair-HostControlDrift -Baseline scg -ControlId esx-9.ssh -WhatIf");
            var ex = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());
            Assert.StartsWith("SeveralServers", ex.ErrorRecord.FullyQualifiedErrorId);
            // A name that is not connected is an error saying so.
            ps.Commands.Clear();
            ps.AddScript("$ErrorActionPreference = 'Stop'; Get-VirtInventory -Server not-connected.example");
            var notConnected = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());
            Assert.Contains("Not connected to 'not-connected.example'", notConnected.Message);

            // Disconnecting one leaves the other as the default.
            Run("$ErrorActionPreference = 'Continue'");
            Assert.Equal(new object[] { nameA }, Run($"Disconnect-VirtServer -Server {nameB} -Confirm:$false; $global:DefaultVirtServers | ForEach-Object {{ $_.Url.Authority }}"));
            Assert.Equal(new object[] { nameA }, Run("$global:DefaultVirtServer.Url.Authority"));
        }

        [Fact]
        public void A_vCenter_that_cannot_be_read_is_one_error_naming_it_and_the_other_is_still_analysed()
        {
            using var a = new VcsimServer();
            var b = new VcsimServer();
            try
            {
                using var ps = CmdletTests.Shell();
                ps.Runspace.SessionStateProxy.SetVariable("urlA", a.Url.ToString());
                ps.Runspace.SessionStateProxy.SetVariable("credA", Credential(a));
                ps.Runspace.SessionStateProxy.SetVariable("urlB", b.Url.ToString());
                ps.Runspace.SessionStateProxy.SetVariable("credB", Credential(b));
                ps.AddScript("$null = Connect-VirtServer -Server $urlA -Credential $credA -SkipCertificateCheck; $null = Connect-VirtServer -Server $urlB -Credential $credB -SkipCertificateCheck");
                ps.Invoke();
                b.Kill();
                ps.Commands.Clear();
                ps.AddScript("Get-HostControlDrift -Baseline scg -ControlId esx-9.ssh -IncludePass");
                var results = ps.Invoke().Select(o => o.BaseObject).OfType<HostControlDrift>().ToList();
                Assert.NotEmpty(results);
                Assert.All(results, r => Assert.Equal(a.Url.Authority, r.VCenter));
                var error = Assert.Single(ps.Streams.Error);
                Assert.Equal(b.Url.ToString(), error.TargetObject?.ToString());
            }
            finally
            {
                b.Dispose();
            }
        }
    }
}
