using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using VirtCompliance.Common;
using VirtCompliance.Model;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    /// <summary>
    /// The snapshot reader's plain path (one pass over the bytes) against its general path (the strict grammar
    /// check, then the library's binder): for any input, the same inventory or the same error. The plain path
    /// may give a file up to the general one; it may never read it differently.
    /// </summary>
    public class PlainSnapshotReaderTests
    {
        private const int Seed = 20261202;

        private static byte[] Sample() => File.ReadAllBytes(Path.Combine(Lab.ModuleFolder, "samples", "pci-lab.json"));

        /// <summary>The outcome of one read: the inventory's canonical bytes, or the error's text.</summary>
        private static string Outcome(Func<Inventory> read)
        {
            try
            {
                return "read: " + AtomicFile.Sha256Hex(InventorySnapshot.ToBytes(read()));
            }
            catch (DataFileException ex)
            {
                return "error: " + ex.Message;
            }
        }

        private static string ByEitherPath(byte[] bytes) => Outcome(() => InventorySnapshot.Read(new MemoryStream(bytes, writable: false), "f.json"));

        private static string ByTheGeneralPath(byte[] bytes) => Outcome(() => InventorySnapshot.ReadGeneral(bytes, "f.json"));

        [Fact]
        public void The_modules_own_files_take_the_plain_path_to_the_inventory_the_general_path_reads()
        {
            var lab = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1").Host("host-2", "domain-c1")
                .Vm("vm-1", "host-1", Lab.HardenedVm).Vm("vm-2", "host-2").Build();
            foreach (var bytes in new[] { Sample(), InventorySnapshot.ToBytes(lab), InventorySnapshot.ToBytes(InventorySnapshot.Read(new MemoryStream(Sample()), "s")) })
            {
                Assert.True(InventorySnapshot.ReadsPlain(bytes));
                Assert.Equal(ByTheGeneralPath(bytes), ByEitherPath(bytes));
                Assert.StartsWith("read: ", ByEitherPath(bytes));
            }
        }

        // Inputs the plain path must give up on or read exactly as the general one: each is one edit of the sample.
        private static readonly (string name, Func<string, string> edit)[] Edits =
        {
            ("a member name in capitals", t => ReplaceFirst(t, "\"id\":", "\"ID\":")),
            ("an escaped name", t => ReplaceFirst(t, "\"name\": \"", "\"name\": \"\\u0041\\n\\t\\\"\\\\\\/")),
            ("a surrogate pair", t => ReplaceFirst(t, "\"name\": \"", "\"name\": \"\\ud83d\\ude00")),
            ("a lone surrogate", t => ReplaceFirst(t, "\"name\": \"", "\"name\": \"\\ud83d")),
            ("text beyond ASCII", t => ReplaceFirst(t, "\"name\": \"", "\"name\": \"é-ü-漢")),
            ("an escape in a key", t => ReplaceFirst(t, "\"advancedOptions\": {\n", "\"advancedOptions\": {\n\"a\\u0062\": \"x\",\n")),
            ("a key twice in a map", t => ReplaceFirst(t, "\"advancedOptions\": {\n", "\"advancedOptions\": {\n\"dup\": \"1\",\n\"dup\": \"2\",\n")),
            ("a null in a map", t => ReplaceFirst(t, "\"advancedOptions\": {\n", "\"advancedOptions\": {\n\"n\": null,\n")),
            ("a member twice", t => ReplaceFirst(t, "\"name\": \"", "\"name\": \"x\", \"name\": \"")),
            ("a null member", t => ReplaceFirst(t, "\"name\": \"", "\"folder\": null, \"name\": \"")),
            ("an id of null", t => ReplaceFirst(t, "\"id\": \"", "\"id\": null, \"x\": \"")),
            ("no id", t => Regex(t, "\"id\": \"[^\"]*\",", "")),
            ("an enum in another case", t => ReplaceFirst(t, "\"poweredOn\"", "\"PoweredOn\"")),
            ("an enum with a space", t => ReplaceFirst(t, "\"poweredOn\"", "\" poweredOn\"")),
            ("an unknown enum", t => ReplaceFirst(t, "\"poweredOn\"", "\"poweredSideways\"")),
            ("a whole number with a fraction", t => Regex(t, "\"key\": (\\d+)", "\"key\": $1.0")),
            ("minus zero", t => Regex(t, "\"key\": (\\d+)", "\"key\": -0")),
            ("a leading zero", t => Regex(t, "\"key\": (\\d+)", "\"key\": 0$1")),
            ("a number beyond Int32", t => Regex(t, "\"key\": (\\d+)", "\"key\": 2147483648")),
            ("a number beyond Int64", t => Regex(t, "\"key\": (\\d+)", "\"key\": 99999999999999999999")),
            ("an exponent", t => Regex(t, "\"key\": (\\d+)", "\"key\": 4e3")),
            ("a string for a number", t => Regex(t, "\"key\": (\\d+)", "\"key\": \"$1\"")),
            ("a number for a string", t => ReplaceFirst(t, "\"name\": \"", "\"name\": 1, \"x\": \"")),
            ("a string for true", t => ReplaceFirst(t, "true", "\"true\"")),
            ("truex", t => ReplaceFirst(t, "true", "truex")),
            ("tabs and carriage returns", t => t.Replace("\n", "\r\n").Replace("  ", "\t")),
            ("a byte-order mark", t => "\uFEFF" + t),
            ("an unknown root member", t => ReplaceFirst(t, "\"source\":", "\"sauce\": 1, \"source\":")),
            ("schemaVersion not first", t => "{\"source\": \"x\"," + t.Substring(1)),
            ("schemaVersion 2147483648", t => Regex(t, "\"schemaVersion\": \\d+", "\"schemaVersion\": 2147483648")),
            ("content after the end", t => t + "{}"),
            ("a trailing comma", t => ReplaceFirst(t, "]", ",]")),
            ("a null in a list", t => ReplaceFirst(t, "\"datastoreIds\": [", "\"datastoreIds\": [null, ")),
            ("an empty object", t => "{}"),
            ("a control character", t => ReplaceFirst(t, "\"name\": \"", "\"name\": \"\u0001")),
            ("delete", t => "\u007F" + t),
        };

        private static string ReplaceFirst(string text, string what, string with)
        {
            var at = text.IndexOf(what, StringComparison.Ordinal);
            return at < 0 ? text : text.Substring(0, at) + with + text.Substring(at + what.Length);
        }

        private static string Regex(string text, string pattern, string with) => new System.Text.RegularExpressions.Regex(pattern).Replace(text, with, 1);

        [Fact]
        public void Every_edit_and_mutation_reads_to_the_same_inventory_or_the_same_error_by_either_path()
        {
            var sample = Encoding.UTF8.GetString(Sample());
            var inputs = new List<(string name, byte[] bytes)>();
            foreach (var (name, edit) in Edits) inputs.Add((name, Encoding.UTF8.GetBytes(edit(sample))));
            // The same file laid out otherwise: without white space, and indented by four.
            var tree = JToken.Parse(sample);
            inputs.Add(("minified", Encoding.UTF8.GetBytes(tree.ToString(Formatting.None))));
            inputs.Add(("UTF-16", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(sample)).ToArray()));
            inputs.Add(("invalid UTF-8", Encoding.UTF8.GetBytes(ReplaceFirst(sample, "\"name\": \"", "\"name\": \"X")).Select(b => b == (byte)'X' ? (byte)0xC3 : b).ToArray()));
            var random = new Random(Seed);
            for (int i = 0; i < 150; i++)
            {
                var (name, mutate) = ReaderFuzzTests.Mutations[random.Next(ReaderFuzzTests.Mutations.Length)];
                inputs.Add((name, Encoding.UTF8.GetBytes(mutate(sample, new Random(random.Next())))));
            }

            var failures = new List<string>();
            var plain = 0;
            foreach (var (name, bytes) in inputs)
            {
                var general = ByTheGeneralPath(bytes);
                var either = ByEitherPath(bytes);
                if (either != general) failures.Add($"{name}: general path {general}, reader {either}");
                if (InventorySnapshot.ReadsPlain(bytes)) plain++;
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            // The edits that keep the file plain (tabs, minified, escapes, text beyond ASCII, minus zero) took the plain path.
            Assert.True(plain >= 5, $"only {plain} inputs took the plain path");
        }

        private static byte[] VmList(int count, Func<int, Vm>? vm = null)
        {
            var vms = Enumerable.Range(1, count).Select(i => vm?.Invoke(i) ?? Lab.HardenedVm(new Vm { Id = "vm-" + i, Name = "vm " + i, HostId = "host-1" })).ToList();
            using (var text = new StringWriter())
            {
                using (var writer = JsonFiles.CreateWriter(text)) JsonFiles.Serializer.Serialize(writer, vms);
                return Encoding.UTF8.GetBytes(text.ToString());
            }
        }

        private static string Json(object value) => JsonConvert.SerializeObject(value, JsonFiles.CreateSettings());

        [Fact]
        public void A_long_list_read_in_two_halves_is_the_list_read_whole()
        {
            var bytes = VmList(301);
            var whole = new Utf8Binder(bytes, 0, bytes.Length).Read<List<Vm>>();
            var halves = new Utf8Binder(bytes, 0, bytes.Length).ReadList<Vm>(parallelAbove: 0);
            Assert.Equal(301, halves.Count);
            Assert.Equal(Json(whole), Json(halves));
        }

        [Fact]
        public void A_place_that_looks_like_a_boundary_inside_an_item_is_not_taken_for_one()
        {
            // One VM whose adapters fill the middle of the text, each laid out as an item of the outer list would be.
            var nics = string.Join(",\n  ", Enumerable.Range(0, 200).Select(i => $"{{\"key\": {4000 + i}}}"));
            var text = "[\n  {\"id\": \"vm-1\", \"nics\": [" + nics + "]},\n  {\"id\": \"vm-2\"}\n]";
            var bytes = Encoding.UTF8.GetBytes(text);
            var list = new Utf8Binder(bytes, 0, bytes.Length).ReadList<Vm>(parallelAbove: 0);
            Assert.Equal(new[] { "vm-1", "vm-2" }, list.Select(v => v.Id));
            Assert.Equal(200, list[0].Nics.Count);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(7)]
        [InlineData(100)]
        public void A_snapshot_written_in_pieces_on_several_threads_is_the_bytes_one_writer_gives(int vmsPerPiece)
        {
            var lab = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1").Host("host-2", "domain-c1");
            for (int i = 1; i <= 250; i++) lab.Vm("vm-" + i, i % 2 == 0 ? "host-1" : "host-2", i % 3 == 0 ? Lab.HardenedVm : v => v with { Annotation = "note \"" + i + "\"\né" });
            var inventory = lab.Build();
            byte[] Written(int perPiece)
            {
                using (var buffer = new MemoryStream())
                {
                    InventorySnapshot.WriteTo(inventory, buffer, perPiece);
                    return buffer.ToArray();
                }
            }
            var whole = Written(int.MaxValue);
            Assert.Equal(whole, Written(vmsPerPiece));
            Assert.Equal(whole, InventorySnapshot.ToBytes(InventorySnapshot.Read(new MemoryStream(whole), "s")));
        }

        [Fact]
        public void The_sorted_map_orders_and_finds_as_a_sorted_dictionary_did()
        {
            var random = new Random(Seed);
            var words = new[] { "a", "A", "b", "B", "ab", "aB", "Ab", "isolation.tools.copy.disable", "Isolation.Tools.Copy.Disable", "RemoteDisplay.maxConnections", "z", "_x", "1" };
            foreach (var comparer in new[] { StringComparer.Ordinal, StringComparer.OrdinalIgnoreCase })
            {
                for (int run = 0; run < 200; run++)
                {
                    var pairs = Enumerable.Range(0, random.Next(0, 12)).Select(i => new KeyValuePair<string, string>(words[random.Next(words.Length)], "v" + i)).ToList();
                    var expected = new SortedDictionary<string, string>(comparer);
                    foreach (var kv in pairs) expected[kv.Key] = kv.Value;
                    var map = SortedStringMap.Create(pairs, comparer);
                    Assert.Equal(expected.ToList(), map.ToList());
                    foreach (var probe in words)
                    {
                        Assert.Equal(expected.TryGetValue(probe, out var e), map.TryGetValue(probe, out var m));
                        Assert.Equal(e, m);
                    }
                }
            }
            Assert.Throws<NotSupportedException>(() => ((IDictionary<string, string>)new SortedStringMap(new Dictionary<string, string> { ["a"] = "1" }, StringComparer.Ordinal)).Add("b", "2"));
        }
    }
}
