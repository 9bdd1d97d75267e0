using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;
using VirtCompliance.Assessments;
using VirtCompliance.Model;
using VirtCompliance.Reporting;
using Xunit;

namespace VirtCompliance.Tests.Reporting
{
    /// <summary>The evidence verifier reads only the bundle's own plain files and checks every field of its manifest.</summary>
    public class EvidenceVerifierTests
    {
        private static string Bundle(TempFolder dir)
        {
            var path = dir.File("bundle");
            Assessment.Evidence(InventorySnapshot.Read(Lab.SamplePath), new AssessmentOptions(), path, "0.1.0.0");
            return path;
        }

        private static JObject Manifest(string bundle) => JObject.Parse(File.ReadAllText(Path.Combine(bundle, "manifest.json")));

        private static void Save(string bundle, JObject manifest) => File.WriteAllText(Path.Combine(bundle, "manifest.json"), manifest.ToString());

        private static EvidenceCheck[] Verify(string bundle) => EvidenceVerifier.Verify(bundle).ToArray();

        [Fact]
        public void An_intact_bundle_verifies()
        {
            using var dir = new TempFolder();
            var checks = Verify(Bundle(dir));
            Assert.True(checks.Length >= 10);
            // The manifest's own check comes first: an unsigned bundle says so, and passes when no signature is asked for.
            Assert.Equal(("manifest.json", EvidenceStatus.Unsigned), (checks[0].File, checks[0].Status));
            Assert.All(checks.Skip(1), c => Assert.Equal(EvidenceStatus.Ok, c.Status));
            Assert.True(EvidenceVerifier.Passed(checks));
            Assert.False(EvidenceVerifier.Passed(checks, new EvidenceSignaturePolicy { Required = true }));
        }

        [Theory]
        [InlineData("/etc/passwd")]
        [InlineData("../../../etc/passwd")]
        [InlineData("/proc/self/environ")]
        [InlineData("sub/inventory.json")]
        [InlineData("..")]
        public void A_manifest_naming_a_file_outside_the_bundle_is_invalid_and_the_file_is_not_read(string name)
        {
            using var dir = new TempFolder();
            var bundle = Bundle(dir);
            var manifest = Manifest(bundle);
            ((JArray)manifest["files"]).Add(new JObject { ["name"] = name, ["sha256"] = new string('0', 64), ["bytes"] = 1 });
            Save(bundle, manifest);
            var check = Assert.Single(Verify(bundle));
            Assert.Equal(EvidenceStatus.ManifestInvalid, check.Status);
            Assert.Contains("not a file of the bundle", check.Message);
            Assert.Contains("manifest.json:", check.Message);
        }

        [Fact]
        public void A_listed_file_that_is_a_link_out_of_the_bundle_has_changed()
        {
            using var dir = new TempFolder();
            var bundle = Bundle(dir);
            var target = Path.Combine(bundle, "pci-scope.json");
            var copy = dir.File("outside.json");
            File.Move(target, copy);
            File.CreateSymbolicLink(target, copy);
            var check = Verify(bundle).Single(c => c.File == "pci-scope.json");
            Assert.Equal(EvidenceStatus.Changed, check.Status);
            Assert.Contains("link", check.Message);
        }

        [Fact]
        public void A_fifo_in_the_bundle_is_never_opened()
        {
            using var dir = new TempFolder();
            var bundle = Bundle(dir);
            var manifest = Manifest(bundle);
            var listed = ((JArray)manifest["files"]).First(f => (string)f["name"] == "pci-scope.json");
            listed["bytes"] = 0;
            Save(bundle, manifest);
            File.Delete(Path.Combine(bundle, "pci-scope.json"));
            foreach (var fifo in new[] { "pci-scope.json", "unlisted.pipe" })
                using (var mk = Process.Start(new ProcessStartInfo("mkfifo", Path.Combine(bundle, fifo)) { UseShellExecute = false })) mk.WaitForExit();
            var checks = Verify(bundle);
            Assert.Equal(EvidenceStatus.Changed, checks.Single(c => c.File == "pci-scope.json").Status);
            Assert.Equal(EvidenceStatus.Unlisted, checks.Single(c => c.File == "unlisted.pipe").Status);
        }

        [Fact]
        public void A_size_that_differs_from_the_manifest_is_a_change()
        {
            using var dir = new TempFolder();
            var bundle = Bundle(dir);
            var manifest = Manifest(bundle);
            var entry = ((JArray)manifest["files"]).First(f => (string)f["name"] == "pci-separation.json");
            entry["bytes"] = (long)entry["bytes"] + 1;
            Save(bundle, manifest);
            var check = Verify(bundle).Single(c => c.File == "pci-separation.json");
            Assert.Equal(EvidenceStatus.Changed, check.Status);
            Assert.Contains("bytes", check.Message);
        }

        [Fact]
        public void A_snapshot_swapped_with_its_hash_recomputed_does_not_match_the_inventory_hash()
        {
            using var dir = new TempFolder();
            var bundle = Bundle(dir);
            var snapshot = Path.Combine(bundle, "inventory.json");
            File.WriteAllText(snapshot, File.ReadAllText(snapshot).Replace("esx-pay-01.lab.local", "esx-pay-01.lab.locaL"));
            var manifest = Manifest(bundle);
            var entry = ((JArray)manifest["files"]).First(f => (string)f["name"] == "inventory.json");
            entry["sha256"] = VirtCompliance.Common.AtomicFile.Sha256Hex(File.ReadAllBytes(snapshot));
            entry["bytes"] = new FileInfo(snapshot).Length;
            Save(bundle, manifest);
            var check = Verify(bundle).Single(c => c.File == "inventory.json");
            Assert.Equal(EvidenceStatus.Changed, check.Status);
            Assert.Contains("manifest names inventory", check.Message);
        }

        [Theory]
        [InlineData("schemaVersion", "2", "not a manifest version")]
        [InlineData("tool", "\"other\"", "not written by VirtCompliance")]
        [InlineData("inventorySha256", "\"abc\"", "SHA-256")]
        [InlineData("files", "{}", "'files' must be a list")]
        [InlineData("source", "7", "must be a string")]
        public void A_manifest_field_of_the_wrong_value_is_invalid(string field, string json, string problem)
        {
            using var dir = new TempFolder();
            var bundle = Bundle(dir);
            var manifest = Manifest(bundle);
            manifest[field] = JToken.Parse(json);
            Save(bundle, manifest);
            var check = Assert.Single(Verify(bundle));
            Assert.Equal(EvidenceStatus.ManifestInvalid, check.Status);
            Assert.Contains(problem, check.Message);
        }

        [Fact]
        public void An_unlisted_folder_is_reported()
        {
            using var dir = new TempFolder();
            var bundle = Bundle(dir);
            Directory.CreateDirectory(Path.Combine(bundle, "extra"));
            var check = Verify(bundle).Single(c => c.File == "extra");
            Assert.Equal(EvidenceStatus.Unlisted, check.Status);
            Assert.Contains("folder", check.Message);
        }

        [Fact]
        public void Every_mangled_manifest_gives_checks_never_an_exception_and_never_passes_unchanged_content_as_ok_by_accident()
        {
            using var dir = new TempFolder();
            var bundle = Bundle(dir);
            var original = File.ReadAllText(Path.Combine(bundle, "manifest.json"));
            var random = new Random(20261201);
            for (var i = 0; i < 120; i++)
            {
                var text = original;
                switch (random.Next(6))
                {
                    case 0: text = text.Substring(0, random.Next(text.Length)); break;
                    case 1: { var c = text.ToCharArray(); var p = random.Next(c.Length); c[p] = (char)(c[p] ^ (1 << random.Next(7))); text = new string(c); break; }
                    case 2: text = text.Replace("\"bytes\": ", "\"bytes\": \"").Replace(",\n      \"records\"", "\",\n      \"records\""); break;
                    case 3: text = text.Insert(random.Next(text.Length), "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["); break;
                    case 4: text = "[" + text + "]"; break;
                    default: text = text.Replace("\"name\"", "\"name\": null, \"x\""); break;
                }
                File.WriteAllText(Path.Combine(bundle, "manifest.json"), text);
                var checks = Verify(bundle);
                Assert.NotEmpty(checks);
                if (text != original && EvidenceVerifier.Passed(checks))
                {
                    // Only white space or a harmless byte in a string may change and still verify.
                    Assert.Equal(JToken.Parse(original)["files"].ToString(), JToken.Parse(text)["files"].ToString());
                }
            }
        }
    }
}
