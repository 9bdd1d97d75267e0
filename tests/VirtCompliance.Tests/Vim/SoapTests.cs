using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using VirtCompliance.Model;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Soap;
using Xunit;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>The SOAP layer against responses recorded from the simulator, and request bodies against the vim25 schema.</summary>
    public class SoapTests
    {
        private static Stream Wire(string name) => File.OpenRead(Path.Combine(Lab.FixturesFolder, "vim25-wire", name));

        private static List<ObjectContent> Objects(string name)
        {
            var list = new List<ObjectContent>();
            using (var s = Wire(name)) SoapReader.ReadObjects(s, "RetrievePropertiesEx", list.Add);
            return list;
        }

        [Fact]
        public void Property_values_are_typed_by_namespace_uri_whatever_the_prefix()
        {
            var objects = Objects("04-RetrievePropertiesEx-containerview.response.xml");
            var vm = objects.First(o => o.Obj.RefType == "VirtualMachine");
            Assert.Equal("vm-57", vm.Obj.Value);
            Assert.Equal("string", vm["name"].Type);
            Assert.Equal("DC0_H0_VM0", ((VimText)vm["name"]).Text);
            var host = Assert.IsType<VimRef>(vm["runtime.host"]);
            Assert.Equal(("HostSystem", "host-21"), (host.RefType, host.Value));
            var network = Assert.IsType<VimObject>(vm["network"]);
            Assert.Equal("ArrayOfManagedObjectReference", network.Type);
            Assert.Equal("dvportgroup-13", ((VimRef)InventoryMapping.Items(network).Single()).Value);
        }

        [Fact]
        public void A_host_firewall_reads_as_nested_objects_with_repeated_fields()
        {
            var host = Objects("05-RetrievePropertiesEx-host-config.firewall.response.xml").Single();
            var firewall = Assert.IsType<VimObject>(host["config.firewall"]);
            Assert.Equal("HostFirewallInfo", firewall.Type);
            Assert.Equal("true", firewall.Object("defaultPolicy").Text("incomingBlocked"));
            Assert.True(firewall.Objects("ruleset").Count() > 10);
            Assert.Contains(firewall.Objects("ruleset"), r => r.Text("key") == "sshServer");
        }

        [Fact]
        public void Missing_properties_keep_their_fault_type()
        {
            var vm = Objects("09-fault-NotAuthenticated.response.xml").Single();
            Assert.Empty(vm.Properties);
            Assert.Equal("NotAuthenticated", vm.Missing["config.hardware.device"]);
        }

        [Theory]
        [InlineData("10-fault-InvalidLogin.response.xml", typeof(InvalidLoginException), "Login failure")]
        [InlineData("08-fault-ManagedObjectNotFound.response.xml", typeof(ManagedObjectNotFoundException), "HostSystem 'host-99999'")]
        [InlineData("07-fault-MethodNotFound.response.xml", typeof(MethodNotFoundException), "ContinueRetrievePropertiesEx")]
        public void Faults_become_typed_exceptions_that_say_what_happened(string file, Type expected, string text)
        {
            using (var s = Wire(file))
            {
                var ex = Assert.ThrowsAny<VimFaultException>(() => SoapReader.ReadReturn(s, "ContinueRetrievePropertiesEx"));
                Assert.IsType(expected, ex);
                Assert.Contains(text, ex.Message);
            }
        }

        [Theory]
        [InlineData("ConcurrentAccess", typeof(ConcurrentAccessException))]
        [InlineData("NotAuthenticated", typeof(NotAuthenticatedException))]
        [InlineData("InvalidArgument", typeof(VimFaultException))]
        public void Each_fault_type_the_client_handles_has_its_own_exception(string faultType, Type expected)
        {
            var fault = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body><soapenv:Fault>" +
                $"<faultcode>ServerFaultCode</faultcode><faultstring>it failed</faultstring><detail><{faultType}Fault xmlns=\"urn:vim25\" xsi:type=\"{faultType}\"/></detail>" +
                "</soapenv:Fault></soapenv:Body></soapenv:Envelope>";
            var ex = Assert.ThrowsAny<VimFaultException>(() => SoapReader.ReadReturn(new MemoryStream(Encoding.UTF8.GetBytes(fault)), "ReconfigureDVPort_Task"));
            Assert.Equal(expected, ex.GetType());
            Assert.Equal(faultType, ex.FaultType);
            Assert.Contains("it failed", ex.Message);
        }

        [Fact]
        public void A_response_with_a_dtd_is_refused()
        {
            var evil = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" +
                       "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><x>&e;</x></soapenv:Body></soapenv:Envelope>";
            Assert.Throws<System.Xml.XmlException>(() => SoapReader.ReadReturn(new MemoryStream(Encoding.UTF8.GetBytes(evil)), "Login"));
        }

        [Fact]
        public void A_traffic_filter_maps_its_rules_qualifiers_and_actions()
        {
            var pg = Objects("12-RetrievePropertiesEx-dvportgroup-config-filterPolicy.response.xml").Single();
            var policy = ((VimObject)pg["config"]).Object("defaultPortConfig").Object("filterPolicy");
            var filter = VirtCompliance.Vim.Collector.Mappers.NetworkMapper.FilterOf(policy);
            Assert.True(filter.Enabled);
            Assert.Equal(2, filter.Rules.Count);
            var ssh = filter.Rules[0];
            Assert.Equal((10, TrafficAction.Drop, TrafficDirection.IncomingPackets, (int?)6, "22"), (ssh.Sequence, ssh.Action, ssh.Direction, ssh.Protocol, ssh.DestinationPorts));
            Assert.Equal(new[] { "10.0.0.0/8" }, ssh.SourceAddresses);
            Assert.Equal((TrafficAction.Allow, TrafficDirection.Both, (int?)null), (filter.Rules[1].Action, filter.Rules[1].Direction, filter.Rules[1].Protocol));
        }

        [Fact]
        public void Cluster_groups_rules_and_overrides_map_onto_the_model()
        {
            var objects = Objects("14-RetrievePropertiesEx-cluster-configurationEx.response.xml");
            var cluster = objects.Single(o => o.Obj.RefType == "ClusterComputeResource");
            cluster.Properties["name"] = new VimText("C0");
            var inv = InventoryCollector.BuildFrom(new[] { cluster }, new Dictionary<int, string>(), new Uri("https://vc.test/sdk"), "test");
            var c = inv.Clusters.Single();
            Assert.NotEmpty(c.Rules);
            Assert.NotEmpty(c.VmGroups.Concat(c.HostGroups));
            var vmHost = c.Rules.FirstOrDefault(r => r.Kind == ClusterRuleKind.VmHost);
            if (vmHost != null) Assert.NotNull(vmHost.VmGroup);
        }

        [Fact]
        public void Request_bodies_match_the_vim25_schema()
        {
            var pc = new VimRef("PropertyCollector", "propertyCollector");
            var bodies = new List<byte[]>();
            using (var w = new SoapWriter("RetrieveServiceContent", new VimRef("ServiceInstance", "ServiceInstance"))) bodies.Add(w.ToArray());
            using (var w = new SoapWriter("Login", new VimRef("SessionManager", "SessionManager"))) bodies.Add(w.Text("userName", "u").Text("password", "p").ToArray());
            using (var w = new SoapWriter("ContinueRetrievePropertiesEx", pc)) bodies.Add(w.Text("token", "1").ToArray());
            foreach (var body in bodies) Assert.Empty(VimSchema.Validate(body));
        }

        [Fact]
        public void The_schema_check_catches_an_element_out_of_order()
        {
            using (var w = new SoapWriter("Login", new VimRef("SessionManager", "SessionManager")))
                Assert.NotEmpty(VimSchema.Validate(w.Text("password", "p").Text("userName", "u").ToArray()));
        }

        [Theory]
        [InlineData("vc01", "https://vc01/sdk")]
        [InlineData("vc01:8443", "https://vc01:8443/sdk")]
        [InlineData("https://vc01/sdk", "https://vc01/sdk")]
        [InlineData("http://127.0.0.1:8989/sdk", "http://127.0.0.1:8989/sdk")]
        public void Server_names_become_sdk_urls(string server, string url) => Assert.Equal(new Uri(url), VimClient.SdkUrl(server));

        [Theory]
        [InlineData("ftp://vc01")]
        [InlineData(" ")]
        public void Other_server_texts_are_refused(string server) => Assert.Throws<ArgumentException>(() => VimClient.SdkUrl(server));
    }
}
