using System.IO;
using System.Linq;
using NJsonSchema;
using VirtCompliance.Model;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    /// <summary>The published JSON Schemas describe the files the module actually reads and writes.</summary>
    public class SchemaTests
    {
        private static JsonSchema Schema(string name) =>
            JsonSchema.FromJsonAsync(File.ReadAllText(Path.Combine(Lab.ModuleFolder, "schemas", name))).GetAwaiter().GetResult();

        private static void AssertValid(JsonSchema schema, string json, string what)
        {
            var errors = schema.Validate(json);
            Assert.True(errors.Count == 0, what + ": " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}")));
        }

        [Fact]
        public void The_sample_and_an_exported_snapshot_conform_to_the_inventory_schema()
        {
            var schema = Schema("inventory.schema.json");
            AssertValid(schema, File.ReadAllText(Lab.SamplePath), "pci-lab.json");
            var lab = new Lab().Cluster("domain-c1", "P").Host("host-1", "domain-c1").Vm("vm-1", "host-1").Build();
            AssertValid(schema, System.Text.Encoding.UTF8.GetString(InventorySnapshot.ToBytes(lab)), "export");
        }

        [Fact]
        public void The_inventory_schema_rejects_a_wrong_version_and_unknown_members()
        {
            var schema = Schema("inventory.schema.json");
            Assert.NotEmpty(schema.Validate("{\"schemaVersion\": 999}"));
            Assert.NotEmpty(schema.Validate("{\"schemaVersion\": 1, \"hosts\": [{\"id\": \"host-1\", \"colour\": \"red\"}]}"));
        }

        [Fact]
        public void Built_in_baselines_sample_baseline_and_catalog_conform_to_their_schemas()
        {
            var baseline = Schema("baseline.schema.json");
            foreach (var file in Directory.GetFiles(Path.Combine(Lab.ModuleFolder, "baselines"), "*.baseline.json")
                         .Concat(Directory.GetFiles(Path.Combine(Lab.ModuleFolder, "samples"), "*.baseline.json")))
                AssertValid(baseline, File.ReadAllText(file), Path.GetFileName(file));
            AssertValid(Schema("controls.schema.json"), File.ReadAllText(Path.Combine(Lab.ModuleFolder, "baselines", "controls.json")), "controls.json");
        }
    }
}
