using System;
using System.IO;
using System.Linq;
using System.Text;
using VirtCompliance.Model;
using VirtCompliance.Common;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    public class SnapshotTests
    {
        private static VirtCompliance.Model.Inventory SmallLab() => new Lab()
            .Cluster("domain-c1", "Prod").Host("host-2", "domain-c1").Host("host-1", "domain-c1")
            .Vm("vm-2", "host-1").Vm("vm-1", "host-2").Build();

        [Fact]
        public void Export_then_import_gives_the_same_bytes_and_hash()
        {
            using var dir = new TempFolder();
            var first = dir.File("a.json");
            InventorySnapshot.Write(SmallLab(), first);
            var loaded = InventorySnapshot.Read(first);
            var second = dir.File("b.json");
            InventorySnapshot.Write(loaded, second);

            Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
            Assert.Equal(AtomicFile.Sha256Hex(File.ReadAllBytes(first)), loaded.Sha256);
            Assert.Equal(loaded.Sha256, SmallLab().Sha256);
            Assert.Equal(new[] { "host-1", "host-2" }, loaded.Hosts.Select(h => h.Id));
            Assert.Equal("host-1", loaded.GetVm("vm-2").HostId);
        }

        private static VirtCompliance.Model.Inventory OneVm(Func<Vm, Vm> vm) =>
            new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1").Vm("vm-1", "host-1", vm).Build();

        [Theory]
        [InlineData("2026-11-27T08:00:00+00:00")]
        [InlineData("/Date(1234)/")]
        [InlineData("2026-11-27")]
        public void A_name_that_looks_like_a_date_is_read_back_as_the_text_it_is(string name)
        {
            using var dir = new TempFolder();
            var path = dir.File("dated.json");
            InventorySnapshot.Write(OneVm(v => v with { Name = name, Folder = name }), path);
            var vm = InventorySnapshot.Read(path).GetVm("vm-1");
            Assert.Equal(name, vm.Name);
            Assert.Equal(name, vm.Folder);
        }

        [Fact]
        public void A_null_in_a_VMs_adapters_tags_or_devices_is_dropped_as_in_every_other_list()
        {
            using var dir = new TempFolder();
            var path = dir.File("nulls.json");
            InventorySnapshot.Write(OneVm(Lab.HardenedVm), path);
            var snapshot = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(path));
            var vmJson = (Newtonsoft.Json.Linq.JObject)snapshot["vms"]![0]!;
            foreach (var list in new[] { vmJson["nics"], vmJson["tags"], vmJson["settings"]!["devices"] })
                ((Newtonsoft.Json.Linq.JArray)list!).Add(Newtonsoft.Json.Linq.JValue.CreateNull());
            File.WriteAllText(path, snapshot.ToString());
            var vm = InventorySnapshot.Read(path).GetVm("vm-1");
            Assert.DoesNotContain(null, vm.Nics);
            Assert.DoesNotContain(null, vm.Tags);
            Assert.DoesNotContain(null, vm.Settings!.Devices!);
        }

        [Fact]
        public void The_streamed_file_is_the_canonical_bytes_and_its_hash_is_the_inventorys()
        {
            using var dir = new TempFolder();
            var sample = InventorySnapshot.Read(Lab.SamplePath);
            var path = dir.File("streamed.json");
            var written = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1").Vm("vm-1", "host-1").Build();
            InventorySnapshot.Write(sample, path);
            InventorySnapshot.Write(written, dir.File("small.json"));
            Assert.Equal(InventorySnapshot.ToBytes(sample), File.ReadAllBytes(path));
            // The hash the writer computed on the way is the file's.
            Assert.Equal(AtomicFile.Sha256Hex(File.ReadAllBytes(dir.File("small.json"))), written.Sha256);
        }

        [Fact]
        public void A_file_with_a_grammar_error_and_a_binding_error_is_reported_by_its_grammar_error()
        {
            using var dir = new TempFolder();
            var path = dir.File("both.json");
            // A comment (grammar) and an unknown member (binding): the check, which runs beside the binder, speaks first.
            File.WriteAllText(path, "{\n  \"schemaVersion\": 3,\n  \"nonsense\": 1 /* comment */\n}\n");
            var ex = Assert.Throws<DataFileException>(() => InventorySnapshot.Read(path));
            Assert.DoesNotContain("unknown member", ex.Message);
            Assert.Equal(3, ex.Line);
        }

        [Fact]
        public void Each_object_keeps_its_own_options_and_attributes_with_their_case()
        {
            using var dir = new TempFolder();
            var path = dir.File("opts.json");
            var lab = new Lab().Cluster("domain-c1", "P")
                .Host("host-1", "domain-c1", h => Lab.WithOption(h, "Syslog.global.logHost", "udp://a"))
                .Host("host-2", "domain-c1", h => Lab.WithOption(h, "Syslog.global.logHost", "udp://b"))
                .Vm("vm-1", "host-1", v => v with { CustomAttributes = new System.Collections.Generic.Dictionary<string, string> { ["PCI-Scope"] = "CDE" } })
                .Vm("vm-2", "host-1");
            InventorySnapshot.Write(lab.Build(), path);
            var loaded = InventorySnapshot.Read(path);
            Assert.Equal("udp://a", loaded.GetHost("host-1").AdvancedOptions["Syslog.global.logHost"]);
            Assert.Equal("udp://b", loaded.GetHost("host-2").AdvancedOptions["Syslog.global.logHost"]);
            Assert.Equal("CDE", loaded.GetVm("vm-1").CustomAttributes["PCI-Scope"]);
            Assert.Empty(loaded.GetVm("vm-2").CustomAttributes);
            Assert.Empty(new VirtCompliance.Model.Host().AdvancedOptions);
        }

        [Fact]
        public void Snapshot_starts_with_the_version_and_provenance_and_uses_unix_line_ends()
        {
            var text = Encoding.UTF8.GetString(InventorySnapshot.ToBytes(SmallLab()));
            Assert.StartsWith("{\n  \"schemaVersion\": 3,\n  \"source\": \"test-lab\",\n  \"collectedAt\": \"2026-11-27T08:00:00+00:00\",\n  \"collector\": \"tests\",", text);
            Assert.DoesNotContain("\r", text);
            Assert.Contains("\"lockdownMode\": \"lockdownNormal\"", text);
        }

        [Fact]
        public void Objects_are_sorted_by_id_whatever_order_they_were_given_in()
        {
            var a = new Lab().Cluster("domain-c1", "P").Host("host-1", "domain-c1").Host("host-2", "domain-c1").Build();
            var b = new Lab().Cluster("domain-c1", "P").Host("host-2", "domain-c1").Host("host-1", "domain-c1").Build();
            Assert.Equal(a.Sha256, b.Sha256);
        }

        [Fact]
        public void A_truncated_file_is_an_error_naming_the_file_and_line()
        {
            using var dir = new TempFolder();
            var path = dir.File("cut.json");
            var bytes = InventorySnapshot.ToBytes(SmallLab());
            File.WriteAllBytes(path, bytes.Take(bytes.Length / 2).ToArray());

            var ex = Assert.Throws<DataFileException>(() => InventorySnapshot.Read(path));
            Assert.Equal(path, ex.Path);
            Assert.True(ex.Line > 1, "the error should point at a line: " + ex.Message);
            Assert.StartsWith(path + ":" + ex.Line + ":", ex.Message);
        }

        [Fact]
        public void Schema_version_999_is_refused_with_the_version_in_the_message()
        {
            using var dir = new TempFolder();
            var path = dir.File("future.json");
            File.WriteAllText(path, Encoding.UTF8.GetString(InventorySnapshot.ToBytes(SmallLab())).Replace("\"schemaVersion\": 3", "\"schemaVersion\": 999"));
            var ex = Assert.Throws<DataFileException>(() => InventorySnapshot.Read(path));
            Assert.Equal(2, ex.Line);
            Assert.Contains("schemaVersion 999 is not supported", ex.Message);
        }

        [Theory]
        [InlineData("", "empty")]
        [InlineData("[1,2]", "expected a JSON object")]
        [InlineData("{\"source\":\"x\"}", "'schemaVersion' must come before 'source'")]
        [InlineData("{\"schemaVersion\":1,\"hosts\":[{\"name\":\"esx\"}]}", "Required property 'id' not found")]
        [InlineData("{\"schemaVersion\":1,\"hosts\":[{\"id\":\"host-1\",\"lockdown\":\"x\"}]}", "lockdown")]
        [InlineData("{\"schemaVersion\":1,\"hosts\":[{\"id\":\"host-1\",\"lockdownMode\":\"sometimes\"}]}", "sometimes")]
        [InlineData("{\"schemaVersion\":1,\"colour\":\"red\"}", "unknown member 'colour'")]
        [InlineData("{\"schemaVersion\":\"1\"}", "must be an integer")]
        [InlineData("{\"schemaVersion\":1} x", "unexpected content after")]
        [InlineData("{\"schemaVersion\":1,\"collectedAt\":\"yesterday\"}", "not an ISO 8601")]
        public void A_malformed_file_gets_one_clear_error(string content, string expected)
        {
            using var dir = new TempFolder();
            var path = dir.File("bad.json");
            File.WriteAllText(path, content);
            var ex = Assert.Throws<DataFileException>(() => InventorySnapshot.Read(path));
            Assert.Contains(expected, ex.Message);
            Assert.StartsWith(path, ex.Message);
        }

        [Fact]
        public void A_vm_on_an_unknown_host_is_an_error_naming_the_vm()
        {
            using var dir = new TempFolder();
            var path = dir.File("orphan.json");
            File.WriteAllText(path, "{\"schemaVersion\":1,\"vms\":[{\"id\":\"vm-7\",\"name\":\"pay-db\",\"hostId\":\"host-99\"}]}");
            var ex = Assert.Throws<DataFileException>(() => InventorySnapshot.Read(path));
            Assert.Contains("VM 'pay-db' (vm-7) refers to unknown host 'host-99'", ex.Message);
        }

        [Fact]
        public void Duplicate_ids_are_refused()
        {
            var ex = Assert.Throws<InventoryReferenceException>(() =>
                new Lab().Cluster("domain-c1", "P").Host("host-1", "domain-c1").Host("host-1", "domain-c1").Build());
            Assert.Contains("host-1", ex.Message);
        }

        [Fact]
        public void A_failed_write_leaves_the_existing_file_untouched_and_no_temporary_file()
        {
            using var dir = new TempFolder();
            var path = dir.File("keep.json");
            File.WriteAllText(path, "original");
            Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
            {
                s.Write(new byte[] { 1, 2, 3 }, 0, 3);
                throw new InvalidOperationException("disk full");
            }));
            Assert.Equal("original", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(dir.Path));
        }

        [Fact]
        public void Writing_into_a_missing_folder_fails_and_creates_nothing()
        {
            using var dir = new TempFolder();
            Assert.Throws<DirectoryNotFoundException>(() => InventorySnapshot.Write(SmallLab(), Path.Combine(dir.Path, "no", "x.json")));
            Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        }

        [Fact]
        public void The_bundled_sample_loads_and_round_trips_byte_for_byte()
        {
            var inventory = InventorySnapshot.Read(Lab.SamplePath);
            Assert.True(inventory.Hosts.Count >= 6);
            Assert.True(inventory.Vms.Count >= 30);
            Assert.Equal(2, inventory.Clusters.Count);
            Assert.Equal(File.ReadAllBytes(Lab.SamplePath), InventorySnapshot.ToBytes(inventory));
        }
    }
}
