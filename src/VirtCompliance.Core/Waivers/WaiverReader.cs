using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using VirtCompliance.Common;
using VirtCompliance.Controls;
using VirtCompliance.Pci;
using Node = VirtCompliance.Common.DataNode;

namespace VirtCompliance.Waivers
{
    /// <summary>
    /// Reads a waiver file (YAML or JSON, module/schemas/waivers.schema.json) whole or not at all: any
    /// error (an unknown member or control id, a waiver without a justification, one that expires before
    /// it was written, a bad wildcard, a duplicate id) is one <see cref="DataFileException"/> naming the
    /// file, line, column and the value, and no waiver of the file applies.
    /// </summary>
    public static class WaiverReader
    {
        /// <summary>A waiver file is a few kilobytes; one this large is not one.</summary>
        public const long MaxBytes = 4L * 1024 * 1024;

        private const string Schema = "waivers.schema.json";
        private static IReadOnlyList<string> RootMembers => SchemaMembers.Of(Schema, "#");
        private static IReadOnlyList<string> WaiverMembers => SchemaMembers.Of(Schema, "#/definitions/waiver");

        public static WaiverFile Load(string path, IEnumerable<string>? moreControlIds = null)
        {
            byte[] bytes;
            try { bytes = File.ReadAllBytes(path); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new DataFileException(path, 0, 0, $"the waiver file cannot be read ({ex.Message}).", ex);
            }
            return Parse(bytes, path, moreControlIds);
        }

        /// <summary>Reads the bytes of a waiver file; <paramref name="moreControlIds"/> are ids besides the catalog's (a custom baseline's controls).</summary>
        public static WaiverFile Parse(byte[] bytes, string file, IEnumerable<string>? moreControlIds = null)
        {
            if (bytes.LongLength > MaxBytes) throw new DataFileException(file, 0, 0, $"the file is larger than {MaxBytes / (1024 * 1024)} MB; a waiver file is not.");
            var text = StrictJson.ReadText(new MemoryStream(bytes), file, MaxBytes);
            var root = DataDocument.Parse(text, file);
            var known = KnownIds(moreControlIds);
            var map = DataBinding.Map(file, root, "a waiver file", RootMembers);
            if (!map.TryGetValue("waivers", out var list)) throw DataBinding.Error(file, root, "a waiver file has a list 'waivers'.");
            if (list.value.IsNull) throw DataBinding.Error(file, list.value, "'waivers' is empty: write 'waivers: []' for a file without waivers.");
            if (list.value.List == null) throw DataBinding.Error(file, list.value, "'waivers' must be a list of waivers.");
            var waivers = new List<Waiver>();
            var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            foreach (var node in list.value.List)
            {
                var w = Bind(file, node, known);
                if (seen.TryGetValue(w.Id, out var first))
                    throw DataBinding.Error(file, node, $"waiver id '{w.Id}' is used twice (first at line {first}); each waiver needs its own id.");
                seen[w.Id] = w.Line;
                waivers.Add(w);
            }
            string sha;
            using (var hash = SHA256.Create()) sha = string.Concat(hash.ComputeHash(bytes).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
            return new WaiverFile
            {
                Path = file,
                Name = map.TryGetValue("name", out var name) ? DataBinding.Text(file, name.value, "name") : null,
                Sha256 = sha,
                Waivers = waivers,
                Content = bytes,
            };
        }

        /// <summary>Every control id of the catalog (template controls as "id:*"), every separation rule id, and the extra ones.</summary>
        private static IReadOnlyList<string> KnownIds(IEnumerable<string>? more) =>
            ControlCatalog.BuiltIn.Controls.Select(c => c.IsTemplate ? c.Id + ":*" : c.Id)
                .Concat(PciSeparationAnalyzer.RuleIds).Concat(more ?? Enumerable.Empty<string>()).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

        private static Waiver Bind(string file, Node node, IReadOnlyList<string> known)
        {
            var map = DataBinding.Map(file, node, "a waiver", WaiverMembers);
            (Node key, Node value) Required(string member)
            {
                if (map.TryGetValue(member, out var entry) && !entry.value.IsNull) return entry;
                var id = map.TryGetValue("id", out var i) && i.value.Scalar != null ? $"waiver '{i.value.Scalar}'" : "a waiver";
                throw DataBinding.Error(file, node, $"{id} has no '{member}'" + (member == "justification" ? ": say why the risk is accepted." : member == "expires" ? ": every waiver ends (yyyy-MM-dd)." : "."));
            }
            string RequiredText(string member)
            {
                var entry = Required(member);
                var text = DataBinding.Text(file, entry.value, member).Trim();
                if (text.Length == 0) throw DataBinding.Error(file, entry.value, $"'{member}' is empty.");
                return text;
            }
            string? Optional(string member) => map.TryGetValue(member, out var entry) && !entry.value.IsNull ? DataBinding.Text(file, entry.value, member) : null;

            var waiverId = RequiredText("id");
            var controls = Patterns(file, Required("controls").value, "controls");
            foreach (var (pattern, at) in controls)
            {
                var matches = NameFilter.Create(new[] { pattern })!;
                // An id without wildcards names a control or rule; a pattern must match at least one (else it is a typo).
                var hit = known.Any(k => k.EndsWith(":*", StringComparison.Ordinal)
                    ? pattern.StartsWith(k.Substring(0, k.Length - 1), StringComparison.OrdinalIgnoreCase) || matches(k)
                    : matches(k));
                if (!hit)
                    throw DataBinding.Error(file, at, NameFilter.HasWildcards(pattern)
                        ? $"'{pattern}' matches no control or separation rule id."
                        : $"unknown control or separation rule id '{pattern}' (Get-ComplianceControl lists the controls).");
            }
            var objects = map.TryGetValue("objects", out var o) ? Patterns(file, o.value, "objects") : new List<(string text, Node at)>();
            var clusters = map.TryGetValue("clusters", out var c) ? Patterns(file, c.value, "clusters") : new List<(string text, Node at)>();
            var tags = map.TryGetValue("tags", out var t) ? Patterns(file, t.value, "tags") : new List<(string text, Node at)>();
            if (objects.Count + clusters.Count + tags.Count == 0)
                throw DataBinding.Error(file, node, $"waiver '{waiverId}' names no objects: give objects, clusters or tags ('*' for every object).");
            var scope = map.TryGetValue("scope", out var s)
                ? DataBinding.Texts(file, s.value, "scope").Select(x => DataBinding.Choice(file, x.at, "scope",
                    ("host", WaiverScope.Host), ("network", WaiverScope.Network), ("vm", WaiverScope.Vm), ("vcenter", WaiverScope.VCenter), ("separation", WaiverScope.Separation))).Distinct().ToArray()
                : Array.Empty<WaiverScope>();
            var created = Date(file, Required("created").value, "created");
            var expiresNode = Required("expires").value;
            var expires = Date(file, expiresNode, "expires");
            if (expires < created)
                throw DataBinding.Error(file, expiresNode, $"waiver '{waiverId}' expires {expires:yyyy-MM-dd}, before it was created ({created:yyyy-MM-dd}): it was already past when written.");
            return new Waiver
            {
                Id = waiverId,
                Controls = controls.Select(x => x.text).ToArray(),
                Objects = objects.Select(x => x.text).ToArray(),
                Clusters = clusters.Select(x => x.text).ToArray(),
                Tags = tags.Select(x => x.text).ToArray(),
                Scope = scope,
                Justification = RequiredText("justification"),
                Owner = RequiredText("owner"),
                Approver = RequiredText("approver"),
                Ticket = Optional("ticket"),
                Created = created,
                Expires = expires,
                CompensatingControl = Optional("compensatingControl"),
                File = file,
                Line = node.Line,
            };
        }

        /// <summary>A pattern or a list of them: names with * and ? (no [ ] ranges, nothing empty).</summary>
        private static List<(string text, Node at)> Patterns(string file, Node node, string what)
        {
            if (node.IsNull) throw DataBinding.Error(file, node, $"'{what}' is empty.");
            if (node.List != null && node.List.Count == 0) throw DataBinding.Error(file, node, $"'{what}' is an empty list.");
            var patterns = DataBinding.Texts(file, node, what).Select(p => (text: p.text.Trim(), p.at)).ToList();
            foreach (var (text, at) in patterns)
            {
                if (text.Length == 0) throw DataBinding.Error(file, at, $"an empty name in '{what}'.");
                if (text.IndexOfAny(new[] { '[', ']' }) >= 0)
                    throw DataBinding.Error(file, at, $"'{text}' in '{what}' is not a valid wildcard: use * and ?, not [ ] ranges.");
            }
            return patterns;
        }

        private static DateTime Date(string file, Node node, string what)
        {
            var text = DataBinding.Text(file, node, what).Trim();
            if (!DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                throw DataBinding.Error(file, node, $"'{text}' is not a date for '{what}'; write yyyy-MM-dd.");
            return DateTime.SpecifyKind(date, DateTimeKind.Unspecified);
        }
    }
}
