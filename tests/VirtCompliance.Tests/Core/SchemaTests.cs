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
    
        /// <summary>The members a binder reads into a type: its JSON contract's properties, as the files spell them.</summary>
        private static string[] Bound(System.Type type) =>
            ((Newtonsoft.Json.Serialization.JsonObjectContract)VirtCompliance.Common.JsonFiles.Serializer.ContractResolver.ResolveContract(type))
                .Properties.Where(p => !p.Ignored && p.Writable).Select(p => p.PropertyName).OrderBy(n => n, System.StringComparer.Ordinal).ToArray();

        private static string[] Members(string schema, string pointer) =>
            VirtCompliance.Common.SchemaMembers.Of(schema, pointer).OrderBy(n => n, System.StringComparer.Ordinal).ToArray();

        [Theory]
        [InlineData(typeof(VirtCompliance.Controls.BaselineEntry), "baseline.schema.json", "#/properties/controls/items")]
        [InlineData(typeof(VirtCompliance.Model.Datacenter), "inventory.schema.json", "#/definitions/datacenter")]
        [InlineData(typeof(VirtCompliance.Model.ClusterGroup), "inventory.schema.json", "#/definitions/clusterGroup")]
        [InlineData(typeof(VirtCompliance.Model.ClusterRule), "inventory.schema.json", "#/definitions/clusterRule")]
        [InlineData(typeof(VirtCompliance.Model.DrsVmOverride), "inventory.schema.json", "#/definitions/drsVmOverride")]
        [InlineData(typeof(VirtCompliance.Model.Cluster), "inventory.schema.json", "#/definitions/cluster")]
        [InlineData(typeof(VirtCompliance.Model.FirewallRuleset), "inventory.schema.json", "#/definitions/firewallRuleset")]
        [InlineData(typeof(VirtCompliance.Model.HostFirewall), "inventory.schema.json", "#/definitions/host/properties/firewall")]
        [InlineData(typeof(VirtCompliance.Model.HostService), "inventory.schema.json", "#/definitions/hostService")]
        [InlineData(typeof(VirtCompliance.Model.HostPackage), "inventory.schema.json", "#/definitions/hostPackage")]
        [InlineData(typeof(VirtCompliance.Model.StandardSwitch), "inventory.schema.json", "#/definitions/standardSwitch")]
        [InlineData(typeof(VirtCompliance.Model.HostPortgroup), "inventory.schema.json", "#/definitions/hostPortgroup")]
        [InlineData(typeof(VirtCompliance.Model.VmkernelNic), "inventory.schema.json", "#/definitions/vmkernelNic")]
        [InlineData(typeof(VirtCompliance.Model.IscsiAdapter), "inventory.schema.json", "#/definitions/iscsiAdapter")]
        [InlineData(typeof(VirtCompliance.Model.Host), "inventory.schema.json", "#/definitions/host")]
        [InlineData(typeof(VirtCompliance.Model.SecurityPolicy), "inventory.schema.json", "#/definitions/securityPolicy")]
        [InlineData(typeof(VirtCompliance.Model.VlanRange), "inventory.schema.json", "#/definitions/network/properties/vlanTrunkRanges/items")]
        [InlineData(typeof(VirtCompliance.Model.TrafficRule), "inventory.schema.json", "#/definitions/trafficRule")]
        [InlineData(typeof(VirtCompliance.Model.TrafficFilter), "inventory.schema.json", "#/definitions/trafficFilter")]
        [InlineData(typeof(VirtCompliance.Model.Network), "inventory.schema.json", "#/definitions/network")]
        [InlineData(typeof(VirtCompliance.Model.DistributedSwitch), "inventory.schema.json", "#/definitions/distributedSwitch")]
        [InlineData(typeof(VirtCompliance.Model.Datastore), "inventory.schema.json", "#/definitions/datastore")]
        [InlineData(typeof(VirtCompliance.Model.VmNic), "inventory.schema.json", "#/definitions/vmNic")]
        [InlineData(typeof(VirtCompliance.Model.VmTag), "inventory.schema.json", "#/definitions/vm/properties/tags/items")]
        [InlineData(typeof(VirtCompliance.Model.Vm), "inventory.schema.json", "#/definitions/vm")]
        public void What_a_binder_reads_is_exactly_what_the_schema_lists(System.Type type, string schema, string pointer)
        {
            Assert.Equal(Members(schema, pointer), Bound(type));
        }

        [Fact]
        public void A_control_definition_has_the_members_of_the_catalog_schema_in_both_schemas()
        {
            // "scope" is read by the catalog reader itself (it must agree with the fact), the rest by the binder.
            var bound = Bound(typeof(VirtCompliance.Controls.ControlDefinition)).Append("scope").Distinct().OrderBy(n => n, System.StringComparer.Ordinal);
            Assert.Equal(Members("controls.schema.json", "#/definitions/control"), bound);
            Assert.Equal(Members("controls.schema.json", "#/definitions/control"), Members("baseline.schema.json", "#/definitions/control"));
        }

        [Theory]
        [InlineData("policy", "{\"name\": \"p\", \"colour\": 1}", "firewall-policy.schema.json", "#")]
        [InlineData("policy", "{\"name\": \"p\", \"defaults\": {\"sideways\": \"drop\"}}", "firewall-policy.schema.json", "#/properties/defaults")]
        [InlineData("policy", "{\"name\": \"p\", \"groups\": {\"g\": {\"vms\": [\"a\"], \"colour\": 1}}}", "firewall-policy.schema.json", "#/definitions/group")]
        [InlineData("policy", "{\"name\": \"p\", \"groups\": {\"g\": {\"vms\": [\"a\"]}}, \"rules\": [{\"from\": \"g\", \"to\": \"g\", \"colour\": 1}]}", "firewall-policy.schema.json", "#/definitions/rule")]
        [InlineData("scope", "{\"colour\": 1}", "pci-scope-map.schema.json", "#")]
        [InlineData("scope", "{\"patterns\": [{\"match\": \"a\", \"scope\": \"cde\", \"colour\": 1}]}", "pci-scope-map.schema.json", "#/properties/patterns/items")]
        [InlineData("baseline", "{\"name\": \"b\", \"colour\": 1, \"controls\": []}", "baseline.schema.json", "#")]
        [InlineData("baseline", "{\"name\": \"b\", \"controls\": [{\"id\": \"esx-9.ssh\", \"colour\": 1}]}", "baseline.schema.json", "#/properties/controls/items")]
        [InlineData("baseline", "{\"name\": \"b\", \"customControls\": [{\"id\": \"x.y\", \"colour\": 1}], \"controls\": []}", "controls.schema.json", "#/definitions/control")]
        public void An_unknown_member_is_refused_with_the_schemas_list(string reader, string json, string schema, string pointer)
        {
            var ex = Assert.Throws<VirtCompliance.Common.DataFileException>(() => StrictReaderTests.Read(reader, json, "f.json"));
            Assert.Contains("unknown member", ex.Message);
            Assert.True(ex.Line > 0);
            foreach (var member in VirtCompliance.Common.SchemaMembers.Of(schema, pointer).Where(m => m != "$schema"))
                Assert.Contains(member, ex.Message);
        }
    }
}
