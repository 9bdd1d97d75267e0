using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Common;

// The hypervisor-neutral inventory model. Every object is immutable after construction and is
// identified by its vSphere managed-object reference value (e.g. "host-21"). Collections default
// to empty, never null, so analyzers need no null checks. Ids and keys default to "" (the snapshot
// format requires them and an inventory refuses an object without an id); the other text members
// without a default of their own are null when the source did not give them. Enum names follow
// vSphere's own enum values (serialised camelCase: "lockdownNormal", "fullyAutomated", ...).
namespace VirtCompliance.Model
{
    public enum ConnectionState { Connected, Disconnected, NotResponding }

    public enum PowerState { PoweredOn, PoweredOff, Suspended }

    public enum LockdownMode { LockdownDisabled, LockdownNormal, LockdownStrict }

    public enum DrsAutomationLevel { Manual, PartiallyAutomated, FullyAutomated }

    public enum ServicePolicy { On, Off, Automatic }

    public enum NetworkKind { StandardPortgroup, DistributedPortgroup, OpaqueNetwork }

    public enum ClusterRuleKind { VmHost, VmAffinity, VmAntiAffinity }

    /// <summary>
    /// A traffic rule's direction, in vSphere's words (DvsNetworkRuleDirectionType). vSphere names it
    /// from the distributed switch's side of the port, not the VM's: see <see cref="PortDirection"/>.
    /// </summary>
    public enum TrafficDirection { Both, IncomingPackets, OutgoingPackets }

    /// <summary>A traffic rule's action, by the name of its vSphere action type (DvsAcceptNetworkRuleAction is Allow).</summary>
    public enum TrafficAction { Allow, Drop, Punt, Copy, MacRewrite, GreEncap, Log, UpdateTag, RateLimit }

    /// <summary>Layer-2 security policy. A null field on a portgroup means "inherit from the switch".</summary>
    public sealed record SecurityPolicy
    {
        public bool? AllowPromiscuous { get; init; }
        public bool? MacChanges { get; init; }
        public bool? ForgedTransmits { get; init; }

        /// <summary>The policy in force: this policy's explicit values, the switch's for the rest.</summary>
        public SecurityPolicy InheritFrom(SecurityPolicy? parent) => parent == null ? this : new SecurityPolicy
        {
            AllowPromiscuous = AllowPromiscuous ?? parent.AllowPromiscuous,
            MacChanges = MacChanges ?? parent.MacChanges,
            ForgedTransmits = ForgedTransmits ?? parent.ForgedTransmits,
        };

        // ESXi's documented defaults for a new standard vSwitch: promiscuous rejected, MAC address
        // changes and forged transmits accepted. Distributed portgroups default to reject all three.
        public static SecurityPolicy StandardSwitchDefaults { get; } = new SecurityPolicy { AllowPromiscuous = false, MacChanges = true, ForgedTransmits = true };
        public static SecurityPolicy DistributedDefaults { get; } = new SecurityPolicy { AllowPromiscuous = false, MacChanges = false, ForgedTransmits = false };

        /// <summary>The policy in force on a standard portgroup: its overrides, then its vSwitch's, then ESXi's defaults.</summary>
        public static SecurityPolicy Effective(Host host, HostPortgroup portgroup)
        {
            StandardSwitch? vSwitch = null;
            foreach (var s in host.StandardSwitches)
                if (s.Name == portgroup.VSwitch) { vSwitch = s; break; }
            var parent = vSwitch == null ? StandardSwitchDefaults : vSwitch.Security.InheritFrom(StandardSwitchDefaults);
            return portgroup.Security.InheritFrom(parent);
        }

        /// <summary>The policy in force on a distributed portgroup: its own values, then the vSphere defaults.</summary>
        public static SecurityPolicy Effective(Network network) => network.Security.InheritFrom(DistributedDefaults);

        /// <summary>The fields that are accepted (true), by their vSphere names; empty when all three are rejected.</summary>
        public IReadOnlyList<string> Accepted()
        {
            var list = new List<string>(3);
            if (AllowPromiscuous == true) list.Add("allowPromiscuous");
            if (MacChanges == true) list.Add("macChanges");
            if (ForgedTransmits == true) list.Add("forgedTransmits");
            return list;
        }
    }

    public sealed record Datacenter
    {
        public string Id { get; init; } = "";
        public string? Name { get; init; }
    }

    public sealed record ClusterGroup
    {
        public string? Name { get; init; }
        /// <summary>VM ids for a VM group, host ids for a host group.</summary>
        public IReadOnlyList<string> Members { get; init; } = Array.Empty<string>();
    }

    /// <summary>A DRS rule. VmHost rules name groups; affinity and anti-affinity rules list VMs.</summary>
    public sealed record ClusterRule
    {
        /// <summary>The rule's key in vCenter, needed to edit it; null when unknown.</summary>
        public int? RuleKey { get; init; }
        public string? Name { get; init; }
        public ClusterRuleKind Kind { get; init; }
        public bool Enabled { get; init; } = true;
        /// <summary>"Must" rules: DRS and HA both honour them. "Should" rules HA may break.</summary>
        public bool Mandatory { get; init; }
        public string? VmGroup { get; init; }
        public string? AffineHostGroup { get; init; }
        public string? AntiAffineHostGroup { get; init; }
        public IReadOnlyList<string> VmIds { get; init; } = Array.Empty<string>();
    }

    /// <summary>A per-VM DRS override (cluster VM overrides).</summary>
    public sealed record DrsVmOverride
    {
        public string? VmId { get; init; }
        public bool Enabled { get; init; } = true;
        public DrsAutomationLevel? Behavior { get; init; }
    }

    public sealed record Cluster
    {
        public string Id { get; init; } = "";
        public string? Name { get; init; }
        public string? DatacenterId { get; init; }
        public bool DrsEnabled { get; init; }
        public DrsAutomationLevel DrsAutomationLevel { get; init; } = DrsAutomationLevel.FullyAutomated;
        public bool HaEnabled { get; init; }
        public IReadOnlyList<ClusterGroup> VmGroups { get; init; } = Array.Empty<ClusterGroup>();
        public IReadOnlyList<ClusterGroup> HostGroups { get; init; } = Array.Empty<ClusterGroup>();
        public IReadOnlyList<ClusterRule> Rules { get; init; } = Array.Empty<ClusterRule>();
        public IReadOnlyList<DrsVmOverride> DrsVmOverrides { get; init; } = Array.Empty<DrsVmOverride>();
        /// <summary>The cluster's EVC mode key ("" when EVC is off); null when it was not read.</summary>
        public string? EvcMode { get; init; }
    }

    public sealed record FirewallRuleset
    {
        public string Key { get; init; } = "";
        public string? Label { get; init; }
        public bool Enabled { get; init; }
        /// <summary>True when the ruleset accepts connections from any address.</summary>
        public bool AllowedAllIp { get; init; } = true;
        public IReadOnlyList<string> AllowedIps { get; init; } = Array.Empty<string>();
        /// <summary>CIDR notation, e.g. "10.0.0.0/24".</summary>
        public IReadOnlyList<string> AllowedNetworks { get; init; } = Array.Empty<string>();
        /// <summary>
        /// vim25 ipListUserConfigurable: whether a user may set this ruleset's allowed addresses
        /// (ESXi 8.0 U2 and later own some rulesets themselves, and their list cannot be restricted).
        /// Null when the source did not say (an older server or snapshot).
        /// </summary>
        public bool? IpListUserConfigurable { get; init; }
    }

    public sealed record HostFirewall
    {
        public bool IncomingBlocked { get; init; } = true;
        public bool OutgoingBlocked { get; init; } = true;
        public IReadOnlyList<FirewallRuleset> Rulesets { get; init; } = Array.Empty<FirewallRuleset>();
    }

    public sealed record HostService
    {
        /// <summary>vSphere service key, e.g. "TSM-SSH", "ntpd".</summary>
        public string Key { get; init; } = "";
        public string? Label { get; init; }
        public bool Running { get; init; }
        public ServicePolicy Policy { get; init; } = ServicePolicy.Off;
    }

    /// <summary>An installed software package (VIB).</summary>
    public sealed record HostPackage
    {
        public string? Name { get; init; }
        public string? Version { get; init; }
        public string? Vendor { get; init; }
        public string? AcceptanceLevel { get; init; }
    }

    public sealed record StandardSwitch
    {
        public string? Name { get; init; }
        public int Mtu { get; init; } = 1500;
        public IReadOnlyList<string> Uplinks { get; init; } = Array.Empty<string>();
        public SecurityPolicy Security { get; init; } = new SecurityPolicy();
    }

    /// <summary>A standard-switch portgroup as configured on one host.</summary>
    public sealed record HostPortgroup
    {
        public string? Name { get; init; }
        public string? VSwitch { get; init; }
        /// <summary>0 = untagged, 1-4094 = VLAN, 4095 = virtual guest tagging (all VLANs).</summary>
        public int VlanId { get; init; }
        /// <summary>Overrides of the switch policy; null fields inherit.</summary>
        public SecurityPolicy Security { get; init; } = new SecurityPolicy();
    }

    /// <summary>A VMkernel network adapter and the services (vim25 VirtualNicManager nic types) enabled on it.</summary>
    public sealed record VmkernelNic
    {
        /// <summary>vmk0, vmk1, ...</summary>
        public string Device { get; init; } = "";
        /// <summary>The standard portgroup it is on; null on a distributed port.</summary>
        public string? Portgroup { get; init; }
        /// <summary>management, vmotion, vsan, faultToleranceLogging, vSphereProvisioning, vSphereReplication, vSphereReplicationNFC, vSphereBackupNFC, ...</summary>
        public IReadOnlyList<string> Services { get; init; } = Array.Empty<string>();
    }

    /// <summary>A software or hardware iSCSI adapter and its CHAP settings (vim25 HostInternetScsiHbaAuthenticationProperties).</summary>
    public sealed record IscsiAdapter
    {
        /// <summary>vmhba64, ...</summary>
        public string Device { get; init; } = "";
        /// <summary>The initiator's CHAP: chapProhibited, chapDiscouraged, chapPreferred, chapRequired; null when not reported.</summary>
        public string? ChapType { get; init; }
        /// <summary>The target's (mutual) CHAP, the same values; null when not reported.</summary>
        public string? MutualChapType { get; init; }
    }

    /// <summary>
    /// The parts of an object's configuration a collector reads as a whole; an area the server did
    /// not report (NoPermission, an older server, a source that has no such data) is named in the
    /// object's NotReported with the reason, and controls that read it are not evaluated.
    /// </summary>
    public static class DataArea
    {
        public const string Firewall = "firewall";
        public const string Services = "services";
        public const string Options = "options";
        public const string Network = "network";
        public const string Time = "time";
        public const string Lockdown = "lockdown";
        public const string Product = "product";
        /// <summary>Installed packages (VIBs) and the image acceptance level.</summary>
        public const string Software = "software";
        /// <summary>A distributed portgroup's security policy.</summary>
        public const string Security = "security";
        /// <summary>vCenter's advanced settings.</summary>
        public const string VCenterSettings = "vcenterSettings";
        /// <summary>A VM's settings read by VM controls (advanced settings, flags, boot options, devices).</summary>
        public const string VmSettings = "vmSettings";
        /// <summary>The users exempt from lockdown mode (HostAccessManager.QueryLockdownExceptions).</summary>
        public const string LockdownExceptions = "lockdownExceptions";
        /// <summary>The VMkernel adapters and their services (config.virtualNicManagerInfo).</summary>
        public const string VmkernelNics = "vmkernelNics";
        /// <summary>The host's storage adapters (config.storageDevice.hostBusAdapter), for the iSCSI ones.</summary>
        public const string StorageAdapters = "storageAdapters";
        /// <summary>UEFI Secure Boot state (capability.uefiSecureBoot).</summary>
        public const string SecureBoot = "secureBoot";
        /// <summary>The answers of the ESXCLI commands controls read (through the host's ReflectManagedMethodExecuter).</summary>
        public const string EsxCli = "esxcli";

        /// <summary>The area of one ESXCLI command's answer (with its arguments), when that command alone was not answered.</summary>
        public static string EsxCliCommand(string commandKey) => EsxCli + ":" + commandKey;

        /// <summary>The reason an area was not reported, or null when it was.</summary>
        public static string? Reason(IReadOnlyDictionary<string, string>? notReported, string area) =>
            notReported != null && notReported.TryGetValue(area, out var reason) ? reason : null;
    }

    public sealed record Host
    {
        public string Id { get; init; } = "";
        public string? Name { get; init; }
        public string? DatacenterId { get; init; }
        /// <summary>Null for a standalone host.</summary>
        public string? ClusterId { get; init; }
        public string? Version { get; init; }
        public string? Build { get; init; }
        public ConnectionState ConnectionState { get; init; } = ConnectionState.Connected;
        public bool InMaintenanceMode { get; init; }
        public LockdownMode LockdownMode { get; init; } = LockdownMode.LockdownDisabled;
        /// <summary>Host image acceptance level: vmware_certified, vmware_accepted, partner, community.</summary>
        public string? AcceptanceLevel { get; init; }
        public HostFirewall Firewall { get; init; } = new HostFirewall();
        public IReadOnlyList<HostService> Services { get; init; } = Array.Empty<HostService>();
        public IReadOnlyDictionary<string, string> AdvancedOptions { get; init; } = EmptyOptions;
        public IReadOnlyList<string> NtpServers { get; init; } = Array.Empty<string>();
        /// <summary>Users exempt from lockdown mode; null when they were not read (an older snapshot or collector).</summary>
        public IReadOnlyList<string>? LockdownExceptionUsers { get; init; }
        /// <summary>Whether the host booted with UEFI Secure Boot (vim25 capability.uefiSecureBoot); null when not reported.</summary>
        public bool? UefiSecureBoot { get; init; }
        /// <summary>The VMkernel adapters with their enabled services; null when they were not read.</summary>
        public IReadOnlyList<VmkernelNic>? VmkernelNics { get; init; }
        /// <summary>The iSCSI adapters with their CHAP settings (empty: none); null when the storage adapters were not read.</summary>
        public IReadOnlyList<IscsiAdapter>? IscsiAdapters { get; init; }
        /// <summary>
        /// The answers of the ESXCLI commands controls read, by command with its arguments
        /// (system.ssh.server.config.list, system.tls.server.get(showcurrentbootprofile=true)): each a list of rows of
        /// field and value, as ESXCLI prints them. Null when ESXCLI was not read from this host.
        /// </summary>
        public IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyDictionary<string, string>>>? EsxCli { get; init; }
        public IReadOnlyList<HostPackage> Packages { get; init; } = Array.Empty<HostPackage>();
        public IReadOnlyList<StandardSwitch> StandardSwitches { get; init; } = Array.Empty<StandardSwitch>();
        public IReadOnlyList<HostPortgroup> Portgroups { get; init; } = Array.Empty<HostPortgroup>();
        public IReadOnlyList<string> DvsIds { get; init; } = Array.Empty<string>();
        public IReadOnlyList<string> DatastoreIds { get; init; } = Array.Empty<string>();
        /// <summary>Networks (standard and distributed portgroups) this host is attached to.</summary>
        public IReadOnlyList<string> NetworkIds { get; init; } = Array.Empty<string>();
        /// <summary><see cref="DataArea"/> names the server did not report for this host, with the reason; null when it reported all.</summary>
        public IReadOnlyDictionary<string, string>? NotReported { get; init; }

        /// <summary>This host with one more area not reported (what a collector without that data would have read).</summary>
        public Host WithNotReported(string area, string reason)
        {
            var map = NotReported?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal);
            map[area] = reason;
            return this with { NotReported = map };
        }

        // Read-only, so that a shared empty default can never be filled in by one object for all.
        internal static readonly IReadOnlyDictionary<string, string> EmptyOptions =
            new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>());
    }

    public sealed record VlanRange
    {
        public int Start { get; init; }
        public int End { get; init; }
    }

    /// <summary>One rule of a distributed port or portgroup traffic filter.</summary>
    public sealed record TrafficRule
    {
        public int Sequence { get; init; }
        public string? Description { get; init; }
        /// <summary>incomingPackets (into the switch: sent by the VM), outgoingPackets (delivered to the VM) or both.</summary>
        public TrafficDirection Direction { get; init; } = TrafficDirection.Both;
        public TrafficAction Action { get; init; } = TrafficAction.Allow;
        /// <summary>IANA protocol number; null = any.</summary>
        public int? Protocol { get; init; }
        /// <summary>Addresses or CIDRs; empty = any.</summary>
        public IReadOnlyList<string> SourceAddresses { get => _sourceAddresses; init => _sourceAddresses = TextList.Of(value); }
        private readonly IReadOnlyList<string> _sourceAddresses = TextList<string>.Empty;
        public IReadOnlyList<string> DestinationAddresses { get => _destinationAddresses; init => _destinationAddresses = TextList.Of(value); }
        private readonly IReadOnlyList<string> _destinationAddresses = TextList<string>.Empty;
        /// <summary>Port or range ("443", "1024-65535"); null = any.</summary>
        public string? SourcePorts { get; init; }
        public string? DestinationPorts { get; init; }
        public bool Log { get; init; }
    }

    public sealed record TrafficFilter
    {
        public bool Enabled { get; init; } = true;
        /// <summary>failOpen or failClosed: what the host does when it cannot enforce the filter.</summary>
        public string OnFailure { get; init; } = "failOpen";
        public IReadOnlyList<TrafficRule> Rules { get => _rules; init => _rules = TextList.Of(value); }
        private readonly IReadOnlyList<TrafficRule> _rules = TextList<TrafficRule>.Empty;
    }

    public sealed record Network
    {
        public string Id { get; init; } = "";
        public string? Name { get; init; }
        public NetworkKind Kind { get; init; }
        public string? DatacenterId { get; init; }
        /// <summary>Distributed portgroups: the switch.</summary>
        public string? DvsId { get; init; }
        /// <summary>Distributed portgroups: VLAN id (0 = none). Standard portgroups carry theirs per host.</summary>
        public int? VlanId { get; init; }
        /// <summary>Distributed portgroups in trunk mode.</summary>
        public IReadOnlyList<VlanRange> VlanTrunkRanges { get; init; } = Array.Empty<VlanRange>();
        public int? PvlanId { get; init; }
        public SecurityPolicy Security { get; init; } = new SecurityPolicy();
        public TrafficFilter? TrafficFilter { get; init; }
        /// <summary>True for a distributed switch's uplink portgroup.</summary>
        public bool IsUplink { get; init; }
        /// <summary>Distributed portgroups: the policy settings portgroup controls read; null when the inventory has none.</summary>
        public PortgroupPolicy? Policy { get; init; }
        /// <summary><see cref="DataArea"/> names the server did not report for this portgroup, with the reason; null when it reported all.</summary>
        public IReadOnlyDictionary<string, string>? NotReported { get; init; }
    }

    /// <summary>A distributed switch's own settings that switch controls read; a member is null when it was not reported.</summary>
    public sealed record SwitchSettings
    {
        /// <summary>The switch's default security policy (what a portgroup inherits).</summary>
        public SecurityPolicy? Security { get; init; }
        /// <summary>cdp or lldp.</summary>
        public string? DiscoveryProtocol { get; init; }
        /// <summary>none, listen, advertise or both.</summary>
        public string? DiscoveryOperation { get; init; }
        /// <summary>The NetFlow (IPFIX) collector address; empty when none is set.</summary>
        public string? IpfixCollector { get; init; }
        /// <summary>The port mirroring (VSPAN) sessions, by name.</summary>
        public IReadOnlyList<string>? MirrorSessions { get; init; }
        /// <summary>Network I/O Control.</summary>
        public bool? NetworkResourceManagementEnabled { get; init; }
    }

    /// <summary>A distributed portgroup's policy settings that portgroup controls read; a member is null when it was not reported.</summary>
    public sealed record PortgroupPolicy
    {
        /// <summary>Port settings go back to the portgroup's when a VM disconnects.</summary>
        public bool? PortConfigResetAtDisconnect { get; init; }
        /// <summary>The per-port overrides the portgroup allows, by their vim25 names (blockOverrideAllowed, vlanOverrideAllowed, ...).</summary>
        public IReadOnlyList<string>? OverridesAllowed { get; init; }
        /// <summary>NetFlow (IPFIX) monitoring of the portgroup's ports.</summary>
        public bool? IpfixEnabled { get; init; }
        /// <summary>MAC learning (vSphere 6.7 and later).</summary>
        public bool? MacLearningEnabled { get; init; }
    }

    /// <summary>The vCenter appliance's own settings (CIS REST API /appliance); a member is null when it was not reported.</summary>
    public sealed record ApplianceSettings
    {
        public bool? SshEnabled { get; init; }
        /// <summary>NTP, HOST or DISABLED.</summary>
        public string? TimeSync { get; init; }
        public IReadOnlyList<string>? NtpServers { get; init; }
        /// <summary>Syslog forwarding targets, "host:port/protocol".</summary>
        public IReadOnlyList<string>? LogForwarding { get; init; }
        /// <summary>The local accounts' password lifetime, days.</summary>
        public long? PasswordMaxDays { get; init; }
    }

    /// <summary>The vCenter Server the inventory was read from, with the settings vCenter controls read.</summary>
    public sealed record VCenterServer
    {
        public string? Name { get; init; }
        public string? Version { get; init; }
        /// <summary>The advanced settings (OptionManager) among <see cref="SettingKeys"/> that vCenter has.</summary>
        public IReadOnlyDictionary<string, string>? Settings { get; init; }
        /// <summary>The setting keys the collection asked for: a key outside it was not read.</summary>
        public IReadOnlyList<string>? SettingKeys { get; init; }
        /// <summary>The appliance's own settings; null when they were not read (no CIS REST API, a snapshot from before).</summary>
        public ApplianceSettings? Appliance { get; init; }
        /// <summary><see cref="DataArea"/> names not reported, with the reason.</summary>
        public IReadOnlyDictionary<string, string>? NotReported { get; init; }
    }

    public sealed record DistributedSwitch
    {
        public string Id { get; init; } = "";
        public string? Name { get; init; }
        public string? DatacenterId { get; init; }
        public string? Version { get; init; }
        public IReadOnlyList<string> HostIds { get; init; } = Array.Empty<string>();
        /// <summary>The vSphere type of the switch object, needed to address it (VmwareDistributedVirtualSwitch unless a third-party switch).</summary>
        public string ManagedObjectType { get; init; } = "VmwareDistributedVirtualSwitch";
        /// <summary>What switch controls read; null when the inventory has none of it (a snapshot from before switch controls).</summary>
        public SwitchSettings? Settings { get; init; }
    }

    public sealed record Datastore
    {
        public string Id { get; init; } = "";
        public string? Name { get; init; }
        public string? Type { get; init; }
        public IReadOnlyList<string> HostIds { get; init; } = Array.Empty<string>();
    }

    public sealed record VmNic
    {
        /// <summary>Device key, e.g. 4000.</summary>
        public int Key { get; init; }
        public string? Label { get; init; }
        public string? MacAddress { get; init; }
        public string? NetworkId { get; init; }
        /// <summary>Distributed switch and port the NIC is bound to; null on a standard portgroup.</summary>
        public string? DvsId { get; init; }
        public string? PortKey { get; init; }
        public bool Connected { get; init; } = true;
        public IReadOnlyList<string> IpAddresses { get; init; } = Array.Empty<string>();
        /// <summary>Distributed port only: the port's own traffic filter when it overrides its portgroup's; null when it inherits.</summary>
        public TrafficFilter? PortFilter { get; init; }
        /// <summary>Distributed port only: the port's configVersion, echoed when the port is reconfigured.</summary>
        public string? PortConfigVersion { get; init; }

        /// <summary>The filter in force on this adapter's port: its own, else its portgroup's (null: none).</summary>
        public TrafficFilter? EffectiveFilter(Inventory inventory) => PortFilter ?? (NetworkId == null ? null : inventory.GetNetwork(NetworkId)?.TrafficFilter);
    }

    public sealed record VmTag
    {
        public string? Category { get; init; }
        public string? Name { get; init; }
    }

    /// <summary>
    /// A VM device that a control reads (removable media, ports, USB, sound, passthrough, disks);
    /// network adapters are <see cref="VmNic"/>s.
    /// </summary>
    public sealed record VmDevice
    {
        /// <summary>The vim25 device type, e.g. VirtualFloppy, VirtualCdrom, VirtualUSBController, VirtualDisk.</summary>
        public string Type { get; init; } = "";
        public string? Label { get; init; }
        /// <summary>Connectable devices: connected now; null for a device that is not connectable.</summary>
        public bool? Connected { get; init; }
        /// <summary>Connectable devices: connected when the VM powers on.</summary>
        public bool? StartConnected { get; init; }
        /// <summary>Disks: the vim25 disk mode (persistent, independent_nonpersistent, ...).</summary>
        public string? DiskMode { get; init; }
    }

    /// <summary>
    /// The parts of a VM's configuration that VM controls read. Each member is null when the server
    /// did not report it (an older API, no privilege) or the inventory predates it: a control that
    /// reads it is then not evaluated.
    /// </summary>
    public sealed record VmSettings
    {
        /// <summary>
        /// The VM's advanced settings (config.extraConfig) among the keys the collection read
        /// (<see cref="Inventory.VmExtraConfigKeys"/>); a key that was read and is absent is not here.
        /// Keys compare case-insensitively, as the VMX file does.
        /// </summary>
        public IReadOnlyDictionary<string, string>? ExtraConfig { get; init; }
        /// <summary>The virtual hardware version, e.g. "vmx-19".</summary>
        public string? HardwareVersion { get; init; }
        /// <summary>"bios" or "efi".</summary>
        public string? Firmware { get; init; }
        public bool? EfiSecureBootEnabled { get; init; }
        /// <summary>config.flags.enableLogging.</summary>
        public bool? LoggingEnabled { get; init; }
        /// <summary>disabled, opportunistic or required.</summary>
        public string? MigrateEncryption { get; init; }
        /// <summary>ftEncryptionDisabled, ftEncryptionOpportunistic or ftEncryptionRequired (vSphere 7.0 U2 and later).</summary>
        public string? FtEncryptionMode { get; init; }
        /// <summary>The devices controls read; null when the devices were not read.</summary>
        public IReadOnlyList<VmDevice>? Devices { get; init; }
    }

    public sealed record Vm
    {
        public string Id { get; init; } = "";
        public string? Name { get; init; }
        /// <summary>The host the VM is registered on (runs on, when powered on).</summary>
        public string? HostId { get; init; }
        public PowerState PowerState { get; init; } = PowerState.PoweredOn;
        public bool Template { get; init; }
        /// <summary>Inventory folder path, e.g. "/DC1/vm/Payments".</summary>
        public string? Folder { get; init; }
        public string? GuestOs { get; init; }
        public string? InstanceUuid { get; init; }
        public IReadOnlyList<VmNic> Nics { get; init; } = Array.Empty<VmNic>();
        public IReadOnlyList<string> DatastoreIds { get; init; } = Array.Empty<string>();
        public IReadOnlyDictionary<string, string> CustomAttributes { get; init; } = Host.EmptyOptions;
        public IReadOnlyList<VmTag> Tags { get; init; } = Array.Empty<VmTag>();
        public string? Annotation { get; init; }
        /// <summary>What VM controls read; null when the inventory has none of it (a snapshot from before VM controls).</summary>
        public VmSettings? Settings { get; init; }
        /// <summary><see cref="DataArea"/> names the server did not report for this VM, with the reason; null when it reported all.</summary>
        public IReadOnlyDictionary<string, string>? NotReported { get; init; }
    }
}
