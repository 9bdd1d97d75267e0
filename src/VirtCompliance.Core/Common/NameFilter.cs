using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace VirtCompliance.Common
{
    /// <summary>Case-insensitive name matching with * and ? wildcards, as PowerShell users expect.</summary>
    public static class NameFilter
    {
        /// <summary>A predicate matching any of the patterns (never a null name); null when there are none (no filter).</summary>
        public static Func<string?, bool>? Create(IReadOnlyCollection<string>? patterns)
        {
            if (patterns == null || patterns.Count == 0) return null;
            var regexes = patterns.Where(p => !string.IsNullOrEmpty(p)).Select(p => new Regex(
                "^" + Regex.Escape(p).Replace("\\*", ".*").Replace("\\?", ".") + "$",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)).ToArray();
            return name => name != null && regexes.Any(r => r.IsMatch(name));
        }

        public static bool HasWildcards(string? pattern) => pattern != null && pattern.IndexOfAny(new[] { '*', '?' }) >= 0;
    }
}
