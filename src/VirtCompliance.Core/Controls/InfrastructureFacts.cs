using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Model;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// The facts read from the objects above the hosts: a distributed switch's own settings
    /// (switch.distributed.*), a distributed portgroup's policy (portgroup.distributed.*), a cluster
    /// (cluster.*) and the vCenter Server (vcenter.*). A setting the inventory does not have is
    /// NotReported, naming the object.
    /// </summary>
    internal static class InfrastructureFacts
    {
        public const string Hint = "switch.distributed.(allowPromiscuous|macChanges|forgedTransmits|discoveryOperation|discoveryProtocol|ipfixCollector|mirrorSessions|networkResourceManagement), "
            + "cluster.(drsEnabled|haEnabled|evcMode), vcenter.setting:KEY or vcenter.appliance.(sshEnabled|timeSync|ntpServers|logForwarding|passwordMaxDays)";

        public static FactReader? Compile(string fact, string? defaultValue)
        {
            if (fact.StartsWith("switch.distributed.", StringComparison.Ordinal))
            {
                var field = fact.Substring("switch.distributed.".Length);
                var security = Facts.SecurityField(field);
                if (security != null)
                    return Switch(field, s => s.Security == null ? null : security(s.Security) is bool b ? FactValue.Of(b) : null);
                switch (field)
                {
                    case "discoveryOperation": return Switch("the discovery protocol operation", s => Text(s.DiscoveryOperation));
                    case "discoveryProtocol": return Switch("the discovery protocol", s => Text(s.DiscoveryProtocol));
                    case "ipfixCollector": return Switch("the NetFlow collector", s => Text(s.IpfixCollector));
                    case "mirrorSessions": return Switch("the port mirroring sessions", s => s.MirrorSessions == null ? null : FactValue.OfList(s.MirrorSessions));
                    case "networkResourceManagement": return Switch("Network I/O Control", s => s.NetworkResourceManagementEnabled is bool b ? FactValue.Of(b) : null);
                }
                return null;
            }
            switch (fact)
            {
                // Every collection reports these two, so they are never missing.
                case "cluster.drsEnabled": return (t, _) => FactValue.Of(t.Cluster!.DrsEnabled);
                case "cluster.haEnabled": return (t, _) => FactValue.Of(t.Cluster!.HaEnabled);
                case "cluster.evcMode":
                    return (t, _) => t.Cluster!.EvcMode is string mode ? FactValue.Of(mode)
                        : FactValue.NotReported($"the EVC mode of cluster {t.Cluster.Name} was not read (the server did not report summary, or a snapshot from before)");
            }
            if (fact.StartsWith("vcenter.appliance.", StringComparison.Ordinal))
            {
                Func<ApplianceSettings, FactValue?>? read = fact.Substring("vcenter.appliance.".Length) switch
                {
                    "sshEnabled" => a => a.SshEnabled is bool b ? FactValue.Of(b) : null,
                    "timeSync" => a => a.TimeSync == null ? null : FactValue.Of(a.TimeSync),
                    "ntpServers" => a => a.NtpServers == null ? null : FactValue.OfList(a.NtpServers),
                    "logForwarding" => a => a.LogForwarding == null ? null : FactValue.OfList(a.LogForwarding),
                    "passwordMaxDays" => a => a.PasswordMaxDays is long d ? FactValue.Of(d) : null,
                    _ => null,
                };
                if (read == null) return null;
                var what = fact.Substring("vcenter.appliance.".Length);
                return (t, _) =>
                {
                    var vc = t.VCenter!;
                    if (vc.Appliance == null)
                        return FactValue.NotReported(DataArea.Reason(vc.NotReported, DataArea.VCenterSettings)
                            ?? $"the appliance settings of {vc.Name} were not read (no CIS REST API, or a snapshot from before appliance controls)");
                    return read(vc.Appliance) ?? FactValue.NotReported($"the appliance of {vc.Name} did not report {what}");
                };
            }
            if (fact.StartsWith("vcenter.setting:", StringComparison.Ordinal))
            {
                var key = fact.Substring("vcenter.setting:".Length);
                if (key.Length == 0) return null;
                return (t, _) =>
                {
                    var vc = t.VCenter!;
                    var reason = DataArea.Reason(vc.NotReported, DataArea.VCenterSettings);
                    if (reason != null) return FactValue.NotReported(reason);
                    if (vc.Settings == null || vc.SettingKeys == null || !vc.SettingKeys.Contains(key, StringComparer.Ordinal))
                        return FactValue.NotReported($"the collection did not read vCenter setting {key}");
                    if (vc.Settings.TryGetValue(key, out var value)) return FactValue.Of(Facts.NormaliseScalar(value));
                    return defaultValue != null ? FactValue.Of(defaultValue, isDefault: true) : FactValue.Absent;
                };
            }
            return null;
        }

        /// <summary>A distributed portgroup policy fact (portConfigResetAtDisconnect, overridesAllowed, ipfixEnabled, macLearningEnabled), or null for another field.</summary>
        public static FactReader? PortgroupPolicyFact(string field)
        {
            Func<PortgroupPolicy, FactValue?> read;
            switch (field)
            {
                case "portConfigResetAtDisconnect": read = p => p.PortConfigResetAtDisconnect is bool b ? FactValue.Of(b) : null; break;
                case "overridesAllowed": read = p => p.OverridesAllowed == null ? null : FactValue.OfList(p.OverridesAllowed); break;
                case "ipfixEnabled": read = p => p.IpfixEnabled is bool b ? FactValue.Of(b) : null; break;
                case "macLearningEnabled": read = p => p.MacLearningEnabled is bool b ? FactValue.Of(b) : null; break;
                default: return null;
            }
            return (t, _) =>
            {
                var network = t.Network!;
                if (network.Policy == null) return FactValue.NotReported($"the inventory has no policy settings for portgroup {network.Name} (a snapshot from before portgroup policy controls)");
                return read(network.Policy) ?? FactValue.NotReported($"the server did not report {field} for portgroup {network.Name}");
            };
        }

        private static FactValue? Text(string? value) => value == null ? null : FactValue.Of(value);

        private static FactReader Switch(string what, Func<SwitchSettings, FactValue?> read) => (t, _) =>
        {
            var dvs = t.Switch!;
            if (dvs.Settings == null) return FactValue.NotReported($"the inventory has no settings for switch {dvs.Name} (a snapshot from before switch controls, or a source that does not read them)");
            return read(dvs.Settings) ?? FactValue.NotReported($"the server did not report {what} of switch {dvs.Name}");
        };
    }
}
