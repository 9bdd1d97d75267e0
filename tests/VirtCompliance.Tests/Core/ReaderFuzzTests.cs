using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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
    /// Seeded, bounded mutation fuzzing of every file reader: truncations, byte flips, type changes,
    /// duplicated members, deep nesting, huge numbers, other encodings, comments and YAML aliases.
    /// Each input must be either read as valid or refused with one DataFileException naming the file;
    /// anything else (a raw .NET exception, a crash) fails the test with the mutation and the message.
    /// </summary>
    public class ReaderFuzzTests
    {
        private const int Seed = 20261201;
        private const int MutationsPerSample = 160;

        /// <summary>The mutations: each takes the sample text and a random source and returns a new text.</summary>
        internal static readonly (string name, Func<string, Random, string> mutate)[] Mutations =
        {
            ("truncate", (t, r) => t.Substring(0, r.Next(t.Length))),
            ("flip a byte", (t, r) => { var c = t.ToCharArray(); var i = r.Next(c.Length); c[i] = (char)(c[i] ^ (1 << r.Next(7))); return new string(c); }),
            ("delete a line", (t, r) => { var l = t.Split('\n').ToList(); if (l.Count > 1) l.RemoveAt(r.Next(l.Count)); return string.Join("\n", l); }),
            ("duplicate a line", (t, r) => { var l = t.Split('\n').ToList(); var i = r.Next(l.Count); l.Insert(i, l[i]); return string.Join("\n", l); }),
            ("string to number", (t, r) => ReplaceOne(t, r, "\"", "0, \"")),
            ("value to null", (t, r) => ReplaceOne(t, r, ": \"", ": null, \"x\": \"")),
            ("true to string", (t, r) => t.Replace("true", "\"\"")),
            ("number beyond Int64", (t, r) => ReplaceDigits(t, r, "99999999999999999999999999")),
            ("number 1e400", (t, r) => ReplaceDigits(t, r, "1e400")),
            ("NaN", (t, r) => ReplaceDigits(t, r, "NaN")),
            ("hex number", (t, r) => ReplaceDigits(t, r, "0x1F")),
            ("single quotes", (t, r) => t.Replace('"', '\'')),
            ("line comment", (t, r) => Insert(t, r, "\n// a comment\n")),
            ("block comment", (t, r) => Insert(t, r, "/* a comment */")),
            ("deep arrays", (t, r) => Insert(t, r, new string('[', 20000))),
            ("deep objects", (t, r) => Insert(t, r, string.Concat(Enumerable.Repeat("{\"a\":", 20000)))),
            ("a million brackets", (t, r) => new string('[', 1_000_000)),
            ("utf-16", (t, r) => Encoding.Unicode.GetString(Encoding.Unicode.GetPreamble()) + t),
            ("nul bytes", (t, r) => Insert(t, r, "\0\0\0")),
            ("empty", (t, r) => ""),
            ("huge string", (t, r) => ReplaceOne(t, r, "\"", "\"" + new string('x', 2_000_000))),
            ("yaml alias", (t, r) => "a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g]\ni: [*h, *h, *h, *h, *h, *h, *h, *h]\n" + t),
            ("recursive yaml alias", (t, r) => "name: &n [*n]\n" + t),
            ("yaml deep flow", (t, r) => "x: " + new string('[', 50000) + "\n" + t),
        };

        private static string ReplaceOne(string text, Random r, string what, string with)
        {
            var at = new List<int>();
            for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0 && at.Count < 10000; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) at.Add(i);
            if (at.Count == 0) return text;
            var p = at[r.Next(at.Count)];
            return text.Substring(0, p) + with + text.Substring(p + what.Length);
        }

        private static string ReplaceDigits(string text, Random r, string with)
        {
            var runs = new List<(int start, int length)>();
            for (var i = 0; i < text.Length; i++)
            {
                if (!char.IsDigit(text[i]) || (i > 0 && (char.IsLetterOrDigit(text[i - 1]) || text[i - 1] == '-' || text[i - 1] == '.'))) continue;
                var j = i;
                while (j < text.Length && char.IsDigit(text[j])) j++;
                runs.Add((i, j - i));
                i = j;
            }
            if (runs.Count == 0) return text;
            var (s, l) = runs[r.Next(runs.Count)];
            return text.Substring(0, s) + with + text.Substring(s + l);
        }

        private static string Insert(string text, Random r, string what)
        {
            var p = r.Next(text.Length + 1);
            return text.Substring(0, p) + what + text.Substring(p);
        }

        /// <summary>Every mutation of the sample through the reader; the failures, each with its seed and mutation.</summary>
        private static List<string> Fuzz(string name, string sample, Action<Stream, string> read, Encoding encoding = null)
        {
            var failures = new List<string>();
            var random = new Random(Seed);
            var runs = new List<(string mutation, string text)>();
            foreach (var m in Mutations) runs.Add((m.name, m.mutate(sample, new Random(random.Next()))));
            for (var i = 0; i < MutationsPerSample; i++)
            {
                var m = Mutations[random.Next(Mutations.Length)];
                var rng = new Random(random.Next());
                // Two mutations on top of each other find what one alone does not.
                runs.Add((m.name, m.mutate(Mutations[rng.Next(4)].mutate(sample, rng), rng)));
            }
            foreach (var (mutation, text) in runs)
            {
                var bytes = (encoding ?? new UTF8Encoding(false)).GetBytes(text);
                try
                {
                    read(new MemoryStream(bytes, writable: false), name);
                }
                catch (DataFileException ex)
                {
                    if (!ex.Message.StartsWith(name, StringComparison.Ordinal))
                        failures.Add($"{mutation}: the error does not name the file: {ex.Message}");
                }
                catch (Exception ex)
                {
                    failures.Add($"{mutation}: {ex.GetType().FullName}: {Shorten(ex.Message)}");
                }
            }
            return failures.Distinct().ToList();
        }

        private static string Shorten(string text) => text.Length > 200 ? text.Substring(0, 200) + "..." : text;

        private static string Sample(string name) => File.ReadAllText(Path.Combine(Lab.ModuleFolder, "samples", name));

        private static void AssertClean(List<string> failures) => Assert.True(failures.Count == 0, string.Join("\n", failures));

        [Fact]
        public void Snapshot_reader_accepts_or_refuses_every_mutation_cleanly() =>
            AssertClean(Fuzz("pci-lab.json", Sample("pci-lab.json"), (s, f) => InventorySnapshot.Read(s, f)));

        [Fact]
        public void Baseline_reader_accepts_or_refuses_every_mutation_cleanly() =>
            AssertClean(Fuzz("pci-lab.baseline.json", Sample("pci-lab.baseline.json"), (s, f) => Baseline.Parse(s, f, f)));

        [Fact]
        public void Policy_reader_accepts_or_refuses_every_yaml_mutation_cleanly() =>
            AssertClean(Fuzz("pci-lab.policy.yaml", Sample("pci-lab.policy.yaml"), (s, f) => PolicyReader.Parse(s, f)));

        [Fact]
        public void Policy_reader_accepts_or_refuses_every_json_mutation_cleanly()
        {
            var json = Newtonsoft.Json.JsonConvert.SerializeObject(new YamlDotNet.Serialization.DeserializerBuilder().Build()
                .Deserialize<object>(Sample("pci-lab.policy.yaml")), Newtonsoft.Json.Formatting.Indented);
            AssertClean(Fuzz("pci-lab.policy.json", json, (s, f) => PolicyReader.Parse(s, f)));
        }

        [Fact]
        public void Evidence_manifest_reader_accepts_or_refuses_every_mutation_cleanly()
        {
            using var dir = new TempFolder();
            var bundle = dir.File("bundle");
            VirtCompliance.Assessments.Assessment.Evidence(InventorySnapshot.Read(Lab.SamplePath), new VirtCompliance.Assessments.AssessmentOptions(), bundle, "0.1.0.0");
            var manifest = Path.Combine(bundle, "manifest.json");
            AssertClean(Fuzz("manifest.json", File.ReadAllText(manifest), (s, f) =>
            {
                using (var file = File.Create(manifest)) s.CopyTo(file);
                // The verifier reports a bad manifest as a check rather than throwing; it must name the manifest's line.
                foreach (var check in VirtCompliance.Reporting.EvidenceVerifier.Verify(bundle))
                    if (check.Status == VirtCompliance.Reporting.EvidenceStatus.ManifestInvalid && !check.Message.Contains("manifest.json"))
                        throw new InvalidOperationException("a manifest error that does not name the manifest: " + check.Message);
            }));
        }

        [Fact]
        public void Scope_map_reader_accepts_or_refuses_every_mutation_cleanly() =>
            AssertClean(Fuzz("pci-lab.scope.json", Sample("pci-lab.scope.json"), (s, f) => ScopeMapFile.Parse(s, f)));
    }
}
