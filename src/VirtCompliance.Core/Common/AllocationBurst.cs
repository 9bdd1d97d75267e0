using System;
using System.Runtime;

namespace VirtCompliance.Common
{
    /// <summary>
    /// A stretch of work that builds a large graph of objects that all stay alive (an inventory read from a
    /// snapshot), run without garbage collections where the runtime allows it. Collections during such a
    /// build find nothing to free and copy every new object twice on its way to the oldest generation: at
    /// 100,000 VMs that was half the read's time. Where the runtime refuses (the size is beyond what it
    /// reserves, as on .NET Framework, or another such stretch is running), the work runs as usual.
    /// </summary>
    public sealed class AllocationBurst : IDisposable
    {
        /// <summary>Below this, collections cost too little to be worth asking.</summary>
        public const long WorthItAbove = 16L << 20;

        private readonly bool _started;

        private AllocationBurst(bool started) { _started = started; }

        /// <summary>Asks the runtime for a stretch without collections for about this many bytes of allocations.</summary>
        public static AllocationBurst Begin(long expectedBytes)
        {
            if (expectedBytes < WorthItAbove) return new AllocationBurst(false);
            try
            {
                // Never at the price of a full collection first: with a large heap alive, that costs what it saves.
                return new AllocationBurst(GC.TryStartNoGCRegion(expectedBytes, disallowFullBlockingGC: true));
            }
            catch (ArgumentOutOfRangeException)
            {
                // More than this runtime reserves for one stretch: collections as usual.
                return new AllocationBurst(false);
            }
            catch (InvalidOperationException)
            {
                // Another thread's stretch is running: this one shares it, or runs with collections once it ends.
                return new AllocationBurst(false);
            }
        }

        public void Dispose()
        {
            // A stretch that outgrew its size ended by itself with a collection; only one still in force is ended.
            if (_started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
    }
}
