using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Newtonsoft.Json.Linq;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// A value read from the inventory for one control on one object: absent (not set), a scalar, a
    /// list, or not reported (the server did not give the data, so nothing can be judged). Scalars are
    /// normalised text: booleans "true"/"false", numbers in invariant culture.
    /// </summary>
    public sealed class FactValue : IEquatable<FactValue>
    {
        public static readonly FactValue Absent = new FactValue(null, null, false, null);

        private FactValue(string? scalar, IReadOnlyList<string?>? list, bool isDefault, string? notReported)
        {
            Scalar = scalar;
            List = list;
            IsDefault = isDefault;
            NotReportedReason = notReported;
            Key = notReported != null ? "\u2047" : list != null ? "[" + string.Join(",", list) + "]" : scalar ?? "\u2205";
        }

        public static FactValue Of(string? value, bool isDefault = false) => value == null ? Absent : new FactValue(value, null, isDefault, null);
        public static FactValue Of(bool value) => new FactValue(value ? "true" : "false", null, false, null);
        public static FactValue Of(long value) => new FactValue(value.ToString(CultureInfo.InvariantCulture), null, false, null);
        public static FactValue OfList(IEnumerable<string> values) =>
            new FactValue(null, values.OrderBy(v => v, StringComparer.Ordinal).ToArray(), false, null);

        /// <summary>The data was not reported: the control is not evaluated, for this reason.</summary>
        public static FactValue NotReported(string? reason) => new FactValue(null, null, false, reason ?? "not reported");

        public static FactValue FromJson(JToken? token)
        {
            if (token == null || token.Type == JTokenType.Null) return Absent;
            if (token is JArray array) return new FactValue(null, array.Select(ScalarText).ToArray(), false, null);
            return Of(ScalarText(token));
        }

        /// <summary>The token as scalar text; null for a JSON null.</summary>
        public static string? ScalarText(JToken token)
        {
            switch (token.Type)
            {
                case JTokenType.Boolean: return (bool)token ? "true" : "false";
                case JTokenType.Integer: return ((long)token).ToString(CultureInfo.InvariantCulture);
                case JTokenType.Float: return ((double)token).ToString("R", CultureInfo.InvariantCulture);
                case JTokenType.Null: return null;
                case JTokenType.String: return (string?)token;
                default: return token.ToString(Newtonsoft.Json.Formatting.None);
            }
        }

        /// <summary>The value, when it is one; null when absent, a list or not reported.</summary>
        public string? Scalar { get; }
        /// <summary>The values, when the value is a list; null otherwise. An item is null where a file's list has a JSON null.</summary>
        public IReadOnlyList<string?>? List { get; }
        /// <summary>True when the value is the platform default, because the host did not report one.</summary>
        public bool IsDefault { get; }
        /// <summary>Why the data is missing, when the server did not report it; null otherwise.</summary>
        public string? NotReportedReason { get; }
        public bool IsNotReported => NotReportedReason != null;
        public bool IsAbsent => Scalar == null && List == null && NotReportedReason == null;

        /// <summary>A canonical text of the value: equal keys mean equal values (used for peer majorities).</summary>
        public string Key { get; }

        /// <summary>How the value is shown to a person.</summary>
        public override string ToString()
        {
            if (NotReportedReason != null) return "(not reported)";
            if (List != null) return List.Count == 0 ? "(none)" : string.Join(", ", List);
            if (Scalar == null) return "(not set)";
            var text = Scalar.Length == 0 ? "(empty)" : Scalar;
            return IsDefault ? text + " (default)" : text;
        }

        // Equality ignores IsDefault: a default value equals the same value set explicitly.
        public bool Equals(FactValue? other) => other != null && Key == other.Key;
        public override bool Equals(object? obj) => Equals(obj as FactValue);
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);
    }
}
