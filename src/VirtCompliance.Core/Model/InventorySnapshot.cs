using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using System.Linq;
using Newtonsoft.Json;
using VirtCompliance.Common;

namespace VirtCompliance.Model
{
    /// <summary>
    /// Reads and writes inventory snapshot files: the inventory model as JSON, with
    /// <c>schemaVersion</c>, <c>source</c>, <c>collectedAt</c>, <c>collector</c>, then the object
    /// collections sorted by id. The bytes written are canonical (same inventory → same bytes), so
    /// the SHA-256 of the file identifies the inventory as evidence.
    /// </summary>
    public static class InventorySnapshot
    {
        private static readonly string[] CollectionNames =
            { "datacenters", "clusters", "hosts", "networks", "distributedSwitches", "datastores", "vms" };

        /// <summary>
        /// Writes the snapshot atomically (a reader never sees a partly written file), streamed to the file: the
        /// memory it takes is a write buffer, not the file. The file's SHA-256 is computed on the way.
        /// </summary>
        public static void Write(Inventory inventory, string path)
        {
            string? sha = null;
            AtomicFile.Write(path, stream =>
            {
                using (var hashing = new HashingStream(stream))
                {
                    WriteTo(inventory, hashing);
                    sha = hashing.Sha256Hex;
                }
            });
            inventory.KnowSha256(sha!);
        }

        /// <summary>The snapshot's bytes (for a file or bundle written elsewhere); <see cref="Write(Inventory, string)"/> streams instead.</summary>
        public static byte[] ToBytes(Inventory inventory)
        {
            using (var buffer = new MemoryStream())
            {
                WriteTo(inventory, buffer);
                return buffer.ToArray();
            }
        }

        /// <summary>Writes the snapshot's UTF-8 JSON to a stream (left open).</summary>
        public static void WriteTo(Inventory inventory, Stream stream) => WriteTo(inventory, stream, VmsPerPiece);

        /// <summary>VMs written as one piece of the file by one thread: about 2 MB of text, a few of them in memory at once.</summary>
        internal const int VmsPerPiece = 1000;

        // Pieces being written or waiting to be put into the stream: enough to keep both cores busy.
        private const int PiecesInFlight = 4;

        /// <summary>
        /// Writes the snapshot; with more VMs than fit one piece, the VMs (nearly all of the file) are written on
        /// the other cores, piece by piece, while this thread puts the finished pieces into the stream in their
        /// order: the same bytes as one writer gives, with a few pieces in memory at a time.
        /// </summary>
        internal static void WriteTo(Inventory inventory, Stream stream, int vmsPerPiece)
        {
            using (var text = new StreamWriter(stream, AtomicFile.Utf8NoBom, 1 << 16, leaveOpen: true))
            using (var writer = JsonFiles.CreateWriter(text))
            {
                if (inventory.Vms.Count <= vmsPerPiece)
                {
                    WriteTo(inventory, writer);
                    return;
                }
                // The pieces are written to the stream itself; this writer only writes the head and the tail.
                writer.AutoCompleteOnClose = false;
                WriteHead(inventory, writer);
                writer.WritePropertyName("vms");
                writer.Flush();
                // What the writer would write before the list's first item.
                text.Write(" [");
                text.Flush();
                var pieces = (inventory.Vms.Count + vmsPerPiece - 1) / vmsPerPiece;
                // Each piece's buffer goes back to the next piece: a few buffers for the whole file, not one per piece.
                var buffers = new System.Collections.Concurrent.ConcurrentBag<MemoryStream>();
                var inFlight = new Queue<Task<(MemoryStream buffer, long start)>>();
                var next = 0;
                for (int i = 0; i < pieces; i++)
                {
                    while (next < pieces && inFlight.Count < PiecesInFlight)
                    {
                        var piece = next++;
                        var buffer = buffers.TryTake(out var free) ? free : new MemoryStream();
                        inFlight.Enqueue(Task.Run(() => WritePiece(buffer, inventory.Vms, piece * vmsPerPiece, Math.Min(vmsPerPiece, inventory.Vms.Count - piece * vmsPerPiece), first: piece == 0)));
                    }
                    var (done, start) = inFlight.Dequeue().GetAwaiter().GetResult();
                    stream.Write(done.GetBuffer(), (int)start, (int)(done.Length - start));
                    done.SetLength(0);
                    buffers.Add(done);
                }
                // What the writer would write to close the VMs, the snapshot object and the file.
                text.Write("\n  ]\n}\n");
            }
        }

        // The text of some VMs exactly as they are written inside the snapshot's list: a writer is brought to the
        // same depth (an object, a member, an open list) and what it writes after that is the piece.
        private static (MemoryStream buffer, long start) WritePiece(MemoryStream buffer, IReadOnlyList<Vm> vms, int start, int count, bool first)
        {
            using (var text = new StreamWriter(buffer, AtomicFile.Utf8NoBom, 1 << 16, leaveOpen: true))
            using (var writer = JsonFiles.CreateWriter(text))
            {
                writer.AutoCompleteOnClose = false;
                writer.WriteStartObject();
                writer.WritePropertyName("vms");
                writer.WriteStartArray();
                writer.Flush();
                var opening = buffer.Length;
                // The writer puts a comma before every item but its list's first; this piece's first item is the list's only in the first piece.
                if (!first) text.Write(',');
                for (int i = start; i < start + count; i++) JsonFiles.Serializer.Serialize(writer, vms[i]);
                writer.Flush();
                return (buffer, opening);
            }
        }

        // The hash of the canonical bytes, streamed to nowhere: no copy of the file in memory.
        internal static string ComputeSha256(Inventory inventory)
        {
            using (var hashing = new HashingStream(null))
            {
                WriteTo(inventory, hashing);
                return hashing.Sha256Hex;
            }
        }

        private static void WriteTo(Inventory inv, JsonWriter w)
        {
            WriteHead(inv, w);
            w.WritePropertyName("vms"); JsonFiles.Serializer.Serialize(w, inv.Vms);
            w.WriteEndObject();
            w.WriteRaw("\n");
        }

        // Everything before the VMs, which come last.
        private static void WriteHead(Inventory inv, JsonWriter w)
        {
            var s = JsonFiles.Serializer;
            w.WriteStartObject();
            w.WritePropertyName("schemaVersion"); w.WriteValue(Inventory.CurrentSchemaVersion);
            w.WritePropertyName("source"); w.WriteValue(inv.Source);
            w.WritePropertyName("collectedAt"); w.WriteValue(inv.CollectedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture));
            w.WritePropertyName("collector"); w.WriteValue(inv.Collector);
            if (inv.VmExtraConfigKeys != null) { w.WritePropertyName("vmExtraConfigKeys"); s.Serialize(w, inv.VmExtraConfigKeys); }
            if (inv.VCenter != null) { w.WritePropertyName("vcenter"); s.Serialize(w, inv.VCenter); }
            w.WritePropertyName("datacenters"); s.Serialize(w, inv.Datacenters);
            w.WritePropertyName("clusters"); s.Serialize(w, inv.Clusters);
            w.WritePropertyName("hosts"); s.Serialize(w, inv.Hosts);
            w.WritePropertyName("networks"); s.Serialize(w, inv.Networks);
            w.WritePropertyName("distributedSwitches"); s.Serialize(w, inv.DistributedSwitches);
            w.WritePropertyName("datastores"); s.Serialize(w, inv.Datastores);
        }

        /// <summary>
        /// Reads a snapshot file. Any problem (not JSON, truncated, wrong schema version, unknown
        /// member, wrong type, a reference to an object the file does not contain) throws a
        /// <see cref="DataFileException"/> naming the file and, where it has one, the line.
        /// </summary>
        public static Inventory Read(string path)
        {
            byte[] bytes;
            try
            {
                var length = new FileInfo(path).Length;
                if (length > StrictJson.MaxBytes) throw StrictJson.TooLarge(path, StrictJson.MaxBytes);
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new DataFileException(path, 0, 0, "cannot read the snapshot file: " + ex.Message, ex);
            }
            var (inventory, sha) = Read(bytes, path);
            inventory.SetFile(path, sha);
            return inventory;
        }

        public static Inventory Read(Stream stream, string displayName)
        {
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > StrictJson.MaxBytes) throw StrictJson.TooLarge(displayName, StrictJson.MaxBytes);
                buffer.Write(chunk, 0, n);
            }
            return Read(buffer.ToArray(), displayName).inventory;
        }

        /// <summary>
        /// Reads a snapshot's bytes: the plain case (every file this module writes) in one pass that is also its
        /// grammar check, with the hash on the other core; any other file the general way.
        /// </summary>
        private static (Inventory inventory, string sha256) Read(byte[] bytes, string displayName)
        {
            var sha256 = Task.Run(() => AtomicFile.Sha256Hex(bytes));
            var plain = TryBindPlain(bytes);
            if (plain != null) return (plain, sha256.GetAwaiter().GetResult());
            return (ReadGeneral(bytes, displayName, sha256), sha256.GetAwaiter().GetResult());
        }

        /// <summary>
        /// The general path, for any file: the strict grammar check (the binder would accept comments, NaN and
        /// duplicate members, and a snapshot is evidence, read exactly as written or not at all) on one core, the
        /// library's binding on the other. A grammar error is reported before a binding error, as when the check
        /// ran first; nothing read from a file that fails either is returned.
        /// </summary>
        internal static Inventory ReadGeneral(byte[] bytes, string displayName, Task? alongside = null)
        {
            var check = Task.Run(() =>
            {
                StrictJson.Check(StrictJson.ReadText(new MemoryStream(bytes, writable: false), displayName), displayName);
                alongside?.GetAwaiter().GetResult();
            });
            Inventory? inventory = null;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo? bindError = null;
            try
            {
                inventory = Bind(bytes, displayName);
            }
            catch (Exception ex)
            {
                bindError = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
            }
            // The grammar's verdict first: its error, if any, is the one the file deserves.
            check.GetAwaiter().GetResult();
            bindError?.Throw();
            return inventory!;
        }

        private static readonly byte[] SchemaVersionName = System.Text.Encoding.UTF8.GetBytes("schemaVersion");

        /// <summary>
        /// Binds a snapshot in one pass over its bytes (<see cref="Utf8Binder"/>), which is also its strict grammar
        /// check: the same inventory the general path reads, or null for any file that is not the plain case (a
        /// byte-order mark, a null, a member in another case, an error of any kind). The general path then reads
        /// that file and reports its errors as it always did.
        /// </summary>
        private static Inventory? TryBindPlain(byte[] bytes)
        {
            // Reading allocates about twice the file's size, nearly all of it kept.
            using (AllocationBurst.Begin(3L * bytes.Length))
            try
            {
                var r = new Utf8Binder(bytes, 0, bytes.Length);
                r.StartObject();
                int? version = null;
                string? source = null, collector = null;
                DateTimeOffset collectedAt = default;
                List<Datacenter>? datacenters = null; List<Cluster>? clusters = null; List<Host>? hosts = null;
                List<Network>? networks = null; List<DistributedSwitch>? switches = null; List<Datastore>? datastores = null;
                List<Vm>? vms = null;
                List<string>? vmExtraConfigKeys = null;
                VCenterServer? vcenter = null;
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var first = true;
                while (r.NextMember(first, out var start, out var length))
                {
                    if (first && !r.NameIs(start, length, SchemaVersionName)) return null;
                    first = false;
                    var name = r.NameText(start, length);
                    if (!seen.Add(name)) return null;
                    switch (name)
                    {
                        case "schemaVersion":
                            var v = r.ReadInteger();
                            if (!Inventory.ReadableSchemaVersions.Contains((int)v) || v != (int)v) return null;
                            version = (int)v;
                            break;
                        case "source": source = r.ReadString(); break;
                        case "collector": collector = r.ReadString(); break;
                        case "collectedAt":
                            if (!DateTimeOffset.TryParse(r.ReadString(), System.Globalization.CultureInfo.InvariantCulture,
                                    System.Globalization.DateTimeStyles.RoundtripKind, out collectedAt)) return null;
                            break;
                        case "datacenters": datacenters = r.Read<List<Datacenter>>(); break;
                        case "clusters": clusters = r.Read<List<Cluster>>(); break;
                        case "hosts": hosts = r.Read<List<Host>>(); break;
                        case "networks": networks = r.Read<List<Network>>(); break;
                        case "distributedSwitches": switches = r.Read<List<DistributedSwitch>>(); break;
                        case "datastores": datastores = r.Read<List<Datastore>>(); break;
                        case "vms": vms = r.ReadList<Vm>(); break;
                        case "vmExtraConfigKeys": vmExtraConfigKeys = r.Read<List<string>>(); break;
                        case "vcenter": vcenter = r.Read<VCenterServer>(); break;
                        default: return null;
                    }
                }
                r.End();
                if (version == null) return null;
                return new Inventory(source, collectedAt, collector, datacenters, clusters, hosts, networks, switches, datastores, vms, vmExtraConfigKeys, vcenter);
            }
            catch (Utf8Binder.NotHandled)
            {
                return null;
            }
            catch (InventoryReferenceException)
            {
                return null;
            }
        }

        /// <summary>True when the plain path binds these bytes (tests hold the module's own files to it).</summary>
        internal static bool ReadsPlain(byte[] bytes) => TryBindPlain(bytes) != null;

        private static Inventory Bind(byte[] bytes, string displayName)
        {
            try
            {
                // The encoding as the grammar check reads it: a UTF-8 or UTF-16 byte-order mark is honoured.
                using (var text = new StreamReader(new MemoryStream(bytes, writable: false), AtomicFile.Utf8NoBom, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16))
                using (var reader = new JsonTextReader(text) { DateParseHandling = DateParseHandling.None, MaxDepth = StrictJson.MaxDepth + 1 })
                {
                    return ReadRoot(reader, displayName);
                }
            }
            catch (DataFileException)
            {
                throw;
            }
            catch (InventoryReferenceException ex)
            {
                throw new DataFileException(displayName, 0, 0, ex.Message, ex);
            }
            catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidCastException || ex is OverflowException)
            {
                throw JsonFiles.ToDataFileException(displayName, ex);
            }
        }

        private static Inventory ReadRoot(JsonTextReader r, string file)
        {
            if (!r.Read()) throw new DataFileException(file, 0, 0, "the file is empty; expected a JSON object with schemaVersion.");
            if (r.TokenType != JsonToken.StartObject)
                throw new DataFileException(file, r.LineNumber, r.LinePosition, $"expected a JSON object, found {r.TokenType}.");

            int? version = null;
            string? source = null, collector = null;
            DateTimeOffset collectedAt = default;
            var s = JsonFiles.Serializer;
            List<Datacenter>? datacenters = null; List<Cluster>? clusters = null; List<Host>? hosts = null;
            List<Network>? networks = null; List<DistributedSwitch>? switches = null; List<Datastore>? datastores = null;
            List<Vm>? vms = null;
            List<string>? vmExtraConfigKeys = null;
            VCenterServer? vcenter = null;

            while (Next(r, file) && r.TokenType == JsonToken.PropertyName)
            {
                // A PropertyName token's value is the member's name, never null.
                var name = (string)r.Value!;
                int line = r.LineNumber, col = r.LinePosition;
                if (name != "schemaVersion" && version == null)
                    throw new DataFileException(file, line, col, $"'schemaVersion' must come before '{name}'; this does not look like a VirtCompliance snapshot.");
                Next(r, file);
                switch (name)
                {
                    case "schemaVersion":
                        if (r.TokenType != JsonToken.Integer)
                            throw new DataFileException(file, r.LineNumber, r.LinePosition, $"schemaVersion must be an integer, found {r.TokenType}.");
                        version = Convert.ToInt32(r.Value);
                        if (!Inventory.ReadableSchemaVersions.Contains(version.Value))
                            throw new DataFileException(file, r.LineNumber, r.LinePosition,
                                $"schemaVersion {version} is not supported; this version of VirtCompliance reads schemaVersion {string.Join(" and ", Inventory.ReadableSchemaVersions)}.");
                        break;
                    case "source": source = ReadString(r, file, name); break;
                    case "collector": collector = ReadString(r, file, name); break;
                    case "collectedAt":
                        var text = ReadString(r, file, name);
                        if (!DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                                System.Globalization.DateTimeStyles.RoundtripKind, out collectedAt))
                            throw new DataFileException(file, r.LineNumber, r.LinePosition, $"collectedAt '{text}' is not an ISO 8601 date and time.");
                        break;
                    case "datacenters": datacenters = s.Deserialize<List<Datacenter>>(r); break;
                    case "clusters": clusters = s.Deserialize<List<Cluster>>(r); break;
                    case "hosts": hosts = s.Deserialize<List<Host>>(r); break;
                    case "networks": networks = s.Deserialize<List<Network>>(r); break;
                    case "distributedSwitches": switches = s.Deserialize<List<DistributedSwitch>>(r); break;
                    case "datastores": datastores = s.Deserialize<List<Datastore>>(r); break;
                    case "vms": vms = s.Deserialize<List<Vm>>(r); break;
                    case "vmExtraConfigKeys": vmExtraConfigKeys = s.Deserialize<List<string>>(r); break;
                    case "vcenter": vcenter = s.Deserialize<VCenterServer>(r); break;
                    default:
                        throw new DataFileException(file, line, col,
                            $"unknown member '{name}'; a snapshot has schemaVersion, source, collectedAt, collector, vmExtraConfigKeys, vcenter and {string.Join(", ", CollectionNames)}.");
                }
            }
            if (r.TokenType != JsonToken.EndObject)
                throw new DataFileException(file, r.LineNumber, r.LinePosition, $"unexpected {r.TokenType}.");
            if (HasMoreContent(r))
                throw new DataFileException(file, r.LineNumber, r.LinePosition, "unexpected content after the end of the snapshot object.");
            if (version == null)
                throw new DataFileException(file, 0, 0, "the file has no schemaVersion; this does not look like a VirtCompliance snapshot.");

            return new Inventory(source, collectedAt, collector, datacenters, clusters, hosts, networks, switches, datastores, vms, vmExtraConfigKeys, vcenter);
        }

        private static bool HasMoreContent(JsonTextReader r)
        {
            try
            {
                return r.Read();
            }
            catch (JsonReaderException)
            {
                return true;
            }
        }

        private static bool Next(JsonTextReader r, string file)
        {
            if (!r.Read())
                throw new DataFileException(file, r.LineNumber, r.LinePosition, "the file ends before the snapshot object is closed (truncated?).");
            return true;
        }

        private static string? ReadString(JsonTextReader r, string file, string name)
        {
            if (r.TokenType == JsonToken.Null) return null;
            if (r.TokenType != JsonToken.String)
                throw new DataFileException(file, r.LineNumber, r.LinePosition, $"'{name}' must be a string, found {r.TokenType}.");
            return (string?)r.Value;
        }
    }
}
