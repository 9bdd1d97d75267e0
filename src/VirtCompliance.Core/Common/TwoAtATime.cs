using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks;

namespace VirtCompliance.Common
{
    /// <summary>
    /// Work items run two at a time (one per core of a small machine; more would only contend for memory bandwidth).
    /// Every item that started has finished when it returns; after a failure no further item starts, and the failure is
    /// thrown as itself (the first one), as it would be from the items run one after another: a caller's error handling
    /// is the same either way.
    /// </summary>
    internal static class TwoAtATime
    {
        public static void Run(IReadOnlyList<Action> work)
        {
            try
            {
                Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => work[i]());
            }
            catch (AggregateException failed)
            {
                ExceptionDispatchInfo.Capture(failed.InnerExceptions[0]).Throw();
            }
        }

        /// <summary>Each item's result, in the items' order.</summary>
        public static T[] Run<T>(IReadOnlyList<Func<T>> work)
        {
            var results = new T[work.Count];
            var actions = new Action[work.Count];
            for (var i = 0; i < work.Count; i++)
            {
                var n = i;
                actions[n] = () => results[n] = work[n]();
            }
            Run(actions);
            return results;
        }
    }
}
