using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace VirtCompliance.Common
{
    /// <summary>
    /// A read-only list whose text is its items ("2.2.4; 10.2.1"). ConvertTo-Csv, Export-Csv and a
    /// record's own ToString write a property's ToString, which for an array or a List is its type
    /// name: the list properties of the result records hold one of these so that a CSV file reads.
    /// JSON writes it as the array it is.
    /// </summary>
    public sealed class TextList<T> : ReadOnlyCollection<T>
    {
        public static readonly TextList<T> Empty = new TextList<T>(Array.Empty<T>());

        public TextList(IList<T> items) : base(items)
        {
        }

        public override string ToString() => string.Join("; ", this.Select(i => i?.ToString() ?? ""));
    }

    /// <summary>A read-only dictionary whose text is its entries ("pci.shared-segment=2; pci.mixed-scope-host=1"), for the same reason as <see cref="TextList{T}"/>.</summary>
    public sealed class TextMap<TKey, TValue> : ReadOnlyDictionary<TKey, TValue>
    {
        public TextMap(IDictionary<TKey, TValue> entries) : base(entries)
        {
        }

        public override string ToString() => string.Join("; ", this.Select(e => $"{e.Key}={e.Value}"));
    }

    /// <summary>Wraps lists and dictionaries once, as a record property is set; the items keep their order.</summary>
    public static class TextList
    {
        /// <summary>The items as a <see cref="TextList{T}"/> (a copy, so that a caller's list changing later does not change the record); null stays null.</summary>
        public static IReadOnlyList<T> Of<T>(IEnumerable<T> items) => items switch
        {
            null => null!,
            TextList<T> text => text,
            _ => new TextList<T>(items.ToArray()),
        };

        /// <summary>As <see cref="Of{T}(IEnumerable{T})"/> for a property that may be null.</summary>
        public static IReadOnlyList<T>? OfNullable<T>(IEnumerable<T>? items) => items == null ? null : Of(items);

        /// <summary>The entries as a <see cref="TextMap{TKey,TValue}"/>, in their order; null stays null.</summary>
        public static IReadOnlyDictionary<TKey, TValue> Of<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> entries) where TKey : notnull => entries switch
        {
            null => null!,
            TextMap<TKey, TValue> text => text,
            // Dictionary<,> enumerates in insertion order while nothing is removed, so the copy keeps the order JSON writes.
            _ => new TextMap<TKey, TValue>(entries.ToDictionary(e => e.Key, e => e.Value, Comparer(entries))),
        };

        /// <summary>As <see cref="Of{TKey,TValue}(IReadOnlyDictionary{TKey,TValue})"/> for a property that may be null.</summary>
        public static IReadOnlyDictionary<TKey, TValue>? OfNullable<TKey, TValue>(IReadOnlyDictionary<TKey, TValue>? entries) where TKey : notnull => entries == null ? null : Of(entries);

        // A case-insensitive dictionary (advanced option names) stays case-insensitive.
        private static IEqualityComparer<TKey>? Comparer<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> entries) where TKey : notnull =>
            entries is Dictionary<TKey, TValue> d ? d.Comparer : null;
    }
}
