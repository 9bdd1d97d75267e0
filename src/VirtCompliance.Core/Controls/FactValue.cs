using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Newtonsoft.Json.Linq;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// A value read from the inventory for one control on one host: absent, a scalar, a list, or
    /// (for portgroup controls) one scalar per named object. Scalars are normalised text: booleans
    /// "true"/"false", numbers in invariant culture.
    /// </summary>
    public sealed class FactValue : IEquatable<FactValue>
    {
        public static readonly FactValue Absent = new FactValue(null, null, null, false);

        private FactValue(string scalar, IReadOnlyList<string> list, IReadOnlyList<KeyValuePair<string, string>> perObject, bool isDefault)
        {
            Scalar = scalar;
            List = list;
            PerObject = perObject;
            IsDefault = isDefault;
            Key = perObject != null ? "{" + string.Join(";", perObject.Select(p => p.Key + "=" + (p.Value ?? "\u2205"))) + "}"
                : list != null ? "[" + string.Join(",", list) + "]"
                : scalar ?? "\u2205";
        }

        public static FactValue Of(string value, bool isDefault = false) => value == null ? Absent : new FactValue(value, null, null, isDefault);
        public static FactValue Of(bool value) => new FactValue(value ? "true" : "false", null, null, false);
        public static FactValue Of(long value) => new FactValue(value.ToString(CultureInfo.InvariantCulture), null, null, false);
        public static FactValue OfList(IEnumerable<string> values) =>
            new FactValue(null, values.OrderBy(v => v, StringComparer.Ordinal).ToArray(), null, false);
        /// <summary>One value per object (portgroup); objects kept in name order.</summary>
        public static FactValue OfObjects(IEnumerable<KeyValuePair<string, string>> values) =>
            new FactValue(null, null, values.OrderBy(v => v.Key, StringComparer.Ordinal).ToArray(), false);

        public static FactValue FromJson(JToken token)
        {
            if (token == null || token.Type == JTokenType.Null) return Absent;
            if (token is JArray array) return new FactValue(null, array.Select(ScalarText).ToArray(), null, false);
            return Of(ScalarText(token));
        }

        public static string ScalarText(JToken token)
        {
            switch (token.Type)
            {
                case JTokenType.Boolean: return (bool)token ? "true" : "false";
                case JTokenType.Integer: return ((long)token).ToString(CultureInfo.InvariantCulture);
                case JTokenType.Float: return ((double)token).ToString("R", CultureInfo.InvariantCulture);
                case JTokenType.Null: return null;
                case JTokenType.String: return (string)token;
                default: return token.ToString(Newtonsoft.Json.Formatting.None);
            }
        }

        public string Scalar { get; }
        public IReadOnlyList<string> List { get; }
        public IReadOnlyList<KeyValuePair<string, string>> PerObject { get; }
        /// <summary>True when the value is the platform default, because the host did not report one.</summary>
        public bool IsDefault { get; }
        public bool IsAbsent => Scalar == null && List == null && PerObject == null;

        /// <summary>A canonical text of the value: equal keys mean equal values (used for peer majorities).</summary>
        public string Key { get; }

        /// <summary>How the value is shown to a person.</summary>
        public override string ToString()
        {
            if (PerObject != null)
                return PerObject.Count == 0 ? "(none)" : string.Join("; ", PerObject.Select(p => p.Key + ": " + (p.Value ?? "(not set)")));
            if (List != null) return List.Count == 0 ? "(none)" : string.Join(", ", List);
            if (Scalar == null) return "(not set)";
            var text = Scalar.Length == 0 ? "(empty)" : Scalar;
            return IsDefault ? text + " (default)" : text;
        }

        // Equality ignores IsDefault: a default value equals the same value set explicitly.
        public bool Equals(FactValue other) => other != null && Key == other.Key;
        public override bool Equals(object obj) => Equals(obj as FactValue);
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);
    }
}
