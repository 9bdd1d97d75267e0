using System;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Vim;
using Xunit;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>A server that accepts connections and never answers: the only way out of a call to it is cancellation.</summary>
    public sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly System.Collections.Concurrent.ConcurrentBag<TcpClient> _clients = new System.Collections.Concurrent.ConcurrentBag<TcpClient>();

        public SilentServer()
        {
            _listener.Start();
            Url = new Uri($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/sdk");
            _ = Task.Run(async () =>
            {
                try { while (true) _clients.Add(await _listener.AcceptTcpClientAsync()); }
                catch (ObjectDisposedException) { }
                catch (SocketException) { }
            });
        }

        public Uri Url { get; }

        public void Dispose()
        {
            _listener.Stop();
            foreach (var c in _clients) c.Dispose();
        }
    }

    public class CancellationTests
    {
        [Fact]
        public async Task Cancelling_a_call_to_a_server_that_never_answers_ends_it()
        {
            using (var server = new SilentServer())
            using (var cancel = new CancellationTokenSource())
            {
                var call = VimClient.ConnectAsync(server.Url, new NetworkCredential("u", "p"), new VimConnectionOptions { SkipCertificateCheck = true }, cancel.Token);
                Assert.False(call.IsCompleted);
                cancel.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            }
        }

        [Fact]
        public void Stopping_the_pipeline_stops_a_cmdlet_waiting_on_the_server()
        {
            using (var server = new SilentServer())
            using (var ps = System.Management.Automation.PowerShell.Create(Cmdlets.CmdletTests.ModuleState()))
            {
                ps.AddCommand("Connect-VirtServer").AddParameter("Server", server.Url.ToString())
                    .AddParameter("Credential", new PSCredential("u", new NetworkCredential("", "p").SecurePassword))
                    .AddParameter("SkipCertificateCheck");
                var running = ps.BeginInvoke();
                ps.Stop();
                Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(running));
                Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            }
        }
    }
}
