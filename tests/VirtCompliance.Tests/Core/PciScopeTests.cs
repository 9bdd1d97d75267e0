using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Pci;
using Xunit;
using VirtCompliance.Scope;

namespace VirtCompliance.Tests.Core
{
    public class PciScopeClassifierTests
    {
        private static VmScope One(System.Func<Vm, Vm> change, ScopeSources sources = null)
        {
            var inv = new Lab().Cluster("domain-c1", "P").Host("host-1", "domain-c1").Vm("vm-1", "host-1", change).Build();
            return PciScopeClassifier.Classify(inv, sources ?? new ScopeSources()).Single();
        }

        [Fact]
        public void A_vm_without_any_source_is_unknown()
        {
            var s = One(v => v);
            Assert.Equal(PciScope.Unknown, s.Scope);
            Assert.Equal("none", s.Source);
            Assert.False(s.Conflict);
        }

        [Fact]
        public void The_tag_decides_first_and_the_source_is_named()
        {
            var s = One(v => v with { Tags = new[] { new VmTag { Category = "PCI-Scope", Name = "CDE" } } });
            Assert.Equal(PciScope.Cde, s.Scope);
            Assert.Equal("tag PCI-Scope/CDE", s.Source);
        }

        [Fact]
        public void Agreeing_sources_are_no_conflict()
        {
            var s = One(v => v with
            {
                Tags = new[] { new VmTag { Category = "PCI-Scope", Name = "Connected" } },
                CustomAttributes = new Dictionary<string, string> { ["PCI-Scope"] = "connected" },
            });
            Assert.Equal(PciScope.Connected, s.Scope);
            Assert.False(s.Conflict);
            Assert.Equal(2, s.Claims.Count);
        }

        [Fact]
        public void Disagreeing_sources_are_a_conflict_and_take_the_strictest_scope()
        {
            var s = One(v => v with
            {
                Tags = new[] { new VmTag { Category = "PCI-Scope", Name = "Connected" } },
                CustomAttributes = new Dictionary<string, string> { ["PCI-Scope"] = "CDE" },
            });
            Assert.True(s.Conflict);
            Assert.Equal(PciScope.Cde, s.Scope);
            Assert.Equal("attribute PCI-Scope=CDE", s.Source);
        }

        [Fact]
        public void Patterns_match_names_and_folders_and_the_mapping_file_applies_by_name_or_id()
        {
            var sources = new ScopeSources
            {
                Patterns = new[] { new KeyValuePair<string, PciScope>("/DC/vm/Payments/*", PciScope.Cde) },
                Map = new Dictionary<string, PciScope> { ["vm-1"] = PciScope.Cde },
            };
            var s = One(v => v with { Folder = "/DC/vm/Payments/db" }, sources);
            Assert.Equal(PciScope.Cde, s.Scope);
            Assert.Equal("pattern /DC/vm/Payments/*", s.Source);
            Assert.Equal(new[] { "pattern /DC/vm/Payments/* → Cde", "mapping → Cde" }, s.Claims);
        }

        [Theory]
        [InlineData("CDE", PciScope.Cde)]
        [InlineData("cardholder", PciScope.Cde)]
        [InlineData("Connected", PciScope.Connected)]
        [InlineData("security-impacting", PciScope.Connected)]
        [InlineData("OutOfScope", PciScope.OutOfScope)]
        [InlineData("out of scope", PciScope.OutOfScope)]
        [InlineData("maybe", PciScope.Unknown)]
        public void Scope_names_are_read_as_people_write_them(string text, PciScope expected) =>
            Assert.Equal(expected, PciScopeClassifier.Parse(text));

        [Fact]
        public void The_sample_lab_has_every_scope_a_conflict_and_unknown_vms()
        {
            var scopes = PciScopeClassifier.Classify(InventorySnapshot.Read(Lab.SamplePath), new ScopeSources());
            Assert.Contains(scopes, s => s.Scope == PciScope.Cde);
            Assert.Contains(scopes, s => s.Scope == PciScope.Connected);
            Assert.Contains(scopes, s => s.Scope == PciScope.OutOfScope);
            Assert.Equal(2, scopes.Count(s => s.Scope == PciScope.Unknown));
            Assert.Contains(scopes, s => s.Vm == "pay-batch-01" && s.Conflict && s.Scope == PciScope.Cde);
        }
    }
}
