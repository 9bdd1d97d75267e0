using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;
using VirtCompliance.Common;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// A control selected by a baseline, ready to run: the fact reader is compiled and the
    /// expectation checked. A peer control has no fixed expectation: each cluster's majority is it.
    /// </summary>
    public sealed class EffectiveControl
    {
        public EffectiveControl(ControlDefinition definition, string? parameter, Expectation? expectation, Severity severity, bool peer)
        {
            Definition = definition;
            Parameter = parameter;
            Id = parameter == null ? definition.Id : definition.Id + ":" + parameter;
            Fact = ControlCatalog.Instantiate(definition.Fact, parameter);
            // A template without its parameter is expanded per cluster in peer mode; it reads nothing itself.
            Reader = IsUnexpandedTemplate ? null : Facts.Compile(Fact, FactValue.FromJson(definition.Default).Scalar);
            Expectation = expectation;
            Severity = severity;
            Peer = peer;
        }

        /// <summary>The definition's id, with ":parameter" for a template instance (vc.package-installed:ids-agent).</summary>
        public string Id { get; }
        public ControlDefinition Definition { get; }
        public string? Parameter { get; }
        /// <summary>The fact name with the parameter filled in.</summary>
        public string Fact { get; }
        /// <summary>Null for a template control without its parameter, which reads nothing until expanded.</summary>
        public FactReader? Reader { get; }
        /// <summary>Null for a peer control.</summary>
        public Expectation? Expectation { get; }
        public Severity Severity { get; }
        public bool Peer { get; }
        public bool IsUnexpandedTemplate => Definition.IsTemplate && Parameter == null;
        public string Title => Parameter == null ? Definition.Title : $"{Definition.Title}: {Parameter}";

        public EffectiveControl AsPeer() => new EffectiveControl(Definition, Parameter, null, Severity, true);

        /// <summary>This template control for one parameter value, with the same expectation and severity.</summary>
        public EffectiveControl WithParameter(string? parameter) => new EffectiveControl(Definition, parameter, Expectation, Severity, Peer);
    }

    /// <summary>One entry of a baseline file's "controls" list.</summary>
    public sealed record BaselineEntry
    {
        public string Id { get; init; } = "";
        public string? Parameter { get; init; }
        public ControlOperator? Operator { get; init; }
        public JToken? Expected { get; init; }
        public Severity? Severity { get; init; }
        /// <summary>Compare with the cluster's majority instead of a fixed value.</summary>
        public bool Peer { get; init; }
    }

    /// <summary>
    /// A named selection of controls with their expected values. Built-in baselines (pci-dss, scg, stig)
    /// are files in module/baselines, embedded in the assembly; users pass their own file's path.
    /// </summary>
    public sealed class Baseline
    {
        public Baseline(string name, string? description, string? version, string source, IReadOnlyList<EffectiveControl> controls,
            IReadOnlyList<ControlDefinition> customControls)
        {
            Name = name;
            Description = description;
            Version = version;
            Source = source;
            Controls = controls;
            CustomControls = customControls;
        }

        public string Name { get; }
        /// <summary>Null when the file gives none (likewise the version).</summary>
        public string? Description { get; }
        public string? Version { get; }
        /// <summary>"built-in" or the file path.</summary>
        public string Source { get; }
        public IReadOnlyList<EffectiveControl> Controls { get; }
        public IReadOnlyList<ControlDefinition> CustomControls { get; }

        private const string Suffix = ".baseline.json";

        /// <summary>Names of the built-in baselines.</summary>
        public static IReadOnlyList<string> BuiltInNames => ControlCatalog.ResourceNames()
            .Where(n => n.StartsWith(ControlCatalog.ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(Suffix, StringComparison.Ordinal))
            .Select(n => n.Substring(ControlCatalog.ResourcePrefix.Length, n.Length - ControlCatalog.ResourcePrefix.Length - Suffix.Length))
            .OrderBy(n => n, StringComparer.Ordinal).ToArray();

        /// <summary>The built-in baseline's own name when <paramref name="name"/> is one (any case), else null.</summary>
        public static string? BuiltInName(string? name) =>
            BuiltInNames.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>A built-in baseline by name, or a baseline file by path.</summary>
        public static Baseline Load(string nameOrPath)
        {
            var builtIn = BuiltInName(nameOrPath);
            if (builtIn != null)
            {
                using (var stream = ControlCatalog.OpenResource(ControlCatalog.ResourcePrefix + builtIn + Suffix))
                    return Parse(stream, builtIn + Suffix + " (built in)", "built-in");
            }
            if (!File.Exists(nameOrPath))
                throw new DataFileException(nameOrPath, 0, 0,
                    $"no such baseline file, and no built-in baseline has that name (built in: {string.Join(", ", BuiltInNames)}).");
            using (var stream = File.OpenRead(nameOrPath))
                return Parse(stream, nameOrPath, Path.GetFullPath(nameOrPath));
        }

        /// <summary>A baseline of every built-in control, each judged against its cluster's majority.</summary>
        public static Baseline PeerOfAll()
        {
            var controls = ControlCatalog.BuiltIn.Controls
                .Select(d => new EffectiveControl(d, null, null, d.Severity, peer: true)).ToArray();
            return new Baseline("peer", "Every built-in control; each cluster's majority value is the expectation.", "1", "built-in",
                controls, Array.Empty<ControlDefinition>());
        }

        public static Baseline Parse(Stream stream, string file, string source)
        {
            var root = StrictJson.Load(stream, file) as JObject
                ?? throw new DataFileException(file, 1, 1, "a baseline is a JSON object with name and controls.");
            SchemaMembers.Check(root, Schema, "#", file, "a baseline");
            var name = (string?)root["name"];
            if (Strings.IsNullOrWhiteSpace(name)) throw ControlCatalog.Error(file, root, "the baseline has no 'name'.");

            var catalog = ControlCatalog.BuiltIn;
            IReadOnlyList<ControlDefinition> custom = Array.Empty<ControlDefinition>();
            if (root["customControls"] is JArray customArray)
            {
                custom = ControlCatalog.ParseDefinitions(customArray, file,
                    new HashSet<string>(catalog.Controls.Select(c => c.Id), StringComparer.OrdinalIgnoreCase));
                catalog = catalog.With(custom);
            }

            if (!(root["controls"] is JArray entries))
                throw ControlCatalog.Error(file, root, "the baseline has no 'controls' array.");
            var controls = new List<EffectiveControl>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var token in entries)
            {
                var entry = ParseEntry(token, file);
                var definition = catalog.Find(entry.Id)
                    ?? throw ControlCatalog.Error(file, token, $"unknown control id '{entry.Id}'. Get-ComplianceControl lists the known ids; a baseline can define its own under customControls.");
                if (definition.IsTemplate && string.IsNullOrWhiteSpace(entry.Parameter))
                    throw ControlCatalog.Error(file, token, $"control '{definition.Id}' needs a 'parameter' (the {definition.Parameter}).");
                if (!definition.IsTemplate && entry.Parameter != null)
                    throw ControlCatalog.Error(file, token, $"control '{definition.Id}' takes no parameter.");
                Expectation? expectation = null;
                if (!entry.Peer)
                {
                    try
                    {
                        expectation = Expectation.Create(entry.Operator ?? definition.Operator,
                            FactValue.FromJson(entry.Expected ?? definition.Expected));
                    }
                    catch (ArgumentException ex)
                    {
                        throw ControlCatalog.Error(file, token, $"control '{entry.Id}': {ex.Message}");
                    }
                }
                var control = new EffectiveControl(definition, entry.Parameter, expectation, entry.Severity ?? definition.Severity, entry.Peer);
                if (!seen.Add(control.Id))
                    throw ControlCatalog.Error(file, token, $"control '{control.Id}' is listed twice.");
                controls.Add(control);
            }
            return new Baseline(name, (string?)root["description"], (string?)root["version"], source, controls, custom);
        }

        // The members a baseline and its entries may have are those of the schema the module ships.
        internal const string Schema = "baseline.schema.json";

        private static BaselineEntry ParseEntry(JToken token, string file)
        {
            if (token is JObject members) SchemaMembers.Check(members, Schema, "#/properties/controls/items", file, "a controls entry");
            try
            {
                var entry = token.ToObject<BaselineEntry>(JsonFiles.Serializer);
                if (entry == null || Strings.IsNullOrWhiteSpace(entry.Id)) throw ControlCatalog.Error(file, token, "a controls entry has no 'id'.");
                return entry;
            }
            catch (Newtonsoft.Json.JsonException ex)
            {
                throw ControlCatalog.Error(file, token, "controls entry: " + ex.Message.Split('\n')[0]);
            }
        }
    }
}
