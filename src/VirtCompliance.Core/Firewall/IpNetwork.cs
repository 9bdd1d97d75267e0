using System;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using VirtCompliance.Common;

namespace VirtCompliance.Firewall
{
    /// <summary>An IPv4 or IPv6 address block ("10.0.0.0/24", "fd00::/64") or a single address.</summary>
    public sealed class IpNetwork
    {
        private readonly byte[] _prefix;
        private readonly int _length;

        private IpNetwork(byte[] prefix, int length, string text)
        {
            _prefix = prefix;
            _length = length;
            Text = text;
        }

        public string Text { get; }

        public override string ToString() => Text;

        /// <summary>Reads "address" or "address/length"; false when the text is neither.</summary>
        public static bool TryParse(string? text, [NotNullWhen(true)] out IpNetwork? network)
        {
            network = null;
            if (Strings.IsNullOrWhiteSpace(text)) return false;
            var t = text.Trim();
            var slash = t.IndexOf('/');
            if (!IPAddress.TryParse(slash < 0 ? t : t.Substring(0, slash), out var address)) return false;
            var bytes = address.GetAddressBytes();
            var length = bytes.Length * 8;
            if (slash >= 0 && (!int.TryParse(t.Substring(slash + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out length) || length > bytes.Length * 8))
                return false;
            network = new IpNetwork(bytes, length, t);
            return true;
        }

        /// <summary>True when the address lies in this block. Addresses of the other IP family never do.</summary>
        public bool Contains(IPAddress address)
        {
            var bytes = address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6 && _prefix.Length == 4
                ? address.MapToIPv4().GetAddressBytes()
                : address.GetAddressBytes();
            if (bytes.Length != _prefix.Length) return false;
            var whole = _length / 8;
            for (int i = 0; i < whole; i++)
                if (bytes[i] != _prefix[i]) return false;
            var rest = _length % 8;
            if (rest == 0) return true;
            var mask = (byte)(0xFF << (8 - rest));
            return (bytes[whole] & mask) == (_prefix[whole] & mask);
        }
    }
}
