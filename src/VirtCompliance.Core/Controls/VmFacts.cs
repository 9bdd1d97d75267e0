using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Common;
using VirtCompliance.Model;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// The facts read from a VM (vm.*): its advanced settings, hardware version, boot options,
    /// flags, encryption modes and devices. A VM whose settings the inventory does not have, or an
    /// advanced setting the collection did not read, gives NotReported: an absent key proves nothing
    /// unless the key was asked for.
    /// </summary>
    internal static class VmFacts
    {
        public const string Hint = "a VM fact is vm.extraConfig:KEY, vm.extraConfigKeys:PATTERN, vm.hardwareVersion, vm.firmware, vm.efiSecureBootEnabled, "
            + "vm.loggingEnabled, vm.migrateEncryption, vm.ftEncryptionMode, vm.devices:TYPE, vm.connectedDevices:TYPE or vm.disks:MODE";

        /// <summary>The reader for a vm.* fact, or null when the name is not one.</summary>
        public static FactReader? Compile(string fact, string? defaultValue)
        {
            switch (fact)
            {
                case "vm.hardwareVersion": return Setting("the virtual hardware version", s => s.HardwareVersion == null ? null : HardwareNumber(s.HardwareVersion));
                case "vm.firmware": return Setting("the firmware", s => Text(s.Firmware));
                case "vm.efiSecureBootEnabled": return Setting("the secure boot option", s => Bool(s.EfiSecureBootEnabled));
                case "vm.loggingEnabled": return Setting("the logging flag", s => Bool(s.LoggingEnabled));
                case "vm.migrateEncryption": return Setting("the vMotion encryption mode", s => Text(s.MigrateEncryption));
                case "vm.ftEncryptionMode":
                    return Setting("the Fault Tolerance encryption mode (vSphere 7.0 Update 2 and later report it)", s => Text(s.FtEncryptionMode));
            }
            var colon = fact.IndexOf(':');
            if (colon < 0 || colon == fact.Length - 1) return null;
            var kind = fact.Substring(0, colon);
            var argument = fact.Substring(colon + 1);
            switch (kind)
            {
                case "vm.extraConfig": return ExtraConfig(argument, defaultValue);
                case "vm.extraConfigKeys": return ExtraConfigKeys(argument);
                case "vm.devices": return Devices(argument, connectedOnly: false);
                case "vm.connectedDevices": return Devices(argument, connectedOnly: true);
                case "vm.disks":
                    var modes = List(argument);
                    return Setting("the devices", s => s.Devices == null ? null
                        : FactValue.OfList(s.Devices.Where(x => x.Type == "VirtualDisk" && x.DiskMode != null && modes.Contains(x.DiskMode)).Select(Label)));
            }
            return null;
        }

        /// <summary>The advanced setting keys and patterns the catalog's VM controls read: what a collector must ask for.</summary>
        public static IReadOnlyList<string> ExtraConfigKeys(IEnumerable<ControlDefinition> controls) =>
            controls.Select(c => c.Fact)
                .Select(f => f.StartsWith("vm.extraConfig:", StringComparison.Ordinal) ? f.Substring("vm.extraConfig:".Length)
                    : f.StartsWith("vm.extraConfigKeys:", StringComparison.Ordinal) ? f.Substring("vm.extraConfigKeys:".Length) : null)
                .OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(k => k, StringComparer.Ordinal).ToArray();

        private static FactReader ExtraConfig(string key, string? defaultValue) => (t, inventory) =>
        {
            var vm = t.Vm!;
            if (!inventory.ReadVmExtraConfig(key))
                return FactValue.NotReported($"the collection did not read advanced setting {key} of VMs");
            var settings = Reported(vm, "the advanced settings", s => s.ExtraConfig, out var why);
            if (settings == null) return FactValue.NotReported(why);
            if (settings.TryGetValue(key, out var value)) return FactValue.Of(Facts.NormaliseScalar(value));
            // Not present: the VM runs with the platform's value, which the guide names.
            return defaultValue != null ? FactValue.Of(defaultValue, isDefault: true) : FactValue.Absent;
        };

        private static FactReader ExtraConfigKeys(string pattern)
        {
            if (!NameFilter.HasWildcards(pattern)) throw new ArgumentException($"vm.extraConfigKeys:{pattern} needs a wildcard pattern; use vm.extraConfig:{pattern} for one key.");
            var match = NameFilter.Create(new[] { pattern })!;
            return (t, inventory) =>
            {
                if (!inventory.ReadVmExtraConfig(pattern))
                    return FactValue.NotReported($"the collection did not read the advanced settings {pattern} of VMs");
                var settings = Reported(t.Vm!, "the advanced settings", s => s.ExtraConfig, out var why);
                return settings == null ? FactValue.NotReported(why) : FactValue.OfList(settings.Keys.Where(k => match(k)));
            };
        }

        private static FactReader Devices(string types, bool connectedOnly)
        {
            var wanted = List(types);
            return Setting("the devices", s => s.Devices == null ? null : FactValue.OfList(s.Devices
                .Where(x => wanted.Contains(x.Type) && (!connectedOnly || x.Connected == true))
                .Select(Label)));
        }

        private static HashSet<string> List(string text) =>
            new HashSet<string>(text.Split(',').Select(p => p.Trim()).Where(p => p.Length > 0), StringComparer.Ordinal);

        private static string Label(VmDevice d) => d.Label ?? d.Type;

        private static FactValue HardwareNumber(string version) =>
            version.StartsWith("vmx-", StringComparison.Ordinal) && long.TryParse(version.Substring(4), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? FactValue.Of(n) : FactValue.Of(version);

        private static FactValue? Text(string? value) => value == null ? null : FactValue.Of(value);
        private static FactValue? Bool(bool? value) => value is bool b ? FactValue.Of(b) : null;

        /// <summary>A setting read from the VM's settings; null from <paramref name="read"/> means the server did not report it.</summary>
        private static FactReader Setting(string what, Func<VmSettings, FactValue?> read) => (t, _) =>
        {
            var vm = t.Vm!;
            var settings = Reported(vm, what, s => s, out var why);
            return settings == null ? FactValue.NotReported(why) : read(settings) ?? FactValue.NotReported($"the server did not report {what} of VM {vm.Name}");
        };

        private static T? Reported<T>(Vm vm, string what, Func<VmSettings, T?> pick, out string why) where T : class
        {
            why = DataArea.Reason(vm.NotReported, DataArea.VmSettings) ?? "";
            if (why.Length > 0) return null;
            if (vm.Settings == null) { why = NoSettings(vm); return null; }
            var value = pick(vm.Settings);
            if (value == null) why = $"the server did not report {what} of VM {vm.Name}";
            return value;
        }

        private static string NoSettings(Vm vm) => $"the inventory has no settings for VM {vm.Name} (a snapshot from before VM controls, or a source that does not read them)";
    }
}
