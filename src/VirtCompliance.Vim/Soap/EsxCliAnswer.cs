using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace VirtCompliance.Vim.Soap
{
    /// <summary>
    /// Reads the answer of one ESXCLI command run through a host's ReflectManagedMethodExecuter
    /// (ExecuteSoap): the <c>response</c> is an XML document of its own, either one object (a get:
    /// <c>&lt;obj xsi:type="…"&gt;&lt;Profile&gt;NIST_2024&lt;/Profile&gt;&lt;/obj&gt;</c>) or a list
    /// (<c>xsi:type="ArrayOfDataObject"</c> holding <c>&lt;DataObject&gt;</c> rows), each field an element.
    /// A field that is itself a list (<c>&lt;Field&gt;&lt;string&gt;a&lt;/string&gt;…</c>) reads as its items joined with commas.
    /// The reader is flat (never recursive), prohibits DTDs and has limits: a host's answer is small.
    /// </summary>
    public static class EsxCliAnswer
    {
        public const int MaxCharacters = 4 * 1024 * 1024;
        public const int MaxRows = 20000;
        public const int MaxFields = 256;

        /// <summary>The rows of the answer (one for a get), or throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
        public static IReadOnlyList<IReadOnlyDictionary<string, string>> Parse(string response)
        {
            if (response == null) throw new InvalidDataException("the answer has no response");
            if (response.Length > MaxCharacters) throw new InvalidDataException($"the answer is longer than {MaxCharacters} characters");
            var settings = new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = MaxCharacters,
                IgnoreComments = true,
                IgnoreProcessingInstructions = true,
                IgnoreWhitespace = true,
            };
            try
            {
                using (var xml = XmlReader.Create(new StringReader(response), settings))
                {
                    if (xml.MoveToContent() != XmlNodeType.Element) throw new InvalidDataException("the answer has no root element");
                    var type = xml.GetAttribute("type", SoapReader.XsiNs) ?? "";
                    var rows = new List<IReadOnlyDictionary<string, string>>();
                    if (type == "ArrayOfDataObject")
                    {
                        if (xml.IsEmptyElement) return rows;
                        xml.Read();
                        while (xml.NodeType != XmlNodeType.EndElement && !xml.EOF)
                        {
                            if (xml.NodeType != XmlNodeType.Element) { xml.Skip(); continue; }
                            if (rows.Count == MaxRows) throw new InvalidDataException($"the answer has more than {MaxRows} rows");
                            rows.Add(ReadFields(xml));
                        }
                        return rows;
                    }
                    // A scalar answer (xsd:string, xsd:boolean) has no fields: its text is the row's one value.
                    if (type.StartsWith("xsd:", StringComparison.Ordinal))
                        return new[] { new Dictionary<string, string>(StringComparer.Ordinal) { ["value"] = xml.ReadElementContentAsString() } };
                    rows.Add(ReadFields(xml));
                    return rows;
                }
            }
            catch (XmlException ex)
            {
                throw new InvalidDataException($"the answer is not well-formed XML ({ex.Message})", ex);
            }
        }

        // Reads the element the reader is on (a row), with one field per child element; leaves the reader after it.
        private static Dictionary<string, string> ReadFields(XmlReader xml)
        {
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            if (xml.IsEmptyElement) { xml.Read(); return row; }
            var depth = xml.Depth;
            xml.Read();
            while (!(xml.NodeType == XmlNodeType.EndElement && xml.Depth == depth) && !xml.EOF)
            {
                if (xml.NodeType != XmlNodeType.Element) { xml.Read(); continue; }
                if (row.Count == MaxFields) throw new InvalidDataException($"a row has more than {MaxFields} fields");
                var name = xml.LocalName;
                row[name] = ReadValue(xml);
            }
            xml.Read();
            return row;
        }

        // A field's text, or its list items' texts joined with commas; anything deeper counts as its text only.
        private static string ReadValue(XmlReader xml)
        {
            if (xml.IsEmptyElement) { xml.Read(); return ""; }
            var depth = xml.Depth;
            var text = new StringBuilder();
            var items = new List<string>();
            xml.Read();
            while (!(xml.NodeType == XmlNodeType.EndElement && xml.Depth == depth) && !xml.EOF)
            {
                if (xml.NodeType == XmlNodeType.Element && xml.Depth == depth + 1) items.Add(ReadText(xml));
                else
                {
                    if (xml.NodeType == XmlNodeType.Text || xml.NodeType == XmlNodeType.CDATA) text.Append(xml.Value);
                    xml.Read();
                }
            }
            xml.Read();
            return items.Count > 0 ? string.Join(",", items) : text.ToString();
        }

        // The text inside the element the reader is on, at any depth; leaves the reader after the element.
        private static string ReadText(XmlReader xml)
        {
            if (xml.IsEmptyElement) { xml.Read(); return ""; }
            var depth = xml.Depth;
            var text = new StringBuilder();
            xml.Read();
            while (!(xml.NodeType == XmlNodeType.EndElement && xml.Depth == depth) && !xml.EOF)
            {
                if (xml.NodeType == XmlNodeType.Text || xml.NodeType == XmlNodeType.CDATA) text.Append(xml.Value);
                xml.Read();
            }
            xml.Read();
            return text.ToString();
        }
    }
}
