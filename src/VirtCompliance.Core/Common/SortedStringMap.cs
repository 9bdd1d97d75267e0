using System;
using System.Collections;
using System.Collections.Generic;

namespace VirtCompliance.Common
{
    /// <summary>
    /// A read-only map of names to text, in the order of its comparer, held as two sorted arrays: what a
    /// SortedDictionary gave the model (the same order, lookups, and "first spelling of a key, last value"
    /// when the comparer makes two keys one), in a fraction of the memory. An inventory holds one per VM
    /// for its advanced settings and custom attributes, so at 100,000 VMs the tree's nodes were hundreds of
    /// megabytes. Wrapped in a ReadOnlyDictionary by its users, so PowerShell sees the dictionary it always did.
    /// </summary>
    public sealed class SortedStringMap : IDictionary<string, string>
    {
        /// <summary>The map as its users hold it: a ReadOnlyDictionary that knows its order, so an inventory need not sort it again.</summary>
        public sealed class ReadOnly : System.Collections.ObjectModel.ReadOnlyDictionary<string, string>
        {
            internal ReadOnly(SortedStringMap map) : base(map) { Comparer = map._comparer; }

            /// <summary>The order of the keys, and how they are looked up.</summary>
            public StringComparer Comparer { get; }
        }

        /// <summary>The entries in the comparer's order; of two keys it makes one, the first spelling and the last value.</summary>
        public static ReadOnly Create(IEnumerable<KeyValuePair<string, string>> items, StringComparer comparer) =>
            new ReadOnly(new SortedStringMap(items, comparer));

        private readonly string[] _keys;
        private readonly string[] _values;
        private readonly StringComparer _comparer;

        /// <summary>As <see cref="Create(IEnumerable{KeyValuePair{string, string}}, StringComparer)"/>, from keys and values in pairs (both arrays become the map's own).</summary>
        public static ReadOnly Create(string[] keys, string[] values, StringComparer comparer) =>
            new ReadOnly(new SortedStringMap(keys, values, comparer));

        public SortedStringMap(IEnumerable<KeyValuePair<string, string>> items, StringComparer comparer)
            : this(Split(items, out var values), values, comparer)
        {
        }

        private static string[] Split(IEnumerable<KeyValuePair<string, string>> items, out string[] values)
        {
            var k = new List<string>();
            var v = new List<string>();
            foreach (var kv in items)
            {
                k.Add(kv.Key ?? throw new ArgumentNullException(nameof(items), "a key is null"));
                v.Add(kv.Value);
            }
            values = v.ToArray();
            return k.ToArray();
        }

        private SortedStringMap(string[] keys, string[] values, StringComparer comparer)
        {
            _comparer = comparer;
            // Already in order with no key twice (a map read back from a file): no sort needed.
            var sorted = true;
            for (int i = 1; i < keys.Length && sorted; i++) sorted = comparer.Compare(keys[i - 1], keys[i]) < 0;
            if (sorted)
            {
                _keys = keys;
                _values = values;
                return;
            }
            // A stable sort (by key, then by place) keeps the first spelling of a key and its last value.
            var order = new int[keys.Length];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            Array.Sort(order, (a, b) =>
            {
                var c = comparer.Compare(keys[a], keys[b]);
                return c != 0 ? c : a.CompareTo(b);
            });
            var k = new List<string>(order.Length);
            var v = new List<string>(order.Length);
            foreach (var i in order)
            {
                if (k.Count > 0 && comparer.Compare(k[k.Count - 1], keys[i]) == 0) { v[v.Count - 1] = values[i]; continue; }
                k.Add(keys[i]);
                v.Add(values[i]);
            }
            _keys = k.ToArray();
            _values = v.ToArray();
        }

        private int IndexOf(string key)
        {
            if (key == null) throw new ArgumentNullException(nameof(key));
            int lo = 0, hi = _keys.Length - 1;
            while (lo <= hi)
            {
                var mid = lo + ((hi - lo) >> 1);
                var c = _comparer.Compare(_keys[mid], key);
                if (c == 0) return mid;
                if (c < 0) lo = mid + 1;
                else hi = mid - 1;
            }
            return -1;
        }

        public string this[string key]
        {
            get
            {
                var i = IndexOf(key);
                return i >= 0 ? _values[i] : throw new KeyNotFoundException($"The key '{key}' is not in the map.");
            }
            set => throw NotWritable();
        }

        public ICollection<string> Keys => Array.AsReadOnly(_keys);
        public ICollection<string> Values => Array.AsReadOnly(_values);
        public int Count => _keys.Length;
        public bool IsReadOnly => true;

        public bool ContainsKey(string key) => IndexOf(key) >= 0;

        public bool TryGetValue(string key, out string value)
        {
            var i = IndexOf(key);
            value = i >= 0 ? _values[i] : null!;
            return i >= 0;
        }

        public bool Contains(KeyValuePair<string, string> item)
        {
            var i = IndexOf(item.Key);
            return i >= 0 && string.Equals(_values[i], item.Value, StringComparison.Ordinal);
        }

        public void CopyTo(KeyValuePair<string, string>[] array, int arrayIndex)
        {
            for (int i = 0; i < _keys.Length; i++) array[arrayIndex + i] = new KeyValuePair<string, string>(_keys[i], _values[i]);
        }

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
        {
            for (int i = 0; i < _keys.Length; i++) yield return new KeyValuePair<string, string>(_keys[i], _values[i]);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public void Add(string key, string value) => throw NotWritable();
        public void Add(KeyValuePair<string, string> item) => throw NotWritable();
        public bool Remove(string key) => throw NotWritable();
        public bool Remove(KeyValuePair<string, string> item) => throw NotWritable();
        public void Clear() => throw NotWritable();

        private static NotSupportedException NotWritable() => new NotSupportedException("The map is read-only.");
    }
}
