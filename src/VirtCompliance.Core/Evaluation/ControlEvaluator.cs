using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using VirtCompliance.Common;
using VirtCompliance.Controls;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Evaluation
{
    /// <summary>One control's outcome on one object.</summary>
    public sealed class ControlResult
    {
        public ControlResult(EffectiveControl control, ControlTarget target, FactValue actual, Outcome outcome, string expectedText, string? reason = null)
        {
            Control = control;
            Target = target;
            Actual = actual;
            Outcome = outcome;
            ExpectedText = expectedText;
            Reason = reason;
        }

        public EffectiveControl Control { get; }
        public ControlTarget Target { get; }
        public FactValue Actual { get; }
        public Outcome Outcome { get; }
        public string ExpectedText { get; }
        /// <summary>NotEvaluated: why (what was not reported, no peers, no majority).</summary>
        public string? Reason { get; }
        public bool Passed => Outcome == Outcome.Pass;
        public bool Failed => Outcome == Outcome.Fail;
        /// <summary>Peer mode: the peers had no majority, so the control could not be judged.</summary>
        public bool NoMajority { get; init; }
        /// <summary>
        /// Peer mode: how many peers hold the expected (majority) value, e.g. "3 of 4 hosts". Null
        /// outside peer mode, and when a peer result was not judged for want of values.
        /// </summary>
        public string? PeerAgreement { get; init; }
    }

    /// <summary>Every evaluated control on one host: its host controls and its standard vSwitches' and portgroups' controls.</summary>
    public sealed class HostAssessment
    {
        private readonly Dictionary<string, ControlResult> _byId;

        public HostAssessment(Host host, Cluster? cluster, IReadOnlyList<ControlResult> results, IReadOnlyList<ControlResult> portgroupResults)
        {
            Host = host;
            Cluster = cluster;
            Results = results;
            PortgroupResults = portgroupResults;
            _byId = results.ToDictionary(r => r.Control.Id, StringComparer.Ordinal);
            // A standard portgroup target is named after its portgroup, and vSphere requires a portgroup's name.
            // (A standard switch control's vSwitch results are about the vSwitch, not a portgroup of that name.)
            _byPortgroup = portgroupResults.Where(r => r.Target.Portgroup != null).GroupBy(r => r.Target.Name!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<ControlResult>)g.ToArray(), StringComparer.Ordinal);
        }

        private readonly Dictionary<string, IReadOnlyList<ControlResult>> _byPortgroup;

        public Host Host { get; }
        /// <summary>Null for a standalone host.</summary>
        public Cluster? Cluster { get; }
        /// <summary>Host-scope results.</summary>
        public IReadOnlyList<ControlResult> Results { get; }
        /// <summary>Results of the host's standard vSwitches and portgroups.</summary>
        public IReadOnlyList<ControlResult> PortgroupResults { get; }

        /// <summary>The host-scope result of this control, or null when the evaluation had no such control.</summary>
        public ControlResult? Find(string controlId) => _byId.TryGetValue(controlId, out var r) ? r : null;

        /// <summary>The results of the host's standard portgroup of this name (empty when it has none).</summary>
        public IReadOnlyList<ControlResult> OfPortgroup(string? name) =>
            name != null && _byPortgroup.TryGetValue(name, out var r) ? r : Array.Empty<ControlResult>();
    }

    /// <summary>The outcome of a baseline on every object of an inventory it applies to.</summary>
    public sealed class ControlAssessment
    {
        public ControlAssessment(Inv inventory, Baseline baseline, IReadOnlyDictionary<string, HostAssessment> hosts,
            IReadOnlyList<ControlResult> distributedPortgroups, IReadOnlyList<string> warnings, IReadOnlyList<ControlResult>? vms = null,
            IReadOnlyList<ControlResult>? switches = null, IReadOnlyList<ControlResult>? estate = null)
        {
            Vms = vms ?? Array.Empty<ControlResult>();
            Switches = switches ?? Array.Empty<ControlResult>();
            Estate = estate ?? Array.Empty<ControlResult>();
            Inventory = inventory;
            Baseline = baseline;
            Hosts = hosts;
            DistributedPortgroups = distributedPortgroups;
            Warnings = warnings;
        }

        public Inv Inventory { get; }
        public Baseline Baseline { get; }
        /// <summary>By host id: every host of the selected clusters, connected or not (a disconnected host's results are NotEvaluated).</summary>
        public IReadOnlyDictionary<string, HostAssessment> Hosts { get; }
        /// <summary>One result per distributed portgroup and control.</summary>
        public IReadOnlyList<ControlResult> DistributedPortgroups { get; }
        /// <summary>One result per VM and VM control, in VM id order.</summary>
        public IReadOnlyList<ControlResult> Vms { get; }
        /// <summary>One result per distributed switch and switch control.</summary>
        public IReadOnlyList<ControlResult> Switches { get; }
        /// <summary>The vCenter Server's results, then one per cluster and cluster control.</summary>
        public IReadOnlyList<ControlResult> Estate { get; }
        /// <summary>Things a person should know about the evaluation.</summary>
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>Every result: hosts, their standard portgroups, distributed portgroups.</summary>
        public IEnumerable<ControlResult> All =>
            Hosts.Values.SelectMany(h => h.Results.Concat(h.PortgroupResults)).Concat(DistributedPortgroups).Concat(Switches).Concat(Vms).Concat(Estate);
    }

    public sealed class EvaluationOptions
    {
        /// <summary>Cluster names or ids to evaluate; null or empty = all. Wildcards allowed.</summary>
        public IReadOnlyCollection<string>? Clusters { get; set; }
        /// <summary>Control ids to keep; null or empty = all the baseline has. Wildcards allowed; an id without wildcards that names no control is an error.</summary>
        public IReadOnlyCollection<string>? ControlIds { get; set; }
        /// <summary>Judge every control against its peers' majority, ignoring the baseline's values.</summary>
        public bool Peer { get; set; }
        /// <summary>The kinds of object to evaluate; null = all. A use case that reads only host results need not judge every VM.</summary>
        public IReadOnlyCollection<ControlScope>? Scopes { get; set; }
        /// <summary>VM names or ids to evaluate VM controls on (wildcards); null = all, empty = none.</summary>
        public IReadOnlyCollection<string>? Vms { get; set; }
        /// <summary>Peer mode: which VMs are each other's peers.</summary>
        public VmPeerGroup VmPeers { get; set; } = VmPeerGroup.Folder;
        /// <summary>With <see cref="VmPeerGroup.Tag"/>: the tag category whose tag makes VMs peers.</summary>
        public string? VmPeerTagCategory { get; set; }
    }

    /// <summary>Which VMs are compared with each other in peer mode.</summary>
    public enum VmPeerGroup
    {
        /// <summary>The VMs of one inventory folder (VMs of one application usually share one).</summary>
        Folder,
        /// <summary>The VMs of one cluster.</summary>
        Cluster,
        /// <summary>VMs connected to exactly the same networks.</summary>
        Network,
        /// <summary>VMs with the same tag in one category (VmPeerTagCategory).</summary>
        Tag,
    }

    /// <summary>
    /// Evaluates a baseline's controls, each on the objects of its scope: every host, every standard
    /// portgroup of every host, every distributed portgroup. Each (object, control) gives one result:
    /// Pass or Fail on a reported value, NotEvaluated (with the reason) when the value was not
    /// reported, the host is not connected, or peer mode has no peers or no majority. In peer mode the
    /// expectation is the majority of the object's peers (the cluster's hosts, the same-named
    /// portgroup on the cluster's other hosts, the other portgroups of the switch); values nobody
    /// reported do not vote.
    /// </summary>
    public static class ControlEvaluator
    {
        public static ControlAssessment Evaluate(Inv inventory, Baseline baseline, EvaluationOptions? options = null)
        {
            options ??= new EvaluationOptions();
            var warnings = new List<string>();
            var controls = SelectControls(baseline, options);
            var scopes = options.Scopes;
            if (scopes != null) controls = controls.Where(c => scopes.Contains(c.Definition.Scope)).ToArray();
            var clusterFilter = NameFilter.Create(options.Clusters);
            bool InSelection(Cluster? c) => clusterFilter == null || (c != null && (clusterFilter(c.Name) || clusterFilter(c.Id)));

            var hosts = new Dictionary<string, HostAssessment>(StringComparer.Ordinal);
            var hostControls = controls.Where(c => c.Definition.Scope == ControlScope.Host).ToArray();
            var portgroupControls = controls.Where(c => c.Definition.Scope == ControlScope.StandardPortgroup).ToArray();
            var switchControls = controls.Where(c => c.Definition.Scope == ControlScope.StandardSwitch).ToArray();
            foreach (var group in inventory.Hosts.GroupBy(h => h.ClusterId ?? "", StringComparer.Ordinal))
            {
                var cluster = inventory.GetCluster(group.Key);
                if (!InSelection(cluster)) continue;
                var members = group.ToList();
                foreach (var h in members.Where(h => h.ConnectionState != ConnectionState.Connected))
                    warnings.Add($"Host '{h.Name}' is {h.ConnectionState}: its configuration is not current, so its controls were not evaluated.");
                var connected = members.Count(h => h.ConnectionState == ConnectionState.Connected);
                if (hostControls.Any(c => c.Peer) && members.Count > 0)
                {
                    if (cluster == null)
                        warnings.Add($"Standalone hosts ({string.Join(", ", members.Select(h => h.Name))}) have no cluster peers: their peer controls are not evaluated.");
                    else if (connected == 1)
                        warnings.Add($"Cluster '{cluster.Name}' has one connected host; peer controls need at least two to compare, so they are not evaluated there.");
                }
                var expanded = ExpandTemplates(hostControls, members);
                var hostTargets = members.Select(h => ControlTarget.OfHost(h, cluster)).ToArray();
                var hostResults = Judge(expanded, hostTargets, inventory, "hosts");
                var portgroupTargets = members.SelectMany(h => h.Portgroups.Select(p => ControlTarget.OfStandardPortgroup(h, cluster, p))).ToArray();
                var portgroupResults = Judge(portgroupControls, portgroupTargets, inventory, "hosts");
                var switchTargets = members.SelectMany(h => ControlTarget.OfStandardNetwork(h, cluster)).ToArray();
                var switchResults = Judge(switchControls, switchTargets, inventory, "hosts");
                foreach (var h in members)
                {
                    // A standard portgroup or vSwitch target always has its host.
                    hosts[h.Id] = new HostAssessment(h, cluster,
                        hostResults.TryGetValue(h.Id, out var r) ? r : Array.Empty<ControlResult>() as IReadOnlyList<ControlResult>,
                        switchTargets.Where(t => t.Host!.Id == h.Id).SelectMany(t => switchResults.TryGetValue(t.Id, out var p) ? p : Enumerable.Empty<ControlResult>())
                            .Concat(portgroupTargets.Where(t => t.Host!.Id == h.Id).SelectMany(t => portgroupResults.TryGetValue(t.Id, out var p) ? p : Enumerable.Empty<ControlResult>()))
                            .ToArray());
                }
            }

            var distributedControls = controls.Where(c => c.Definition.Scope == ControlScope.DistributedPortgroup).ToArray();
            var distributed = new List<ControlResult>();
            if (distributedControls.Length > 0)
            {
                var selectedHosts = new HashSet<string>(hosts.Keys, StringComparer.Ordinal);
                var targets = inventory.Networks
                    .Where(n => n.Kind == NetworkKind.DistributedPortgroup && !n.IsUplink)
                    // With -Cluster: the portgroups of switches that reach a selected host.
                    .Where(n => clusterFilter == null || (inventory.GetDistributedSwitch(n.DvsId)?.HostIds.Any(selectedHosts.Contains) ?? false))
                    .Select(n => ControlTarget.OfDistributedPortgroup(n, inventory.GetDistributedSwitch(n.DvsId))).ToArray();
                var results = Judge(distributedControls, targets, inventory, "portgroups");
                distributed.AddRange(targets.SelectMany(t => results.TryGetValue(t.Id, out var r) ? r : Enumerable.Empty<ControlResult>()));
            }
            var selected = new HashSet<string>(hosts.Keys, StringComparer.Ordinal);
            var switches = JudgeAll(controls, ControlScope.DistributedSwitch, inventory, "switches",
                inventory.DistributedSwitches.Where(d => clusterFilter == null || d.HostIds.Any(selected.Contains)).Select(ControlTarget.OfDistributedSwitch));
            var estate = JudgeAll(controls, ControlScope.VCenter, inventory, "vCenter Servers", new[] { ControlTarget.OfVCenter(VCenterOf(inventory), inventory.Source) })
                .Concat(JudgeAll(controls, ControlScope.Cluster, inventory, "clusters", inventory.Clusters.Where(InSelection).Select(ControlTarget.OfCluster))).ToList();

            var vms = new List<ControlResult>();
            var vmControls = controls.Where(c => c.Definition.Scope == ControlScope.Vm).ToArray();
            if (vmControls.Length > 0 && (options.Vms == null || options.Vms.Count > 0))
            {
                if (options.VmPeers == VmPeerGroup.Tag && string.IsNullOrEmpty(options.VmPeerTagCategory) && vmControls.Any(c => c.Peer))
                    throw new ArgumentException("VM peers by tag need the tag category whose tags make VMs peers (VmPeerTagCategory; -PeerTagCategory on Get-VmControlDrift).");
                var vmFilter = NameFilter.Create(options.Vms);
                bool Selected(Vm vm) => vmFilter == null || vmFilter(vm.Name) || vmFilter(vm.Id);
                // In peer mode the VMs that were not asked about still vote: -Vm narrows what is reported, not who the peers are.
                var judgeAll = vmControls.Any(c => c.Peer);
                var targets = new List<ControlTarget>();
                foreach (var vm in inventory.Vms)
                {
                    if (!judgeAll && !Selected(vm)) continue;
                    var host = inventory.GetHost(vm.HostId);
                    var cluster = inventory.GetCluster(host?.ClusterId);
                    if (clusterFilter != null && !InSelection(cluster)) continue;
                    targets.Add(ControlTarget.OfVm(vm, host, cluster, VmPeerKey(vm, cluster, options)));
                }
                var results = Judge(vmControls, targets, inventory, "VMs");
                vms.AddRange(targets.Where(t => Selected(t.Vm!)).SelectMany(t => results.TryGetValue(t.Id, out var r) ? r : Enumerable.Empty<ControlResult>()));
            }
            return new ControlAssessment(inventory, baseline, hosts, distributed, warnings, vms, switches, estate);
        }

        /// <summary>The controls of one scope on its targets, in target order.</summary>
        private static List<ControlResult> JudgeAll(IReadOnlyList<EffectiveControl> controls, ControlScope scope, Inv inventory, string peerNoun, IEnumerable<ControlTarget> targets)
        {
            var scoped = controls.Where(c => c.Definition.Scope == scope).ToArray();
            if (scoped.Length == 0) return new List<ControlResult>();
            var list = targets.ToArray();
            var results = Judge(scoped, list, inventory, peerNoun);
            return list.SelectMany(t => results.TryGetValue(t.Id, out var r) ? r : Enumerable.Empty<ControlResult>()).ToList();
        }

        // An inventory without a vCenter (a snapshot from before vCenter controls, a host read directly) still gets its vCenter results: not evaluated, saying why.
        private static VCenterServer VCenterOf(Inv inventory) => inventory.VCenter ?? new VCenterServer
        {
            Name = inventory.Source,
            NotReported = new Dictionary<string, string>
            {
                [DataArea.VCenterSettings] = "the inventory has no vCenter Server settings (a snapshot from before vCenter controls, or a source that is not a vCenter)",
            },
        };

        /// <summary>What makes two VMs peers; null when the VM has no peer group (no folder, no tag of the category).</summary>
        private static string? VmPeerKey(Vm vm, Cluster? cluster, EvaluationOptions options)
        {
            switch (options.VmPeers)
            {
                case VmPeerGroup.Cluster: return cluster?.Id;
                case VmPeerGroup.Network:
                    var networks = vm.Nics.Select(n => n.NetworkId).OfType<string>().Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToArray();
                    return networks.Length == 0 ? null : string.Join("\u0001", networks);
                case VmPeerGroup.Tag:
                    var tags = vm.Tags.Where(t => string.Equals(t.Category, options.VmPeerTagCategory, StringComparison.OrdinalIgnoreCase)).Select(t => t.Name ?? "")
                        .OrderBy(n => n, StringComparer.Ordinal).ToArray();
                    return tags.Length == 0 ? null : string.Join("\u0001", tags);
                default: return vm.Folder;
            }
        }

        /// <summary>The baseline's controls that <paramref name="options"/> keep; an id without wildcards that keeps none is an error.</summary>
        private static IReadOnlyList<EffectiveControl> SelectControls(Baseline baseline, EvaluationOptions options)
        {
            var controls = baseline.Controls.Select(c => options.Peer && !c.Peer ? c.AsPeer() : c).ToArray();
            if (options.ControlIds == null || options.ControlIds.Count == 0) return controls;
            foreach (var id in options.ControlIds.Where(i => !NameFilter.HasWildcards(i)))
            {
                // One pattern makes a filter (null is only for no patterns).
                var one = NameFilter.Create(new[] { id })!;
                if (controls.Any(c => one(c.Id) || one(c.Definition.Id))) continue;
                var known = ControlCatalog.BuiltIn.Find(id) ?? baseline.CustomControls.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));
                throw new UnknownIdException("control", id, known != null
                    ? $"Control '{id}' is not in baseline '{baseline.Name}'. Get-ComplianceControl -Baseline {baseline.Name} lists the controls it has."
                    : $"There is no control '{id}'. Get-ComplianceControl lists the control ids; wildcards (esx-9.log-*) select several.");
            }
            // ControlIds has patterns (checked above), so this is a filter, not null.
            var filter = NameFilter.Create(options.ControlIds)!;
            return controls.Where(c => filter(c.Id) || filter(c.Definition.Id)).ToArray();
        }

        /// <summary>Every control on every target, by target id, in control order.</summary>
        private static Dictionary<string, List<ControlResult>> Judge(IReadOnlyList<EffectiveControl> controls, IReadOnlyList<ControlTarget> targets, Inv inventory, string peerNoun)
        {
            var byTarget = targets.ToDictionary(t => t.Id, _ => new List<ControlResult>(controls.Count), StringComparer.Ordinal);
            if (targets.Count == 0) return byTarget;
            // Each target's list by its place: millions of results at 100k VMs, each added without a lookup by id.
            var lists = targets.Select(t => byTarget[t.Id]).ToArray();
            foreach (var control in controls)
            {
                // Template controls were expanded per package or service (each has a name or key), so every control here has its reader.
                var reader = control.Reader!;
                var values = targets.Select(t => t.Unavailable != null ? FactValue.NotReported(t.Unavailable) : reader(t, inventory)).ToArray();
                if (!control.Peer)
                {
                    for (int i = 0; i < targets.Count; i++)
                        lists[i].Add(Fixed(control, targets[i], values[i]));
                    continue;
                }
                foreach (var peers in Enumerable.Range(0, targets.Count).GroupBy(i => targets[i].PeerGroup ?? "\u0000" + targets[i].Id, StringComparer.Ordinal))
                    JudgeByMajority(control, peers.ToArray(), targets, values, lists, peerNoun);
            }
            return byTarget;
        }

        private static ControlResult Fixed(EffectiveControl control, ControlTarget target, FactValue value)
        {
            // Only a peer control has no expectation, and peer controls are judged by majority instead.
            var expectation = control.Expectation!;
            if (value.IsNotReported)
                return new ControlResult(control, target, value, Outcome.NotEvaluated, expectation.Text, value.NotReportedReason);
            bool passes;
            try
            {
                passes = expectation.Test(value);
            }
            catch (RegexMatchTimeoutException ex)
            {
                // A pattern that backtracks without end on this value: the value was reported, but
                // the control could not judge it, which is neither a pass nor a fail.
                return new ControlResult(control, target, value, Outcome.NotEvaluated, expectation.Text,
                    $"the pattern of {control.Id} took longer than {ex.MatchTimeout.TotalSeconds:0.#} s on the value of {target.Name}; simplify the expression");
            }
            return new ControlResult(control, target, value, passes ? Outcome.Pass : Outcome.Fail, expectation.Text);
        }

        private static void JudgeByMajority(EffectiveControl control, int[] members, IReadOnlyList<ControlTarget> targets, FactValue[] values,
            List<ControlResult>[] lists, string peerNoun)
        {
            void Add(int i, ControlResult r) => lists[i].Add(r);
            var voters = members.Where(i => !values[i].IsNotReported).ToArray();
            foreach (var i in members.Where(i => values[i].IsNotReported))
                Add(i, new ControlResult(control, targets[i], values[i], Outcome.NotEvaluated, "peer majority", values[i].NotReportedReason));
            if (voters.Length == 0) return;
            if (targets[voters[0]].PeerGroup == null || voters.Length < 2)
            {
                var first = targets[voters[0]];
                var why = first.PeerGroup == null
                    ? (first.Scope == ControlScope.Vm ? $"{first.Name} has no peer VMs to compare with (nothing groups it with others under the peer grouping)"
                        : first.Scope == ControlScope.Host || first.Scope == ControlScope.StandardPortgroup ? $"{first.Name} has no peers to compare with (standalone host)"
                        : $"{first.Name} has no peers to compare with")
                    : $"no other of its {peerNoun} reported this value to compare with";
                foreach (var i in voters) Add(i, new ControlResult(control, targets[i], values[i], Outcome.NotEvaluated, "peer majority", why));
                return;
            }
            var counts = voters.GroupBy(i => values[i].Key, StringComparer.Ordinal)
                .Select(g => (value: values[g.First()], count: g.Count()))
                .OrderByDescending(x => x.count).ThenBy(x => x.value.Key, StringComparer.Ordinal).ToArray();
            if (counts.Length > 1 && counts[0].count == counts[1].count)
            {
                var text = "no majority: " + string.Join(" | ", counts.Where(c => c.count == counts[0].count).Select(c => $"{c.value} ({c.count} {peerNoun})"));
                var agreement = $"no majority among {voters.Length} {peerNoun}";
                foreach (var i in voters)
                    Add(i, new ControlResult(control, targets[i], values[i], Outcome.NotEvaluated, text, $"the {peerNoun} have no majority value") { NoMajority = true, PeerAgreement = agreement });
                return;
            }
            var majority = counts[0].value;
            foreach (var i in voters)
            {
                Add(i, new ControlResult(control, targets[i], values[i], values[i].Equals(majority) ? Outcome.Pass : Outcome.Fail, majority.ToString())
                {
                    PeerAgreement = $"{counts[0].count} of {voters.Length} {peerNoun}",
                });
            }
        }

        /// <summary>
        /// Turns template controls without a parameter into one control per package or service seen
        /// on any host of the cluster, leaving out facts another control already reads (so SSH is
        /// reported once, by esx-9.ssh, not again as vc.service-running:TSM-SSH).
        /// </summary>
        private static IReadOnlyList<EffectiveControl> ExpandTemplates(IReadOnlyList<EffectiveControl> controls, List<Host> hosts)
        {
            if (!controls.Any(c => c.IsUnexpandedTemplate)) return controls;
            var result = controls.Where(c => !c.IsUnexpandedTemplate).ToList();
            var facts = new HashSet<string>(result.Select(c => c.Fact), StringComparer.Ordinal);
            foreach (var template in controls.Where(c => c.IsUnexpandedTemplate))
            {
                foreach (var parameter in ParameterValues(template.Definition.Parameter, hosts))
                {
                    var instance = template.WithParameter(parameter);
                    if (facts.Add(instance.Fact)) result.Add(instance);
                }
            }
            return result;
        }

        private static IEnumerable<string?> ParameterValues(string? parameterKind, List<Host> hosts)
        {
            switch (parameterKind)
            {
                case "package": return hosts.SelectMany(h => h.Packages.Select(p => p.Name)).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal);
                case "service": return hosts.SelectMany(h => h.Services.Select(s => s.Key)).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal);
                default: return Enumerable.Empty<string>();
            }
        }
    }
}
