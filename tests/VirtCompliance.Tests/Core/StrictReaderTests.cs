using System;
using System.IO;
using System.Text;
using VirtCompliance.Common;
using VirtCompliance.Controls;
using VirtCompliance.Firewall;
using VirtCompliance.Model;
using VirtCompliance.Scope;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    /// <summary>
    /// One strict grammar for every JSON file: each row damages a sample file in one way that the
    /// JSON library alone would accept (or accept as something else), and the reader must refuse it
    /// with a DataFileException naming the file and the line.
    /// </summary>
    public class StrictReaderTests
    {
        private static string Sample(string name) => File.ReadAllText(Path.Combine(Lab.ModuleFolder, "samples", name));

        private static string PolicyJson() => Newtonsoft.Json.JsonConvert.SerializeObject(
            new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object>(Sample("pci-lab.policy.yaml")), Newtonsoft.Json.Formatting.Indented);

        /// <summary>Reads a text with the named reader (snapshot, baseline, policy, scope), as a file of that name.</summary>
        internal static void Read(string reader, string text, string file)
        {
            var stream = new MemoryStream(new UTF8Encoding(false).GetBytes(text), writable: false);
            switch (reader)
            {
                case "snapshot": InventorySnapshot.Read(stream, file); break;
                case "baseline": Baseline.Parse(stream, file, file); break;
                case "policy": PolicyReader.Parse(stream, file); break;
                case "scope": ScopeMapFile.Parse(stream, file); break;
                default: throw new ArgumentException(reader);
            }
        }

        private static string Text(string reader) => reader switch
        {
            "snapshot" => Sample("pci-lab.json"),
            "baseline" => Sample("pci-lab.baseline.json"),
            "policy" => PolicyJson(),
            "scope" => Sample("pci-lab.scope.json"),
            _ => throw new ArgumentException(reader),
        };

        [Theory]
        // Coercions the snapshot reader used to make.
        [InlineData("snapshot", "\"drsEnabled\": true", "\"drsEnabled\": \"\"", "must be true or false")]
        [InlineData("snapshot", "\"drsEnabled\": true", "\"drsEnabled\": 0", "must be true or false")]
        [InlineData("snapshot", "\"name\": \"Payments\"", "\"name\": true", "must be a string")]
        [InlineData("snapshot", "\"vm-103\",", "null,", "must not be null")]
        [InlineData("snapshot", "\"name\": \"Payments\",", "\"name\": \"Payments\", \"name\": \"Other\",", "appears twice")]
        // What no JSON file may hold, in every reader.
        [InlineData("snapshot", "\"drsEnabled\": true,", "\"drsEnabled\": true, // DRS on\n", "comment")]
        [InlineData("baseline", "\"controls\": [", "/* the controls */ \"controls\": [", "comment")]
        [InlineData("policy", "{", "{ // a policy\n", "comment")]
        [InlineData("scope", "\"vms\": {", "\"vms\": { /* by name */", "comment")]
        [InlineData("snapshot", "\"schemaVersion\": 3", "\"schemaVersion\": NaN", "NaN")]
        [InlineData("baseline", "\"version\": \"1.0\"", "\"version\": 'one'", "quote")]
        [InlineData("snapshot", "\"schemaVersion\": 3", "\"schemaVersion\": 0x2", "number")]
        [InlineData("scope", "\"outOfScope\" }", "\"outOfScope\", }", "comma")]
        [InlineData("baseline", "\"name\": \"pci-lab\",", "\"name\": \"pci-lab\", \"name\": \"other\",", "appears twice")]
        // Numbers beyond any range and values of the wrong type.
        [InlineData("baseline", "\"version\": \"1.0\"", "\"version\": 99999999999999999999999999", "out of range")]
        [InlineData("baseline", "\"version\": \"1.0\"", "\"version\": 1e400", "out of range")]
        [InlineData("baseline", "\"parameter\": \"acme-ids-sensor\"", "\"parameter\": [\"acme-ids-sensor\"]", "parameter")]
        [InlineData("snapshot", "\"schemaVersion\": 3", "\"schemaVersion\": 99999999999999999999999999", "out of range")]
        public void Every_reader_refuses_what_strict_json_refuses(string reader, string find, string replace, string expected)
        {
            var original = Text(reader);
            Assert.Contains(find, original);
            var at = original.IndexOf(find, StringComparison.Ordinal);
            var damaged = original.Substring(0, at) + replace + original.Substring(at + find.Length);
            var ex = Assert.Throws<DataFileException>(() => Read(reader, damaged, "damaged.json"));
            Assert.StartsWith("damaged.json", ex.Message);
            Assert.Contains(expected, ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.True(ex.Line > 0, $"the error names no line: {ex.Message}");
        }

        [Theory]
        [InlineData("{\"a\": 1, \"\\u0061\": 2}", "appears twice")]
        [InlineData("{\"a\": \"x\\qy\"}", "unknown escape")]
        [InlineData("{\"a\": \"x\\u12\"}", "four hex digits")]
        [InlineData("{\"a\": \"tab\there\"}", "control character")]
        [InlineData("{\"a\": 9223372036854775808}", "out of range")]
        [InlineData("{\"a\": -9223372036854775809}", "out of range")]
        [InlineData("{\"a\": 1.5e999}", "out of range")]
        [InlineData("{\"a\": 01}", "leading zeros")]
        [InlineData("{\"a\": 1.}", "digits after")]
        public void The_grammar_checks_strings_and_numbers_exactly(string json, string expected)
        {
            var ex = Assert.Throws<DataFileException>(() => StrictJson.Check(json, "g.json"));
            Assert.Contains(expected, ex.Message);
        }

        [Theory]
        [InlineData("{\"a\": 9223372036854775807, \"b\": -9223372036854775808, \"c\": 123456789012345678}")]
        [InlineData("{\"a\": \"\\u00e9\\n\\\"\", \"b\": 1.25, \"c\": -0.5e-3, \"\\u0062x\": []}")]
        public void The_grammar_accepts_what_json_allows(string json) => StrictJson.Check(json, "g.json");

        [Fact]
        public void A_truncated_json_policy_is_refused_not_read_as_a_smaller_policy()
        {
            var json = PolicyJson();
            // Cut after the first group: what is left is a valid prefix that a lenient reader closes itself.
            var cut = json.Substring(0, json.IndexOf("\"cde-app\"", StringComparison.Ordinal));
            var ex = Assert.Throws<DataFileException>(() => Read("policy", cut, "cut.policy.json"));
            Assert.StartsWith("cut.policy.json", ex.Message);
        }

        [Fact]
        public void Every_sample_still_reads()
        {
            foreach (var reader in new[] { "snapshot", "baseline", "policy", "scope" }) Read(reader, Text(reader), reader + ".json");
        }
    }
}
