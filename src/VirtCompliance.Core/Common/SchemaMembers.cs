using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Newtonsoft.Json.Linq;

namespace VirtCompliance.Common
{
    /// <summary>
    /// The members a data file may have, read from the JSON Schemas the module ships
    /// (module/schemas, built into this assembly). The schema is the one list: an editor that
    /// validates against it and the reader that refuses an unknown member agree by construction.
    /// </summary>
    public static class SchemaMembers
    {
        private static readonly ConcurrentDictionary<string, IReadOnlyList<string>> Cache = new ConcurrentDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        private static readonly ConcurrentDictionary<string, JToken> Schemas = new ConcurrentDictionary<string, JToken>(StringComparer.Ordinal);

        /// <summary>
        /// The property names, in the schema's order, of the object schema at <paramref name="pointer"/>
        /// (a JSON pointer such as "#" or "#/definitions/rule") in <paramref name="schema"/> (a file
        /// name such as "firewall-policy.schema.json").
        /// </summary>
        public static IReadOnlyList<string> Of(string schema, string pointer) =>
            Cache.GetOrAdd(schema + pointer, _ =>
            {
                var node = Load(schema);
                foreach (var segment in pointer.TrimStart('#').Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries))
                    node = node[segment] ?? throw new InvalidOperationException($"The schema {schema} has nothing at {pointer}; the build is broken.");
                if (!(node["properties"] is JObject properties))
                    throw new InvalidOperationException($"The schema {schema} has no properties at {pointer}; the build is broken.");
                return properties.Properties().Select(p => p.Name).ToArray();
            });

        /// <summary>Throws a <see cref="DataFileException"/> at the first member of <paramref name="obj"/> that the schema does not list.</summary>
        public static void Check(JObject obj, string schema, string pointer, string file, string what)
        {
            var allowed = Of(schema, pointer);
            foreach (var property in obj.Properties())
                if (!allowed.Contains(property.Name))
                    throw Unknown(file, property, property.Name, what, allowed);
        }

        /// <summary>The error for an unknown member, listing what the schema allows (leaving out "$schema").</summary>
        public static DataFileException Unknown(string file, Newtonsoft.Json.IJsonLineInfo? at, string name, string what, IReadOnlyList<string> allowed)
        {
            return DataFileException.At(file, at, UnknownMessage(name, what, allowed));
        }

        /// <summary>"unknown member 'x'; a rule has name, from, ...": what the schema allows, leaving out "$schema".</summary>
        public static string UnknownMessage(string name, string what, IReadOnlyList<string> allowed) =>
            $"unknown member '{name}'; {what} has {string.Join(", ", allowed.Where(a => a != "$schema"))}.";

        private static JToken Load(string schema) =>
            Schemas.GetOrAdd(schema, name =>
            {
                var resource = "VirtCompliance.Schemas." + name;
                using (var stream = typeof(SchemaMembers).GetTypeInfo().Assembly.GetManifestResourceStream(resource)
                    ?? throw new InvalidOperationException($"The built-in schema '{name}' is missing from VirtCompliance.Core; the build is broken."))
                    return StrictJson.Load(stream, name + " (built in)");
            });
    }
}
