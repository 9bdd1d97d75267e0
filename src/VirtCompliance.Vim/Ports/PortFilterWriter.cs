using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Firewall;
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
        public async Task<string?> ConfigVersionAsync(VimRef dvs, string portKey, CancellationToken cancel) =>
            (await PortAsync(dvs, portKey, cancel).ConfigureAwait(false)).Object("config")?.Text("configVersion");

        /// <summary>The port as the switch reports it now (FetchDVPorts with its key).</summary>
        private async Task<VimObject> PortAsync(VimRef dvs, string portKey, CancellationToken cancel)
        {
            using (var w = new SoapWriter("FetchDVPorts", dvs).Start("criteria").Text("portKey", portKey).End())
            {
                var ports = await _client.InvokeListAsync(w, cancel).ConfigureAwait(false);
                return ports.OfType<VimObject>().FirstOrDefault(p => p.Text("key") == portKey)
                    ?? throw new ManagedObjectNotFoundException($"Port {portKey} of {dvs.Value} no longer exists", null);
            }
        }

        /// <summary>
        /// Takes the filter the policy owns (<see cref="PolicyPlanner.Owns"/>) off one port and leaves the port's
        /// other filters as they are. The port is read first (its filters as they are now, not as a
        /// snapshot had them), and only a filter of the port's own that is still the owner's is
        /// touched: with a DvsTrafficFilterConfigSpec naming its key, "remove", or, when the
        /// portgroup has a filter of that key (vCenter refuses to remove those), "edit" inherited,
        /// which puts the portgroup's back. As in <see cref="WriteAsync"/>, the first write echoes
        /// <paramref name="configVersion"/>, the one the plan was made from, so a port changed since
        /// is refused (ConcurrentAccess) rather than changed on an old reading; the port is then read
        /// and judged again and the write retried with its current version, a few times. Read back
        /// after the change.
        /// </summary>
        public async Task<PortFilterRemoval> RemoveAsync(VimRef dvs, string portKey, string? configVersion, string policyName, CancellationToken cancel)
        {
            bool owned(TrafficFilter f) => PolicyPlanner.Owns(policyName, f);
            var prefix = PolicyCompiler.OwnerPrefix(policyName);
            Attempts = 0;
            while (true)
            {
                Attempts++;
                var port = await PortAsync(dvs, portKey, cancel).ConfigureAwait(false);
                var config = port.Object("config");
                var filters = OwnFilters(port);
                var ours = filters.Where(f => owned(f.filter)).ToList();
                var others = Describe(port, ours.Select(f => f.key));
                if (ours.Count == 0)
                {
                    return new PortFilterRemoval
                    {
                        // A filter still holding some of the policy's rules beside others' was rewritten, not removed.
                        Outcome = filters.Any(f => f.filter.Rules.Any(r => r.Description != null && r.Description.StartsWith(prefix, StringComparison.Ordinal)))
                            ? PortFilterRemovalOutcome.NotOwned : PortFilterRemovalOutcome.Gone,
                        ConfigVersion = config?.Text("configVersion"),
                        KeptFilters = others,
                    };
                }
                var portgroup = port.Text("portgroupKey");
                var inheritable = portgroup == null ? new HashSet<string>(StringComparer.Ordinal) : await PortgroupFilterKeysAsync(portgroup, cancel).ConfigureAwait(false);
                try
                {
                    var version = Attempts == 1 && configVersion != null ? configVersion : config?.Text("configVersion");
                    using (var w = RemovalRequest(dvs, portKey, version, ours.Select(f => (f.key, inheritable.Contains(f.key)))))
                        await _client.InvokeTaskAsync(w, TaskTimeout, cancel).ConfigureAwait(false);
                }
                catch (ConcurrentAccessException) when (Attempts < MaxAttempts)
                {
                    continue;
                }
                var after = await PortAsync(dvs, portKey, cancel).ConfigureAwait(false);
                var left = OwnFilters(after).Where(f => owned(f.filter)).Select(f => f.key).ToList();
                if (left.Count > 0)
                    throw new VimConnectionException($"{_client.Url.Host} accepted the removal from port {portKey} of {dvs.Value}, but the port still carries filter {string.Join(", ", left)}.");
                return new PortFilterRemoval
                {
                    Outcome = PortFilterRemovalOutcome.Removed,
                    ConfigVersion = after.Object("config")?.Text("configVersion"),
                    KeptFilters = Describe(after, Array.Empty<string>()),
                };
            }
        }

        /// <summary>The port's own traffic filters (not inherited from its portgroup) with their keys; none when its policy is inherited.</summary>
        private static List<(string key, TrafficFilter filter)> OwnFilters(VimObject port)
        {
            var policy = port.Object("config")?.Object("setting")?.Object("filterPolicy");
            var list = new List<(string, TrafficFilter)>();
            if (policy == null || policy.Bool("inherited") != false) return list;
            foreach (var c in policy.Objects("filterConfig"))
            {
                if (c.Bool("inherited") == true || !Collector.Mappers.NetworkMapper.IsTrafficFilter(c)) continue;
                var key = c.Text("key");
                var filter = Collector.Mappers.NetworkMapper.TrafficFilterOf(c);
                // A filter without a key cannot be named in a spec, so it is never one to remove.
                if (key != null && filter != null) list.Add((key, filter));
            }
            return list;
        }

        /// <summary>Every filter on the port but those keyed in <paramref name="except"/>, as "key (agent)", inherited ones marked.</summary>
        private static IReadOnlyList<string> Describe(VimObject port, IEnumerable<string> except)
        {
            var skip = new HashSet<string>(except, StringComparer.Ordinal);
            var policy = port.Object("config")?.Object("setting")?.Object("filterPolicy");
            return (policy?.Objects("filterConfig") ?? Enumerable.Empty<VimObject>())
                .Where(c => c.Text("key") == null || !skip.Contains(c.Text("key")!))
                .Select(c => $"{c.Text("key") ?? "(no key)"} ({c.Text("agentName") ?? "no agent"}{(c.Bool("inherited") == true || policy!.Bool("inherited") == true ? ", from the portgroup" : "")})")
                .ToArray();
        }

        /// <summary>The keys of the filters the portgroup gives its ports (config.defaultPortConfig.filterPolicy).</summary>
        private async Task<HashSet<string>> PortgroupFilterKeysAsync(string portgroupKey, CancellationToken cancel)
        {
            // A distributed portgroup's key is its managed object id.
            var content = await _client.RetrieveObjectAsync(new VimRef("DistributedVirtualPortgroup", portgroupKey), new[] { "config.defaultPortConfig" }, cancel).ConfigureAwait(false);
            var policy = (content?["config.defaultPortConfig"] as VimObject)?.Object("filterPolicy");
            return new HashSet<string>((policy?.Objects("filterConfig") ?? Enumerable.Empty<VimObject>()).Select(c => c.Text("key")).OfType<string>(), StringComparer.Ordinal);
        }

        /// <summary>
        /// The ReconfigureDVPort_Task request that takes filters off a port by key: a spec per filter,
        /// "remove", or "edit" with inherited true where the portgroup has a filter of that key.
        /// Specs name only their filters, so the port's others are not part of the request at all.
        /// </summary>
        public static SoapWriter RemovalRequest(VimRef dvs, string portKey, string? configVersion, IEnumerable<(string key, bool inheritFromPortgroup)> filters)
        {
            var w = new SoapWriter("ReconfigureDVPort_Task", dvs);
            w.Start("port").Text("operation", "edit").Text("key", portKey);
            w.Start("setting", "VMwareDVSPortSetting").Start("filterPolicy").Bool("inherited", false);
            foreach (var (key, inherit) in filters)
                w.Start("filterConfig", "DvsTrafficFilterConfigSpec").Bool("inherited", inherit).Text("key", key).Text("operation", inherit ? "edit" : "remove").End();
            w.End().End(); // filterPolicy, setting
            if (configVersion != null) w.Text("configVersion", configVersion);
            w.End(); // port
            return w;
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

    public enum PortFilterRemovalOutcome
    {
        /// <summary>The policy's filter was taken off; the port's others stayed.</summary>
        Removed,
        /// <summary>The port no longer carries a filter with the policy's rules (someone took it off or replaced it since it was read): nothing to do.</summary>
        Gone,
        /// <summary>The port's filter now mixes others' rules with the policy's (it was edited since it was read): left alone.</summary>
        NotOwned,
    }

    /// <summary>What <see cref="PortFilterWriter.RemoveAsync"/> did to one port.</summary>
    public sealed class PortFilterRemoval
    {
        public PortFilterRemovalOutcome Outcome { get; set; }
        /// <summary>The port's configVersion after the change (or as it was read, when nothing changed).</summary>
        public string? ConfigVersion { get; set; }
        /// <summary>The port's other filters, as "key (agent)": left as they were.</summary>
        public IReadOnlyList<string> KeptFilters { get; set; } = Array.Empty<string>();
    }
}
