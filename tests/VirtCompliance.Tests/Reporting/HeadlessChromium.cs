using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace VirtCompliance.Tests.Reporting
{
    /// <summary>
    /// Debian's Chromium, headless, driven over the DevTools protocol on 127.0.0.1 (a free port chosen
    /// by Chromium itself). It records every network request and every failed load of the page it opens,
    /// so a test can prove a report loads nothing from anywhere. Disposing kills the browser, pass or fail.
    /// </summary>
    public sealed class HeadlessChromium : IDisposable
    {
        public const string BinaryPath = "/usr/bin/chromium";

        private readonly Process _process;
        private readonly string _profile;
        private readonly ClientWebSocket _socket = new ClientWebSocket();
        private readonly ConcurrentDictionary<int, TaskCompletionSource<JObject>> _pending = new ConcurrentDictionary<int, TaskCompletionSource<JObject>>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Task _reader;
        private int _nextId;
        private string _session;
        private TaskCompletionSource<bool> _loaded;

        /// <summary>URLs the page asked for, the document included.</summary>
        public List<string> Requests { get; } = new List<string>();
        /// <summary>Loads that failed: "url: reason".</summary>
        public List<string> FailedLoads { get; } = new List<string>();
        /// <summary>Console and browser log entries at level error.</summary>
        public List<string> Errors { get; } = new List<string>();

        public HeadlessChromium()
        {
            if (!File.Exists(BinaryPath))
                throw new InvalidOperationException($"{BinaryPath} is missing; 'dotnet pwsh ./build.ps1 Test' installs Debian's chromium package when run as root (apt-get install chromium).");
            _profile = Path.Combine(Path.GetTempPath(), "vc-chromium-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_profile);
            var psi = new ProcessStartInfo(BinaryPath) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            // The background-networking flags keep Chromium from reaching out on its own; the page test then sees only the page's requests.
            foreach (var a in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--user-data-dir=" + _profile,
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank",
            }) psi.ArgumentList.Add(a);
            _process = Process.Start(psi);
            _process.OutputDataReceived += (_, __) => { };
            _process.BeginOutputReadLine();
            var endpoint = ReadEndpoint(TimeSpan.FromSeconds(60));
            _socket.ConnectAsync(endpoint, CancellationToken.None).GetAwaiter().GetResult();
            _reader = Task.Run(ReadLoop);
        }

        private Uri ReadEndpoint(TimeSpan timeout)
        {
            // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr; all of stderr is drained so it never blocks on a full pipe.
            const string marker = "DevTools listening on ";
            var endpoint = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            var seen = new StringBuilder();
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data == null) { endpoint.TrySetResult(null); return; }
                lock (seen) seen.AppendLine(e.Data);
                var at = e.Data.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0) endpoint.TrySetResult(new Uri(e.Data.Substring(at + marker.Length).Trim()));
            };
            _process.BeginErrorReadLine();
            if (endpoint.Task.Wait(timeout) && endpoint.Task.Result != null) return endpoint.Task.Result;
            lock (seen) throw new InvalidOperationException("Chromium did not report its DevTools endpoint. Its output:\n" + seen);
        }

        /// <summary>Opens a file in a new tab and waits for its load event.</summary>
        public void Open(string path, int width = 1280, int height = 900)
        {
            var target = Send("Target.createTarget", new JObject { ["url"] = "about:blank" }, browserLevel: true);
            _session = (string)Send("Target.attachToTarget", new JObject { ["targetId"] = target["targetId"], ["flatten"] = true }, browserLevel: true)["sessionId"];
            Send("Network.enable");
            Send("Page.enable");
            Send("Log.enable");
            Send("Runtime.enable");
            Send("Emulation.setDeviceMetricsOverride", new JObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
            _loaded = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var navigation = Send("Page.navigate", new JObject { ["url"] = new Uri(path).AbsoluteUri });
            if (navigation["errorText"] != null) throw new InvalidOperationException($"Chromium could not open {path}: {navigation["errorText"]}");
            if (!_loaded.Task.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException($"Chromium did not finish loading {path}.");
        }

        /// <summary>Evaluates a JavaScript expression in the page and returns its value.</summary>
        public JToken Evaluate(string expression)
        {
            var result = Send("Runtime.evaluate", new JObject { ["expression"] = expression, ["returnByValue"] = true });
            if (result["exceptionDetails"] != null) throw new InvalidOperationException($"'{expression}' threw: {result["exceptionDetails"]}");
            return result["result"]?["value"];
        }

        /// <summary>A PNG of the page's first screen.</summary>
        public byte[] Screenshot() => Convert.FromBase64String((string)Send("Page.captureScreenshot", new JObject { ["format"] = "png" })["data"]);

        /// <summary>The page printed to PDF, as Chromium's print dialog would.</summary>
        public byte[] PrintToPdf() => Convert.FromBase64String((string)Send("Page.printToPDF", new JObject { ["preferCSSPageSize"] = true, ["printBackground"] = true })["data"]);

        private JObject Send(string method, JObject parameters = null, bool browserLevel = false)
        {
            var id = Interlocked.Increment(ref _nextId);
            var message = new JObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JObject() };
            if (!browserLevel && _session != null) message["sessionId"] = _session;
            var reply = new TaskCompletionSource<JObject>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = reply;
            var bytes = Encoding.UTF8.GetBytes(message.ToString(Newtonsoft.Json.Formatting.None));
            lock (_socket) _socket.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, CancellationToken.None).GetAwaiter().GetResult();
            if (!reply.Task.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException($"Chromium did not answer {method}.");
            var answer = reply.Task.Result;
            if (answer["error"] != null) throw new InvalidOperationException($"{method} failed: {answer["error"]}");
            return (JObject)answer["result"];
        }

        private async Task ReadLoop()
        {
            var buffer = new byte[1 << 16];
            var message = new MemoryStream();
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var part = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), _stop.Token).ConfigureAwait(false);
                    if (part.MessageType == WebSocketMessageType.Close) break;
                    message.Write(buffer, 0, part.Count);
                    if (!part.EndOfMessage) continue;
                    var json = JObject.Parse(Encoding.UTF8.GetString(message.ToArray()));
                    message.SetLength(0);
                    Dispatch(json);
                }
            }
            catch (OperationCanceledException) { /* Dispose stops the loop. */ }
            catch (WebSocketException) { /* The browser went away; pending calls time out with the method named. */ }
        }

        private void Dispatch(JObject json)
        {
            if (json["id"] != null && _pending.TryRemove((int)json["id"], out var reply)) { reply.TrySetResult(json); return; }
            var p = json["params"];
            switch ((string)json["method"])
            {
                case "Network.requestWillBeSent":
                    lock (Requests) Requests.Add((string)p["request"]["url"]);
                    break;
                case "Network.loadingFailed":
                    lock (FailedLoads) FailedLoads.Add($"{p["requestId"]}: {p["errorText"]}" + (p["blockedReason"] != null ? $" ({p["blockedReason"]})" : ""));
                    break;
                case "Log.entryAdded":
                    if ((string)p["entry"]["level"] == "error") lock (Errors) Errors.Add($"{p["entry"]["url"]}: {p["entry"]["text"]}");
                    break;
                case "Runtime.exceptionThrown":
                    lock (Errors) Errors.Add("exception: " + p["exceptionDetails"]?["text"]);
                    break;
                case "Page.loadEventFired":
                    _loaded?.TrySetResult(true);
                    break;
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already gone */ }
            _process.WaitForExit(10000);
            _process.Dispose();
            _socket.Dispose();
            try { Directory.Delete(_profile, recursive: true); } catch (IOException) { /* Chromium's children may still hold a file for a moment; the temp folder is cleaned by the OS. */ }
        }
    }
}
