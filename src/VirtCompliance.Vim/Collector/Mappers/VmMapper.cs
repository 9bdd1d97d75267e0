using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;
using static VirtCompliance.Vim.Collector.InventoryMapping;

namespace VirtCompliance.Vim.Collector.Mappers
{
    /// <summary>
    /// VirtualMachine to the model's Vm: placement, state, folder, network adapters (with their
    /// distributed port), guest addresses, custom attributes and tags, and the settings VM controls
    /// read (advanced settings among the keys asked for, hardware version, firmware and secure boot,
    /// the logging flag, vMotion and FT encryption, the devices the controls name).
    /// </summary>
    internal static class VmMapper
    {
        public static readonly PropertySpec[] Specs =
        {
            new PropertySpec("VirtualMachine", "name", "parent", "runtime.host", "runtime.powerState", "config.template",
                "config.instanceUuid", "config.guestFullName", "config.annotation", "config.hardware.device", "datastore", "guest.net", "customValue",
                "config.extraConfig", "config.version", "config.firmware", "config.bootOptions", "config.flags", "config.migrateEncryption", FtEncryptionPath),
        };

        /// <summary>Asked for only from vSphere 7.0 Update 2 (API 7.0.2.0) on (InventoryMapping.MinimumVersion): an older server refuses a path it does not know.</summary>
        public const string FtEncryptionPath = "config.ftEncryptionMode";

        /// <summary>
        /// The devices, besides network adapters, that VM controls read (removable media, ports,
        /// USB, sound, AHCI, passthrough, disks); the collector parses these and skips the rest.
        /// </summary>
        public static readonly HashSet<string> ControlDeviceTypes = new HashSet<string>(StringComparer.Ordinal)
        {
            "VirtualFloppy", "VirtualCdrom", "VirtualSerialPort", "VirtualParallelPort", "VirtualUSBController", "VirtualUSBXHCIController",
            "VirtualUSB", "VirtualHdAudioCard", "VirtualEnsoniq1371", "VirtualSoundBlaster16", "VirtualAHCIController", "VirtualPCIPassthrough", "VirtualDisk",
        };

        public static readonly HashSet<string> SettingsPaths = new HashSet<string>(StringComparer.Ordinal)
            { "config.extraConfig", "config.version", "config.firmware", "config.bootOptions", "config.flags", "config.migrateEncryption" };

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
            var (settings, notReported) = m.ReadVmSettings ? ReadSettings(o, m) : (null, null);
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
                Settings = settings,
                NotReported = notReported,
            };
        }

        private static (VmSettings?, Dictionary<string, string>?) ReadSettings(ObjectContent o, InventoryMapping m)
        {
            var missing = SettingsPaths.Append("config.hardware.device").Where(o.Missing.ContainsKey).OrderBy(p => p, StringComparer.Ordinal).ToArray();
            if (missing.Length > 0)
                return (null, new Dictionary<string, string>
                {
                    [DataArea.VmSettings] = "the server did not report " + string.Join(", ", missing.Select(p => $"{p} ({o.Missing[p]})")),
                });
            var version = Text(o["config.version"]);
            // A VM always has a hardware version; none at all means its configuration is not available (a VM being created, an inaccessible one).
            if (version == null)
                return (null, new Dictionary<string, string> { [DataArea.VmSettings] = $"the server reported no configuration for VM {Text(o["name"])}" });

            var extra = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var option in Items(o["config.extraConfig"]).OfType<VimObject>())
            {
                var key = option.Text("key");
                if (key != null && m.VmExtraConfigKeys.Covers(key)) extra[key] = option.Text("value") ?? "";
            }
            var firmware = Text(o["config.firmware"]);
            var devices = new List<VmDevice>();
            foreach (var device in Items(o["config.hardware.device"]).OfType<VimObject>())
            {
                if (device.Type == null || !ControlDeviceTypes.Contains(device.Type)) continue;
                var connectable = device.Object("connectable");
                devices.Add(new VmDevice
                {
                    Type = device.Type,
                    Label = device.Object("deviceInfo")?.Text("label"),
                    Connected = connectable?.Bool("connected"),
                    StartConnected = connectable?.Bool("startConnected"),
                    DiskMode = device.Type == "VirtualDisk" ? device.Object("backing")?.Text("diskMode") : null,
                });
            }
            var settings = new VmSettings
            {
                ExtraConfig = extra,
                HardwareVersion = version,
                Firmware = firmware,
                // Secure boot needs EFI firmware: a BIOS VM that reports no value does not have it.
                EfiSecureBootEnabled = (o["config.bootOptions"] as VimObject)?.Bool("efiSecureBootEnabled") ?? (firmware == "bios" ? false : (bool?)null),
                LoggingEnabled = (o["config.flags"] as VimObject)?.Bool("enableLogging"),
                MigrateEncryption = Text(o["config.migrateEncryption"]),
                FtEncryptionMode = Text(o[FtEncryptionPath]),
                Devices = devices,
            };
            return (settings, null);
        }
    }
}
