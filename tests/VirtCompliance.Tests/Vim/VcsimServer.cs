using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

// Shared by the tests and the benchmark (bench/VirtCompliance.Bench links this file).
namespace VirtCompliance.Tests.Vim
{
    /// <summary>
    /// The vCenter simulator (out/vcsim/vcsim, built by build.ps1 Vcsim) on 127.0.0.1 and a free
    /// port, with its own random password; stopped by Dispose, pass or fail, and by the simulator
    /// itself when this process dies (it exits when its stdin closes).
    /// </summary>
    public sealed class VcsimServer : IDisposable
    {
        public static string BinaryPath => Path.Combine(RepositoryRoot, "out", "vcsim", "vcsim");

        /// <summary>The folder holding VirtCompliance.sln, found upwards from the running binaries.</summary>
        public static string RepositoryRoot
        {
            get
            {
                var dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir != null && !File.Exists(Path.Combine(dir.FullName, "VirtCompliance.sln"))) dir = dir.Parent;
                return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
            }
        }

        private readonly Process _process;
        private readonly StringBuilder _stderr = new StringBuilder();

        public VcsimServer(params string[] args)
        {
            if (!File.Exists(BinaryPath))
                throw new InvalidOperationException($"The vCenter simulator is not built ({BinaryPath}); run 'dotnet pwsh ./build.ps1 Vcsim' (build.ps1 Test does it).");
            User = "vc-admin";
            Password = "pw-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('/', '_').Replace('+', '-');
            var psi = new ProcessStartInfo(BinaryPath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "-l", "127.0.0.1:0", "-username", User, "-password", Password, "-exit-on-stdin-close" }) psi.ArgumentList.Add(a);
            foreach (var a in args) psi.ArgumentList.Add(a);
            _process = Process.Start(psi);
            _process.ErrorDataReceived += (_, e) => { lock (_stderr) _stderr.AppendLine(e.Data); };
            _process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(120);
            string line;
            while ((line = ReadLine(deadline)) != null)
            {
                if (line.StartsWith("VCSIM_URL=", StringComparison.Ordinal)) Url = new Uri(line.Substring(10));
                else if (line.StartsWith("VCSIM_THUMBPRINT=", StringComparison.Ordinal)) Thumbprint = line.Substring(17);
                else if (line == "VCSIM_READY") break;
            }
            if (line == null || Url == null)
            {
                Dispose();
                throw new InvalidOperationException($"The simulator did not start: {Stderr}");
            }
            if (Url.Host != "127.0.0.1") throw new InvalidOperationException($"The simulator listens on {Url.Host}, not on loopback.");
        }

        public Uri Url { get; private set; }
        public string Thumbprint { get; private set; }
        public string User { get; }
        public string Password { get; }
        public System.Net.NetworkCredential Credential => new System.Net.NetworkCredential(User, Password);

        public string Stderr
        {
            get { lock (_stderr) return _stderr.ToString(); }
        }

        private string ReadLine(DateTime deadline)
        {
            var task = _process.StandardOutput.ReadLineAsync();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !task.Wait(left)) return null;
            return task.Result;
        }

        /// <summary>Kills the simulator now, as a crash would.</summary>
        public void Kill()
        {
            if (_process.HasExited) return;
            _process.Kill(true);
            _process.WaitForExit(10000);
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.StandardInput.Close();
                    if (!_process.WaitForExit(5000)) Kill();
                }
            }
            finally
            {
                _process.Dispose();
            }
        }
    }
}
