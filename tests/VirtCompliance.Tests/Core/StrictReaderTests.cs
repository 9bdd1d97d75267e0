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

        private static void Read(string reader, string text, string file)
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
        [InlineData("snapshot", "\"schemaVersion\": 2", "\"schemaVersion\": NaN", "NaN")]
        [InlineData("baseline", "\"version\": \"1.0\"", "\"version\": 'one'", "quote")]
        [InlineData("snapshot", "\"schemaVersion\": 2", "\"schemaVersion\": 0x2", "number")]
        [InlineData("scope", "\"outOfScope\" }", "\"outOfScope\", }", "comma")]
        [InlineData("baseline", "\"name\": \"pci-lab\",", "\"name\": \"pci-lab\", \"name\": \"other\",", "appears twice")]
        // Numbers beyond any range and values of the wrong type.
        [InlineData("baseline", "\"version\": \"1.0\"", "\"version\": 99999999999999999999999999", "out of range")]
        [InlineData("baseline", "\"version\": \"1.0\"", "\"version\": 1e400", "out of range")]
        [InlineData("baseline", "\"parameter\": \"acme-ids-sensor\"", "\"parameter\": [\"acme-ids-sensor\"]", "parameter")]
        [InlineData("snapshot", "\"schemaVersion\": 2", "\"schemaVersion\": 99999999999999999999999999", "out of range")]
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
