using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace VirtCompliance.Common
{
    /// <summary>
    /// Writes files so that a reader never sees half of one: the content goes to a temporary file
    /// in the same folder, which then replaces the target in one rename. If writing fails, the
    /// target is untouched and the temporary file is removed.
    /// </summary>
    public static class AtomicFile
    {
        public static readonly Encoding Utf8NoBom = new UTF8Encoding(false);

        public static void WriteAllBytes(string path, byte[] content) => Write(path, s => s.Write(content, 0, content.Length));

        public static void WriteAllText(string path, string content) => WriteAllBytes(path, Utf8NoBom.GetBytes(content));

        public static void Write(string path, Action<Stream> writeContent)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("A file path is required.", nameof(path));
            var full = Path.GetFullPath(path);
            var dir = Path.GetDirectoryName(full);
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"The folder '{dir}' does not exist; create it first (New-Item -ItemType Directory) or give a path in an existing folder.");
            var temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    writeContent(stream);
                    stream.Flush(true);
                }
                if (File.Exists(full)) File.Replace(temp, full, null);
                else File.Move(temp, full);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }

        /// <summary>The SHA-256 of a stream's content, read in chunks (a large file is never held whole).</summary>
        public static string Sha256Hex(Stream content)
        {
            using (var sha = SHA256.Create())
            {
                return ToHex(sha.ComputeHash(content));
            }
        }

        public static string Sha256Hex(byte[] content)
        {
            using (var sha = SHA256.Create())
            {
                return ToHex(sha.ComputeHash(content));
            }
        }

        internal static string ToHex(byte[] hash)
        {
            var sb = new StringBuilder(hash.Length * 2);
            foreach (var b in hash) sb.Append(b.ToString("x2"));
            return sb.ToString();
        }
    }
}
