using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using VirtCompliance.Tests.Vim;
using Xunit;

namespace VirtCompliance.Tests.Cmdlets
{
    /// <summary>
    /// A progress bar a cmdlet shows is completed when the cmdlet is done with it, or the host keeps
    /// drawing it. The server here holds its login answer until the cmdlet has shown its bar, so the
    /// bar is shown whatever the machine's speed.
    /// </summary>
    public class ProgressTests
    {
        private static (PSDataCollection<ProgressRecord> progress, Exception error) ConnectWhileLoginWaits(Func<string, int, HostileAnswer> answer)
        {
            using var barShown = new ManualResetEventSlim();
            // The wait is only a safety net against a hang: a bar that never shows fails the assertions below.
            using var server = new HostileServer((m, n) =>
            {
                if (m == "Login") barShown.Wait(TimeSpan.FromMinutes(2));
                return answer(m, n);
            });
            using var ps = CmdletTests.Shell();
            ps.Streams.Progress.DataAdded += (_, _) => barShown.Set();
            ps.Runspace.SessionStateProxy.SetVariable("url", server.Url.ToString());
            ps.Runspace.SessionStateProxy.SetVariable("tp", server.Thumbprint);
            ps.Runspace.SessionStateProxy.SetVariable("cred", new PSCredential("auditor", new System.Net.NetworkCredential("", "S3cret-Pa55").SecurePassword));
            ps.AddScript("$ErrorActionPreference = 'Stop'; Connect-VirtServer -Server $url -Credential $cred -CertificateThumbprint $tp -NotDefault");
            Exception error = null;
            try { ps.Invoke(); }
            catch (RuntimeException ex) { error = ex; }
            return (ps.Streams.Progress, error);
        }

        private static void AssertCompleted(PSDataCollection<ProgressRecord> progress)
        {
            var shown = progress.Where(r => r.RecordType == ProgressRecordType.Processing).ToList();
            Assert.NotEmpty(shown);
            foreach (var activity in shown.Select(r => r.ActivityId).Distinct())
                Assert.Equal(ProgressRecordType.Completed, progress.Last(r => r.ActivityId == activity).RecordType);
        }

        [Fact]
        public void Connect_VirtServer_completes_the_progress_bar_it_showed()
        {
            var (progress, error) = ConnectWhileLoginWaits(HostileServer.Behave);
            Assert.Null(error);
            AssertCompleted(progress);
            Assert.Contains(progress, r => r.Activity == "Connect-VirtServer" && r.StatusDescription.StartsWith("Logging in to", StringComparison.Ordinal));
        }

        [Fact]
        public void Connect_VirtServer_completes_its_progress_bar_when_the_login_is_refused()
        {
            var (progress, error) = ConnectWhileLoginWaits(HostileServer.Until("Login",
                _ => new HostileAnswer { Status = 500, Body = System.Text.Encoding.UTF8.GetBytes(HostileServer.Recorded("10-fault-InvalidLogin.response.xml")) }));
            var refused = Assert.IsAssignableFrom<RuntimeException>(error);
            Assert.StartsWith("InvalidLogin", refused.ErrorRecord.FullyQualifiedErrorId);
            AssertCompleted(progress);
        }
    }
}
