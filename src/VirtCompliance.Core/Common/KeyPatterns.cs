using System;
using System.Collections.Generic;
using System.Linq;

namespace VirtCompliance.Common
{
    /// <summary>
    /// A set of keys and wildcard patterns (VMX advanced setting keys, say), compared
    /// case-insensitively: built once, then asked per key without compiling anything again.
    /// </summary>
    public sealed class KeyPatterns
    {
        private readonly HashSet<string> _exact;
        private readonly Func<string?, bool>? _wildcards;

        public KeyPatterns(IEnumerable<string> keysAndPatterns)
        {
            Items = keysAndPatterns.Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(k => k, StringComparer.Ordinal).ToArray();
            // A pattern is also its own key: asking whether "ethernet*.filter*.name*" was read is asking for that pattern.
            _exact = new HashSet<string>(Items, StringComparer.OrdinalIgnoreCase);
            _wildcards = NameFilter.Create(Items.Where(NameFilter.HasWildcards).ToArray());
        }

        /// <summary>The keys and patterns, sorted, each once.</summary>
        public IReadOnlyList<string> Items { get; }

        /// <summary>True for a key that is one of the keys, or that a pattern matches.</summary>
        public bool Covers(string key) => _exact.Contains(key) || (_wildcards != null && _wildcards(key));
    }
}
