using System.Diagnostics.CodeAnalysis;

namespace VirtCompliance.Common
{
    /// <summary>
    /// string.IsNullOrEmpty and string.IsNullOrWhiteSpace, telling the compiler (which netstandard2.0's
    /// own methods do not) that the text is not null when they return false.
    /// </summary>
    internal static class Strings
    {
        public static bool IsNullOrEmpty([NotNullWhen(false)] string? text) => string.IsNullOrEmpty(text);

        public static bool IsNullOrWhiteSpace([NotNullWhen(false)] string? text) => string.IsNullOrWhiteSpace(text);
    }
}
