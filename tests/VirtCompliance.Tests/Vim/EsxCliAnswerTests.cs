using System.IO;
using System.Linq;
using System.Text;
using VirtCompliance.Controls;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Soap;
using Xunit;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>The answers of ESXCLI commands run through ExecuteSoap: a document of its own inside the SOAP answer.</summary>
    public class EsxCliAnswerTests
    {
        private const string Head = "<obj xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" versionId=\"5.0\" ";

        [Fact]
        public void A_get_is_one_row_and_a_list_one_row_per_data_object()
        {
            var get = EsxCliAnswer.Parse(Head + "xsi:type=\"VimEsxCLIsystemtlsservergetTLSConfig\"><Profile>NIST_2024</Profile></obj>");
            Assert.Equal("NIST_2024", Assert.Single(get)["Profile"]);
            var list = EsxCliAnswer.Parse(Head + "xsi:type=\"ArrayOfDataObject\"><DataObject xsi:type=\"X\"><Key>ciphers</Key><Value>aes256-ctr</Value></DataObject>"
                + "<DataObject xsi:type=\"X\"><Key>banner</Key><Value>/etc/issue &amp; more</Value></DataObject></obj>");
            Assert.Equal(new[] { ("ciphers", "aes256-ctr"), ("banner", "/etc/issue & more") }, list.Select(r => (r["Key"], r["Value"])));
            Assert.Empty(EsxCliAnswer.Parse(Head + "xsi:type=\"ArrayOfDataObject\"/>"));
            // A field that is a list reads as its items joined; an empty field as empty; a scalar answer as its value.
            var nested = Assert.Single(EsxCliAnswer.Parse(Head + "xsi:type=\"Y\"><Names><string>a</string><string>b</string></Names><Empty/></obj>"));
            Assert.Equal(("a,b", ""), (nested["Names"], nested["Empty"]));
            Assert.Equal("true", Assert.Single(EsxCliAnswer.Parse(Head + "xsi:type=\"xsd:boolean\">true</obj>"))["value"]);
        }

        [Theory]
        [InlineData("<obj><Profile>NIST_2024</obj>", "not well-formed")]
        [InlineData("<!DOCTYPE obj [<!ENTITY x \"y\">]><obj><Profile>&x;</Profile></obj>", "not well-formed")]
        [InlineData("", "Root element is missing")]
        public void An_answer_that_cannot_be_read_is_a_typed_error(string response, string expected)
        {
            var ex = Assert.Throws<InvalidDataException>(() => EsxCliAnswer.Parse(response));
            Assert.Contains(expected, ex.Message);
        }

        [Fact]
        public void An_answer_beyond_the_limits_is_refused_not_read_to_the_end()
        {
            var rows = new StringBuilder(Head + "xsi:type=\"ArrayOfDataObject\">");
            for (int i = 0; i <= EsxCliAnswer.MaxRows; i++) rows.Append("<DataObject><K>").Append(i).Append("</K></DataObject>");
            Assert.Contains("rows", Assert.Throws<InvalidDataException>(() => EsxCliAnswer.Parse(rows.Append("</obj>").ToString())).Message);
            Assert.Contains("longer", Assert.Throws<InvalidDataException>(() => EsxCliAnswer.Parse(new string(' ', EsxCliAnswer.MaxCharacters + 1))).Message);
            // Deep nesting is read iteratively: no stack is spent per level.
            var deep = Head + "xsi:type=\"Y\"><F>" + string.Concat(Enumerable.Repeat("<a>", 50000)) + "x" + string.Concat(Enumerable.Repeat("</a>", 50000)) + "</F></obj>";
            Assert.Equal("x", Assert.Single(EsxCliAnswer.Parse(deep))["F"]);
        }

        [Fact]
        public void The_request_names_the_handler_of_the_namespace_and_escapes_argument_values()
        {
            var query = EsxCliQuery.Parse("system.tls.server.get(showcurrentbootprofile=true).Profile");
            using (var w = InventoryCollector.EsxCliRequest(new VimRef("ReflectManagedMethodExecuter", "mme-host-1"), query))
            {
                var bytes = w.ToArray();
                var body = Encoding.UTF8.GetString(bytes);
                Assert.Contains("<moid>ha-cli-handler-system-tls-server</moid>", body);
                Assert.Contains("<method>vim.EsxCLI.system.tls.server.get</method>", body);
                Assert.Contains("<argument><name>showcurrentbootprofile</name><val>&lt;showcurrentbootprofile&gt;true&lt;/showcurrentbootprofile&gt;</val></argument>", body);
                Assert.Empty(VimSchema.Validate(bytes));
            }
        }
    }
}
