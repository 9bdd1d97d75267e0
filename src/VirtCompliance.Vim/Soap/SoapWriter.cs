using System;
using System.IO;
using System.Text;
using System.Xml;

namespace VirtCompliance.Vim.Soap
{
    /// <summary>Writes one vim25 request envelope. Element order follows the vim25 schema (tests validate every body the client writes against it).</summary>
    public sealed class SoapWriter : IDisposable
    {
        public const string VimNs = "urn:vim25";
        private readonly MemoryStream _buffer = new MemoryStream();
        private readonly XmlWriter _xml;

        public SoapWriter(string method, VimRef @this)
        {
            Method = method;
            _xml = XmlWriter.Create(_buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false });
            _xml.WriteStartDocument();
            _xml.WriteStartElement("soapenv", "Envelope", SoapReader.SoapEnvelopeNs);
            _xml.WriteAttributeString("xmlns", "xsd", null, "http://www.w3.org/2001/XMLSchema");
            _xml.WriteAttributeString("xmlns", "xsi", null, SoapReader.XsiNs);
            _xml.WriteStartElement("Body", SoapReader.SoapEnvelopeNs);
            _xml.WriteStartElement(method, VimNs);
            Ref("_this", @this);
        }

        public string Method { get; }

        public SoapWriter Ref(string name, VimRef value)
        {
            _xml.WriteStartElement(name, VimNs);
            _xml.WriteAttributeString("type", value.RefType);
            _xml.WriteString(value.Value);
            _xml.WriteEndElement();
            return this;
        }

        public SoapWriter Text(string name, string value)
        {
            _xml.WriteElementString(name, VimNs, value);
            return this;
        }

        public SoapWriter Bool(string name, bool value) => Text(name, value ? "true" : "false");

        public SoapWriter Int(string name, int value) => Text(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>A primitive with its xsi:type, where the declared type is anyType (an option's value): "xsd:long", "xsd:boolean", "xsd:string".</summary>
        public SoapWriter Typed(string name, string xsiType, string value)
        {
            _xml.WriteStartElement(name, VimNs);
            _xml.WriteAttributeString("xsi", "type", SoapReader.XsiNs, xsiType);
            _xml.WriteString(value);
            _xml.WriteEndElement();
            return this;
        }

        /// <summary>
        /// Writes a data object read from the server back as it was, field by field in the order read (the
        /// schema's), with <paramref name="change"/> able to replace or add fields on the way: for a method
        /// such as UpdatePortGroup that replaces a whole spec, so that everything not changed stays. Refs and
        /// primitives are written as read; nesting stops at 16 levels (a spec is shallow). <paramref name="typed"/>
        /// writes the object's own xsi:type, where the schema declares a base type (a device in a deviceChange).
        /// </summary>
        public SoapWriter Echo(string name, VimObject value, Func<string, VimObject, bool>? change = null, string path = "", int depth = 0, bool typed = false)
        {
            if (depth > 16) throw new InvalidOperationException($"{path}: a spec nested deeper than 16 levels is not echoed.");
            Start(name, depth == 0 && !typed ? null : value.Type);
            foreach (var field in value.Fields)
            {
                var here = path.Length == 0 ? field.Key : path + "." + field.Key;
                switch (field.Value)
                {
                    case VimObject o:
                        if (change == null || !change(here, o)) Echo(field.Key, o, change, here, depth + 1);
                        break;
                    case VimRef r: Ref(field.Key, r); break;
                    case VimText t: Text(field.Key, t.Text); break;
                }
            }
            return End();
        }

        /// <summary>Opens a data-object element, with an xsi:type when the schema's declared type is a base type.</summary>
        public SoapWriter Start(string name, string? xsiType = null)
        {
            _xml.WriteStartElement(name, VimNs);
            if (xsiType != null) _xml.WriteAttributeString("xsi", "type", SoapReader.XsiNs, xsiType);
            return this;
        }

        public SoapWriter End()
        {
            _xml.WriteEndElement();
            return this;
        }

        /// <summary>The finished envelope's bytes.</summary>
        public byte[] ToArray()
        {
            _xml.WriteEndElement(); // method
            _xml.WriteEndElement(); // Body
            _xml.WriteEndElement(); // Envelope
            _xml.WriteEndDocument();
            _xml.Flush();
            return _buffer.ToArray();
        }

        public void Dispose()
        {
            _xml.Dispose();
            _buffer.Dispose();
        }
    }
}
