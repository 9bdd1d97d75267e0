using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace VirtCompliance.Common
{
    /// <summary>
    /// The one JSON grammar of every file VirtCompliance reads: RFC 8259 and nothing more. The JSON
    /// library the readers bind with is lenient (comments, NaN, single quotes, hex numbers, trailing
    /// commas, the last of duplicate keys), so each file is checked here first, in one pass that
    /// never recurses, against limits of depth, size and number range. A file that passes is read
    /// by the library exactly as the grammar means it. Errors name the file, line and column.
    /// </summary>
    public static class StrictJson
    {
        /// <summary>The deepest nesting of objects and arrays a data file may have.</summary>
        public const int MaxDepth = 64;

        /// <summary>The largest data file read (a snapshot of 100,000 VMs is about 100 MB).</summary>
        public const long MaxBytes = 1L << 30;

        /// <summary>Throws a <see cref="DataFileException"/> at the first place the text is not strict JSON.</summary>
        public static void Check(string text, string file)
        {
            new Scanner(text, file).Document();
        }

        /// <summary>
        /// Reads a stream as strict JSON into tokens that keep their line and column, so that the
        /// binder's later checks can point at the line.
        /// </summary>
        public static JToken Load(Stream stream, string file)
        {
            var text = ReadText(stream, file);
            Check(text, file);
            try
            {
                using (var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal, MaxDepth = MaxDepth + 1 })
                    return JToken.ReadFrom(reader, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load, DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error });
            }
            catch (Exception ex) when (ex is JsonException || ex is OverflowException)
            {
                throw JsonFiles.ToDataFileException(file, ex);
            }
        }

        /// <summary>Reads a stream as UTF-8 text (a UTF-8 or UTF-16 byte-order mark is honoured) within the size limit.</summary>
        public static string ReadText(Stream stream, string file, long maxBytes = MaxBytes)
        {
            byte[] bytes;
            int count;
            if (stream.CanSeek)
            {
                // A file or a buffer: its length is known, so read it into one array of that size.
                var length = stream.Length - stream.Position;
                if (length > maxBytes) throw TooLarge(file, maxBytes);
                bytes = new byte[length];
                count = 0;
                int n;
                while (count < bytes.Length && (n = stream.Read(bytes, count, bytes.Length - count)) > 0) count += n;
            }
            else
            {
                var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int n;
                while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (buffer.Length + n > maxBytes) throw TooLarge(file, maxBytes);
                    buffer.Write(chunk, 0, n);
                }
                bytes = buffer.GetBuffer();
                count = (int)buffer.Length;
            }
            try
            {
                if (count >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) return new UnicodeEncoding(false, false, throwOnInvalidBytes: true).GetString(bytes, 2, count - 2);
                if (count >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF) return new UnicodeEncoding(true, false, throwOnInvalidBytes: true).GetString(bytes, 2, count - 2);
                var start = count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, start, count - start);
            }
            catch (DecoderFallbackException)
            {
                throw new DataFileException(file, 0, 0, "the file is not UTF-8 text.");
            }
        }

        internal static DataFileException TooLarge(string file, long maxBytes) =>
            new DataFileException(file, 0, 0, $"the file is larger than {maxBytes / 1048576} MB, the most read.");

        private sealed class Scanner
        {
            private readonly string _text;
            private readonly string _file;
            private int _pos;
            private int _line = 1;
            private int _lineStart;

            public Scanner(string text, string file)
            {
                _text = text;
                _file = file;
            }

            private DataFileException Error(string problem) => new DataFileException(_file, _line, _pos - _lineStart + 1, problem);

            /// <summary>One value, then nothing but white space.</summary>
            public void Document()
            {
                SkipSpace();
                if (_pos >= _text.Length) throw Error("the file is empty; expected a JSON value.");
                Values();
                SkipSpace();
                if (_pos < _text.Length) throw Error("unexpected content after the end of the JSON document.");
            }

            // Containers are tracked on an explicit stack, so depth costs memory, not call frames.
            private enum Expect { Value, KeyOrEnd, Key, Colon, CommaOrEnd }

            /// <summary>
            /// One open object or array. An object remembers its keys to refuse a second one of the same
            /// name: as places in the text while they are few and written without escapes (no copy, no
            /// set per object, which a snapshot has a million of), as a set of strings beyond that.
            /// Frames are reused from one container to the next at the same depth.
            /// </summary>
            private sealed class Frame
            {
                private const int FewKeys = 16;
                public bool IsObject;
                private readonly List<(int start, int length)> _spans = new List<(int, int)>();
                private HashSet<string>? _many;

                public void Open(bool isObject)
                {
                    IsObject = isObject;
                    _spans.Clear();
                    _many = null;
                }

                /// <summary>False when the object has the key already. <paramref name="decoded"/> is the key when it had escapes.</summary>
                public bool AddKey(string text, int start, int length, string? decoded)
                {
                    if (decoded == null && _many == null && _spans.Count < FewKeys)
                    {
                        foreach (var (s, l) in _spans)
                            if (l == length && string.CompareOrdinal(text, s, text, start, length) == 0) return false;
                        _spans.Add((start, length));
                        return true;
                    }
                    if (_many == null)
                    {
                        _many = new HashSet<string>(StringComparer.Ordinal);
                        foreach (var (s, l) in _spans) _many.Add(text.Substring(s, l));
                    }
                    return _many.Add(decoded ?? text.Substring(start, length));
                }
            }

            private readonly List<Frame> _frames = new List<Frame>();
            private int _depth;

            private Frame Push(bool isObject)
            {
                if (_depth == _frames.Count) _frames.Add(new Frame());
                var frame = _frames[_depth++];
                frame.Open(isObject);
                return frame;
            }

            private Frame Top => _frames[_depth - 1];

            private void Values()
            {
                var expect = Expect.Value;
                while (true)
                {
                    SkipSpace();
                    if (_pos >= _text.Length) throw Error("the file ends before the JSON document is closed (truncated?).");
                    var c = _text[_pos];
                    if (c == '/') throw Error("comments are not JSON: remove the comment (where the format has a \"description\", a note belongs there).");
                    switch (expect)
                    {
                        case Expect.Value:
                            if (c == '{' || c == '[')
                            {
                                if (_depth >= MaxDepth) throw Error($"objects and arrays nest more than {MaxDepth} deep.");
                                _pos++;
                                Push(c == '{');
                                expect = c == '{' ? Expect.KeyOrEnd : Expect.Value;
                                // An empty array closes straight away.
                                if (c == '[')
                                {
                                    SkipSpace();
                                    if (_pos < _text.Length && _text[_pos] == ']') { _pos++; _depth--; if (_depth == 0) return; expect = Expect.CommaOrEnd; }
                                }
                                continue;
                            }
                            Scalar();
                            if (_depth == 0) return;
                            expect = Expect.CommaOrEnd;
                            continue;
                        case Expect.KeyOrEnd:
                        case Expect.Key:
                            if (c == '}' && expect == Expect.KeyOrEnd) { _pos++; _depth--; if (_depth == 0) return; expect = Expect.CommaOrEnd; continue; }
                            if (c != '"') throw Error(c == '\'' ? "keys and strings are in double quotes." : "expected a key in double quotes.");
                            var keyLine = _line;
                            var keyColumn = _pos - _lineStart + 1;
                            var open = _pos;
                            String();
                            var keyStart = open + 1;
                            var keyLength = _pos - 1 - keyStart;
                            // A key with escapes is compared by what it says, not how it is written.
                            string? decoded = null;
                            if (_text.IndexOf('\\', keyStart, keyLength) >= 0)
                            {
                                var end = _pos;
                                _pos = open;
                                decoded = String(keep: true);
                                _pos = end;
                            }
                            if (!Top.AddKey(_text, keyStart, keyLength, decoded))
                                throw new DataFileException(_file, keyLine, keyColumn, $"'{decoded ?? _text.Substring(keyStart, keyLength)}' appears twice in the same object: keep one.");
                            expect = Expect.Colon;
                            continue;
                        case Expect.Colon:
                            if (c != ':') throw Error("expected ':' after the key.");
                            _pos++;
                            expect = Expect.Value;
                            continue;
                        case Expect.CommaOrEnd:
                            var top = Top;
                            if (c == ',')
                            {
                                _pos++;
                                SkipSpace();
                                if (_pos < _text.Length && (_text[_pos] == '}' || _text[_pos] == ']')) throw Error("a comma before the closing bracket: remove it (trailing commas are not JSON).");
                                expect = top.IsObject ? Expect.Key : Expect.Value;
                                continue;
                            }
                            if ((c == '}' && top.IsObject) || (c == ']' && !top.IsObject))
                            {
                                _pos++;
                                _depth--;
                                if (_depth == 0) return;
                                expect = Expect.CommaOrEnd;
                                continue;
                            }
                            throw Error(top.IsObject ? "expected ',' or '}'." : "expected ',' or ']'.");
                    }
                }
            }

            private void Scalar()
            {
                var c = _text[_pos];
                if (c == '"') { String(); return; }
                if (c == '-' || (c >= '0' && c <= '9')) { Number(); return; }
                if (Word("true") || Word("false") || Word("null")) return;
                if (c == '\'') throw Error("strings are in double quotes: replace the single quotes.");
                if (Word("NaN") || Word("Infinity")) throw Error("NaN and Infinity are not JSON numbers: write a number, or leave the member out.");
                throw Error($"unexpected character '{Printable(c)}'; expected a value.");
            }

            private bool Word(string word)
            {
                if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) return false;
                var end = _pos + word.Length;
                if (end < _text.Length && char.IsLetterOrDigit(_text[end])) return false;
                _pos = end;
                return true;
            }

            /// <summary>Checks a string; returns its value only when asked (keys, for duplicates): values need no copy.</summary>
            private string? String(bool keep = false)
            {
                _pos++; // the opening quote
                // Most strings have no escapes: check them in place and copy (a key) in one piece.
                var start = _pos;
                while (_pos < _text.Length)
                {
                    var c = _text[_pos];
                    if (c == '"') { _pos++; return keep ? _text.Substring(start, _pos - 1 - start) : null; }
                    if (c < ' ' || c == '\\') break;
                    _pos++;
                }
                var sb = keep ? new StringBuilder().Append(_text, start, _pos - start) : null;
                while (true)
                {
                    if (_pos >= _text.Length) throw Error("the file ends inside a string (truncated?).");
                    var c = _text[_pos++];
                    if (c == '"') return sb?.ToString();
                    if (c < ' ') throw Error(c == '\n' ? "a line break inside a string (strings end on the line they start)." : "a control character inside a string.");
                    if (c != '\\') { sb?.Append(c); continue; }
                    if (_pos >= _text.Length) throw Error("the file ends inside a string (truncated?).");
                    var e = _text[_pos++];
                    switch (e)
                    {
                        case '"': case '\\': case '/': sb?.Append(e); break;
                        case 'b': sb?.Append('\b'); break;
                        case 'f': sb?.Append('\f'); break;
                        case 'n': sb?.Append('\n'); break;
                        case 'r': sb?.Append('\r'); break;
                        case 't': sb?.Append('\t'); break;
                        case 'u':
                            if (_pos + 4 > _text.Length || !int.TryParse(_text.Substring(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                                throw Error("\\u needs four hex digits.");
                            sb?.Append((char)code);
                            _pos += 4;
                            break;
                        default: throw Error($"unknown escape '\\{Printable(e)}' in a string.");
                    }
                }
            }

            /// <summary>A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? within the range of a double (and of a long, without fraction or exponent).</summary>
            private void Number()
            {
                var start = _pos;
                if (_text[_pos] == '-') _pos++;
                if (_pos >= _text.Length || !char.IsDigit(_text[_pos])) throw Error("a number needs digits.");
                if (_text[_pos] == '0' && _pos + 1 < _text.Length && (char.IsDigit(_text[_pos + 1]) || _text[_pos + 1] == 'x' || _text[_pos + 1] == 'X'))
                    throw Error("numbers have no leading zeros and are not hex.");
                while (_pos < _text.Length && char.IsDigit(_text[_pos])) _pos++;
                var integer = true;
                if (_pos < _text.Length && _text[_pos] == '.')
                {
                    integer = false;
                    _pos++;
                    if (_pos >= _text.Length || !char.IsDigit(_text[_pos])) throw Error("a decimal point needs digits after it.");
                    while (_pos < _text.Length && char.IsDigit(_text[_pos])) _pos++;
                }
                var exponent = false;
                if (_pos < _text.Length && (_text[_pos] == 'e' || _text[_pos] == 'E'))
                {
                    integer = false;
                    exponent = true;
                    _pos++;
                    if (_pos < _text.Length && (_text[_pos] == '+' || _text[_pos] == '-')) _pos++;
                    if (_pos >= _text.Length || !char.IsDigit(_text[_pos])) throw Error("an exponent needs digits.");
                    while (_pos < _text.Length && char.IsDigit(_text[_pos])) _pos++;
                }
                // Up to 18 digits always fit a long, and a fraction without exponent a double: most numbers need no parse.
                var length = _pos - start;
                if ((integer && length <= 18) || (!integer && !exponent && length < 300)) return;
                var literal = _text.Substring(start, length);
                if (integer && !long.TryParse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    throw Error($"the number {Shorten(literal)} is out of range.");
                if (!integer && (!double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || double.IsInfinity(d)))
                    throw Error($"the number {Shorten(literal)} is out of range.");
            }

            private void SkipSpace()
            {
                while (_pos < _text.Length)
                {
                    var c = _text[_pos];
                    if (c == '\n') { _pos++; _line++; _lineStart = _pos; }
                    else if (c == ' ' || c == '\t' || c == '\r') _pos++;
                    else if (c == '\uFEFF' && _pos == 0) _pos++;
                    else return;
                }
            }

            private static string Printable(char c) => c < ' ' ? $"\\u{(int)c:x4}" : c.ToString();

            private static string Shorten(string s) => s.Length > 30 ? s.Substring(0, 30) + "..." : s;
        }
    }
}
