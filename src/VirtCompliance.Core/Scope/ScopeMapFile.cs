using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Common;

namespace VirtCompliance.Scope
{
    /// <summary>
    /// A scope map file: name/folder patterns and explicit VM names (or ids) with their PCI scope.
    /// <code>
    /// {
    ///   "patterns": [ { "match": "pay-*", "scope": "cde" }, { "match": "/DC/vm/Test/*", "scope": "outOfScope" } ],
    ///   "vms": { "scratch-ubuntu-01": "outOfScope" }
    /// }
    /// </code>
    /// Patterns are consulted in file order; a pattern matches a VM's name or its folder path.
    /// </summary>
    public sealed class ScopeMapFile
    {
        private const string Schema = "pci-scope-map.schema.json";

        public IReadOnlyList<KeyValuePair<string, PciScope>> Patterns { get; private set; } = Array.Empty<KeyValuePair<string, PciScope>>();
        public IReadOnlyDictionary<string, PciScope> Vms { get; private set; } = new Dictionary<string, PciScope>();

        public static ScopeMapFile Load(string path)
        {
            using (var stream = File.OpenRead(path))
                return Parse(stream, path);
        }

        public static ScopeMapFile Parse(Stream stream, string file)
        {
            var root = StrictJson.Load(stream, file) as JObject
                ?? throw new DataFileException(file, 1, 1, "a scope map is a JSON object with 'patterns' and/or 'vms'.");
            SchemaMembers.Check(root, Schema, "#", file, "a scope map");
            var patterns = new List<KeyValuePair<string, PciScope>>();
            if (root["patterns"] != null)
            {
                if (!(root["patterns"] is JArray array)) throw ControlCatalog.Error(file, root["patterns"], "'patterns' must be an array of { \"match\": ..., \"scope\": ... }.");
                foreach (var token in array)
                {
                    if (!(token is JObject entry)) throw ControlCatalog.Error(file, token, "each pattern is an object { \"match\": ..., \"scope\": ... }.");
                    SchemaMembers.Check(entry, Schema, "#/properties/patterns/items", file, "a pattern");
                    var match = entry["match"];
                    var pattern = match != null && match.Type == JTokenType.String ? (string?)match : null;
                    if (Strings.IsNullOrWhiteSpace(pattern))
                        throw ControlCatalog.Error(file, entry, "the pattern has no 'match' (a name or folder glob such as \"pay-*\").");
                    patterns.Add(new KeyValuePair<string, PciScope>(pattern, ReadScope(file, entry["scope"], entry)));
                }
            }
            var vms = new Dictionary<string, PciScope>(StringComparer.OrdinalIgnoreCase);
            if (root["vms"] != null)
            {
                if (!(root["vms"] is JObject map)) throw ControlCatalog.Error(file, root["vms"], "'vms' must be an object of VM name (or id) → scope.");
                foreach (var property in map.Properties())
                    vms[property.Name] = ReadScope(file, property.Value, property);
            }
            return new ScopeMapFile { Patterns = patterns, Vms = vms };
        }

        private static PciScope ReadScope(string file, JToken? value, JToken owner)
        {
            if (value == null) throw ControlCatalog.Error(file, owner, "missing 'scope' (cde, connected or outOfScope).");
            var text = value.Type == JTokenType.String ? (string?)value : null;
            var scope = PciScopeClassifier.Parse(text);
            if (scope == PciScope.Unknown)
                throw ControlCatalog.Error(file, value, $"'{value}' is not a PCI scope; use cde, connected or outOfScope.");
            return scope;
        }
    }
}
