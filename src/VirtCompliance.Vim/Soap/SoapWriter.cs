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
