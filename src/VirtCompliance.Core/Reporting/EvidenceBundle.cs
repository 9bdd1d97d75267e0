using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using VirtCompliance.Model;
using VirtCompliance.Common;

namespace VirtCompliance.Reporting
{
    /// <summary>One file of an evidence bundle as its manifest lists it.</summary>
    public sealed record EvidenceFile
    {
        // Written for every file; read back from a manifest, a member the manifest lacks is null.
        public string? Name { get; init; }
        public string? Sha256 { get; init; }
        public long Bytes { get; init; }
        /// <summary>How many result records the file holds (null for the snapshot).</summary>
        public int? Records { get; init; }
    }

    /// <summary>Test-ComplianceEvidence: one file's check.</summary>
    public enum EvidenceStatus
    {
        Ok,
        Changed,
        Missing,
        /// <summary>A file the manifest does not name.</summary>
        Unlisted,
        ManifestInvalid,
        /// <summary>The manifest has no signature: it passes unless a signature was required.</summary>
        Unsigned,
        /// <summary>The signature does not match the manifest (it was changed after signing) or is not a signature at all.</summary>
        Tampered,
        /// <summary>The signature matches, but its signer is not the expected one (or, with a chain check, not trusted here).</summary>
        UntrustedSigner,
    }

    public sealed record EvidenceCheck
    {
        public string Bundle { get; init; } = "";
        public string? File { get; init; }
        public EvidenceStatus Status { get; init; }
        public string? Expected { get; init; }
        public string? Actual { get; init; }
        public string? Message { get; init; }
        /// <summary>The signature's check (File manifest.json): the signer's certificate subject; null when unsigned or unreadable.</summary>
        public string? Signer { get; init; }
        /// <summary>The signer's certificate thumbprint (SHA-1, as the Cert: drive shows it).</summary>
        public string? SignerThumbprint { get; init; }
        /// <summary>The signing time the signature states (UTC, whole seconds).</summary>
        public DateTimeOffset? SignedAt { get; init; }
    }

    /// <summary>
    /// An evidence bundle: a folder with the inventory snapshot, each result set as JSON and a
    /// manifest (module version, source, collection and creation time, SHA-256 and size of every
    /// file). It is written into a temporary folder next to the target and renamed into place, so
    /// a bundle is either complete or absent. Verifying it recomputes every hash. Given a certificate, the
    /// manifest's bytes are signed too (manifest.json.p7s, <see cref="EvidenceSignature"/>), in the same folder
    /// before it is renamed into place.
    /// </summary>
    public static class EvidenceBundle
    {
        public const string ManifestName = "manifest.json";

        /// <summary>
        /// Writes the bundle; <paramref name="results"/> maps a file name (without .json) to its records; each of <paramref name="reports"/> is
        /// written from its items. With <paramref name="signer"/> (a certificate with its private key) the manifest is signed.
        /// </summary>
        public static IReadOnlyList<EvidenceFile> Save(string folder, VirtCompliance.Model.Inventory inventory, IEnumerable<KeyValuePair<string, System.Collections.IEnumerable>> results,
            IReadOnlyDictionary<string, string> facts, string moduleVersion, IEnumerable<(string name, ReportFormat format, IReadOnlyList<ReportItem> items)>? reports = null,
            IEnumerable<(string name, byte[] bytes)>? inputs = null, IReadOnlyList<Waivers.WaiverStatus>? waivers = null, X509Certificate2? signer = null)
        {
            // A certificate that cannot sign is refused before anything is written.
            if (signer != null) EvidenceSignature.CheckCanSign(signer);
            results = results.ToList();
            var full = Path.GetFullPath(folder);
            if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
                throw new IOException($"The folder '{full}' is not empty; an evidence bundle needs a new or empty folder.");
            var parent = Path.GetDirectoryName(full);
            if (!Directory.Exists(parent)) throw new DirectoryNotFoundException($"The folder '{parent}' does not exist; create it first (New-Item -ItemType Directory) or give a path in an existing folder.");
            var temp = Path.Combine(parent, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            Directory.CreateDirectory(temp);
            try
            {
                // Every file streams through its hash to disk: a 100,000-VM bundle is never held in memory, and read back only by its verifier.
                // The files are written two at a time (one per core; the snapshot spreads its own VMs over both), listed in this order.
                var writes = new List<Func<EvidenceFile>>
                {
                    () => WriteFile(temp, "inventory.json", null, stream => InventorySnapshot.WriteTo(inventory, stream)),
                };
                foreach (var set in results)
                {
                    writes.Add(() =>
                    {
                        var records = 0;
                        return WriteFile(temp, set.Key + ".json", () => records, stream =>
                        {
                            using (var text = new StreamWriter(stream, AtomicFile.Utf8NoBom, 1 << 16, leaveOpen: true))
                            using (var writer = JsonFiles.CreateWriter(text))
                            {
                                writer.WriteStartArray();
                                foreach (var record in set.Value)
                                {
                                    JsonFiles.Serializer.Serialize(writer, record);
                                    records++;
                                }
                                writer.WriteEndArray();
                                writer.WriteRaw("\n");
                            }
                        });
                    });
                }
                // Input files the results rest on besides the snapshot (the waiver file), byte for byte as they were read.
                foreach (var (name, bytes) in inputs ?? Enumerable.Empty<(string, byte[])>())
                    writes.Add(() => WriteFile(temp, name, null, stream => stream.Write(bytes, 0, bytes.Length)));
                if (reports != null)
                {
                    var context = ReportContext.For(inventory, "Compliance evidence: " + inventory.Source, moduleVersion);
                    context.Waivers = waivers;
                    // The reports sit next to the snapshot they were made from: their results point at it by its name in the bundle.
                    context.ArtifactUri = "inventory.json";
                    foreach (var (name, format, items) in reports)
                        writes.Add(() => WriteFile(temp, name, () => items.Count, stream => ReportWriter.Write(format, items, context, stream)));
                }
                var files = TwoAtATime.Run(writes).ToList();
                var snapshot = files[0];
                var createdAt = DateTimeOffset.UtcNow;
                var manifest = new JObject
                {
                    ["schemaVersion"] = 1,
                    ["tool"] = "VirtCompliance",
                    ["moduleVersion"] = moduleVersion,
                    ["createdAt"] = createdAt.ToString("o"),
                    ["source"] = inventory.Source,
                    ["vCenter"] = inventory.VCenterName,
                    ["collectedAt"] = inventory.CollectedAt.ToString("o"),
                    ["collector"] = inventory.Collector,
                    // The snapshot in the bundle, which every result rests on; and the file it was read from, when it
                    // was read from one that is not byte for byte the canonical snapshot (written by another tool).
                    ["inventorySha256"] = snapshot.Sha256,
                    ["sourceSha256"] = inventory.Sha256,
                };
                foreach (var f in facts) manifest[f.Key] = f.Value;
                manifest["files"] = JToken.FromObject(files, JsonFiles.Serializer);
                var manifestBytes = AtomicFile.Utf8NoBom.GetBytes(manifest.ToString(Formatting.Indented) + "\n");
                File.WriteAllBytes(Path.Combine(temp, ManifestName), manifestBytes);
                // Signed as written: the signature covers exactly the bytes a verifier reads.
                if (signer != null) File.WriteAllBytes(Path.Combine(temp, EvidenceSignature.FileName), EvidenceSignature.Sign(manifestBytes, signer, createdAt));
                if (Directory.Exists(full)) Directory.Delete(full);
                Directory.Move(temp, full);
                return files;
            }
            finally
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, true);
            }
        }

        // Writes one new file of the bundle through its hash; records: how many result records it holds, known once written.
        private static EvidenceFile WriteFile(string folder, string name, Func<int>? records, Action<Stream> write)
        {
            using (var file = new FileStream(Path.Combine(folder, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var hashing = new HashingStream(file))
            {
                write(hashing);
                file.Flush(true);
                return new EvidenceFile { Name = name, Sha256 = hashing.Sha256Hex, Bytes = hashing.Length, Records = records?.Invoke() };
            }
        }
    }
}
