using System;
using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json.Linq;
using VirtCompliance.Common;
using VirtCompliance.Repair;
using Xunit;

namespace VirtCompliance.Tests.Core
{
    /// <summary>The list properties of result records: readable as text, and written to JSON exactly as the arrays they replaced.</summary>
    public class TextListTests
    {
        [Fact]
        public void A_result_list_reads_as_its_items_and_a_dictionary_as_its_entries()
        {
            var finding = new PciSeparationFinding { RuleId = "pci.shared-segment", PciDss = new List<string> { "1.3.1", "2.2.3" } };
            Assert.Equal("1.3.1; 2.2.3", finding.PciDss.ToString());
            var summary = new PciSeparationSummary { ByRule = new Dictionary<string, int> { ["pci.shared-segment"] = 2, ["pci.mixed-scope-host"] = 1 } };
            Assert.Equal("pci.shared-segment=2; pci.mixed-scope-host=1", summary.ByRule.ToString());
            Assert.Contains("PciDss = 1.3.1; 2.2.3", finding.ToString());
        }

        [Fact]
        public void A_record_keeps_its_own_copy_of_the_list_it_was_given()
        {
            var hosts = new List<string?> { "esx-01" };
            var finding = new PciSeparationFinding { Hosts = hosts };
            hosts.Add("esx-02");
            Assert.Equal(new[] { "esx-01" }, finding.Hosts);
            Assert.Same(finding.Hosts, (finding with { RuleId = "x" }).Hosts);
        }

        [Fact]
        public void Json_writes_the_lists_as_the_arrays_they_were()
        {
            var withText = JToken.FromObject(new PciSeparationFinding { RuleId = "r", Hosts = new[] { "a", null }, PciDss = new[] { "1.3.1" } }, JsonFiles.Serializer);
            var plain = JToken.FromObject(new
            {
                ruleId = "r",
                outcome = "info",
                severity = "informational",
                interpretation = "strict",
                clusters = Array.Empty<string>(),
                hosts = new[] { "a", null },
                vms = Array.Empty<string>(),
                networks = Array.Empty<string>(),
                datastores = Array.Empty<string>(),
                pciDss = new[] { "1.3.1" },
                message = "",
                evidence = Array.Empty<string>(),
            });
            Assert.Equal(plain.ToString(), withText.ToString());
        }

        [Fact]
        public void A_backup_step_read_from_json_keeps_its_arguments_in_order_and_reads_as_text()
        {
            var json = "{\"action\":\"esxcli\",\"objectId\":\"host-1\",\"controlId\":\"vc.ssh-ciphers\",\"target\":\"system.ssh.server.config.set\",\"value\":\"v\",\"arguments\":{\"keyword\":\"ciphers\",\"value\":\"aes256-ctr\"}}";
            var step = JToken.Parse(json).ToObject<RepairStep>(JsonFiles.Serializer)!;
            Assert.Equal("keyword=ciphers; value=aes256-ctr", step.Arguments!.ToString());
            var back = JToken.FromObject(step, JsonFiles.Serializer);
            Assert.Equal(new[] { "keyword", "value" }, ((JObject)back["arguments"]!).Properties().Select(p => p.Name));
        }
    }
}
