using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using Newtonsoft.Json;
using VirtCompliance.Common;
using VirtCompliance.Model;
using VirtCompliance.PowerShell.PowerCli;
using VirtCompliance.Tests.Cmdlets;
using VirtCompliance.Tests.Vim;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Soap;
using Xunit;
using Inv = VirtCompliance.Model.Inventory;
using VirtCompliance.Scope;

namespace VirtCompliance.Tests.PowerCli
{
    /// <summary>
    /// The same simulator lab read twice: by the collector (Get-VirtInventory), and as PowerCLI objects
    /// built from the same server's answers and piped into the cmdlets. Both must give the same
    /// inventory, byte for byte, and the same results.
    /// </summary>
    [Collection("vcsim")]
    public class PowerCliRoundTripTests
    {
        private sealed class Lab : IDisposable
        {
            public VcsimServer Sim;
            public VimClient Client;
            public Inv Collected;
            /// <summary>Every object as a VMware.Vim view, by "Type-Value" (Get-View -Id's form).</summary>
            public Dictionary<string, PSObject> Views = new Dictionary<string, PSObject>(StringComparer.Ordinal);
            public List<PSObject> Hosts = new List<PSObject>(), Vms = new List<PSObject>(), Clusters = new List<PSObject>(), Others = new List<PSObject>();

            public void Dispose()
            {
                Client?.Dispose();
                Sim?.Dispose();
            }
        }

        private static Lab Start()
        {
            var lab = new Lab();
            try
            {
                lab.Sim = new VcsimServer("-cluster", "2", "-host", "3", "-vm", "3");
                // Scope attributes on the VMs and one drifted host, set through the standard API.
                VcsimIntegrationTests.Python("seed_lab.py", lab.Sim);
                lab.Client = VimClient.ConnectAsync(lab.Sim.Url, lab.Sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true }, CancellationToken.None).GetAwaiter().GetResult();
                var client = lab.Client;
                // Software, lockdown exceptions, ESXCLI answers, tags and port state come from calls PowerCLI objects do not carry; both sides leave them out.
                // Neither source reads installed software; the collector is told to give the reason PowerCLI input gives, so that the snapshots compare equal.
                lab.Collected = new InventoryCollector(client) { ReadSoftware = false, ReadTags = false, ReadPorts = false, SoftwareNotReadReason = "PowerCLI objects carry no VIBs or image acceptance level",
                    ReadLockdownExceptions = false, LockdownExceptionsNotReadReason = PowerCliInventory.LockdownExceptionsReason,
                    ReadEsxCli = false, EsxCliNotReadReason = PowerCliInventory.EsxCliReason }.CollectAsync(null, CancellationToken.None).GetAwaiter().GetResult();

                // The same objects, with the members PowerCLI's views also carry (a cluster's hosts, a VM's networks).
                var specs = InventoryCollector.Specs.Select(s =>
                    s.Type == "ClusterComputeResource" ? new PropertySpec(s.Type, s.Paths.Concat(new[] { "host" }).ToArray())
                    : s.Type == "VirtualMachine" ? new PropertySpec(s.Type, s.Paths.Concat(new[] { "network" }).ToArray()) : s).ToList();
                var view = client.CreateContainerViewAsync(client.RootFolder, InventoryCollector.ViewTypes, true, CancellationToken.None).GetAwaiter().GetResult();
                var objects = new List<ObjectContent>();
                client.RetrieveAsync(view, specs, objects.Add, CancellationToken.None, InventoryCollector.KeepItem).GetAwaiter().GetResult();
                var fieldContent = client.RetrieveObjectAsync(client.CustomFieldsManager, new[] { "field" }, CancellationToken.None).GetAwaiter().GetResult();
                var fields = InventoryMapping.Items(fieldContent?["field"]).OfType<VimObject>().ToDictionary(f => f.Int("key").Value, f => f.Text("name"));

                var server = $"{lab.Sim.Url.Host}:{lab.Sim.Url.Port}";
                foreach (var o in objects)
                {
                    var type = o.Obj.RefType;
                    // A switch's view carries the base switch's properties and the VMware switch's, as PowerCLI's VmwareDistributedVirtualSwitch does.
                    bool Switch(string t) => t == "DistributedVirtualSwitch" || t == "VmwareDistributedVirtualSwitch";
                    var paths = Switch(type) ? specs.Where(s => Switch(s.Type)).SelectMany(s => s.Paths).ToArray()
                        : specs.First(s => s.Type == type || (type == "OpaqueNetwork" && s.Type == "Network")).Paths;
                    lab.Views[$"{type}-{o.Obj.Value}"] = PowerCliShapes.View(o, paths, lab.Sim.Url, fields);
                }
                PSObject ViewOf(VimRef r) => lab.Views[$"{r.RefType}-{r.Value}"];
                var clusterImpl = objects.Where(o => o.Obj.RefType == "ClusterComputeResource").ToDictionary(o => o.Obj.Value,
                    o => PowerCliShapes.Impl(PowerCliShapes.ClusterImpl, ViewOf(o.Obj), server, ("DrsEnabled", true), ("HAEnabled", true)));
                var hostImpl = objects.Where(o => o.Obj.RefType == "HostSystem").ToDictionary(o => o.Obj.Value,
                    o => PowerCliShapes.Impl(PowerCliShapes.VmHostImpl, ViewOf(o.Obj), server, ("ConnectionState", "Connected"),
                        ("Parent", o["parent"] is VimRef p && clusterImpl.TryGetValue(p.Value, out var c) ? c : null)));
                lab.Clusters.AddRange(clusterImpl.Values);
                lab.Hosts.AddRange(hostImpl.Values);
                foreach (var o in objects.Where(o => o.Obj.RefType == "VirtualMachine"))
                    lab.Vms.Add(PowerCliShapes.Impl(PowerCliShapes.VmImpl, ViewOf(o.Obj), server, ("PowerState", "PoweredOn"),
                        ("VMHost", o["runtime.host"] is VimRef h ? hostImpl[h.Value] : null)));
                lab.Others.AddRange(objects.Where(o => o.Obj.RefType != "ClusterComputeResource" && o.Obj.RefType != "HostSystem" && o.Obj.RefType != "VirtualMachine").Select(o => ViewOf(o.Obj)));
                return lab;
            }
            catch
            {
                lab.Dispose();
                throw;
            }
        }

        /// <summary>The snapshot bytes with the header (source, time, collector) made equal.</summary>
        private static string Canonical(Inv i) => Encoding.UTF8.GetString(InventorySnapshot.ToBytes(new Inv("lab", DateTimeOffset.UnixEpoch, "test",
            i.Datacenters, i.Clusters, i.Hosts, i.Networks, i.DistributedSwitches, i.Datastores, i.Vms)));

        [Fact]
        public void Every_object_as_PowerCLI_gives_the_inventory_the_collector_reads()
        {
            using var lab = Start();
            var adapter = new PowerCliInventory();
            foreach (var o in lab.Others.Concat(lab.Clusters).Concat(lab.Hosts).Concat(lab.Vms)) adapter.Add(o);
            var inventory = adapter.Build();
            // Nothing was missing; the one warning is the standing one about software, which PowerCLI's objects never carry.
            var warning = Assert.Single(adapter.Warnings);
            Assert.StartsWith("PowerCLI's objects do not carry the hosts' image acceptance level", warning);
            Assert.True(lab.Collected.Vms.Count >= 6 && lab.Collected.Hosts.Count >= 6, $"{lab.Collected.Vms.Count} VMs, {lab.Collected.Hosts.Count} hosts");
            Assert.Contains(lab.Collected.Vms, v => v.CustomAttributes.ContainsKey("PCI-Scope"));
            Assert.Equal(Canonical(lab.Collected), Canonical(inventory));
            Assert.Equal($"{lab.Sim.Url.Host}:{lab.Sim.Url.Port}", inventory.Source);
        }

        [Fact]
        public void Piped_PowerCLI_objects_give_the_same_results_as_the_collected_inventory()
        {
            using var lab = Start();
            var everything = lab.Others.Concat(lab.Clusters).Concat(lab.Hosts).Concat(lab.Vms).ToArray();
            string Results(string script, params (string, object)[] variables)
            {
                var (output, errors) = CmdletTests.Run(script, variables);
                Assert.Empty(errors);
                return JsonConvert.SerializeObject(output, JsonFiles.CreateSettings());
            }
            foreach (var command in new[] { "Get-HostControlDrift -Peer", "Get-HostControlDrift -Baseline pci-dss", "Get-VmMigrationExposure -Peer", "Test-PciSeparation", "Get-PciScope" })
            {
                var fromPowerCli = Results($"$objects | {command} -WarningAction SilentlyContinue", ("objects", everything));
                var fromSnapshot = Results($"{command} -Inventory $inv -WarningAction SilentlyContinue", ("inv", lab.Collected));
                Assert.True(fromSnapshot.Length > 10, command);
                Assert.Equal(fromSnapshot, fromPowerCli);
            }
        }

        [Fact]
        public void A_few_VMs_piped_in_fetch_the_rest_of_their_cluster_with_Get_View_and_report_only_themselves()
        {
            using var lab = Start();
            var vm = lab.Collected.Vms.First(v => v.HostId != null && lab.Collected.GetHost(v.HostId).ClusterId != null);
            var piped = lab.Vms.Single(v => (string)v.Properties["Name"].Value == vm.Name);
            // Get-View -Id as PowerCLI has it, answering from the same server's objects: the kind of function a Pester Mock provides.
            const string getView = "function Get-View { param([string[]] $Id) foreach ($i in $Id) { $views[$i] } }; ";
            var (output, errors) = CmdletTests.Run(getView + "$vm | Get-VmMigrationExposure -Peer -WarningAction SilentlyContinue", ("views", new System.Collections.Hashtable(lab.Views)), ("vm", piped));
            Assert.Empty(errors);
            var (expected, _) = CmdletTests.Run("Get-VmMigrationExposure -Inventory $inv -Vm $name -Peer -WarningAction SilentlyContinue", ("inv", lab.Collected), ("name", vm.Name));
            Assert.Equal(JsonConvert.SerializeObject(expected, JsonFiles.CreateSettings()), JsonConvert.SerializeObject(output, JsonFiles.CreateSettings()));

            // The drift of one piped host is its own, judged against every host of its cluster (fetched through Get-View).
            var host = lab.Hosts.First(h => h.Properties["Parent"].Value != null);
            var hostId = (string)((PSObject)((PSObject)host.Properties["ExtensionData"].Value).Properties["MoRef"].Value).Properties["Value"].Value;
            var (drift, driftErrors) = CmdletTests.Run(getView + "$h | Get-HostControlDrift -Baseline pci-dss -WarningAction SilentlyContinue", ("views", new System.Collections.Hashtable(lab.Views)), ("h", host));
            Assert.Empty(driftErrors);
            Assert.NotEmpty(drift);
            Assert.All(drift.Cast<HostControlDrift>(), d => Assert.Equal(hostId, d.HostId));
        }

        [Fact]
        public void An_object_of_another_shape_is_an_error_naming_the_member_it_lacks()
        {
            var notVsphere = new PSObject();
            notVsphere.TypeNames.Insert(0, "VMware.VimAutomation.ViCore.Impl.V1.Inventory.VMHostImpl");
            notVsphere.Properties.Add(new PSNoteProperty("Name", "esx-01"));
            var (_, errors) = CmdletTests.Run("$o | Get-HostControlDrift", ("o", notVsphere));
            var error = Assert.Single(errors);
            Assert.Equal("UnknownObjectShape,VirtCompliance.PowerShell.Cmdlets.GetHostControlDriftCommand", error.FullyQualifiedErrorId);
            Assert.Contains("'MoRef'", error.Exception.Message);
            Assert.Contains("esx-01", error.Exception.Message);

            // A view whose Config lacks Firewall: the member is named with its path.
            var view = new PSObject();
            view.TypeNames.Insert(0, "VMware.Vim.HostSystem");
            var moRef = new PSObject();
            moRef.Properties.Add(new PSNoteProperty("Type", "HostSystem"));
            moRef.Properties.Add(new PSNoteProperty("Value", "host-9"));
            view.Properties.Add(new PSNoteProperty("MoRef", moRef));
            view.Properties.Add(new PSNoteProperty("Name", "esx-09"));
            view.Properties.Add(new PSNoteProperty("Parent", null));
            view.Properties.Add(new PSNoteProperty("Runtime", new PSObject()));
            var shape = Assert.Throws<PowerCliShapeException>(() => new PowerCliInventory().Add(view));
            Assert.Equal("Runtime.ConnectionState", shape.Member);

            // A value that refers to itself is not vim25 data: an error, not a stack overflow.
            var loop = new PSObject();
            loop.TypeNames.Insert(0, "VMware.Vim.HostFirewallInfo");
            loop.Properties.Add(new PSNoteProperty("Self", loop));
            view.Properties.Remove("Runtime");
            view.Properties.Add(new PSNoteProperty("Runtime", null));
            view.Properties.Add(new PSNoteProperty("Config", PSObject.AsPSObject(new { Product = (object)null, LockdownMode = "lockdownDisabled", Firewall = loop })));
            Assert.Throws<InvalidOperationException>(() => new PowerCliInventory().Add(view));
        }
    }
}
