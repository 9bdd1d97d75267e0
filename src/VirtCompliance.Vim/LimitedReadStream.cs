using System;
using System.IO;

namespace VirtCompliance.Vim
{
    /// <summary>A read-only stream that refuses to give more than a set number of bytes: an answer that expands without end (a gzip bomb) stops here.</summary>
    internal sealed class LimitedReadStream : Stream
    {
        private readonly Stream _inner;
        private readonly long _limit;
        private long _read;

        public LimitedReadStream(Stream inner, long limit)
        {
            _inner = inner;
            _limit = limit;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = _inner.Read(buffer, offset, count);
            _read += n;
            if (_read > _limit) throw new LimitExceededException(_limit);
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>An answer was larger than the limit set for it.</summary>
    internal sealed class LimitExceededException : IOException
    {
        public LimitExceededException(long limit) : base($"more than {limit} bytes") { Limit = limit; }

        public long Limit { get; }
    }
}
