using System;
using System.IO;
using System.Security.Cryptography;

namespace VirtCompliance.Common
{
    /// <summary>
    /// A write-only stream that hashes (SHA-256) what passes through it on its way to another stream, or to
    /// nowhere: a file's hash is known when it is written, without holding the file in memory or reading it back.
    /// </summary>
    public sealed class HashingStream : Stream
    {
        private readonly Stream? _inner;
        private readonly SHA256 _sha = SHA256.Create();
        private long _length;
        private string? _hash;

        /// <summary>Hashes what is written and passes it on to <paramref name="inner"/> (null: to nowhere). The inner stream is not disposed.</summary>
        public HashingStream(Stream? inner) { _inner = inner; }

        /// <summary>The SHA-256 of everything written, in lower-case hex; writing after reading it is an error.</summary>
        public string Sha256Hex
        {
            get
            {
                if (_hash == null)
                {
                    _sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
                    _hash = AtomicFile.ToHex(_sha.Hash!);
                }
                return _hash;
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_hash != null) throw new InvalidOperationException("The hash has been read: nothing more can be written.");
            _sha.TransformBlock(buffer, offset, count, null, 0);
            _inner?.Write(buffer, offset, count);
            _length += count;
        }

        public override void Flush() => _inner?.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _sha.Dispose();
            base.Dispose(disposing);
        }
    }
}
