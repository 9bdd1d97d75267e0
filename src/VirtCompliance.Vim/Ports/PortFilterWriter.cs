using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;

namespace VirtCompliance.Vim.Ports
{
    /// <summary>
    /// Writes a traffic filter onto one distributed port (ReconfigureDVPort_Task), echoing the
    /// port's configVersion so that a change made by someone else in between is refused rather
    /// than overwritten; on ConcurrentAccess it reads the port again and retries, a few times.
    /// </summary>
    public sealed class PortFilterWriter
    {
        private readonly VimClient _client;

        public PortFilterWriter(VimClient client) { _client = client; }

        public int MaxAttempts { get; set; } = 3;
        public TimeSpan TaskTimeout { get; set; } = TimeSpan.FromMinutes(2);

        /// <summary>How many attempts the last call took (1 when the first write was accepted).</summary>
        public int Attempts { get; private set; }

        /// <summary>Writes <paramref name="filter"/> (null: back to the portgroup's filter) and returns the port's new configVersion.</summary>
        public async Task<string?> WriteAsync(VimRef dvs, string portKey, string? configVersion, TrafficFilter? filter, CancellationToken cancel)
        {
            Attempts = 0;
            while (true)
            {
                Attempts++;
                try
                {
                    using (var w = Request(dvs, portKey, configVersion, filter))
                        await _client.InvokeTaskAsync(w, TaskTimeout, cancel).ConfigureAwait(false);
                    return await ConfigVersionAsync(dvs, portKey, cancel).ConfigureAwait(false);
                }
                catch (ConcurrentAccessException) when (Attempts < MaxAttempts)
                {
                    configVersion = await ConfigVersionAsync(dvs, portKey, cancel).ConfigureAwait(false);
                }
            }
        }

        /// <summary>The port's current configVersion (FetchDVPorts with its key); null when the port reports none.</summary>
        public async Task<string?> ConfigVersionAsync(VimRef dvs, string portKey, CancellationToken cancel)
        {
            using (var w = new SoapWriter("FetchDVPorts", dvs).Start("criteria").Text("portKey", portKey).End())
            {
                var ports = await _client.InvokeListAsync(w, cancel).ConfigureAwait(false);
                var port = ports.OfType<VimObject>().FirstOrDefault(p => p.Text("key") == portKey)
                    ?? throw new ManagedObjectNotFoundException($"Port {portKey} of {dvs.Value} no longer exists", null);
                return port.Object("config")?.Text("configVersion");
            }
        }

        /// <summary>The ReconfigureDVPort_Task request (element order as the vim25 schema has it).</summary>
        public static SoapWriter Request(VimRef dvs, string portKey, string? configVersion, TrafficFilter? filter)
        {
            var w = new SoapWriter("ReconfigureDVPort_Task", dvs);
            w.Start("port").Text("operation", "edit").Text("key", portKey);
            w.Start("setting", "VMwareDVSPortSetting").Start("filterPolicy");
            if (filter == null)
            {
                w.Bool("inherited", true);
            }
            else
            {
                w.Bool("inherited", false)
                    .Start("filterConfig", "DvsTrafficFilterConfig").Bool("inherited", false)
                    .Text("key", "com.vmware.vds.trafficfilter").Text("agentName", "dvfilter-generic-vmware")
                    .Text("onFailure", filter.OnFailure ?? "failOpen")
                    .Start("trafficRuleset").Bool("enabled", filter.Enabled);
                foreach (var rule in filter.Rules.OrderBy(r => r.Sequence)) Rule(w, rule);
                w.End().End();
            }
            w.End().End(); // filterPolicy, setting
            if (configVersion != null) w.Text("configVersion", configVersion);
            w.End(); // port
            return w;
        }

        private static void Rule(SoapWriter w, TrafficRule rule)
        {
            w.Start("rules");
            if (rule.Description != null) w.Text("description", rule.Description);
            w.Int("sequence", rule.Sequence);
            var qualified = rule.Protocol != null || rule.SourceAddresses.Count > 0 || rule.DestinationAddresses.Count > 0
                || !string.IsNullOrEmpty(rule.SourcePorts) || !string.IsNullOrEmpty(rule.DestinationPorts);
            if (qualified)
            {
                w.Start("qualifier", "DvsIpNetworkRuleQualifier");
                Address(w, "sourceAddress", rule.SourceAddresses.FirstOrDefault());
                Address(w, "destinationAddress", rule.DestinationAddresses.FirstOrDefault());
                if (rule.Protocol != null) w.Start("protocol").Bool("negate", false).Int("value", rule.Protocol.Value).End();
                Port(w, "sourceIpPort", rule.SourcePorts);
                Port(w, "destinationIpPort", rule.DestinationPorts);
                w.End();
            }
            if (rule.Action != TrafficAction.Allow && rule.Action != TrafficAction.Drop)
                throw new ArgumentException($"Rule {rule.Sequence} ({rule.Description}): only allow and drop rules are written, not {rule.Action}.");
            w.Start("action", rule.Action == TrafficAction.Allow ? "DvsAcceptNetworkRuleAction" : "DvsDropNetworkRuleAction").End();
            w.Text("direction", rule.Direction == TrafficDirection.IncomingPackets ? "incomingPackets" : rule.Direction == TrafficDirection.OutgoingPackets ? "outgoingPackets" : "both");
            w.End();
        }

        private static void Address(SoapWriter w, string name, string? address)
        {
            if (address == null || address.Length == 0) return;
            var slash = address.IndexOf('/');
            if (slash < 0) w.Start(name, "SingleIp").Text("address", address).End();
            else w.Start(name, "IpRange").Text("addressPrefix", address.Substring(0, slash)).Text("prefixLength", address.Substring(slash + 1)).End();
        }

        private static void Port(SoapWriter w, string name, string? ports)
        {
            if (ports == null || ports.Length == 0) return;
            var dash = ports.IndexOf('-');
            if (dash < 0) w.Start(name, "DvsSingleIpPort").Text("portNumber", ports).End();
            else w.Start(name, "DvsIpPortRange").Text("startPortNumber", ports.Substring(0, dash)).Text("endPortNumber", ports.Substring(dash + 1)).End();
        }
    }
}
