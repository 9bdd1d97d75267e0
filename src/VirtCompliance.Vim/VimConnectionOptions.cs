using System;

namespace VirtCompliance.Vim
{
    /// <summary>How to reach a vCenter or ESXi host.</summary>
    public sealed class VimConnectionOptions
    {
        /// <summary>Accept any server certificate. Off by default: certificates are validated.</summary>
        public bool SkipCertificateCheck { get; set; }

        /// <summary>Accept this certificate (SHA-1 or SHA-256, hex, colons optional) even if no trusted chain vouches for it.</summary>
        public string? CertificateThumbprint { get; set; }

        /// <summary>The longest one request may take, from sending it to the last byte of the answer.</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>Objects per RetrievePropertiesEx page.</summary>
        public int PageSize { get; set; } = 1000;

        /// <summary>Connect over plain http:// (the password crosses the network readable). Off: only https is used.</summary>
        public bool AllowInsecureHttp { get; set; }

        /// <summary>The largest answer read, after decompression: a page of 1,000 VMs is about 10 MB.</summary>
        public long MaxResponseBytes { get; set; } = 512L * 1024 * 1024;

        /// <summary>The most pages one retrieval may take; a server that keeps answering with more is refused.</summary>
        public int MaxPages { get; set; } = 10_000;
    }

    /// <summary>The server could not be reached or refused the connection (network, TLS, HTTP); the message says which and what to do.</summary>
    public sealed class VimConnectionException : Exception
    {
        public VimConnectionException(string message, Exception? inner = null) : base(message, inner) { }
    }
}
