using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using Newtonsoft.Json.Serialization;

namespace VirtCompliance.Common
{
    /// <summary>
    /// The one JSON dialect of every VirtCompliance data file: camelCase names, enums as camelCase
    /// strings, nulls left out, unknown members rejected (a typo in a file is an error, not silently
    /// ignored), ids and keys required.
    /// </summary>
    public static class JsonFiles
    {
        public static readonly JsonSerializer Serializer = JsonSerializer.Create(CreateSettings());

        public static JsonSerializerSettings CreateSettings() => new JsonSerializerSettings
        {
            ContractResolver = new StrictCamelCaseResolver(),
            Converters = { new StringEnumConverter(new CamelCaseNamingStrategy(), allowIntegerValues: false), new StrictValueConverter() },
            NullValueHandling = NullValueHandling.Ignore,
            // Always build new collections: filling a default instance would share it between objects.
            ObjectCreationHandling = ObjectCreationHandling.Replace,
            MissingMemberHandling = MissingMemberHandling.Error,
            // Text stays text: a VM annotation or name that looks like a date ("2026-11-27T08:00:00+00:00",
            // "/Date(1234)/") is a string, and a date member is parsed from its string by its own type.
            DateParseHandling = DateParseHandling.None,
            DateFormatString = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
            MaxDepth = 64,
            Formatting = Formatting.Indented,
        };

        /// <summary>Indented JSON with "\n" line ends on every OS, so that file hashes are stable.</summary>
        public static JsonTextWriter CreateWriter(TextWriter text)
        {
            text.NewLine = "\n";
            return new JsonTextWriter(text) { Formatting = Formatting.Indented, Indentation = 2 };
        }

        /// <summary>Turns a parser or binder exception into one that names the file, line and column.</summary>
        public static DataFileException ToDataFileException(string path, Exception ex)
        {
            switch (ex)
            {
                case JsonReaderException r:
                    return new DataFileException(path, r.LineNumber, r.LinePosition, StripPosition(r.Message), ex);
                case JsonSerializationException s:
                    return new DataFileException(path, s.LineNumber, s.LinePosition, StripPosition(s.Message), ex);
                default:
                    return new DataFileException(path, 0, 0, ex.Message, ex);
            }
        }

        // Newtonsoft appends "Path 'x', line N, position M." to its messages; the DataFileException
        // states the position itself, so keep the path (it names the object) and drop the rest.
        private static string StripPosition(string message)
        {
            var at = message.IndexOf(", line ", StringComparison.Ordinal);
            if (at > 0) message = message.Substring(0, at) + ".";
            return message;
        }

        /// <summary>
        /// Binds booleans, numbers and strings only from a token of their own type. Left to itself the
        /// library converts between them ("" and 0 read as false, true as the name "True"), which
        /// would let a damaged file pass as a valid one with different facts. A null inside a list
        /// is refused too: a list of ids or names has no use for one. Writing is left to the library.
        /// </summary>
        private sealed class StrictValueConverter : JsonConverter
        {
            public override bool CanWrite => false;

            public override bool CanConvert(Type objectType)
            {
                var type = Nullable.GetUnderlyingType(objectType) ?? objectType;
                return type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(decimal);
            }

            public override object? ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer)
            {
                var type = Nullable.GetUnderlyingType(objectType) ?? objectType;
                switch (reader.TokenType)
                {
                    case JsonToken.Null:
                        if (IsListItem(reader.Path)) throw Wrong(reader, "a list item must not be null");
                        if (type == objectType && objectType.IsValueType) throw Wrong(reader, $"'{Member(reader)}' must be {Describe(type)}, found null");
                        return null;
                    case JsonToken.String when type == typeof(string):
                        return reader.Value;
                    case JsonToken.Boolean when type == typeof(bool):
                        return reader.Value;
                    case JsonToken.Integer when type == typeof(int) || type == typeof(long):
                        try
                        {
                            return Convert.ChangeType(reader.Value, type, System.Globalization.CultureInfo.InvariantCulture);
                        }
                        catch (OverflowException)
                        {
                            throw Wrong(reader, $"'{Member(reader)}' is {reader.Value}, beyond the range of {Describe(type)}");
                        }
                    case JsonToken.Integer when type == typeof(double) || type == typeof(decimal):
                    case JsonToken.Float when type == typeof(double) || type == typeof(decimal):
                        return Convert.ChangeType(reader.Value, type, System.Globalization.CultureInfo.InvariantCulture);
                    default:
                        throw Wrong(reader, $"'{Member(reader)}' must be {Describe(type)}, found {reader.TokenType}");
                }
            }

            public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer) => throw new NotSupportedException("StrictValueConverter only reads.");

            // "hosts[3].vmIds[2]" is an item of a list; "options['Net.Foo']" is a value in a map.
            private static bool IsListItem(string path) => path.Length > 1 && path[path.Length - 1] == ']' && char.IsDigit(path[path.Length - 2]);

            private static string Member(JsonReader reader) => string.IsNullOrEmpty(reader.Path) ? "value" : reader.Path;

            private static string Describe(Type type) =>
                type == typeof(string) ? "a string" : type == typeof(bool) ? "true or false" : type == typeof(int) || type == typeof(long) ? "a whole number" : "a number";

            private static JsonSerializationException Wrong(JsonReader reader, string problem)
            {
                var info = reader as IJsonLineInfo;
                return info != null && info.HasLineInfo()
                    ? new JsonSerializationException(problem + ".", reader.Path, info.LineNumber, info.LinePosition, null)
                    : new JsonSerializationException(problem + ".");
            }
        }

        private sealed class StrictCamelCaseResolver : DefaultContractResolver
        {
            // Member names are camelCase; dictionary keys (advanced option names, attribute names) are data and keep their case.
            public StrictCamelCaseResolver()
            {
                NamingStrategy = new CamelCaseNamingStrategy { ProcessDictionaryKeys = false, OverrideSpecifiedNames = true };
            }

            protected override JsonProperty CreateProperty(MemberInfo member, MemberSerialization memberSerialization)
            {
                var property = base.CreateProperty(member, memberSerialization);
                // Identity members must be present: an object without an id cannot be referenced.
                if (property.PropertyName == "id" || property.PropertyName == "key")
                    property.Required = Required.Always;
                // Read-only computed members (none today) must never be written.
                if (member is PropertyInfo pi && pi.SetMethod == null) property.ShouldSerialize = _ => false;
                return property;
            }
        }
    }
}
