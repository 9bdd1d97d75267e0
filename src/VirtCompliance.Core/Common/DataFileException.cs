using System;

namespace VirtCompliance.Common
{
    /// <summary>
    /// A data file (snapshot, baseline, policy, mapping) that cannot be used as it is. The message
    /// names the file, and the line and column where the problem was found when known.
    /// </summary>
    public sealed class DataFileException : Exception
    {
        public DataFileException(string path, int line, int column, string problem, Exception? inner = null)
            : base(Format(path, line, column, problem), inner)
        {
            Path = path;
            Line = line;
            Column = column;
            Problem = problem;
        }

        /// <summary>The error at a JSON token or reader position (line and column when the parser kept them).</summary>
        public static DataFileException At(string path, Newtonsoft.Json.IJsonLineInfo? at, string problem, Exception? inner = null) =>
            at != null && at.HasLineInfo() ? new DataFileException(path, at.LineNumber, at.LinePosition, problem, inner) : new DataFileException(path, 0, 0, problem, inner);

        public string Path { get; }
        /// <summary>1-based; 0 when the problem is not tied to a line.</summary>
        public int Line { get; }
        public int Column { get; }
        public string Problem { get; }

        private static string Format(string path, int line, int column, string problem)
        {
            var where = line > 0 ? $"{path}:{line}:{column}" : path;
            return $"{where}: {problem}";
        }
    }
}
