using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Controls
{
    /// <summary>Reads one fact from one object (a host, a standard portgroup of a host, a distributed portgroup).</summary>
    public delegate FactValue FactReader(ControlTarget target, Inv inventory);

    /// <summary>
    /// The facts a control can read, by name, and the kind of object each is read from. Compiling a
    /// fact name once gives a reader that is called per object without parsing again. A reader gives
    /// <see cref="FactValue.NotReported"/> when the server did not report the data it needs (the
    /// object's NotReported names the <see cref="DataArea"/>), never a value it made up. The names
    /// are part of the baseline file format:
    /// <list type="bullet">
    /// <item>host.lockdownMode, host.acceptanceLevel, host.version, host.build, host.ntpServers,
    ///   host.lockdownExceptionUsers, host.uefiSecureBoot</item>
    /// <item>iscsi.withoutMutualChap: the iSCSI adapters that do not require bidirectional CHAP</item>
    /// <item>vmknics.shared:SERVICE (management, vmotion, vsan): the VMkernel adapters that carry SERVICE and another service</item>
    /// <item>esxcli:COMMAND[(ARG=VALUE,...)][[FIELD=VALUE]].FIELD: a setting only ESXCLI reports, read as Get-EsxCli -V2
    ///   reads it (see <see cref="EsxCliQuery"/>)</item>
    /// <item>firewall.incomingBlocked, firewall.outgoingBlocked, firewall.openRulesets (enabled, user-configurable rulesets open to all),
    ///   firewall.ruleset:KEY.enabled, firewall.ruleset:KEY.allowedAllIp</item>
    /// <item>service:KEY ("running, policy on" / "stopped, policy off" / "not installed"),
    ///   service:KEY.running, service:KEY.policy</item>
    /// <item>option:KEY (advanced option)</item>
    /// <item>package:NAME (installed version, absent when not installed), package:NAME.installed</item>
    /// <item>portgroup.standard.(allowPromiscuous|macChanges|forgedTransmits|vlan): per standard portgroup of a host</item>
    /// <item>switch.standard.(allowPromiscuous|macChanges|forgedTransmits): per standard vSwitch of a host (its own policy,
    ///   which a new portgroup inherits) and per portgroup on it (the policy in force)</item>
    /// <item>portgroup.distributed.(allowPromiscuous|macChanges|forgedTransmits|vlan): per distributed portgroup</item>
    /// <item>vm.extraConfig:KEY (a VM advanced setting; the control's default when absent),
    ///   vm.extraConfigKeys:PATTERN (the advanced setting keys matching a wildcard pattern)</item>
    /// <item>vm.hardwareVersion (the number of vmx-NN), vm.firmware, vm.efiSecureBootEnabled, vm.loggingEnabled,
    ///   vm.migrateEncryption, vm.ftEncryptionMode</item>
    /// <item>vm.devices:TYPE[,TYPE] (devices of these vim25 types present), vm.connectedDevices:TYPE[,TYPE]
    ///   (connected now, as the STIG reads connectable.connected), vm.disks:MODE[,MODE] (disks in these disk modes): labels</item>
    /// </list>
    /// </summary>
    public static class Facts
    {
        public const string NotInstalled = "not installed";

        /// <summary>The kind of object a fact is read from, or throws <see cref="ArgumentException"/> for an unknown fact.</summary>
        public static ControlScope ScopeOf(string? fact)
        {
            if (fact != null && fact.StartsWith("portgroup.standard.", StringComparison.Ordinal)) return ControlScope.StandardPortgroup;
            if (fact != null && fact.StartsWith("portgroup.distributed.", StringComparison.Ordinal)) return ControlScope.DistributedPortgroup;
            if (fact != null && fact.StartsWith("switch.standard.", StringComparison.Ordinal)) return ControlScope.StandardSwitch;
            if (fact != null && fact.StartsWith("vm.", StringComparison.Ordinal)) return ControlScope.Vm;
            if (fact != null && fact.StartsWith("switch.distributed.", StringComparison.Ordinal)) return ControlScope.DistributedSwitch;
            if (fact != null && fact.StartsWith("cluster.", StringComparison.Ordinal)) return ControlScope.Cluster;
            if (fact != null && fact.StartsWith("vcenter.", StringComparison.Ordinal)) return ControlScope.VCenter;
            return ControlScope.Host;
        }

        /// <summary>The prefix of a setting read through ESXCLI (see <see cref="EsxCliQuery"/>).</summary>
        public const string EsxCliPrefix = "esxcli:";

        /// <summary>Compiles a fact name, or throws <see cref="ArgumentException"/> naming what is wrong.</summary>
        public static FactReader Compile(string fact, string? defaultValue = null)
        {
            if (string.IsNullOrWhiteSpace(fact)) throw new ArgumentException("A control must name the fact it reads.");
            switch (fact)
            {
                case "host.lockdownMode": return OnHost(DataArea.Lockdown, h => FactValue.Of(Camel(h.LockdownMode.ToString())));
                case "host.acceptanceLevel": return OnHost(DataArea.Software, h => FactValue.Of(h.AcceptanceLevel));
                case "host.version": return OnHost(DataArea.Product, h => FactValue.Of(h.Version));
                case "host.build": return OnHost(DataArea.Product, h => FactValue.Of(h.Build));
                case "host.ntpServers": return OnHost(DataArea.Time, h => FactValue.OfList(h.NtpServers));
                case "firewall.incomingBlocked": return OnHost(DataArea.Firewall, h => FactValue.Of(h.Firewall.IncomingBlocked));
                case "firewall.outgoingBlocked": return OnHost(DataArea.Firewall, h => FactValue.Of(h.Firewall.OutgoingBlocked));
                case "firewall.openRulesets":
                    return OnHost(DataArea.Firewall, h => FactValue.OfList(OpenRulesets(h)));
                case "host.lockdownExceptionUsers":
                    return OnHost(DataArea.LockdownExceptions, h => h.LockdownExceptionUsers == null
                        ? FactValue.NotReported($"the lockdown exception users of host {h.Name} were not read (HostAccessManager.QueryLockdownExceptions; this snapshot or collector predates them)")
                        : FactValue.OfList(h.LockdownExceptionUsers));
                case "iscsi.withoutMutualChap":
                    // Bidirectional CHAP: the adapter requires CHAP of the target and the target of the adapter.
                    return OnHost(DataArea.StorageAdapters, h => h.IscsiAdapters == null
                        ? FactValue.NotReported($"the storage adapters of host {h.Name} were not read (config.storageDevice.hostBusAdapter)")
                        : FactValue.OfList(h.IscsiAdapters.Where(a => a.ChapType != "chapRequired" || a.MutualChapType != "chapRequired")
                            .Select(a => $"{a.Device} (CHAP {a.ChapType ?? "not reported"}, mutual {a.MutualChapType ?? "not reported"})")));
                case "host.uefiSecureBoot":
                    return OnHost(DataArea.SecureBoot, h => h.UefiSecureBoot is bool on ? FactValue.Of(on)
                        : FactValue.NotReported($"the server did not report capability.uefiSecureBoot for host {h.Name}"));
            }

            if (fact.StartsWith(EsxCliPrefix, StringComparison.Ordinal))
            {
                // Read through the host's ReflectManagedMethodExecuter, as Get-EsxCli -V2 (the guides' own scripts) reads it.
                var query = EsxCliQuery.Parse(fact.Substring(EsxCliPrefix.Length));
                return OnHost(DataArea.EsxCli, query.Read);
            }
            if (fact.StartsWith("vmknics.shared:", StringComparison.Ordinal))
            {
                var service = fact.Substring("vmknics.shared:".Length);
                if (!SharingServices.TryGetValue(service, out var others))
                    throw Unknown(fact, "vmknics.shared: takes management, vmotion or vsan");
                return OnHost(DataArea.VmkernelNics, h => h.VmkernelNics == null
                    ? FactValue.NotReported($"the VMkernel adapters of host {h.Name} were not read (config.virtualNicManagerInfo)")
                    : FactValue.OfList(h.VmkernelNics
                        .Where(n => n.Services.Contains(service) && n.Services.Any(others.Contains))
                        .Select(n => $"{n.Device} ({string.Join(", ", n.Services)})")));
            }

            if (TrySplit(fact, "firewall.ruleset:", out var rulesetKey, out var rulesetField))
            {
                switch (rulesetField)
                {
                    case "enabled": return OnHost(DataArea.Firewall, h => Ruleset(h, rulesetKey) is FirewallRuleset r ? FactValue.Of(r.Enabled) : FactValue.Absent);
                    case "allowedAllIp": return OnHost(DataArea.Firewall, h => Ruleset(h, rulesetKey) is FirewallRuleset r ? FactValue.Of(r.AllowedAllIp) : FactValue.Absent);
                }
                throw Unknown(fact, "a ruleset fact ends in .enabled or .allowedAllIp");
            }
            if (fact.StartsWith("service:", StringComparison.Ordinal))
            {
                var (key, field) = SplitField(fact.Substring("service:".Length), "running", "policy");
                switch (field)
                {
                    case null: return OnHost(DataArea.Services, h => FactValue.Of(ServiceState(h, key)));
                    case "running": return OnHost(DataArea.Services, h => Service(h, key) is HostService s ? FactValue.Of(s.Running) : FactValue.Absent);
                    case "policy": return OnHost(DataArea.Services, h => Service(h, key) is HostService s ? FactValue.Of(Camel(s.Policy.ToString())) : FactValue.Absent);
                }
            }
            if (fact.StartsWith("option:", StringComparison.Ordinal))
            {
                var key = fact.Substring("option:".Length);
                if (key.Length == 0) throw Unknown(fact, "option: needs an advanced option key");
                return OnHost(DataArea.Options, h => h.AdvancedOptions.TryGetValue(key, out var value) ? FactValue.Of(NormaliseScalar(value))
                    : defaultValue != null ? FactValue.Of(defaultValue, isDefault: true) : FactValue.Absent);
            }
            if (fact.StartsWith("package:", StringComparison.Ordinal))
            {
                var (name, field) = SplitField(fact.Substring("package:".Length), "installed");
                if (field == "installed") return OnHost(DataArea.Software, h => FactValue.Of(Package(h, name) != null));
                return OnHost(DataArea.Software, h => FactValue.Of(Package(h, name)?.Version ?? (Package(h, name) != null ? "" : null)));
            }
            if (fact.StartsWith("vm.", StringComparison.Ordinal)) return VmFacts.Compile(fact, defaultValue) ?? throw Unknown(fact, VmFacts.Hint);
            if (fact.StartsWith("switch.distributed.", StringComparison.Ordinal) || fact.StartsWith("cluster.", StringComparison.Ordinal) || fact.StartsWith("vcenter.", StringComparison.Ordinal))
                return InfrastructureFacts.Compile(fact, defaultValue) ?? throw Unknown(fact, InfrastructureFacts.Hint);
            if (TrySplit(fact, "portgroup.standard.", out var standardField, out _))
                return StandardPortgroupFact(fact, standardField);
            if (TrySplit(fact, "portgroup.distributed.", out var distributedField, out _))
                return DistributedPortgroupFact(fact, distributedField);
            if (TrySplit(fact, "switch.standard.", out var switchField, out _))
                return StandardSwitchFact(fact, switchField);

            throw Unknown(fact, "Get-Help about_VirtCompliance lists the facts a control can read");
        }

        /// <summary>The VM advanced setting keys and wildcard patterns these controls read: what a collector asks each VM for.</summary>
        public static IReadOnlyList<string> VmExtraConfigKeys(IEnumerable<ControlDefinition> controls) => VmFacts.ExtraConfigKeys(controls);

        /// <summary>The vCenter advanced setting keys these controls read.</summary>
        public static IReadOnlyList<string> VCenterSettingKeys(IEnumerable<ControlDefinition> controls) =>
            controls.Select(c => c.Fact).Where(f => f.StartsWith("vcenter.setting:", StringComparison.Ordinal)).Select(f => f.Substring("vcenter.setting:".Length))
                .Distinct(StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal).ToArray();

        /// <summary>A host fact that needs one area of the host's configuration to have been reported.</summary>
        private static FactReader OnHost(string area, Func<Host, FactValue> read) => (t, _) =>
        {
            // A host fact's control has host scope, so it is read only from host targets, which have their host.
            var host = t.Host!;
            var reason = DataArea.Reason(host.NotReported, area);
            return reason != null ? FactValue.NotReported(reason) : read(host);
        };

        /// <summary>"running, policy on", "stopped, policy off", or "not installed".</summary>
        public static string ServiceState(Host host, string key)
        {
            var s = Service(host, key);
            return s == null ? NotInstalled : (s.Running ? "running" : "stopped") + ", policy " + Camel(s.Policy.ToString());
        }

        private static FactReader StandardPortgroupFact(string fact, string field)
        {
            // A standard portgroup fact's control has standard portgroup scope, so it is read only from
            // standard portgroup targets, which have their host and portgroup.
            if (field == "vlan") return (t, _) => NetworkReported(t.Host!, out var why) ? FactValue.Of(VlanText(t.Portgroup!.VlanId)) : FactValue.NotReported(why);
            var pick = SecurityField(field) ?? throw Unknown(fact, "a portgroup fact ends in .allowPromiscuous, .macChanges, .forgedTransmits or .vlan");
            return (t, _) =>
            {
                Host host = t.Host!;
                HostPortgroup portgroup = t.Portgroup!;
                if (!NetworkReported(host, out var why)) return FactValue.NotReported(why);
                // The portgroup's override, else its vSwitch's policy; a vSwitch policy nobody reported is not guessed.
                var value = pick(portgroup.Security) ?? pick(SwitchOf(host, portgroup)?.Security ?? new SecurityPolicy());
                return value == null ? FactValue.NotReported($"the server did not report {field} for vSwitch {portgroup.VSwitch} of host {host.Name}") : FactValue.Of(value.Value);
            };
        }

        private static FactReader StandardSwitchFact(string fact, string field)
        {
            var pick = SecurityField(field) ?? throw Unknown(fact, "a standard switch fact ends in .allowPromiscuous, .macChanges or .forgedTransmits");
            var portgroupReader = StandardPortgroupFact(fact, field);
            return (t, inventory) =>
            {
                // The scope's targets are each vSwitch of a host and each portgroup on it: a portgroup reads
                // the policy in force on it, a vSwitch its own policy, which every new portgroup inherits.
                if (t.Portgroup != null) return portgroupReader(t, inventory);
                Host host = t.Host!;
                if (!NetworkReported(host, out var why)) return FactValue.NotReported(why);
                var value = pick(t.VSwitch!.Security);
                return value == null ? FactValue.NotReported($"the server did not report {field} for vSwitch {t.VSwitch.Name} of host {host.Name}") : FactValue.Of(value.Value);
            };
        }

        /// <summary>
        /// Enabled rulesets open to every address whose list a user can restrict. A ruleset ESXi owns
        /// (ipListUserConfigurable false) cannot be restricted, so the SCG and the STIG leave it out;
        /// one whose configurability was not reported is counted, and says so, rather than passed unseen.
        /// </summary>
        private static IEnumerable<string> OpenRulesets(Host h) =>
            h.Firewall.Rulesets.Where(r => r.Enabled && r.AllowedAllIp && r.IpListUserConfigurable != false)
                .Select(r => r.IpListUserConfigurable == null ? r.Key + " (user-configurable not reported)" : r.Key);

        /// <summary>For vmknics.shared:SERVICE, the services that must not share an adapter with SERVICE (as the SCG and STIG checks list them).</summary>
        private static readonly Dictionary<string, string[]> SharingServices = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["management"] = new[] { "vmotion", "faultToleranceLogging", "vsan", "vSphereProvisioning", "vSphereReplication", "vSphereReplicationNFC", "vSphereBackupNFC" },
            ["vmotion"] = new[] { "management", "faultToleranceLogging", "vsan", "vSphereReplication", "vSphereReplicationNFC", "vSphereBackupNFC" },
            ["vsan"] = new[] { "management", "faultToleranceLogging", "vmotion", "vSphereReplication", "vSphereReplicationNFC", "vSphereBackupNFC" },
        };

        private static bool NetworkReported(Host host, [NotNullWhen(false)] out string? reason)
        {
            reason = DataArea.Reason(host.NotReported, DataArea.Network);
            return reason == null;
        }

        private static StandardSwitch? SwitchOf(Host host, HostPortgroup portgroup)
        {
            foreach (var s in host.StandardSwitches)
                if (s.Name == portgroup.VSwitch) return s;
            return null;
        }

        private static FactReader DistributedPortgroupFact(string fact, string field)
        {
            // A distributed portgroup fact's control has distributed portgroup scope, so it is read only
            // from distributed portgroup targets, which have their portgroup.
            if (field == "vlan") return (t, _) => FactValue.Of(DistributedVlanText(t.Network!));
            var policy = InfrastructureFacts.PortgroupPolicyFact(field);
            if (policy != null) return policy;
            var pick = SecurityField(field) ?? throw Unknown(fact, "a distributed portgroup fact ends in .allowPromiscuous, .macChanges, .forgedTransmits, .vlan, "
                + ".portConfigResetAtDisconnect, .overridesAllowed, .ipfixEnabled or .macLearningEnabled");
            return (t, _) =>
            {
                Network network = t.Network!;
                var reason = DataArea.Reason(network.NotReported, DataArea.Security);
                if (reason != null) return FactValue.NotReported(reason);
                // vCenter reports the value in force (inherited or not) for every field; a missing one is not reported, not a default.
                var value = pick(network.Security);
                return value == null ? FactValue.NotReported($"the server did not report {field} for portgroup {network.Name}") : FactValue.Of(value.Value);
            };
        }

        /// <summary>The distributed portgroups (not uplinks) a host carries.</summary>
        public static IEnumerable<Network> DistributedPortgroupsOf(Host host, Inv inventory) =>
            host.NetworkIds.Select(inventory.GetNetwork).OfType<Network>()
                .Where(n => n.Kind == NetworkKind.DistributedPortgroup && !n.IsUplink);

        public static string VlanText(int vlanId) => vlanId == 4095 ? "4095 (all VLANs, guest tagging)" : vlanId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public static string DistributedVlanText(Network n)
        {
            if (n.VlanTrunkRanges.Count > 0) return "trunk " + string.Join(",", n.VlanTrunkRanges.Select(r => r.Start == r.End ? $"{r.Start}" : $"{r.Start}-{r.End}"));
            if (n.PvlanId != null) return "pvlan " + n.PvlanId;
            return (n.VlanId ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        internal static Func<SecurityPolicy, bool?>? SecurityField(string field)
        {
            switch (field)
            {
                case "allowPromiscuous": return p => p.AllowPromiscuous;
                case "macChanges": return p => p.MacChanges;
                case "forgedTransmits": return p => p.ForgedTransmits;
                default: return null;
            }
        }

        private static HostService? Service(Host h, string key)
        {
            foreach (var s in h.Services) if (s.Key == key) return s;
            return null;
        }

        private static HostPackage? Package(Host h, string name)
        {
            foreach (var p in h.Packages) if (p.Name == name) return p;
            return null;
        }

        private static FirewallRuleset? Ruleset(Host h, string key)
        {
            foreach (var r in h.Firewall.Rulesets) if (r.Key == key) return r;
            return null;
        }

        /// <summary>Option values arrive as text from many sources; booleans compare case-insensitively.</summary>
        public static string? NormaliseScalar(string? value)
        {
            if (value == null) return null;
            if (string.Equals(value, "true", StringComparison.OrdinalIgnoreCase)) return "true";
            if (string.Equals(value, "false", StringComparison.OrdinalIgnoreCase)) return "false";
            return value;
        }

        private static string Camel(string pascal) => pascal.Length == 0 ? pascal : char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);

        private static bool TrySplit(string fact, string prefix, [NotNullWhen(true)] out string? rest, out string? field)
        {
            rest = field = null;
            if (!fact.StartsWith(prefix, StringComparison.Ordinal)) return false;
            rest = fact.Substring(prefix.Length);
            var dot = rest.LastIndexOf('.');
            if (prefix.EndsWith(":", StringComparison.Ordinal) && dot > 0)
            {
                field = rest.Substring(dot + 1);
                rest = rest.Substring(0, dot);
            }
            return rest.Length > 0;
        }

        // Service keys and package names may contain dots; only a known trailing field is split off.
        private static (string name, string? field) SplitField(string rest, params string[] fields)
        {
            foreach (var f in fields)
                if (rest.EndsWith("." + f, StringComparison.Ordinal)) return (rest.Substring(0, rest.Length - f.Length - 1), f);
            return (rest, null);
        }

        private static ArgumentException Unknown(string fact, string hint) => new ArgumentException($"Unknown fact '{fact}': {hint}.");
    }
}
