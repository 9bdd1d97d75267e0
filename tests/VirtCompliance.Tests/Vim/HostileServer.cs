using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>What a misbehaving vCenter answers to one request.</summary>
    public sealed class HostileAnswer
    {
        public int Status { get; set; } = 200;
        public string ContentType { get; set; } = "text/xml; charset=utf-8";
        public byte[] Body { get; set; } = Array.Empty<byte>();
        /// <summary>Announced instead of the body's real length (a body that never arrives in full).</summary>
        public long? ContentLength { get; set; }
        /// <summary>"gzip": the body is sent compressed and said to be.</summary>
        public string ContentEncoding { get; set; }
        public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>();
        /// <summary>Writes the body a byte at a time with this pause (a trickle).</summary>
        public TimeSpan? Trickle { get; set; }
        /// <summary>After the headers (and the body, if any), sends nothing more and keeps the connection open.</summary>
        public bool Stall { get; set; }

        public static HostileAnswer Xml(string xml) => new HostileAnswer { Body = Encoding.UTF8.GetBytes(xml) };
    }

    /// <summary>
    /// A vCenter that lies: an HTTPS server on 127.0.0.1 (a self-signed certificate the test pins by
    /// thumbprint) that answers each SOAP request with what the test's function says, however broken.
    /// It counts the requests by method, so a test can tell what the client sent. Stopped on Dispose.
    /// </summary>
    public sealed class HostileServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly Func<string, int, HostileAnswer> _answer;
        private readonly X509Certificate2 _certificate;
        private readonly ConcurrentBag<TcpClient> _clients = new ConcurrentBag<TcpClient>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private int _requests;

        /// <param name="answer">The answer to a request, given its SOAP method and how many requests came before it.</param>
        public HostileServer(Func<string, int, HostileAnswer> answer)
        {
            _answer = answer;
            _certificate = SharedCertificate.Value;
            Thumbprint = string.Join(":", _certificate.GetCertHash().Select(b => b.ToString("X2")));
            _listener.Start();
            Url = new Uri($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/sdk");
            _ = Task.Run(AcceptAsync);
        }

        public Uri Url { get; }
        /// <summary>SHA-1 of the server certificate, as -CertificateThumbprint takes it.</summary>
        public string Thumbprint { get; }
        public ConcurrentQueue<string> Methods { get; } = new ConcurrentQueue<string>();
        public int Requests => Volatile.Read(ref _requests);

        /// <summary>The recorded answers of the simulator, for the requests that should go well.</summary>
        public static string Recorded(string name) => File.ReadAllText(Path.Combine(Lab.FixturesFolder, "vim25-wire", name));

        /// <summary>A SOAP envelope around a body element.</summary>
        public static string Envelope(string body) =>
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" " +
            "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>" + body + "</soapenv:Body></soapenv:Envelope>";

        /// <summary>What a well-behaved server answers (the simulator's recorded answers, or an empty response).</summary>
        public static HostileAnswer Behave(string method, int n) => Until(null, null)(method, n);

        /// <summary>The answers of a server that behaves until <paramref name="method"/>, which gets <paramref name="hostile"/>.</summary>
        public static Func<string, int, HostileAnswer> Until(string method, Func<int, HostileAnswer> hostile) => (m, n) =>
        {
            if (m == method) return hostile(n);
            switch (m)
            {
                case "RetrieveServiceContent": return HostileAnswer.Xml(Recorded("01-RetrieveServiceContent.response.xml"));
                case "Login": return HostileAnswer.Xml(Recorded("02-Login.response.xml"));
                case "CreateContainerView": return HostileAnswer.Xml(Recorded("03-CreateContainerView.response.xml"));
                default: return HostileAnswer.Xml(Envelope($"<{m}Response xmlns=\"urn:vim25\"/>"));
            }
        };

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync();
                    _clients.Add(client);
                    _ = Task.Run(() => ServeAsync(client));
                }
            }
            catch (ObjectDisposedException) { }
            catch (SocketException) { }
        }

        private async Task ServeAsync(TcpClient client)
        {
            try
            {
                using (var tls = new SslStream(client.GetStream(), false))
                {
                    await tls.AuthenticateAsServerAsync(_certificate);
                    while (!_stop.IsCancellationRequested)
                    {
                        var request = await ReadRequestAsync(tls);
                        if (request == null) return;
                        var (requestLine, body) = request.Value;
                        // A SOAP request is named by its method; a REST one (the CIS API) by its verb and path.
                        var soap = Regex.Match(body, @"<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)");
                        var method = soap.Success ? soap.Groups[1].Value : string.Join(" ", requestLine.Split(' ').Take(2));
                        Methods.Enqueue(method);
                        var answer = _answer(method, Interlocked.Increment(ref _requests) - 1);
                        if (!await WriteAnswerAsync(tls, answer)) return;
                    }
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
            catch (System.Security.Authentication.AuthenticationException) { }
        }

        /// <summary>The request line and body of the next request on the connection, or null when the client closed it.</summary>
        private static async Task<(string requestLine, string body)?> ReadRequestAsync(Stream stream)
        {
            var head = new MemoryStream();
            var one = new byte[1];
            while (!EndsWithBlankLine(head))
            {
                if (await stream.ReadAsync(one, 0, 1) == 0) return null;
                head.WriteByte(one[0]);
                if (head.Length > 65536) return null;
            }
            var headers = Encoding.ASCII.GetString(head.ToArray());
            var length = Regex.Match(headers, @"(?im)^content-length:\s*(\d+)");
            var body = new byte[length.Success ? int.Parse(length.Groups[1].Value) : 0];
            for (var read = 0; read < body.Length;)
            {
                var n = await stream.ReadAsync(body, read, body.Length - read);
                if (n == 0) return null;
                read += n;
            }
            return (headers.Substring(0, Math.Max(0, headers.IndexOf('\r'))), Encoding.UTF8.GetString(body));
        }

        private static bool EndsWithBlankLine(MemoryStream s)
        {
            if (s.Length < 4) return false;
            var b = s.GetBuffer();
            var n = (int)s.Length;
            return b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n';
        }

        /// <summary>Writes the answer; false when the connection is to be left as it is (stalled).</summary>
        private async Task<bool> WriteAnswerAsync(Stream stream, HostileAnswer answer)
        {
            var body = answer.Body;
            if (answer.ContentEncoding == "gzip")
            {
                var packed = new MemoryStream();
                using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(body, 0, body.Length);
                body = packed.ToArray();
            }
            var head = new StringBuilder();
            head.Append($"HTTP/1.1 {answer.Status} {(answer.Status == 200 ? "OK" : answer.Status == 500 ? "Internal Server Error" : "Other")}\r\n");
            head.Append($"Content-Type: {answer.ContentType}\r\n");
            head.Append($"Content-Length: {answer.ContentLength ?? body.Length}\r\n");
            if (answer.ContentEncoding != null) head.Append($"Content-Encoding: {answer.ContentEncoding}\r\n");
            foreach (var h in answer.Headers) head.Append($"{h.Key}: {h.Value}\r\n");
            head.Append("\r\n");
            var bytes = Encoding.ASCII.GetBytes(head.ToString());
            await stream.WriteAsync(bytes, 0, bytes.Length);
            if (answer.Trickle is TimeSpan pause)
            {
                foreach (var b in body)
                {
                    if (_stop.IsCancellationRequested) return false;
                    await stream.WriteAsync(new[] { b }, 0, 1);
                    await stream.FlushAsync();
                    await Task.Delay(pause, _stop.Token);
                }
            }
            else await stream.WriteAsync(body, 0, body.Length);
            await stream.FlushAsync();
            if (answer.Stall)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return false;
            }
            return true;
        }

        /// <summary>One certificate for every hostile server of the run: making an RSA key takes a while.</summary>
        private static readonly Lazy<X509Certificate2> SharedCertificate = new Lazy<X509Certificate2>(CreateCertificate);

        private static X509Certificate2 CreateCertificate()
        {
            using (var key = RSA.Create(2048))
            {
                var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using (var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)))
                    // SslStream on Linux wants the key in a PFX round trip, not an ephemeral one.
                    return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            foreach (var c in _clients) c.Dispose();
        }
    }
}
