using System;
using System.Collections.Generic;
using System.Linq;
using Node = VirtCompliance.Common.DataNode;

namespace VirtCompliance.Common
{
    /// <summary>
    /// Binding a <see cref="DataNode"/> tree (a YAML or JSON data file) to a model: maps whose members
    /// are those the shipped schema lists, single values, lists, choices; every error a
    /// <see cref="DataFileException"/> at the node's line and column. Shared by the policy and waiver readers.
    /// </summary>
    public static class DataBinding
    {
        public static DataFileException Error(string file, Node at, string problem) => new DataFileException(file, at.Line, at.Column, problem);

        public static Dictionary<string, (Node key, Node value)> Map(string file, Node node, string what, IReadOnlyList<string> members)
        {
            if (node.Map == null) throw Error(file, node, $"{what} must be a map of {string.Join(", ", members.Where(m => m != "$schema"))}.");
            foreach (var entry in node.Map)
                if (!members.Contains(entry.Key)) throw Error(file, entry.Value.key, SchemaMembers.UnknownMessage(entry.Key, what, members));
            return node.Map;
        }

        public static string Text(string file, Node node, string what)
        {
            if (node.Scalar == null || node.IsNull) throw Error(file, node, $"{what} must be a single value.");
            return node.Scalar;
        }

        /// <summary>A value or a list of values.</summary>
        public static List<(string text, Node at)> Texts(string file, Node node, string what)
        {
            if (node.List != null) return node.List.Select(n => (Text(file, n, what), n)).ToList();
            return new List<(string, Node)> { (Text(file, node, what), node) };
        }

        public static T Choice<T>(string file, Node node, string what, params (string text, T value)[] choices)
        {
            var text = Text(file, node, what);
            foreach (var c in choices)
                if (string.Equals(c.text, text, StringComparison.OrdinalIgnoreCase)) return c.value;
            throw Error(file, node, $"'{text}' is not a valid {what}; use {string.Join(", ", choices.Select(c => c.text))}.");
        }

    }
}
