using System;
using System.Collections.Generic;
using System.IO;
using Newtonsoft.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace VirtCompliance.Common
{
    /// <summary>A document node with its position: a map (keys in order), a list, or a scalar.</summary>
    public sealed class DataNode
    {
        public int Line { get; internal set; }
        public int Column { get; internal set; }
        /// <summary>Key → (the key's node, for its position; the value).</summary>
        public Dictionary<string, (DataNode key, DataNode value)>? Map { get; internal set; }
        public List<DataNode>? List { get; internal set; }
        public string? Scalar { get; internal set; }
        /// <summary>A YAML null (empty, ~, null) or a JSON null.</summary>
        public bool IsNull { get; internal set; }
        /// <summary>Where the scalar came from a JSON string or a quoted YAML scalar (so "1" is text, not a number).</summary>
        public bool Quoted { get; internal set; }
    }

    /// <summary>
    /// Reads a YAML or JSON data file into <see cref="DataNode"/>s: the same tree for both, with every
    /// node's line and column, built without recursion from the parser's events, within limits of
    /// depth and size, refusing what a data file has no use for and an attacker does (YAML anchors and
    /// aliases, which can make a few lines expand without end; a second document; tags). Errors are
    /// <see cref="DataFileException"/>s naming the file, line and column.
    /// </summary>
    public static class DataDocument
    {
        public const int MaxDepth = StrictJson.MaxDepth;

        /// <summary>The most nodes one file may have.</summary>
        public const int MaxNodes = 1_000_000;

        /// <summary>JSON when the text starts with '{' or '[', YAML otherwise.</summary>
        public static DataNode Parse(string text, string file)
        {
            var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
            return trimmed.StartsWith("{", StringComparison.Ordinal) || trimmed.StartsWith("[", StringComparison.Ordinal) ? FromJson(text, file) : FromYaml(text, file);
        }

        public static DataNode FromJson(string text, string file)
        {
            StrictJson.Check(text, file);
            try
            {
                using (var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal, MaxDepth = MaxDepth + 1 })
                {
                    DataNode? root = null;
                    var open = new Stack<DataNode>();
                    DataNode? pendingKey = null;
                    var count = 0;
                    while (reader.Read())
                    {
                        if (++count > MaxNodes) throw new DataFileException(file, reader.LineNumber, reader.LinePosition, $"the file has more than {MaxNodes} values.");
                        var node = new DataNode { Line = reader.LineNumber, Column = reader.LinePosition };
                        switch (reader.TokenType)
                        {
                            case JsonToken.PropertyName:
                                node.Scalar = (string?)reader.Value ?? "";
                                pendingKey = node;
                                continue;
                            case JsonToken.StartObject:
                                node.Map = new Dictionary<string, (DataNode, DataNode)>(StringComparer.Ordinal);
                                break;
                            case JsonToken.StartArray:
                                node.List = new List<DataNode>();
                                break;
                            case JsonToken.EndObject:
                            case JsonToken.EndArray:
                                open.Pop();
                                continue;
                            case JsonToken.Null:
                                node.IsNull = true;
                                break;
                            case JsonToken.String:
                                node.Scalar = (string?)reader.Value ?? "";
                                node.Quoted = true;
                                break;
                            case JsonToken.Boolean:
                                node.Scalar = reader.Value is true ? "true" : "false";
                                break;
                            case JsonToken.Integer:
                            case JsonToken.Float:
                                node.Scalar = Convert.ToString(reader.Value, System.Globalization.CultureInfo.InvariantCulture);
                                break;
                            default:
                                throw new DataFileException(file, node.Line, node.Column, $"unexpected {reader.TokenType}.");
                        }
                        if (root != null) Attach(open.Peek(), ref pendingKey, node, file);
                        if (root == null) root = node;
                        if (node.Map != null || node.List != null) open.Push(node);
                    }
                    return root ?? throw new DataFileException(file, 1, 1, "the file is empty.");
                }
            }
            catch (JsonException ex)
            {
                throw JsonFiles.ToDataFileException(file, ex);
            }
        }

        public static DataNode FromYaml(string text, string file)
        {
            var parser = new Parser(new StringReader(text));
            DataNode? root = null;
            var open = new Stack<(DataNode node, DataNode? pendingKey)>();
            var documents = 0;
            var count = 0;
            try
            {
                while (parser.MoveNext())
                {
                    var e = parser.Current;
                    if (e == null) continue;
                    var line = (int)e.Start.Line;
                    var column = (int)e.Start.Column;
                    DataFileException Error(string problem) => new DataFileException(file, line, column, problem);
                    switch (e)
                    {
                        case StreamStart _:
                        case StreamEnd _:
                        case DocumentEnd _:
                            continue;
                        case DocumentStart _:
                            if (++documents > 1) throw Error("the file holds more than one YAML document.");
                            continue;
                        case AnchorAlias _:
                            throw Error("YAML aliases (*name) are not read: write the value out where it is needed.");
                    }
                    if (++count > MaxNodes) throw Error($"the file has more than {MaxNodes} values.");
                    if (e is NodeEvent n && !n.Anchor.IsEmpty) throw Error("YAML anchors (&name) are not read: write the value out where it is needed.");
                    if (e is NodeEvent t && !t.Tag.IsEmpty && !t.Tag.IsNonSpecific) throw Error($"YAML tags ({t.Tag}) are not read.");
                    switch (e)
                    {
                        case MappingEnd _:
                        case SequenceEnd _:
                            open.Pop();
                            continue;
                    }
                    var node = new DataNode { Line = line, Column = column };
                    switch (e)
                    {
                        case MappingStart _:
                            node.Map = new Dictionary<string, (DataNode, DataNode)>(StringComparer.Ordinal);
                            break;
                        case SequenceStart _:
                            node.List = new List<DataNode>();
                            break;
                        case Scalar s:
                            node.Scalar = s.Value;
                            node.Quoted = s.Style != ScalarStyle.Plain;
                            node.IsNull = s.Style == ScalarStyle.Plain && (s.Value == "" || s.Value == "~" || s.Value == "null" || s.Value == "Null" || s.Value == "NULL");
                            break;
                        default:
                            throw Error($"unexpected YAML {e.GetType().Name}.");
                    }
                    if (root == null) root = node;
                    else
                    {
                        var (parent, key) = open.Pop();
                        var pendingKey = key;
                        if (parent.Map != null && pendingKey == null)
                        {
                            // This node is a key.
                            if (node.Scalar == null || node.IsNull) throw Error("a key must be a plain name.");
                            open.Push((parent, node));
                            continue;
                        }
                        Attach(parent, ref pendingKey, node, file);
                        open.Push((parent, null));
                    }
                    if (node.Map != null || node.List != null)
                    {
                        if (open.Count >= MaxDepth) throw Error($"maps and lists nest more than {MaxDepth} deep.");
                        open.Push((node, null));
                    }
                }
            }
            catch (YamlException ex)
            {
                throw new DataFileException(file, (int)ex.Start.Line, (int)ex.Start.Column, ex.InnerException?.Message ?? ex.Message);
            }
            return root ?? throw new DataFileException(file, 1, 1, "the file is empty.");
        }

        /// <summary>Adds a node to its parent: a list's next item, or the value of the key read before it.</summary>
        private static void Attach(DataNode parent, ref DataNode? pendingKey, DataNode node, string file)
        {
            if (parent.List != null)
            {
                parent.List.Add(node);
                return;
            }
            if (pendingKey?.Scalar == null || parent.Map == null) throw new DataFileException(file, node.Line, node.Column, "a value without a key.");
            if (parent.Map.ContainsKey(pendingKey.Scalar))
                throw new DataFileException(file, pendingKey.Line, pendingKey.Column, $"'{pendingKey.Scalar}' appears twice in the same map: keep one.");
            parent.Map[pendingKey.Scalar] = (pendingKey, node);
            pendingKey = null;
        }
    }
}
