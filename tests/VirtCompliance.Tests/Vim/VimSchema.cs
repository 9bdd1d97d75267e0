using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>The official vim25 schema, compiled once, to validate the request bodies the client writes.</summary>
    public static class VimSchema
    {
        private static readonly Lazy<XmlSchemaSet> Set = new Lazy<XmlSchemaSet>(() =>
        {
            var folder = Path.Combine(Lab.FixturesFolder, "vim25-schema");
            var set = new XmlSchemaSet { XmlResolver = new XmlUrlResolver() };
            using (var reader = XmlReader.Create(Path.Combine(folder, "vim-wsdl-schema.xsd"), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
                set.Add("urn:vim25", reader);
            // The internal methods ESXCLI is run through, declared for these tests (see the folder's README).
            using (var reader = XmlReader.Create(Path.Combine(folder, "esxcli-internal.xsd"), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
                set.Add("urn:vim25", reader);
            set.Compile();
            return set;
        });

        /// <summary>Schema errors in the body of a SOAP envelope (the method element); empty when valid.</summary>
        public static IReadOnlyList<string> Validate(byte[] envelope)
        {
            var document = XDocument.Load(new MemoryStream(envelope));
            XNamespace soap = "http://schemas.xmlsoap.org/soap/envelope/";
            var method = document.Root?.Element(soap + "Body")?.Elements().FirstOrDefault()
                ?? throw new InvalidDataException("No SOAP body element.");
            var errors = new List<string>();
            var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = Set.Value, DtdProcessing = DtdProcessing.Prohibit };
            settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings;
            settings.ValidationEventHandler += (_, e) => errors.Add($"{e.Severity}: {e.Message} (line {e.Exception?.LineNumber})");
            // Validate the method element on its own, with the namespaces it uses declared on it.
            var standalone = new XElement(method);
            standalone.SetAttributeValue(XNamespace.Xmlns + "xsi", "http://www.w3.org/2001/XMLSchema-instance");
            standalone.SetAttributeValue(XNamespace.Xmlns + "xsd", "http://www.w3.org/2001/XMLSchema");
            using (var reader = XmlReader.Create(new StringReader(standalone.ToString(SaveOptions.DisableFormatting)), settings))
                while (reader.Read()) { }
            return errors;
        }
    }
}
