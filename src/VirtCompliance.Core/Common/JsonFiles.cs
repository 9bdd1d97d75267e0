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
            Converters = { new StringEnumConverter(new CamelCaseNamingStrategy(), allowIntegerValues: false) },
            NullValueHandling = NullValueHandling.Ignore,
            // Always build new collections: filling a default instance would share it between objects.
            ObjectCreationHandling = ObjectCreationHandling.Replace,
            MissingMemberHandling = MissingMemberHandling.Error,
            DateParseHandling = DateParseHandling.DateTimeOffset,
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
