using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using VirtCompliance.Model;
using VirtCompliance.PowerShell.Cmdlets;
using Xunit;
using PS = System.Management.Automation.PowerShell;

namespace VirtCompliance.Tests.Cmdlets
{
    /// <summary>The cmdlets run in-process in a real PowerShell runspace: binding, errors, ShouldProcess.</summary>
    public class CmdletTests
    {
        /// <summary>A session state with the module's cmdlets imported.</summary>
        internal static InitialSessionState ModuleState()
        {
            var state = InitialSessionState.CreateDefault2();
            state.ImportPSModule(new[] { typeof(ImportVirtInventoryCommand).Assembly.Location });
            return state;
        }

        internal static PS Shell() => PS.Create(ModuleState());

        internal static (object[] output, ErrorRecord[] errors) Run(string script, params (string name, object value)[] variables)
        {
            using var ps = Shell();
            foreach (var (name, value) in variables) ps.Runspace.SessionStateProxy.SetVariable(name, value);
            ps.AddScript(script);
            var output = ps.Invoke().Select(o => o?.BaseObject).ToArray();
            return (output, ps.Streams.Error.ToArray());
        }

        internal static RuntimeException Throws(string script, params (string name, object value)[] variables)
        {
            using var ps = Shell();
            foreach (var (name, value) in variables) ps.Runspace.SessionStateProxy.SetVariable(name, value);
            ps.AddScript("$ErrorActionPreference = 'Stop'; " + script);
            return Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());
        }

        [Fact]
        public void Import_then_peer_drift_reports_objects_of_the_documented_type()
        {
            var (output, errors) = Run("Import-VirtInventory -Path $p | Get-HostControlDrift -Peer -WarningAction SilentlyContinue", ("p", Lab.SamplePath));
            Assert.Empty(errors);
            Assert.NotEmpty(output);
            Assert.All(output, o => Assert.IsType<HostControlDrift>(o));
            Assert.Contains(output.Cast<HostControlDrift>(), d => d.ControlId == "esx-9.ssh");
        }

        [Fact]
        public void A_truncated_snapshot_stops_with_the_InvalidSnapshot_error_id()
        {
            using var dir = new TempFolder();
            var path = dir.File("cut.json");
            var bytes = File.ReadAllBytes(Lab.SamplePath);
            File.WriteAllBytes(path, bytes.Take(bytes.Length / 3).ToArray());
            var ex = Throws("Import-VirtInventory -Path $p", ("p", path));
            Assert.StartsWith("InvalidSnapshot", ex.ErrorRecord.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, ex.ErrorRecord.CategoryInfo.Category);
            Assert.Contains(path + ":", ex.ErrorRecord.ToString());
        }

        [Fact]
        public void A_missing_snapshot_file_is_SnapshotNotFound()
        {
            var ex = Throws("Import-VirtInventory -Path /nonexistent/x.json");
            Assert.StartsWith("SnapshotNotFound", ex.ErrorRecord.FullyQualifiedErrorId);
        }

        [Fact]
        public void An_analysis_without_an_inventory_says_what_to_do()
        {
            var ex = Throws("Get-HostControlDrift");
            Assert.StartsWith("NoInventory", ex.ErrorRecord.FullyQualifiedErrorId);
            Assert.Contains("Import-VirtInventory", ex.Message);
        }

        [Fact]
        public void A_baseline_with_an_unknown_control_stops_with_InvalidBaseline_and_writes_nothing()
        {
            using var dir = new TempFolder();
            var path = dir.File("bad.baseline.json");
            File.WriteAllText(path, "{\n \"name\": \"bad\",\n \"controls\": [ { \"id\": \"esx-9.nope\" } ]\n}\n");
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var ex = Throws("Get-HostControlDrift -Inventory $inv -Baseline $p", ("inv", inv), ("p", path));
            Assert.StartsWith("InvalidBaseline", ex.ErrorRecord.FullyQualifiedErrorId);
            Assert.Contains("bad.baseline.json:3:", ex.Message);
            Assert.Contains("esx-9.nope", ex.Message);
            Assert.Single(Directory.GetFiles(dir.Path));
        }

        [Fact]
        public void Export_with_WhatIf_writes_nothing_and_without_it_writes_a_canonical_file()
        {
            using var dir = new TempFolder();
            var path = dir.File("out.json");
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            Run("Export-VirtInventory -Inventory $inv -Path $p -WhatIf", ("inv", inv), ("p", path));
            Assert.False(File.Exists(path));
            var (output, errors) = Run("Export-VirtInventory -Inventory $inv -Path $p", ("inv", inv), ("p", path));
            Assert.Empty(errors);
            Assert.IsType<FileInfo>(Assert.Single(output));
            Assert.Equal(File.ReadAllBytes(Lab.SamplePath), File.ReadAllBytes(path));
            var (_, clobber) = Run("Export-VirtInventory -Inventory $inv -Path $p -NoClobber", ("inv", inv), ("p", path));
            Assert.Equal("FileExists,VirtCompliance.PowerShell.Cmdlets.ExportVirtInventoryCommand", Assert.Single(clobber).FullyQualifiedErrorId);
        }

        [Fact]
        public void Unknown_names_in_filters_are_per_object_errors_not_silence()
        {
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var (_, errors) = Run("Get-VmMigrationExposure -Inventory $inv -Vm no-such-vm -Cluster Nowhere -WarningAction SilentlyContinue", ("inv", inv));
            Assert.Contains(errors, e => e.FullyQualifiedErrorId.StartsWith("VmNotFound"));
            Assert.Contains(errors, e => e.FullyQualifiedErrorId.StartsWith("ClusterNotFound"));
            var (_, controlErrors) = Run("Get-ComplianceControl -Id esx-9.ssh, esx-9.bogus");
            Assert.Equal("ControlNotFound", Assert.Single(controlErrors).FullyQualifiedErrorId.Split(',')[0]);
        }

        [Fact]
        public void Exposure_honours_the_mandatory_rule_in_the_sample()
        {
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var (output, _) = Run("Get-VmMigrationExposure -Inventory $inv -Peer -WarningAction SilentlyContinue", ("inv", inv));
            var exposures = output.Cast<VmMigrationExposure>().ToArray();
            Assert.DoesNotContain(exposures, e => e.Vm.StartsWith("pay-db"));
            Assert.Contains(exposures, e => e.Vm.StartsWith("pay-app") && e.TargetHost.StartsWith("esx-pay-03"));
        }

        [Fact]
        public void New_ComplianceBaseline_from_a_compliant_host_flags_the_host_that_differs()
        {
            using var dir = new TempFolder();
            var path = dir.File("gold.json");
            var inv = InventorySnapshot.Read(Lab.SamplePath);
            var (output, errors) = Run("New-ComplianceBaseline -Inventory $inv -ReferenceHost esx-pay-01.lab.local -Name gold -Path $p", ("inv", inv), ("p", path));
            Assert.Empty(errors);
            var baseline = Assert.IsType<VirtCompliance.Controls.Baseline>(Assert.Single(output));
            Assert.Contains(baseline.Controls, c => c.Id == "vc.package-installed:acme-ids-sensor");
            Assert.True(File.Exists(path));
            var (drift, _) = Run("Get-HostControlDrift -Inventory $inv -Baseline $p -Cluster Payments", ("inv", inv), ("p", path));
            var hosts = drift.Cast<HostControlDrift>().Select(d => d.Host).Distinct().ToArray();
            Assert.Equal(new[] { "esx-pay-03.lab.local" }, hosts);
        }

        [Fact]
        public void New_ComplianceBaseline_for_an_unknown_host_is_HostNotFound_even_beside_a_host_without_a_name()
        {
            var inv = new Inventory("lab", DateTimeOffset.UtcNow, "test", hosts: new[] { new Host { Id = "host-1" } });
            var ex = Throws("New-ComplianceBaseline -Inventory $inv -ReferenceHost esx-nosuch -Name gold", ("inv", inv));
            Assert.Equal("HostNotFound", ex.ErrorRecord.FullyQualifiedErrorId.Split(',')[0]);
        }
    }
}
