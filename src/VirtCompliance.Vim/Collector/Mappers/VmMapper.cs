using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;
using static VirtCompliance.Vim.Collector.InventoryMapping;

namespace VirtCompliance.Vim.Collector.Mappers
{
    /// <summary>VirtualMachine to the model's Vm: placement, state, folder, network adapters (with their distributed port), guest addresses, custom attributes and tags.</summary>
    internal static class VmMapper
    {
        public static readonly PropertySpec[] Specs =
        {
            new PropertySpec("VirtualMachine", "name", "parent", "runtime.host", "runtime.powerState", "config.template",
                "config.instanceUuid", "config.guestFullName", "config.annotation", "config.hardware.device", "datastore", "guest.net", "customValue"),
        };

        public static Vm Map(ObjectContent o, InventoryMapping m, Dictionary<string, string> switchByUuid)
        {
            var guestNics = Items(o["guest.net"]).OfType<VimObject>().ToArray();
            var nics = new List<VmNic>();
            foreach (var device in Items(o["config.hardware.device"]).OfType<VimObject>())
            {
                if (device.Text("macAddress") == null && device.Object("backing")?.Type?.StartsWith("VirtualEthernetCard", StringComparison.Ordinal) != true) continue;
                var key = device.Int("key") ?? 0;
                var backing = device.Object("backing");
                string? networkId = null, dvsId = null, portKey = null;
                if (backing?.Type == "VirtualEthernetCardDistributedVirtualPortBackingInfo")
                {
                    var port = backing.Object("port");
                    networkId = port?.Text("portgroupKey");
                    portKey = port?.Text("portKey");
                    var uuid = port?.Text("switchUuid");
                    if (uuid != null) switchByUuid.TryGetValue(uuid, out dvsId);
                }
                else networkId = backing?.Ref("network")?.Value ?? backing?.Text("opaqueNetworkId");
                var mac = device.Text("macAddress");
                var guest = guestNics.FirstOrDefault(g => g.Int("deviceConfigId") == key)
                    ?? guestNics.FirstOrDefault(g => mac != null && string.Equals(g.Text("macAddress"), mac, StringComparison.OrdinalIgnoreCase));
                string? portConfigVersion = null;
                TrafficFilter? portFilter = null;
                if (m.Ports.TryGetValue((o.Obj.Value, key.ToString(CultureInfo.InvariantCulture)), out var dvPort))
                {
                    portKey = dvPort.key ?? portKey;
                    portConfigVersion = dvPort.configVersion;
                    portFilter = dvPort.filter;
                }
                nics.Add(new VmNic
                {
                    PortConfigVersion = portConfigVersion,
                    PortFilter = portFilter,
                    Key = key,
                    Label = device.Object("deviceInfo")?.Text("label"),
                    MacAddress = mac,
                    NetworkId = networkId,
                    DvsId = dvsId,
                    PortKey = portKey,
                    Connected = device.Object("connectable")?.Bool("connected") ?? true,
                    IpAddresses = guest?.All("ipAddress").Select(Text).OfType<string>().Where(ip => ip.Length > 0).ToArray() ?? Array.Empty<string>(),
                });
            }
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var value in Items(o["customValue"]).OfType<VimObject>())
            {
                var k = value.Int("key");
                if (k != null && m.FieldNames.TryGetValue(k.Value, out var name)) attributes[name] = value.Text("value") ?? "";
            }
            var state = Text(o["runtime.powerState"]);
            return new Vm
            {
                Id = o.Obj.Value,
                Name = Text(o["name"]),
                HostId = (o["runtime.host"] as VimRef)?.Value,
                PowerState = state == "poweredOff" ? PowerState.PoweredOff : state == "suspended" ? PowerState.Suspended : PowerState.PoweredOn,
                Template = Text(o["config.template"]) == "true",
                Folder = m.FolderPath((o["parent"] as VimRef)?.Value),
                GuestOs = Text(o["config.guestFullName"]),
                InstanceUuid = Text(o["config.instanceUuid"]),
                Annotation = string.IsNullOrEmpty(Text(o["config.annotation"])) ? null : Text(o["config.annotation"]),
                Nics = nics,
                DatastoreIds = Items(o["datastore"]).OfType<VimRef>().Select(r => r.Value).ToArray(),
                CustomAttributes = attributes,
                Tags = m.Tags != null && m.Tags.TryGetValue(o.Obj.Value, out var tags) ? tags.ToArray() : Array.Empty<VmTag>(),
            };
        }
    }
}
