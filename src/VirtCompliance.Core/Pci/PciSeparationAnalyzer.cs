using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using VirtCompliance.Controls;
using VirtCompliance.Common;
using VirtCompliance.Drift;
using VirtCompliance.Evaluation;
using VirtCompliance.Firewall;
using VirtCompliance.Model;
using VirtCompliance.Scope;

namespace VirtCompliance.Pci
{
    /// <summary>
    /// Tests the separation of the cardholder data environment in a virtual infrastructure under
    /// one reading of PCI DSS 2.2.3 (<see cref="PciInterpretation"/>). Each rule groups its work by
    /// host, segment or datastore; nothing compares all pairs of VMs.
    /// </summary>
    public sealed class PciSeparationAnalyzer
    {
        public const string MixedScopeHost = "pci.mixed-scope-host";
        public const string CdeWithConnected = "pci.cde-with-connected";
        public const string PotentialMixedScopeHost = "pci.potential-mixed-scope-host";
        public const string SharedSegment = "pci.shared-segment";
        public const string DualHomedVm = "pci.dual-homed-vm";
        public const string TrunkCarriesCde = "pci.trunk-carries-cde";
        public const string InsecureSwitchPolicy = "pci.insecure-switch-policy";
        public const string InScopeHostControls = "pci.in-scope-host-controls";
        public const string InScopeHostUnverified = "pci.in-scope-host-unverified";
        public const string SharedDatastore = "pci.shared-datastore";
        public const string UnknownScopeVm = "pci.unknown-scope-vm";
        public const string ScopeConflict = "pci.scope-conflict";
        /// <summary>The gate's own rule: no VM is in CDE scope, so there was nothing to test.</summary>
        public const string NothingInCdeScope = "pci.no-cde-scope";

        /// <summary>Every rule id, in the order findings are written (the registry's order).</summary>
        public static IReadOnlyList<string> RuleIds { get; } = SeparationRules.All.Select(r => r.Info.Id).ToArray();

        // What the rules share, worked out once per analysis.
        public PciScopeModel Model { get; }
        /// <summary>The baseline evaluated on the inventory's hosts: the hardening evidence.</summary>
        public ControlAssessment Assessment { get; }
        public PciInterpretation Interpretation { get; }
        public VirtCompliance.Model.Inventory Inventory { get; }
        /// <summary>Segments with CDE and out-of-scope adapters, and whether filters separate them.</summary>
        internal Dictionary<NetworkSegment, SegmentSeparation> Separation { get; } = new Dictionary<NetworkSegment, SegmentSeparation>();
        /// <summary>Out-of-scope VMs that reach a CDE VM at layer 2: an unseparated shared segment, or a trunk carrying CDE traffic.</summary>
        internal Dictionary<string, string> AdjacentToCde { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
        internal HashSet<string> AntiAffinePairs { get; } = new HashSet<string>(StringComparer.Ordinal);
        internal Dictionary<string, Dictionary<string, DrsVmOverride>> DrsOverrides { get; }

        /// <param name="model">Scopes, segments and placements of one inventory.</param>
        /// <param name="assessment">The baseline evaluated on the inventory's hosts: the hardening evidence.</param>
        /// <param name="interpretation">How mixed hosts and shared datastores are judged.</param>
        public PciSeparationAnalyzer(PciScopeModel model, ControlAssessment assessment, PciInterpretation interpretation)
        {
            Model = model;
            Assessment = assessment;
            Interpretation = interpretation;
            Inventory = model.Inventory;
            // A DRS override is read from the cluster's drsVmConfig by the VM it names (the collector keeps only those that name one).
            DrsOverrides = Inventory.Clusters.ToDictionary(c => c.Id,
                c => c.DrsVmOverrides.GroupBy(o => o.VmId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal),
                StringComparer.Ordinal);
            foreach (var cluster in Inventory.Clusters.Where(c => c.DrsEnabled))
                foreach (var rule in cluster.Rules.Where(r => r.Enabled && r.Kind == ClusterRuleKind.VmAntiAffinity))
                    foreach (var a in rule.VmIds)
                        foreach (var b in rule.VmIds)
                            if (string.CompareOrdinal(a, b) < 0) AntiAffinePairs.Add(a + "|" + b);

            foreach (var segment in model.Segments.All)
            {
                var cde = model.AttachmentsOf(segment, PciScope.Cde).ToArray();
                var outside = model.AttachmentsOf(segment, PciScope.OutOfScope).ToArray();
                if (cde.Length == 0 || outside.Length == 0) continue;
                var result = Separate(segment, cde, outside);
                Separation[segment] = result;
                if (!result.Separated)
                    foreach (var a in outside) AdjacentToCde[a.Vm.Id] = $"shares segment {segment.Name} with CDE VMs";
            }
            foreach (var trunk in model.Segments.All.Where(s => s.IsTrunk && s.CarriedSegments.Any(model.HasCde)))
                foreach (var a in model.AttachmentsOf(trunk, PciScope.OutOfScope))
                    AdjacentToCde[a.Vm.Id] = $"is attached to trunk {trunk.Name}, which carries CDE VLANs";
        }

        /// <summary>Every rule of the registry, in its order.</summary>
        public IEnumerable<PciSeparationFinding> Analyze() => SeparationRules.All.SelectMany(rule => rule.Evaluate(this));

        // ---- hosts --------------------------------------------------------------------------





        /// <summary>
        /// Adds one evidence line per hypervisor-isolation condition and returns how many are unmet:
        /// (1) the out-of-scope VMs cannot reach CDE VMs at layer 2, (2) the CDE VMs' segments do not
        /// accept promiscuous mode, MAC changes or forged transmits, (3) the host passes the
        /// baseline's host controls.
        /// </summary>
        internal int IsolationConditions(Host host, IReadOnlyCollection<Vm> cde, IReadOnlyCollection<Vm> outside, List<string> evidence)
        {
            var unmet = 0;
            var adjacent = outside.Where(v => AdjacentToCde.ContainsKey(v.Id)).ToArray();
            if (adjacent.Length == 0) evidence.Add("Condition 1 met: no out-of-scope VM here shares a layer-2 segment or trunk with CDE VMs.");
            else
            {
                unmet++;
                evidence.Add("Condition 1 NOT met: " + PciScopeModel.Join(adjacent.Select(v => $"{v.Name} {AdjacentToCde[v.Id]}"), 10));
            }

            var insecure = cde.SelectMany(v => Model.Segments.OfVm(v.Id)).Where(s => s.InsecurePolicies.Count > 0).Distinct().ToArray();
            if (insecure.Length == 0) evidence.Add("Condition 2 met: the CDE VMs' segments reject promiscuous mode, MAC changes and forged transmits.");
            else
            {
                unmet++;
                evidence.Add("Condition 2 NOT met: " + string.Join("; ", insecure.SelectMany(s => s.InsecurePolicies)));
            }

            var (failing, unproven) = HostResults(host, hostControlsOnly: true);
            if (failing.Count > 0)
            {
                unmet++;
                evidence.Add($"Condition 3 NOT met: host fails {Count(failing.Count, "host control")} of baseline {Assessment.Baseline.Name}: " +
                    PciScopeModel.Join(failing.Select(r => r.Control.Id), 10));
            }
            else if (unproven.Count > 0)
            {
                unmet++;
                evidence.Add($"Condition 3 NOT met: {Count(unproven.Count, "host control")} of baseline {Assessment.Baseline.Name} could not be verified on host {host.Name}: " +
                    PciScopeModel.Join(unproven.Select(r => $"{r.Control.Id} ({r.Reason})"), 4));
            }
            else evidence.Add($"Condition 3 met: host passes every host control of baseline {Assessment.Baseline.Name}.");
            return unmet;
        }



        /// <summary>
        /// A host's failed controls and those that could not be judged (not reported, not connected,
        /// no majority), from its host controls and, unless <paramref name="hostControlsOnly"/>, its
        /// standard portgroups'. A host outside the assessment (filtered out) has neither.
        /// </summary>
        internal (IReadOnlyList<ControlResult> failing, IReadOnlyList<ControlResult> unproven) HostResults(Host host, bool hostControlsOnly)
        {
            if (!Assessment.Hosts.TryGetValue(host.Id, out var hostAssessment))
                return (Array.Empty<ControlResult>(), Array.Empty<ControlResult>());
            var results = hostControlsOnly ? hostAssessment.Results : hostAssessment.Results.Concat(hostAssessment.PortgroupResults).ToArray();
            return (results.Where(r => r.Failed).ToArray(), results.Where(r => r.Outcome == Outcome.NotEvaluated).ToArray());
        }

        // ---- segments -------------------------------------------------------------------------









        // ---- datastores and scope ----------------------------------------------------------------







        // ---- helpers ---------------------------------------------------------------------------

        internal static string Conditions(int unmet) => unmet == 1 ? "1 of the 3 hypervisor-isolation conditions is" : $"{unmet} of the 3 hypervisor-isolation conditions are";

        internal static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

        internal sealed class SegmentSeparation
        {
            public bool Separated;
            public List<string> Evidence = new List<string>();
        }

        /// <summary>
        /// A shared segment is separated when, for every CDE adapter and out-of-scope adapter on it,
        /// both directions are dropped by the filter of one of the two ports (a packet from A to B
        /// leaves A's port and enters B's). Stops at the first pair that is not separated.
        /// </summary>
        internal static SegmentSeparation Separate(NetworkSegment segment, SegmentAttachment[] cde, SegmentAttachment[] outside)
        {
            var result = new SegmentSeparation();
            var filtered = segment.Networks.Where(n => n.TrafficFilter != null && n.TrafficFilter.Enabled).ToArray();
            if (filtered.Length == 0 && !cde.Concat(outside).Any(a => a.Nic.PortFilter != null && a.Nic.PortFilter.Enabled))
            {
                result.Evidence.Add($"No enabled traffic filter on {string.Join(", ", segment.Networks.Select(n => n.Name))}.");
                return result;
            }
            var permitted = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var c in cde)
            {
                foreach (var o in outside)
                {
                    foreach (var (from, to) in new[] { (o, c), (c, o) })
                    {
                        var problem = Blocked(from, to, permitted);
                        if (problem == null) continue;
                        result.Evidence.Add(problem);
                        return result;
                    }
                }
            }
            result.Separated = true;
            result.Evidence.Add($"Traffic filters ({(filtered.Length > 0 ? "on " + string.Join(", ", filtered.Select(n => n.Name)) : "on the VMs' ports")}) drop all other traffic between every CDE and out-of-scope adapter, in both directions.");
            result.Evidence.AddRange(permitted.Select(p => "Permitted exception: " + p));
            return result;
        }

        /// <summary>Null when every packet from one adapter to the other is dropped; else why not.</summary>
        internal static string? Blocked(SegmentAttachment from, SegmentAttachment to, SortedSet<string> permitted)
        {
            var sources = Addresses(from.Nic);
            var targets = Addresses(to.Nic);
            foreach (var s in sources)
            {
                foreach (var t in targets)
                {
                    // A port's own filter overrides its portgroup's (Invoke-VmFirewallPolicy writes those).
                    var leaving = TrafficFilterEvaluator.Decide(from.Nic.PortFilter ?? from.Network.TrafficFilter, PacketDirection.FromVm, s, t);
                    var arriving = TrafficFilterEvaluator.Decide(to.Nic.PortFilter ?? to.Network.TrafficFilter, PacketDirection.ToVm, s, t);
                    foreach (var d in new[] { (leaving, from.Network), (arriving, to.Network) })
                        foreach (var service in d.Item1.PermittedServices)
                            permitted.Add($"{d.Item2.Name} rule {service.Sequence} \"{service.Description}\"");
                    if (leaving.Verdict == FilterVerdict.Dropped || arriving.Verdict == FilterVerdict.Dropped) continue;
                    var text = $"{from.Vm.Name} ({s?.ToString() ?? "address unknown"}) → {to.Vm.Name} ({t?.ToString() ?? "address unknown"})";
                    if (leaving.Verdict == FilterVerdict.Undecided || arriving.Verdict == FilterVerdict.Undecided)
                        return $"Traffic {text} cannot be shown to be dropped: a filter rule names addresses and the guest's address is not known.";
                    var rule = leaving.Rule ?? arriving.Rule;
                    return $"Traffic {text} is allowed: " + (rule != null
                        ? $"rule {rule.Sequence} \"{rule.Description}\" allows it."
                        : $"no filter rule on {from.Network.Name} or {to.Network.Name} covers it, so the switch lets it pass.");
                }
            }
            return null;
        }

        /// <summary>The adapter's addresses; a single null (unknown) when the guest reports none.</summary>
        internal static IReadOnlyList<IPAddress?> Addresses(VmNic nic)
        {
            var list = new List<IPAddress?>();
            foreach (var text in nic.IpAddresses)
                if (IPAddress.TryParse(text, out var a)) list.Add(a);
            return list.Count > 0 ? (IReadOnlyList<IPAddress?>)list : new IPAddress?[] { null };
        }

        internal bool AnyPairNotKeptApart(IReadOnlyList<Vm> cde, IReadOnlyList<Vm> outside)
        {
            if ((long)cde.Count * outside.Count > AntiAffinePairs.Count) return true;
            foreach (var c in cde)
                foreach (var o in outside)
                {
                    var key = string.CompareOrdinal(c.Id, o.Id) < 0 ? c.Id + "|" + o.Id : o.Id + "|" + c.Id;
                    if (!AntiAffinePairs.Contains(key)) return true;
                }
            return false;
        }

        private readonly Dictionary<string, bool> _automated = new Dictionary<string, bool>(StringComparer.Ordinal);

        internal bool AutomatedByDrs(Cluster cluster, Vm vm)
        {
            if (_automated.TryGetValue(vm.Id, out var automated)) return automated;
            DrsOverrides[cluster.Id].TryGetValue(vm.Id, out var vmOverride);
            return _automated[vm.Id] = ExposureAnalyzer.DrsAutomation(cluster, vmOverride, vm.PowerState).automated;
        }

        internal static string DrsText(Cluster cluster) => cluster.DrsEnabled ? ExposureAnalyzer.DrsAutomation(cluster, null, PowerState.PoweredOn).level : "disabled";

        internal string SourcesText()
        {
            var parts = new List<string>();
            if (Model.Sources.TagCategory != null) parts.Add($"tag category {Model.Sources.TagCategory}");
            if (Model.Sources.Attribute != null) parts.Add($"attribute {Model.Sources.Attribute}");
            parts.Add($"{Model.Sources.Patterns.Count} name/folder patterns");
            parts.Add($"{Model.Sources.Map.Count} mapped VMs");
            return string.Join(", ", parts);
        }

        internal string Describe(SegmentAttachment a) => $"{a.Vm.Name} ({a.Network.Name}{Ips(a.Nic)})";

        internal static string Ips(VmNic nic) => nic.IpAddresses.Count == 0 ? "" : ", " + string.Join(" ", nic.IpAddresses);

        internal Host[] HostsOf(IEnumerable<Vm> vms)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var vm in vms)
                if (vm.HostId != null) ids.Add(vm.HostId);
            return ids.Select(Inventory.GetHost).OfType<Host>().OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase).ToArray();
        }

        internal IReadOnlyList<string> ClustersOf(IEnumerable<Host> hosts) => hosts.Select(Model.ClusterName).Distinct(StringComparer.Ordinal)
            .OrderBy(c => c, StringComparer.OrdinalIgnoreCase).ToArray();

        internal PciSeparationFinding Finding(string ruleId, FindingOutcome outcome, Severity severity, IEnumerable<Host> hosts, IEnumerable<Vm> vms,
            string message, IEnumerable<string> evidence, IEnumerable<string> pciDss, string remediation, IEnumerable<string?>? networks = null)
        {
            var hostList = hosts.ToArray();
            return new PciSeparationFinding
            {
                RuleId = ruleId,
                Outcome = outcome,
                Severity = severity,
                Interpretation = Interpretation,
                Clusters = ClustersOf(hostList),
                Hosts = hostList.Select(h => h.Name).ToArray(),
                Vms = vms.Select(v => v.Name).Distinct(StringComparer.Ordinal).ToArray(),
                Networks = networks == null ? Array.Empty<string?>() : networks.Distinct(StringComparer.Ordinal).ToArray(),
                PciDss = pciDss.ToArray(),
                Message = message,
                Evidence = evidence.ToArray(),
                Remediation = remediation,
            };
        }

        /// <summary>One summary per cluster of the inventory (and "(standalone)" when there are standalone hosts); a finding counts in every cluster it touches.</summary>
        public static IEnumerable<PciSeparationSummary> Summarize(VirtCompliance.Model.Inventory inventory, IReadOnlyList<PciSeparationFinding> findings,
            PciInterpretation interpretation, Func<string?, bool>? clusterFilter = null)
        {
            var clusters = inventory.Clusters.Select(c => c.Name).ToList();
            if (inventory.Hosts.Any(h => h.ClusterId == null)) clusters.Add("(standalone)");
            foreach (var name in clusters)
            {
                if (clusterFilter != null && !clusterFilter(name)) continue;
                var mine = findings.Where(f => f.Clusters.Contains(name)).ToArray();
                yield return new PciSeparationSummary
                {
                    Cluster = name,
                    Interpretation = interpretation,
                    Passed = mine.All(f => f.Outcome != FindingOutcome.Fail && f.Outcome != FindingOutcome.NotEvaluated),
                    Fail = mine.Count(f => f.Outcome == FindingOutcome.Fail),
                    NotEvaluated = mine.Count(f => f.Outcome == FindingOutcome.NotEvaluated),
                    Warning = mine.Count(f => f.Outcome == FindingOutcome.Warning),
                    Info = mine.Count(f => f.Outcome == FindingOutcome.Info),
                    Waived = mine.Count(f => f.Outcome == FindingOutcome.Waived),
                    ByRule = mine.GroupBy(f => f.RuleId).OrderBy(g => RuleIds.ToList().IndexOf(g.Key))
                        .ToDictionary(g => g.Key, g => g.Count()),
                    BySeverity = mine.Where(f => f.Outcome != FindingOutcome.Info && f.Outcome != FindingOutcome.Waived).GroupBy(f => f.Severity).OrderByDescending(g => g.Key)
                        .ToDictionary(g => g.Key.ToString(), g => g.Count()),
                    Inventory = inventory.Source,
                };
            }
        }
    }
}
