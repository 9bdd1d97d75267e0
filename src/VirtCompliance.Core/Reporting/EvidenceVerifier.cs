using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using VirtCompliance.Common;

namespace VirtCompliance.Reporting
{
    /// <summary>
    /// Verifies an evidence bundle against its manifest, trusting nothing the manifest says: it reads
    /// only plain files inside the bundle folder (no absolute paths, no "..", no links, nothing that is
    /// not a regular file), checks every field the writer puts in the manifest, each file's size and
    /// SHA-256, the inventory's SHA-256, and reports files and folders the manifest does not list. A
    /// manifest that cannot be read, or is not of the manifest's shape, is one ManifestInvalid check
    /// naming the file, line and column.
    /// </summary>
    public static class EvidenceVerifier
    {
        /// <summary>A manifest is a few kilobytes; anything much larger is not one.</summary>
        public const long MaxManifestBytes = 4 * 1024 * 1024;

        private static readonly Regex Sha256 = new Regex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant);

        /// <summary>The fields the writer puts in every manifest, and what each must be.</summary>
        private static readonly string[] TextFields = { "tool", "moduleVersion", "createdAt", "source", "collectedAt", "collector" };

        /// <summary>Every member a manifest may have (release 0.1's included); anything else was not written by the module.</summary>
        private static readonly string[] ManifestMembers =
            { "schemaVersion", "tool", "moduleVersion", "createdAt", "source", "vCenter", "collectedAt", "collector", "inventorySha256", "sourceSha256", "files", "baseline", "interpretation", "scopeTagCategory", "scopeAttribute", "waivers", "waiversSha256", "waiversAsOf" };

        private static readonly string[] FileMembers = { "name", "sha256", "bytes", "records" };

        /// <summary>
        /// Every check of the bundle in <paramref name="folder"/>: first the manifest's signature (Ok naming the signer,
        /// Unsigned, Tampered or UntrustedSigner; see <see cref="EvidenceSignaturePolicy"/>), then each file.
        /// </summary>
        public static IReadOnlyList<EvidenceCheck> Verify(string folder, EvidenceSignaturePolicy? signature = null)
        {
            signature ??= new EvidenceSignaturePolicy();
            var full = Path.GetFullPath(folder);
            var manifestPath = Path.Combine(full, EvidenceBundle.ManifestName);
            EvidenceCheck Invalid(string message) => new EvidenceCheck { Bundle = full, File = EvidenceBundle.ManifestName, Status = EvidenceStatus.ManifestInvalid, Message = message };

            List<(string name, string sha256, long bytes)> files;
            string inventorySha256;
            EvidenceCheck signed;
            try
            {
                var refusal = RegularFile(full, EvidenceBundle.ManifestName, out var info);
                if (refusal != null) return new[] { Invalid($"{manifestPath}: {refusal}") };
                if (info == null) return new[] { Invalid($"{manifestPath} is missing: this folder is not an evidence bundle.") };
                if (info.Length > MaxManifestBytes) return new[] { Invalid($"{manifestPath}: {info.Length / 1024} KB is too large for a manifest.") };
                // Read once: the bytes the signature is checked against are the bytes whose hashes are trusted.
                var manifest = ReadBounded(manifestPath, MaxManifestBytes);
                string text;
                using (var stream = new MemoryStream(manifest, writable: false))
                    text = StrictJson.ReadText(stream, manifestPath, MaxManifestBytes);
                (files, inventorySha256) = ReadManifest(DataDocument.FromJson(text, manifestPath), manifestPath);
                signed = CheckSignature(full, manifest, signature);
            }
            catch (DataFileException ex)
            {
                return new[] { Invalid(ex.Message) };
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return new[] { Invalid($"{manifestPath}: {ex.Message}") };
            }

            var checks = new List<EvidenceCheck> { signed };
            var listed = new HashSet<string>(StringComparer.Ordinal) { EvidenceBundle.ManifestName, EvidenceSignature.FileName };
            foreach (var (name, expected, bytes) in files)
            {
                listed.Add(name);
                var check = new EvidenceCheck { Bundle = full, File = name, Expected = expected };
                var refusal = RegularFile(full, name, out var info);
                if (info == null) { checks.Add(check with { Status = EvidenceStatus.Missing, Message = $"{name} is missing." }); continue; }
                if (refusal != null) { checks.Add(check with { Status = EvidenceStatus.Changed, Message = $"{name} {refusal}" }); continue; }
                // Sizes first: a file of the wrong size has changed, whatever its hash; and a file is never opened
                // when its size rules it out (a FIFO or device reads as empty and could block a read for ever).
                if (info.Length != bytes || info.Length == 0)
                {
                    checks.Add(check with { Status = EvidenceStatus.Changed, Message = $"{name} is {info.Length} bytes; the manifest says {bytes}." });
                    continue;
                }
                string actual;
                using (var stream = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read))
                    actual = AtomicFile.Sha256Hex(stream);
                var ok = string.Equals(actual, expected, StringComparison.Ordinal);
                if (ok && name == "inventory.json" && !string.Equals(actual, inventorySha256, StringComparison.Ordinal))
                {
                    checks.Add(check with { Status = EvidenceStatus.Changed, Actual = actual, Message = $"inventory.json has SHA-256 {actual}, but the manifest names inventory {inventorySha256}." });
                    continue;
                }
                checks.Add(check with
                {
                    Status = ok ? EvidenceStatus.Ok : EvidenceStatus.Changed,
                    Actual = actual,
                    Message = ok ? null : $"{name} has changed since the bundle was written (SHA-256 {actual}, manifest says {expected}).",
                });
            }
            if (!listed.Contains("inventory.json"))
                checks.Add(Invalid($"{manifestPath}: the manifest does not list inventory.json, the snapshot the evidence rests on."));
            foreach (var entry in new DirectoryInfo(full).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (listed.Contains(entry.Name)) continue;
                var kind = entry is DirectoryInfo ? "folder" : "file";
                checks.Add(new EvidenceCheck { Bundle = full, File = entry.Name, Status = EvidenceStatus.Unlisted, Message = $"the {kind} {entry.Name} is not in the manifest." });
            }
            return checks;
        }

        /// <summary>
        /// Whether checks of one bundle pass: each is Ok, but for Unsigned when the policy needs no signature. A bundle with
        /// nothing checked does not pass: a gate that checked nothing does not pass.
        /// </summary>
        public static bool Passed(IReadOnlyCollection<EvidenceCheck> checks, EvidenceSignaturePolicy? signature = null)
        {
            var required = (signature ?? new EvidenceSignaturePolicy()).SignatureRequired;
            return checks.Count > 0 && checks.All(c => c.Status == EvidenceStatus.Ok || (c.Status == EvidenceStatus.Unsigned && !required));
        }

        /// <summary>The signature's check; the signature file, like every file, is read only when it is a plain file of the bundle.</summary>
        private static EvidenceCheck CheckSignature(string bundle, byte[] manifest, EvidenceSignaturePolicy policy)
        {
            var refusal = RegularFile(bundle, EvidenceSignature.FileName, out var info);
            if (refusal != null)
                return new EvidenceCheck { Bundle = bundle, File = EvidenceBundle.ManifestName, Status = EvidenceStatus.Tampered, Message = $"{EvidenceSignature.FileName} {refusal}" };
            if (info != null && (info.Length == 0 || info.Length > EvidenceSignature.MaxSignatureBytes))
                return new EvidenceCheck { Bundle = bundle, File = EvidenceBundle.ManifestName, Status = EvidenceStatus.Tampered, Message = $"{EvidenceSignature.FileName} is {info.Length} bytes: not a signature." };
            return EvidenceSignature.Verify(bundle, manifest, info == null ? null : ReadBounded(info.FullName, EvidenceSignature.MaxSignatureBytes), policy);
        }

        /// <summary>A file's bytes, never more than <paramref name="limit"/> (a file that grows while it is read is cut there, and then fails its check).</summary>
        private static byte[] ReadBounded(string path, long limit)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            using (var copy = new MemoryStream())
            {
                var buffer = new byte[81920];
                int read;
                while (copy.Length < limit && (read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, limit - copy.Length))) > 0) copy.Write(buffer, 0, read);
                return copy.ToArray();
            }
        }

        /// <summary>Null when <paramref name="name"/> is a regular file directly inside the bundle, else why not; <paramref name="info"/> is null when there is nothing there.</summary>
        private static string? RegularFile(string bundle, string name, out FileInfo? info)
        {
            info = null;
            var path = Path.Combine(bundle, name);
            if (Directory.Exists(path)) { info = new FileInfo(path); return "is a folder, not a file."; }
            var file = new FileInfo(path);
            if (!file.Exists) return null;
            info = file;
            if ((file.Attributes & FileAttributes.ReparsePoint) != 0) return "is a link; a bundle holds only plain files.";
            return null;
        }

        /// <summary>The manifest's files and inventory hash, every field checked for shape; names must be plain file names in the bundle.</summary>
        private static (List<(string, string, long)>, string) ReadManifest(DataNode root, string path)
        {
            DataFileException Bad(DataNode at, string problem) => new DataFileException(path, at.Line, at.Column, problem);
            if (root.Map == null) throw Bad(root, "a manifest is a JSON object.");
            DataNode Field(DataNode node, string name)
            {
                if (node.Map == null || !node.Map.TryGetValue(name, out var entry)) throw Bad(node, $"the manifest has no '{name}'.");
                return entry.value;
            }
            void OnlyKnown(DataNode node, string[] known, string what)
            {
                foreach (var (key, _) in node.Map?.Values ?? Enumerable.Empty<(DataNode, DataNode)>())
                    if (key.Scalar == null || !known.Contains(key.Scalar)) throw Bad(key, $"unknown member '{key.Scalar}' in {what}; the module writes {string.Join(", ", known)}.");
            }
            OnlyKnown(root, ManifestMembers, "the manifest");
            var version = Field(root, "schemaVersion");
            if (version.Scalar != "1" || version.Quoted) throw Bad(version, $"schemaVersion {version.Scalar ?? "(not a number)"} is not a manifest version this release reads (1).");
            foreach (var name in TextFields)
            {
                var value = Field(root, name);
                if (value.Scalar == null || !value.Quoted) throw Bad(value, $"'{name}' must be a string.");
            }
            // Named since several vCenters can be analysed at once; a bundle filed before that has no vCenter.
            if (root.Map!.TryGetValue("vCenter", out var named) && (named.value.Scalar == null || !named.value.Quoted)) throw Bad(named.value, "'vCenter' must be a string.");
            if (Field(root, "tool").Scalar != "VirtCompliance") throw Bad(Field(root, "tool"), "the manifest was not written by VirtCompliance.");
            var inventory = Field(root, "inventorySha256");
            if (inventory.Scalar == null || !Sha256.IsMatch(inventory.Scalar)) throw Bad(inventory, "'inventorySha256' must be a SHA-256 in lower-case hex, as written.");
            // sourceSha256 (the file the snapshot was read from) is written by this release, not by 0.1.
            if (root.Map.TryGetValue("sourceSha256", out var source) && (source.value.Scalar == null || !source.value.Quoted || !Sha256.IsMatch(source.value.Scalar)))
                throw Bad(source.value, "'sourceSha256' must be a SHA-256 in lower-case hex, as written.");
            var list = Field(root, "files");
            if (list.List == null) throw Bad(list, "'files' must be a list.");
            var files = new List<(string, string, long)>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in list.List)
            {
                if (entry.Map == null) throw Bad(entry, "each entry of 'files' is an object with name, sha256 and bytes.");
                OnlyKnown(entry, FileMembers, "a file entry");
                var name = Field(entry, "name");
                if (name.Scalar == null || !name.Quoted) throw Bad(name, "a file's 'name' must be a string.");
                if (!IsPlainName(name.Scalar)) throw Bad(name, $"'{name.Scalar}' is not a file of the bundle: a manifest names plain files inside its own folder.");
                if (!names.Add(name.Scalar) || name.Scalar == EvidenceBundle.ManifestName) throw Bad(name, $"'{name.Scalar}' is listed twice (or is the manifest itself).");
                var sha = Field(entry, "sha256");
                if (sha.Scalar == null || !Sha256.IsMatch(sha.Scalar)) throw Bad(sha, $"the SHA-256 of {name.Scalar} must be 64 lower-case hex digits, as written.");
                var bytes = Field(entry, "bytes");
                if (bytes.Quoted || !long.TryParse(bytes.Scalar, NumberStyles.None, CultureInfo.InvariantCulture, out var size)) throw Bad(bytes, $"the size of {name.Scalar} must be a whole number of bytes.");
                files.Add((name.Scalar, sha.Scalar, size));
            }
            return (files, inventory.Scalar);
        }

        /// <summary>A name with no folder in it: not empty, not "." or "..", no separator, no drive, no control character.</summary>
        private static bool IsPlainName(string name) =>
            name.Length > 0 && name.Length <= 255 && name != "." && name != ".." &&
            name.IndexOfAny(new[] { '/', '\\', ':' }) < 0 && !name.Any(char.IsControl) && name.Trim() == name;
    }
}
