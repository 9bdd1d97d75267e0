using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace VirtCompliance.Common
{
    /// <summary>
    /// Binds strict JSON bytes to the model in one pass, driven by the contracts of
    /// <see cref="JsonFiles.Serializer"/> (the same members, names, defaults and created collection types),
    /// about ten times faster than the library's own binder and with each repeated short string kept once.
    /// It is a fast path, not a second dialect: it takes only what it can bind exactly as the library
    /// path binds it after <see cref="StrictJson"/> (exact member names, values of their own type, no nulls,
    /// no duplicates, whole numbers in range, plain RFC 8259 text), and gives up with
    /// <see cref="NotHandled"/> on anything else, so that the library path reads that file and its error, if
    /// any, is the one users always got. A file it takes is strict JSON by construction.
    /// </summary>
    public sealed class Utf8Binder
    {
        /// <summary>Thrown when the input is anything but the plain case; the caller reads it the general way.</summary>
        public sealed class NotHandled : Exception
        {
            internal NotHandled(string why) : base(why) { }
        }

        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
        private static readonly Dictionary<Type, ValueBinder> Binders = new Dictionary<Type, ValueBinder>();

        private readonly byte[] _b;
        private readonly int _end;
        private int _pos;
        private readonly StringPool _pool = new StringPool();

        // One list of items per level of nesting, reused from one list to the next: a list's items are
        // gathered here and copied once into an array of their number.
        private readonly List<List<object?>> _scratch = new List<List<object?>>();
        private int _depth;

        private List<object?> Rent()
        {
            if (_depth == _scratch.Count) _scratch.Add(new List<object?>());
            var items = _scratch[_depth++];
            items.Clear();
            return items;
        }

        private void Return() => _depth--;

        public Utf8Binder(byte[] bytes, int start, int count)
        {
            _b = bytes;
            _pos = start;
            _end = start + count;
        }

        internal static NotHandled Give(string why) => new NotHandled(why);

        /// <summary>Binds one value of the type (a model record, a list of them, a map).</summary>
        public T Read<T>() => (T)BinderFor(typeof(T)).Read(this)!;

        /// <summary>
        /// Binds a list of records, a large one in two halves on two threads. The second half starts at an item
        /// found by the layout this module writes (a comma, a line break and the first item's indentation before
        /// an opening brace); the first half is read item by item up to that comma, which proves the place is a
        /// boundary between items of this list and not something inside one. Where it is not, or the list is not
        /// laid out so, the list is read on this thread alone.
        /// </summary>
        public List<T> ReadList<T>(int parallelAbove = 8 << 20)
        {
            if (Peek() != '[') throw Give("expected a list");
            var open = _pos;
            var binder = (ListBinder<T>)BinderFor(typeof(List<T>));
            var boundary = _end - open > parallelAbove ? FindItemBoundary(open, open + (_end - open) / 2) : -1;
            if (boundary < 0) return Read<List<T>>();

            var second = new Utf8Binder(_b, boundary + 1, _end - boundary - 1);
            var secondHalf = System.Threading.Tasks.Task.Run(() => second.ReadItems(binder.Item, stopAt: -1));
            List<object?>? firstHalf = null;
            _pos = open + 1;
            try
            {
                firstHalf = ReadItems(binder.Item, stopAt: boundary);
            }
            catch (NotHandled)
            {
                // Not two halves of this list (the place found was inside an item), or not the plain case: the
                // whole list on this thread decides, below.
            }
            finally
            {
                // The other half is waited for in every case, so nothing is left running.
                ((System.IAsyncResult)secondHalf).AsyncWaitHandle.WaitOne();
            }
            if (firstHalf == null || secondHalf.IsFaulted)
            {
                // Seen, so that its failure is not reported as unobserved: the whole list's reading is the answer.
                _ = secondHalf.Exception;
                _pos = open;
                return Read<List<T>>();
            }
            var rest = secondHalf.Result;
            var list = new List<T>(firstHalf.Count + rest.Count);
            foreach (var item in firstHalf) list.Add((T)item!);
            foreach (var item in rest) list.Add((T)item!);
            _pos = second._pos;
            return list;
        }

        // The comma before an item that starts at the first item's indentation, at or after the place given; -1 if none.
        private int FindItemBoundary(int open, int from)
        {
            var i = open + 1;
            var lineStart = -1;
            while (i < _end && (_b[i] == ' ' || _b[i] == '\n' || _b[i] == '\r' || _b[i] == '\t'))
            {
                if (_b[i] == '\n') lineStart = i + 1;
                i++;
            }
            if (lineStart < 0 || i >= _end || _b[i] != '{') return -1;
            var indent = i - lineStart;
            for (int k = lineStart; k < i; k++) if (_b[k] != ' ') return -1;
            // ",\n" + indent + "{"
            for (var at = from; at + indent + 2 < _end; at++)
            {
                if (_b[at] != ',' || _b[at + 1] != '\n' || _b[at + 2 + indent] != '{') continue;
                var spaces = true;
                for (int k = 0; k < indent && spaces; k++) spaces = _b[at + 2 + k] == ' ';
                if (spaces && _b[at - 1] == '}') return at;
            }
            return -1;
        }

        // Items of a list from here (just past its '[' or a comma between items) to its ']', or to the comma at
        // stopAt, which must come straight after an item.
        private List<object?> ReadItems(ValueBinder item, int stopAt)
        {
            var items = new List<object?>();
            while (true)
            {
                if (Peek() == 'n') throw Give("a null in a list");
                items.Add(item.Read(this));
                var c = Peek();
                if (_pos == stopAt) return items;
                if (stopAt >= 0 && _pos > stopAt) throw Give("the halves of a list do not meet");
                _pos++;
                if (c == ']') return stopAt < 0 ? items : throw Give("the halves of a list do not meet");
                if (c != ',') throw Give("expected a comma in a list");
            }
        }

        // ---- the document's structure, for a caller that reads its root itself ----

        public void StartObject() { if (Peek() != '{') throw Give("expected an object"); _pos++; }

        /// <summary>Moves to the next member of the open object; false at its end. <paramref name="first"/>: no comma before it.</summary>
        public bool NextMember(bool first, out int nameStart, out int nameLength)
        {
            var c = Peek();
            if (c == '}') { _pos++; nameStart = nameLength = 0; return false; }
            if (!first)
            {
                if (c != ',') throw Give("expected a comma");
                _pos++;
                c = Peek();
            }
            if (c != '"') throw Give("expected a member name");
            PlainName(out nameStart, out nameLength);
            if (Peek() != ':') throw Give("expected a colon");
            _pos++;
            return true;
        }

        public bool NameIs(int start, int length, byte[] name)
        {
            if (length != name.Length) return false;
            for (int i = 0; i < length; i++) if (_b[start + i] != name[i]) return false;
            return true;
        }

        public string NameText(int start, int length) => StrictUtf8.GetString(_b, start, length);

        public string ReadString()
        {
            if (Peek() != '"') throw Give("expected a string");
            return StringValue();
        }

        public long ReadInteger()
        {
            var c = Peek();
            if (c != '-' && (c < '0' || c > '9')) throw Give("expected a number");
            return Integer();
        }

        /// <summary>Nothing but white space to the end.</summary>
        public void End()
        {
            SkipSpace();
            if (_pos != _end) throw Give("content after the document");
        }

        // ---- tokens ----

        private byte Peek()
        {
            SkipSpace();
            if (_pos >= _end) throw Give("the text ends early");
            return _b[_pos];
        }

        private void SkipSpace()
        {
            while (_pos < _end)
            {
                var c = _b[_pos];
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t') _pos++;
                else return;
            }
        }

        // A member name without escapes (every name of the model is plain ASCII); the quotes are checked.
        private void PlainName(out int start, out int length)
        {
            start = ++_pos;
            while (_pos < _end)
            {
                var c = _b[_pos];
                if (c == '"') { length = _pos - start; _pos++; return; }
                if (c < 0x20 || c == '\\' || c >= 0x80) throw Give("a name with escapes or beyond ASCII");
                _pos++;
            }
            throw Give("the text ends in a name");
        }

        private string StringValue()
        {
            var start = ++_pos;
            int ascii = 0;
            while (_pos < _end)
            {
                var c = _b[_pos];
                if (c == '"')
                {
                    var length = _pos - start;
                    _pos++;
                    return ascii < 0x80 ? _pool.Get(_b, start, length) : Decode(start, length);
                }
                if (c < 0x20) throw Give("a control character in a string");
                if (c == '\\') return EscapedString(start);
                ascii |= c;
                _pos++;
            }
            throw Give("the text ends in a string");
        }

        private string Decode(int start, int length)
        {
            try
            {
                return StrictUtf8.GetString(_b, start, length);
            }
            catch (DecoderFallbackException)
            {
                throw Give("not UTF-8");
            }
        }

        // The rare string with escapes: the run before the first one is decoded as it is, then piece by piece.
        private string EscapedString(int start)
        {
            var sb = new StringBuilder(Decode(start, _pos - start));
            while (true)
            {
                var runStart = _pos;
                while (_pos < _end && _b[_pos] != '"' && _b[_pos] != '\\')
                {
                    if (_b[_pos] < 0x20) throw Give("a control character in a string");
                    _pos++;
                }
                if (_pos >= _end) throw Give("the text ends in a string");
                sb.Append(Decode(runStart, _pos - runStart));
                if (_b[_pos] == '"') { _pos++; return sb.ToString(); }
                _pos++; // the backslash
                if (_pos >= _end) throw Give("the text ends in a string");
                var e = _b[_pos++];
                switch (e)
                {
                    case (byte)'"': sb.Append('"'); break;
                    case (byte)'\\': sb.Append('\\'); break;
                    case (byte)'/': sb.Append('/'); break;
                    case (byte)'b': sb.Append('\b'); break;
                    case (byte)'f': sb.Append('\f'); break;
                    case (byte)'n': sb.Append('\n'); break;
                    case (byte)'r': sb.Append('\r'); break;
                    case (byte)'t': sb.Append('\t'); break;
                    case (byte)'u':
                        var code = 0;
                        for (int i = 0; i < 4; i++)
                        {
                            if (_pos >= _end) throw Give("the text ends in a string");
                            var h = _b[_pos++];
                            var digit = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                            if (digit < 0) throw Give("a bad \\u escape");
                            code = code * 16 + digit;
                        }
                        // Halves of a surrogate pair are left to the general path, which decides what they mean.
                        if (code >= 0xD800 && code <= 0xDFFF) throw Give("a surrogate escape");
                        sb.Append((char)code);
                        break;
                    default: throw Give("an unknown escape");
                }
            }
        }

        // A whole number of at most 18 digits (always within a long); fractions, exponents and longer numbers are not handled here.
        private long Integer()
        {
            var negative = _b[_pos] == '-';
            if (negative) _pos++;
            var start = _pos;
            long value = 0;
            while (_pos < _end && _b[_pos] >= '0' && _b[_pos] <= '9')
            {
                value = value * 10 + (_b[_pos] - '0');
                _pos++;
            }
            var digits = _pos - start;
            if (digits == 0 || digits > 18 || (digits > 1 && _b[start] == '0')) throw Give("a number outside the plain case");
            if (_pos < _end && (_b[_pos] == '.' || _b[_pos] == 'e' || _b[_pos] == 'E')) throw Give("a number with a fraction or exponent");
            return negative ? -value : value;
        }

        private bool Boolean()
        {
            if (Literal("true")) return true;
            if (Literal("false")) return false;
            throw Give("expected true or false");
        }

        private bool Literal(string word)
        {
            if (_pos + word.Length > _end) return false;
            for (int i = 0; i < word.Length; i++) if (_b[_pos + i] != word[i]) return false;
            _pos += word.Length;
            return true;
        }

        // ---- binders, one per type, built once from the serializer's contracts ----

        private static ValueBinder BinderFor(Type type)
        {
            lock (Binders)
            {
                if (Binders.TryGetValue(type, out var known)) return known;
                var binder = Create(type);
                Binders[type] = binder;
                // Members are resolved after the binder is known, so a type may contain itself.
                binder.Resolve();
                return binder;
            }
        }

        private static ValueBinder Create(Type type)
        {
            var underlying = Nullable.GetUnderlyingType(type) ?? type;
            if (underlying == typeof(string)) return new StringBinder();
            if (underlying == typeof(bool)) return new BooleanBinder();
            if (underlying == typeof(int)) return new IntegerBinder(int.MinValue, int.MaxValue, v => (int)v);
            if (underlying == typeof(long)) return new IntegerBinder(long.MinValue, long.MaxValue, v => v);
            if (underlying.IsEnum) return new EnumBinder(underlying);
            var contract = JsonFiles.Serializer.ContractResolver.ResolveContract(type);
            if (contract.Converter != null || contract.InternalConverter != null) return new Unhandled(type);
            switch (contract)
            {
                case JsonObjectContract o when o.DefaultCreator != null && !o.DefaultCreatorNonPublic && o.OverrideCreator == null
                                               && o.ExtensionDataSetter == null && o.CreatorParameters.Count == 0 && !type.IsAbstract:
                    return new ObjectBinder(o);
                case JsonArrayContract a when a.CollectionItemType != null:
                    return (ValueBinder)Activator.CreateInstance(typeof(ListBinder<>).MakeGenericType(a.CollectionItemType), type)!;
                case JsonDictionaryContract d when d.DictionaryKeyType == typeof(string) && d.DictionaryValueType != null:
                    return (ValueBinder)Activator.CreateInstance(typeof(MapBinder<>).MakeGenericType(d.DictionaryValueType), type)!;
                default:
                    return new Unhandled(type);
            }
        }

        private abstract class ValueBinder
        {
            public virtual void Resolve() { }
            public abstract object? Read(Utf8Binder r);
        }

        private sealed class Unhandled : ValueBinder
        {
            private readonly Type _type;
            public Unhandled(Type type) { _type = type; }
            public override object? Read(Utf8Binder r) => throw Give("a member of type " + _type.Name);
        }

        private sealed class StringBinder : ValueBinder
        {
            public override object? Read(Utf8Binder r) => r.ReadString();
        }

        private sealed class BooleanBinder : ValueBinder
        {
            private static readonly object True = true, False = false;
            public override object? Read(Utf8Binder r)
            {
                r.Peek();
                return r.Boolean() ? True : False;
            }
        }

        private sealed class IntegerBinder : ValueBinder
        {
            private readonly long _min, _max;
            private readonly Func<long, object> _box;
            public IntegerBinder(long min, long max, Func<long, object> box) { _min = min; _max = max; _box = box; }
            public override object? Read(Utf8Binder r)
            {
                var v = r.ReadInteger();
                if (v < _min || v > _max) throw Give("a number out of range");
                return _box(v);
            }
        }

        /// <summary>An enum by the name the serializer writes for each value (camelCase); any other spelling is the general path's.</summary>
        private sealed class EnumBinder : ValueBinder
        {
            private readonly Dictionary<string, object> _byName = new Dictionary<string, object>(StringComparer.Ordinal);
            public EnumBinder(Type type)
            {
                foreach (var value in Enum.GetValues(type))
                {
                    var written = JsonConvert.DeserializeObject<string>(Serialize(value));
                    if (written != null) _byName[written] = value;
                }
            }

            private static string Serialize(object value)
            {
                using (var text = new System.IO.StringWriter())
                {
                    JsonFiles.Serializer.Serialize(text, value);
                    return text.ToString();
                }
            }

            public override object? Read(Utf8Binder r) =>
                _byName.TryGetValue(r.ReadString(), out var value) ? value : throw Give("an enum name outside the plain case");
        }

        /// <summary>A record: created as the library creates it (its defaults in place), members set through the contract's setters.</summary>
        private sealed class ObjectBinder : ValueBinder
        {
            private readonly JsonObjectContract _contract;
            private Member[] _members = Array.Empty<Member>();
            private ulong _required;

            private sealed class Member
            {
                public byte[] Name = Array.Empty<byte>();
                public IValueProvider Setter = null!;
                public ValueBinder Value = null!;
            }

            public ObjectBinder(JsonObjectContract contract) { _contract = contract; }

            public override void Resolve()
            {
                var members = new List<Member>();
                foreach (var p in _contract.Properties)
                {
                    if (p.Ignored || !p.Writable || p.PropertyName == null || p.PropertyType == null || p.ValueProvider == null) continue;
                    var value = p.Converter != null || p.ItemConverter != null ? new Unhandled(p.PropertyType) : BinderFor(p.PropertyType);
                    if (p.Required == Required.Always || p.Required == Required.AllowNull) _required |= 1UL << members.Count;
                    members.Add(new Member { Name = Encoding.UTF8.GetBytes(p.PropertyName), Setter = p.ValueProvider, Value = value });
                }
                // Beyond 64 members the seen-set below does not fit; no record of the model comes near.
                _members = members.Count <= 64 ? members.ToArray() : throw new InvalidOperationException(_contract.UnderlyingType.Name + " has more than 64 members");
            }

            public override object? Read(Utf8Binder r)
            {
                if (r.Peek() != '{') throw Give("expected an object");
                r._pos++;
                var target = _contract.DefaultCreator!();
                ulong seen = 0;
                var next = 0;
                var first = true;
                while (r.NextMember(first, out var start, out var length))
                {
                    first = false;
                    // Members usually come in the order they are written: try the next one first.
                    var i = next < _members.Length && r.NameIs(start, length, _members[next].Name) ? next : Find(r, start, length);
                    var bit = 1UL << i;
                    if ((seen & bit) != 0) throw Give("a member twice");
                    seen |= bit;
                    var member = _members[i];
                    if (r.Peek() == 'n') throw Give("a null member");
                    member.Setter.SetValue(target, member.Value.Read(r));
                    next = i + 1;
                }
                if ((seen & _required) != _required) throw Give("a required member missing");
                return target;
            }

            private int Find(Utf8Binder r, int start, int length)
            {
                for (int i = 0; i < _members.Length; i++)
                    if (r.NameIs(start, length, _members[i].Name)) return i;
                throw Give("a member not known by this exact name");
            }
        }

        /// <summary>
        /// A list: an array (an inventory copies every list it keeps into one), or a List where the member's
        /// type is one. Items are gathered on the reader's scratch list and copied once.
        /// </summary>
        private sealed class ListBinder<T> : ValueBinder
        {
            private ValueBinder _item = null!;
            public ValueBinder Item => _item;
            private readonly Func<T[], object> _finish;

            public ListBinder(Type type)
            {
                if (type == typeof(List<T>) || type == typeof(IList<T>) || type == typeof(ICollection<T>) || type == typeof(IEnumerable<T>)) _finish = a => new List<T>(a);
                else if (type == typeof(IReadOnlyList<T>) || type == typeof(IReadOnlyCollection<T>) || type == typeof(T[])) _finish = a => a;
                else _finish = _ => throw Give("a list of type " + type.Name);
            }

            public override void Resolve() => _item = BinderFor(typeof(T));

            public override object? Read(Utf8Binder r)
            {
                if (r.Peek() != '[') throw Give("expected a list");
                r._pos++;
                if (r.Peek() == ']') { r._pos++; return _finish(Array.Empty<T>()); }
                var items = r.Rent();
                while (true)
                {
                    if (r.Peek() == 'n') throw Give("a null in a list");
                    items.Add(_item.Read(r));
                    var c = r.Peek();
                    r._pos++;
                    if (c == ']') break;
                    if (c != ',') throw Give("expected a comma in a list");
                }
                var array = new T[items.Count];
                for (int i = 0; i < array.Length; i++) array[i] = (T)items[i]!;
                r.Return();
                return _finish(array);
            }
        }

        /// <summary>
        /// A map of names: of names to text, the sorted map an inventory keeps (<see cref="SortedStringMap"/>,
        /// in ordinal order); of names to anything else, a Dictionary wrapped in a ReadOnlyDictionary.
        /// </summary>
        private sealed class MapBinder<TValue> : ValueBinder
        {
            private ValueBinder _value = null!;
            private readonly Type _type;

            public MapBinder(Type type) { _type = type; }

            public override void Resolve() => _value = BinderFor(typeof(TValue));

            public override object? Read(Utf8Binder r)
            {
                if (r.Peek() != '{') throw Give("expected a map");
                r._pos++;
                var items = r.Rent();
                var first = true;
                while (true)
                {
                    var c = r.Peek();
                    if (c == '}') { r._pos++; break; }
                    if (!first)
                    {
                        if (c != ',') throw Give("expected a comma in a map");
                        r._pos++;
                        c = r.Peek();
                    }
                    first = false;
                    if (c != '"') throw Give("expected a key");
                    items.Add(r.StringValue());
                    if (r.Peek() != ':') throw Give("expected a colon");
                    r._pos++;
                    if (r.Peek() == 'n') throw Give("a null in a map");
                    items.Add(_value.Read(r));
                }
                var count = items.Count / 2;
                object result;
                if (typeof(TValue) == typeof(string) && _type == typeof(IReadOnlyDictionary<string, string>))
                {
                    var keys = new string[count];
                    var values = new string[count];
                    for (int i = 0; i < count; i++) { keys[i] = (string)items[2 * i]!; values[i] = (string)items[2 * i + 1]!; }
                    var map = SortedStringMap.Create(keys, values, StringComparer.Ordinal);
                    if (map.Count != count) throw Give("a key twice");
                    result = map;
                }
                else
                {
                    var map = new Dictionary<string, TValue>(count);
                    for (int i = 0; i < count; i++) map[(string)items[2 * i]!] = (TValue)items[2 * i + 1]!;
                    if (map.Count != count) throw Give("a key twice");
                    if (_type == typeof(Dictionary<string, TValue>) || _type == typeof(IDictionary<string, TValue>)) result = map;
                    else if (_type == typeof(IReadOnlyDictionary<string, TValue>)) result = new ReadOnlyDictionary<string, TValue>(map);
                    else throw Give("a map of type " + _type.Name);
                }
                r.Return();
                return result;
            }
        }

        /// <summary>
        /// Short ASCII strings by their bytes, so that the values a snapshot repeats on every VM (setting names,
        /// "true", a guest OS, a folder) are one string each: less memory, and less for the collector to trace.
        /// A direct-mapped table: a miss replaces the entry, which costs one decode.
        /// </summary>
        private sealed class StringPool
        {
            private const int MaxLength = 64;
            private const int Size = 1 << 14;
            private readonly string?[] _strings = new string?[Size];
            private readonly int[] _hashes = new int[Size];

            public string Get(byte[] b, int start, int length)
            {
                if (length == 0) return "";
                if (length > MaxLength) return Latin(b, start, length);
                uint h = 2166136261;
                for (int i = 0; i < length; i++) h = (h ^ b[start + i]) * 16777619;
                var hash = (int)h;
                var slot = hash & (Size - 1);
                var known = _strings[slot];
                if (known != null && _hashes[slot] == hash && known.Length == length && Same(known, b, start)) return known;
                var s = Latin(b, start, length);
                _strings[slot] = s;
                _hashes[slot] = hash;
                return s;
            }

            private static bool Same(string s, byte[] b, int start)
            {
                for (int i = 0; i < s.Length; i++) if (s[i] != b[start + i]) return false;
                return true;
            }

            // ASCII only (the caller checked): each byte is its character.
            private static string Latin(byte[] b, int start, int length) => Encoding.ASCII.GetString(b, start, length);
        }
    }
}
