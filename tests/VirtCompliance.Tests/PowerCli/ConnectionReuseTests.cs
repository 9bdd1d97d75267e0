using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using VirtCompliance.Tests.Cmdlets;
using VirtCompliance.Tests.Vim;
using VirtCompliance.Vim;
using Xunit;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Tests.PowerCli
{
    /// <summary>Connect-VirtServer -ViServer against the simulator: a session another client logged in (as PowerCLI does) is reused, never logged out.</summary>
    [Collection("vcsim")]
    public class ConnectionReuseTests
    {
        /// <summary>A VIServer as Connect-VIServer returns it, around a session that client logged in.</summary>
        private static PSObject ViServer(VcsimServer sim, string sessionSecret, bool connected = true)
        {
            var vi = new PSObject();
            vi.TypeNames.Insert(0, "VMware.VimAutomation.ViCore.Impl.V1.VIServerImpl");
            vi.Properties.Add(new PSNoteProperty("Name", sim.Url.Host));
            vi.Properties.Add(new PSNoteProperty("Port", sim.Url.Port));
            vi.Properties.Add(new PSNoteProperty("ServiceUri", sim.Url));
            vi.Properties.Add(new PSNoteProperty("SessionSecret", sessionSecret));
            vi.Properties.Add(new PSNoteProperty("IsConnected", connected));
            vi.Properties.Add(new PSNoteProperty("User", sim.User));
            return vi;
        }

        private static VimClient Login(VcsimServer sim) =>
            VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None).GetAwaiter().GetResult();

        [Fact]
        public void A_PowerCLI_session_is_reused_for_collection_and_left_logged_in()
        {
            using var sim = new VcsimServer();
            using var powerCli = Login(sim);
            var vi = ViServer(sim, powerCli.SessionCookie);
            var (output, errors) = CmdletTests.Run(
                "$c = Connect-VirtServer -ViServer $vi -SkipCertificateCheck; $c.User; (Get-VirtInventory -WarningAction SilentlyContinue).Vms.Count; Disconnect-VirtServer -Confirm:$false; $null -eq $global:DefaultVirtServer",
                ("vi", vi));
            Assert.Empty(errors);
            Assert.Equal(sim.User, output[0]);
            Assert.True((int)output[1] > 0);
            Assert.True((bool)output[2]);
            // The owner's session is still logged in: it can still read.
            var session = powerCli.RetrieveObjectAsync(powerCli.SessionManager, new[] { "currentSession" }, CancellationToken.None).GetAwaiter().GetResult();
            Assert.NotNull(session?["currentSession"]);
        }

        [Fact]
        public void Without_parameters_PowerCLIs_default_connection_is_used()
        {
            using var sim = new VcsimServer();
            using var powerCli = Login(sim);
            var (output, errors) = CmdletTests.Run("$global:DefaultVIServer = $vi; (Connect-VirtServer -SkipCertificateCheck).Url.Port", ("vi", ViServer(sim, powerCli.SessionCookie)));
            Assert.Empty(errors);
            Assert.Equal(sim.Url.Port, (int)output[0]);
        }

        [Fact]
        public void An_ended_session_an_untrusted_certificate_and_a_closed_connection_are_clear_errors()
        {
            using var sim = new VcsimServer();
            string stale;
            using (var powerCli = Login(sim))
            {
                stale = powerCli.SessionCookie;
                powerCli.LogoutAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            var ex = Assert.ThrowsAny<RuntimeException>(() => Invoke("Connect-VirtServer -ViServer $vi -SkipCertificateCheck", ViServer(sim, stale)));
            Assert.Equal("SessionNotValid", ex.ErrorRecord.FullyQualifiedErrorId.Split(',')[0]);
            Assert.DoesNotContain(stale, ex.Message);

            using var live = Login(sim);
            ex = Assert.ThrowsAny<RuntimeException>(() => Invoke("Connect-VirtServer -ViServer $vi", ViServer(sim, live.SessionCookie)));
            Assert.Equal("CertificateNotTrusted", ex.ErrorRecord.FullyQualifiedErrorId.Split(',')[0]);

            ex = Assert.ThrowsAny<RuntimeException>(() => Invoke("Connect-VirtServer -ViServer $vi -SkipCertificateCheck", ViServer(sim, live.SessionCookie, connected: false)));
            Assert.Equal("NotConnected", ex.ErrorRecord.FullyQualifiedErrorId.Split(',')[0]);

            var noSecret = ViServer(sim, live.SessionCookie);
            noSecret.Properties.Remove("SessionSecret");
            ex = Assert.ThrowsAny<RuntimeException>(() => Invoke("Connect-VirtServer -ViServer $vi -SkipCertificateCheck", noSecret));
            Assert.Contains("'SessionSecret'", ex.Message);
        }

        private static void Invoke(string script, PSObject vi)
        {
            using var ps = System.Management.Automation.PowerShell.Create(CmdletTests.ModuleState());
            ps.Runspace.SessionStateProxy.SetVariable("vi", vi);
            ps.AddScript("$ErrorActionPreference = 'Stop'; " + script);
            ps.Invoke();
        }
    }
}
