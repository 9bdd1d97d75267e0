using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using VirtCompliance.Common;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// The set of known controls: the built-in catalog (module/baselines/controls.json, embedded in
    /// this assembly) plus any custom controls a baseline defines.
    /// </summary>
    public sealed class ControlCatalog
    {
        public const string ResourcePrefix = "VirtCompliance.Baselines.";
        private const string CatalogResource = ResourcePrefix + "controls.json";

        private static readonly Lazy<ControlCatalog> BuiltInCatalog = new Lazy<ControlCatalog>(LoadBuiltIn);

        private readonly Dictionary<string, ControlDefinition> _byId;

        public ControlCatalog(IEnumerable<ControlDefinition> controls)
        {
            Controls = controls.OrderBy(c => c.Id, StringComparer.Ordinal).ToArray();
            _byId = Controls.ToDictionary(c => c.Id, StringComparer.OrdinalIgnoreCase);
        }

        public static ControlCatalog BuiltIn => BuiltInCatalog.Value;

        public IReadOnlyList<ControlDefinition> Controls { get; }

        public ControlDefinition? Find(string? id) => id != null && _byId.TryGetValue(id, out var c) ? c : null;

        /// <summary>A catalog with more controls; a custom control may not reuse a built-in id.</summary>
        public ControlCatalog With(IEnumerable<ControlDefinition> more) => new ControlCatalog(Controls.Concat(more));

        /// <summary>
        /// Parses control definitions from a JSON array, checking each (fact known, expectation
        /// well formed, no duplicate id) and naming the file and line of the first bad one.
        /// </summary>
        public static IReadOnlyList<ControlDefinition> ParseDefinitions(JArray array, string file, ISet<string> takenIds)
        {
            var result = new List<ControlDefinition>();
            foreach (var token in array)
            {
                var definition = ParseDefinition(token, file);
                if (!takenIds.Add(definition.Id))
                    throw Error(file, token, $"control id '{definition.Id}' is defined twice.");
                result.Add(definition);
            }
            return result;
        }

        private static ControlDefinition ParseDefinition(JToken token, string file)
        {
            // A custom control in a baseline has the members of a catalog control (both schemas say the same).
            if (token is JObject members) SchemaMembers.Check(members, "controls.schema.json", "#/definitions/control", file, "a control definition");
            ControlDefinition c;
            // The object a control is about follows from the fact it reads; a file may say so
            // ("host", "standardPortgroup", "distributedPortgroup", or the older "portgroup"), and must then agree.
            var declaredScope = token is JObject o && o["scope"] is JValue v && v.Type == JTokenType.String ? (string?)v : null;
            try
            {
                var body = token;
                if (declaredScope != null)
                {
                    body = token.DeepClone();
                    ((JObject)body).Remove("scope");
                }
                // Null only for an entry that is a JSON null: it then fails on c.Title below with a
                // NullReferenceException, as it always has, rather than with a DataFileException.
                c = body.ToObject<ControlDefinition>(JsonFiles.Serializer)!;
            }
            catch (JsonException ex)
            {
                throw Error(file, token, "control definition: " + ex.Message.Split('\n')[0]);
            }
            if (string.IsNullOrWhiteSpace(c.Title)) throw Error(file, token, $"control '{c.Id}' has no title.");
            var scope = Facts.ScopeOf(c.Fact);
            var scopeName = char.ToLowerInvariant(scope.ToString()[0]) + scope.ToString().Substring(1);
            if (declaredScope != null && declaredScope != scopeName && !(declaredScope == "portgroup" && scope != ControlScope.Host))
                throw Error(file, token["scope"], $"control '{c.Id}': scope '{declaredScope}' does not fit fact '{c.Fact}', which is read per {scopeName}.");
            c = c with { Scope = scope };
            var probeParameter = c.IsTemplate ? "example" : null;
            if (c.IsTemplate != c.Fact.Contains("{parameter}"))
                throw Error(file, token, $"control '{c.Id}': a template control has 'parameter' and '{{parameter}}' in its fact; other controls have neither.");
            try
            {
                Facts.Compile(Instantiate(c.Fact, probeParameter), FactValue.FromJson(c.Default).Scalar);
                Expectation.Create(c.Operator, FactValue.FromJson(c.Expected));
            }
            catch (ArgumentException ex)
            {
                throw Error(file, token, $"control '{c.Id}': {ex.Message}");
            }
            return c;
        }

        internal static string Instantiate(string fact, string? parameter) =>
            parameter == null ? fact : fact.Replace("{parameter}", parameter);

        internal static DataFileException Error(string file, JToken? token, string problem) => DataFileException.At(file, token, problem);

        internal static Stream OpenResource(string name) =>
            typeof(ControlCatalog).GetTypeInfo().Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The built-in resource '{name}' is missing from VirtCompliance.Core; the build is broken.");

        internal static IEnumerable<string> ResourceNames() => typeof(ControlCatalog).GetTypeInfo().Assembly.GetManifestResourceNames();

        private static ControlCatalog LoadBuiltIn()
        {
            const string file = "controls.json (built in)";
            using (var stream = OpenResource(CatalogResource))
            {
                var root = StrictJson.Load(stream, file);
                if (root is JObject catalog) SchemaMembers.Check(catalog, "controls.schema.json", "#", file, "the control catalog");
                if (!(root["controls"] is JArray array)) throw new DataFileException(file, 0, 0, "expected an object with a 'controls' array.");
                return new ControlCatalog(ParseDefinitions(array, file, new HashSet<string>(StringComparer.OrdinalIgnoreCase)));
            }
        }
    }
}
