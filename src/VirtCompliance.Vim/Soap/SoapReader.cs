using System;
using System.Collections.Generic;
using System.IO;
using System.Xml;

namespace VirtCompliance.Vim.Soap
{
    /// <summary>One object of a RetrievePropertiesEx result: its reference, its properties by path, and the paths the server could not read.</summary>
    public sealed class ObjectContent
    {
        public ObjectContent(VimRef obj) { Obj = obj; }
        public VimRef Obj { get; }
        /// <summary>Path → value; a propSet without a val is kept, as null.</summary>
        public Dictionary<string, VimValue?> Properties { get; } = new Dictionary<string, VimValue?>(StringComparer.Ordinal);
        /// <summary>Path → fault type, for properties the server could not return.</summary>
        public Dictionary<string, string> Missing { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public VimValue? this[string path] => Properties.TryGetValue(path, out var v) ? v : null;
    }

    /// <summary>
    /// Reads vim25 SOAP responses with a forward-only XmlReader: DTDs prohibited, no external
    /// resolution, types resolved by namespace URI (vcsim writes its own prefix for
    /// XMLSchema-instance), property results handed out one object at a time so that a large
    /// inventory is never held as an XML tree.
    /// </summary>
    public static class SoapReader
    {

        public const string SoapEnvelopeNs = "http://schemas.xmlsoap.org/soap/envelope/";

        /// <summary>
        /// The deepest element nesting read. A vim25 answer nests a few dozen levels at most; the
        /// value reader recurses once per level, so a hostile answer nested thousands deep is refused
        /// here rather than exhausting the stack.
        /// </summary>
        public const int MaxDepth = 128;
        public const string XsiNs = "http://www.w3.org/2001/XMLSchema-instance";

        public static XmlReaderSettings Settings { get; } = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            CloseInput = false,
        };

        /// <summary>The returnval of a response, or null for a void method. Throws the fault as a typed exception.</summary>
        public static VimValue? ReadReturn(Stream stream, string method)
        {
            var all = ReadReturns(stream, method);
            return all.Count == 0 ? null : all[0];
        }

        /// <summary>Every returnval of a response: a method that returns an array returns one per item.</summary>
        public static IReadOnlyList<VimValue> ReadReturns(Stream stream, string method)
        {
            using (var reader = XmlReader.Create(stream, Settings))
            {
                MoveToBodyContent(reader, method);
                var values = new List<VimValue>();
                if (reader.IsEmptyElement) return values;
                var depth = reader.Depth;
                reader.Read();
                while (reader.Depth > depth)
                {
                    if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                    if (reader.LocalName == "returnval") values.Add(ReadValue(reader));
                    else reader.Skip();
                }
                ReadToEnd(reader, method);
                return values;
            }
        }

        /// <summary>
        /// Reads a RetrievePropertiesEx / ContinueRetrievePropertiesEx response, calling <paramref name="onObject"/> per object; returns the continuation token or null.
        /// <paramref name="keepItem"/> (property path, item xsi:type) can drop items of array properties unread: a VM's
        /// config.hardware.device is most of a response, and the collector needs only its network adapters.
        /// </summary>
        public static string? ReadObjects(Stream stream, string method, Action<ObjectContent> onObject, Func<string, string?, bool>? keepItem = null)
        {
            using (var reader = XmlReader.Create(stream, Settings))
            {
                MoveToBodyContent(reader, method);
                if (reader.IsEmptyElement) return null;
                string? token = null;
                var responseDepth = reader.Depth;
                reader.Read();
                while (reader.Depth > responseDepth)
                {
                    if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "returnval" && !reader.IsEmptyElement)
                    {
                        var depth = reader.Depth;
                        reader.Read();
                        while (reader.Depth > depth)
                        {
                            if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                            if (reader.LocalName == "token") token = reader.ReadElementContentAsString();
                            else if (reader.LocalName == "objects") onObject(ReadObjectContent(reader, keepItem));
                            else reader.Skip();
                        }
                        reader.Read();
                    }
                    else if (reader.NodeType == XmlNodeType.Element) reader.Skip();
                    else reader.Read();
                }
                ReadToEnd(reader, method);
                return token;
            }
        }

        /// <summary>
        /// The continuation token of a RetrievePropertiesEx / ContinueRetrievePropertiesEx answer,
        /// or null on the last page, read without parsing the objects (the schema puts the token
        /// first). Throws the fault when the answer is one.
        /// </summary>
        public static string? PeekToken(Stream stream, string method)
        {
            using (var reader = XmlReader.Create(stream, Settings))
            {
                MoveToBodyContent(reader, method);
                while (reader.Read())
                {
                    if (reader.NodeType != XmlNodeType.Element) continue;
                    if (reader.LocalName == "token") return reader.ReadElementContentAsString();
                    if (reader.LocalName == "objects") return null;
                }
                return null;
            }
        }

        /// <summary>
        /// Reads past the response to the end of the document: the XML reader refuses what follows
        /// the envelope (a second root, trailing bytes), so an answer with garbage after it is not
        /// taken as the first part of it.
        /// </summary>
        private static void ReadToEnd(XmlReader reader, string method)
        {
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Depth == 0)
                    throw new InvalidDataException($"{method}: the answer goes on after its SOAP envelope.");
            }
        }

        private static ObjectContent ReadObjectContent(XmlReader reader, Func<string, string?, bool>? keepItem)
        {
            var depth = reader.Depth;
            ObjectContent? content = null;
            var pending = new List<KeyValuePair<string, VimValue?>>();
            var missing = new List<KeyValuePair<string, string>>();
            if (reader.IsEmptyElement) { reader.Read(); throw new InvalidDataException("An 'objects' element without 'obj'."); }
            reader.Read();
            while (reader.Depth > depth)
            {
                if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                switch (reader.LocalName)
                {
                    case "obj":
                        content = new ObjectContent(ReadValue(reader) as VimRef ?? throw new InvalidDataException("An 'objects' element whose 'obj' is not a managed object reference."));
                        break;
                    case "propSet":
                        pending.Add(ReadPropSet(reader, keepItem));
                        break;
                    case "missingSet":
                        var m = ReadValue(reader) as VimObject ?? throw new InvalidDataException("A 'missingSet' element that is not a MissingProperty.");
                        var fault = m.Object("fault")?["fault"] ?? m["fault"];
                        var missingPath = m.Text("path") ?? throw new InvalidDataException("A 'missingSet' element without 'path'.");
                        missing.Add(new KeyValuePair<string, string>(missingPath, fault?.Type ?? "unknown"));
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            reader.Read();
            if (content == null) throw new InvalidDataException("An 'objects' element without 'obj'.");
            foreach (var p in pending) content.Properties[p.Key] = p.Value;
            foreach (var m in missing) content.Missing[m.Key] = m.Value;
            return content;
        }

        /// <summary>A propSet: its name, then its value (null without a val), with array items filtered as the caller asks.</summary>
        private static KeyValuePair<string, VimValue?> ReadPropSet(XmlReader reader, Func<string, string?, bool>? keepItem)
        {
            string? name = null;
            VimValue? value = null;
            if (reader.IsEmptyElement) { reader.Read(); throw new InvalidDataException("A 'propSet' element without 'name'."); }
            var depth = reader.Depth;
            reader.Read();
            while (reader.Depth > depth)
            {
                if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                if (reader.LocalName == "name") name = reader.ReadElementContentAsString();
                else if (reader.LocalName == "val") value = keepItem != null && name != null ? ReadFilteredArray(reader, name, keepItem) : ReadValue(reader);
                else reader.Skip();
            }
            reader.Read();
            if (name == null) throw new InvalidDataException("A 'propSet' element without 'name'.");
            return new KeyValuePair<string, VimValue?>(name, value);
        }

        /// <summary>An ArrayOf... value whose items the filter may skip unread; any other value as usual.</summary>
        private static VimValue ReadFilteredArray(XmlReader reader, string path, Func<string, string?, bool> keepItem)
        {
            var arrayType = XsiType(reader);
            if (arrayType == null || !arrayType.StartsWith("ArrayOf", StringComparison.Ordinal) || reader.IsEmptyElement || keepItem(path, null))
                return ReadValue(reader);
            var array = new VimObject { Type = arrayType };
            var depth = reader.Depth;
            reader.Read();
            while (reader.Depth > depth)
            {
                if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                if (keepItem(path, XsiType(reader))) array.Add(reader.LocalName, ReadValue(reader));
                else reader.Skip();
            }
            reader.Read();
            return array;
        }

        private static string? XsiType(XmlReader reader)
        {
            var type = reader.GetAttribute("type", XsiNs);
            return type == null ? null : StripPrefix(type);
        }

        /// <summary>Moves to the first element inside soap:Body; throws the fault if that is a soap:Fault.</summary>
        private static void MoveToBodyContent(XmlReader reader, string method)
        {
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "Body" && reader.NamespaceURI == SoapEnvelopeNs)
                {
                    if (reader.IsEmptyElement) throw new InvalidDataException($"{method}: the response has an empty SOAP body.");
                    reader.Read();
                    while (reader.NodeType != XmlNodeType.Element)
                        if (!reader.Read()) throw new InvalidDataException($"{method}: the response ends inside the SOAP body.");
                    if (reader.LocalName == "Fault" && reader.NamespaceURI == SoapEnvelopeNs) throw ReadFault(reader, method);
                    return;
                }
            }
            throw new InvalidDataException($"{method}: the response is not a SOAP envelope.");
        }

        private static VimFaultException ReadFault(XmlReader reader, string method)
        {
            var fault = ReadValue(reader) as VimObject ?? throw new InvalidDataException($"{method}: a SOAP fault without faultcode or faultstring.");
            var message = fault.Text("faultstring");
            VimObject? detail = null;
            string? type = null;
            if (fault.Object("detail") is VimObject d)
            {
                foreach (var f in d.Fields)
                {
                    detail = f.Value as VimObject ?? new VimObject();
                    type = f.Value.Type ?? (f.Key.EndsWith("Fault", StringComparison.Ordinal) ? f.Key.Substring(0, f.Key.Length - 5) : f.Key);
                    break;
                }
            }
            return VimFaultException.Create(type, message, detail, method);
        }

        /// <summary>Reads the element the reader is on (and moves past it) as a value.</summary>
        public static VimValue ReadValue(XmlReader reader)
        {
            if (reader.Depth > MaxDepth) throw new InvalidDataException($"the answer nests elements more than {MaxDepth} deep; no vim25 answer does.");
            string? xsiType = null, refType = null;
            if (reader.HasAttributes)
            {
                while (reader.MoveToNextAttribute())
                {
                    if (reader.LocalName == "type" && reader.NamespaceURI == XsiNs) xsiType = StripPrefix(reader.Value);
                    else if (reader.LocalName == "type" && reader.NamespaceURI.Length == 0) refType = reader.Value;
                }
                reader.MoveToElement();
            }
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return Typed(refType != null ? (VimValue)new VimRef(refType, "") : new VimText(""), xsiType);
            }
            var depth = reader.Depth;
            reader.Read();
            VimObject? obj = null;
            string? text = null;
            while (reader.Depth > depth)
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        obj = obj ?? new VimObject();
                        var name = reader.LocalName;
                        obj.Add(name, ReadValue(reader));
                        break;
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                    case XmlNodeType.SignificantWhitespace:
                        text = text == null ? reader.Value : text + reader.Value;
                        reader.Read();
                        break;
                    default:
                        reader.Read();
                        break;
                }
            }
            reader.Read(); // past the end element
            if (obj != null) return Typed(obj, xsiType);
            if (refType != null) return Typed(new VimRef(refType, text ?? ""), xsiType);
            return Typed(new VimText(text ?? ""), xsiType);
        }

        private static VimValue Typed(VimValue value, string? type)
        {
            value.Type = type;
            return value;
        }

        private static string StripPrefix(string qname)
        {
            var colon = qname.IndexOf(':');
            return colon < 0 ? qname : qname.Substring(colon + 1);
        }
    }
}
