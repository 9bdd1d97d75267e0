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

        /// <summary>Every rule id, in the order findings are written.</summary>
        public static IReadOnlyList<string> RuleIds { get; } = new[]
        {
            MixedScopeHost, CdeWithConnected, PotentialMixedScopeHost, SharedSegment, DualHomedVm, TrunkCarriesCde,
            InsecureSwitchPolicy, InScopeHostControls, InScopeHostUnverified, SharedDatastore, UnknownScopeVm, ScopeConflict, NothingInCdeScope,
        };

        private readonly PciScopeModel _model;
        private readonly ControlAssessment _assessment;
        private readonly PciInterpretation _interpretation;
        private readonly VirtCompliance.Model.Inventory _inventory;

        // Shared by several rules, worked out once.
        private readonly Dictionary<NetworkSegment, SegmentSeparation> _separation = new Dictionary<NetworkSegment, SegmentSeparation>();
        /// <summary>Out-of-scope VMs that reach a CDE VM at layer 2: an unseparated shared segment, or a trunk carrying CDE traffic.</summary>
        private readonly Dictionary<string, string> _adjacentToCde = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly HashSet<string> _antiAffinePairs = new HashSet<string>(StringComparer.Ordinal);
        private readonly Dictionary<string, Dictionary<string, DrsVmOverride>> _drsOverrides;

        /// <param name="model">Scopes, segments and placements of one inventory.</param>
        /// <param name="assessment">The baseline evaluated on the inventory's hosts: the hardening evidence.</param>
        /// <param name="interpretation">How mixed hosts and shared datastores are judged.</param>
        public PciSeparationAnalyzer(PciScopeModel model, ControlAssessment assessment, PciInterpretation interpretation)
        {
            _model = model;
            _assessment = assessment;
            _interpretation = interpretation;
            _inventory = model.Inventory;
            _drsOverrides = _inventory.Clusters.ToDictionary(c => c.Id,
                c => c.DrsVmOverrides.GroupBy(o => o.VmId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal),
                StringComparer.Ordinal);
            foreach (var cluster in _inventory.Clusters.Where(c => c.DrsEnabled))
                foreach (var rule in cluster.Rules.Where(r => r.Enabled && r.Kind == ClusterRuleKind.VmAntiAffinity))
                    foreach (var a in rule.VmIds)
                        foreach (var b in rule.VmIds)
                            if (string.CompareOrdinal(a, b) < 0) _antiAffinePairs.Add(a + "|" + b);

            foreach (var segment in model.Segments.All)
            {
                var cde = model.AttachmentsOf(segment, PciScope.Cde).ToArray();
                var outside = model.AttachmentsOf(segment, PciScope.OutOfScope).ToArray();
                if (cde.Length == 0 || outside.Length == 0) continue;
                var result = Separate(segment, cde, outside);
                _separation[segment] = result;
                if (!result.Separated)
                    foreach (var a in outside) _adjacentToCde[a.Vm.Id] = $"shares segment {segment.Name} with CDE VMs";
            }
            foreach (var trunk in model.Segments.All.Where(s => s.IsTrunk && s.CarriedSegments.Any(model.HasCde)))
                foreach (var a in model.AttachmentsOf(trunk, PciScope.OutOfScope))
                    _adjacentToCde[a.Vm.Id] = $"is attached to trunk {trunk.Name}, which carries CDE VLANs";
        }

        public IEnumerable<PciSeparationFinding> Analyze()
        {
            return MixedHosts()
                .Concat(PotentialMixedHosts())
                .Concat(SharedSegments())
                .Concat(DualHomedVms())
                .Concat(Trunks())
                .Concat(InsecurePolicies())
                .Concat(InScopeHosts())
                .Concat(SharedDatastores())
                .Concat(UnknownScopeVms())
                .Concat(ScopeConflicts())
                .Concat(NothingInScope());
        }

        /// <summary>
        /// A separation test with no CDE VM tests nothing: a mistyped tag category or an unclassified
        /// estate must not give a green gate. One Fail finding says what was looked for.
        /// </summary>
        private IEnumerable<PciSeparationFinding> NothingInScope()
        {
            var vms = _inventory.Vms.Where(v => !v.Template).ToArray();
            if (vms.Any(v => _model.ScopeOf(v.Id) == PciScope.Cde)) yield break;
            var unknown = vms.Count(v => _model.ScopeOf(v.Id) == PciScope.Unknown);
            var sources = _model.Sources;
            var looked = $"tag category '{sources.TagCategory ?? "(none)"}', custom attribute '{sources.Attribute ?? "(none)"}', {Count(sources.Patterns.Count, "scope map pattern")}, {Count(sources.Map.Count, "mapped VM")}";
            yield return Finding(NothingInCdeScope, FindingOutcome.Fail, Severity.High, Array.Empty<Host>(), Array.Empty<Vm>(),
                vms.Length == 0 ? $"Inventory '{_inventory.Source}' has no VMs: there is nothing to test for CDE separation."
                : unknown == vms.Length ? $"None of the {vms.Length} VMs has a PCI scope ({looked}): separation was not tested."
                : $"No VM is in CDE scope ({vms.Length - unknown} classified, {unknown} of unknown scope; {looked}): separation was not tested.",
                new[] { "Scope sources: " + looked, $"VMs: {vms.Length}, of unknown scope: {unknown}" }, new[] { "12.5.2" },
                "Classify the VMs (tag category, custom attribute or -ScopeMap); check that the tag category and attribute names are the ones used in vCenter.");
        }

        // ---- hosts --------------------------------------------------------------------------

        private IEnumerable<PciSeparationFinding> MixedHosts()
        {
            foreach (var host in _inventory.Hosts)
            {
                var running = _model.PlacementOf(host).Running;
                var cde = running.Where(v => _model.ScopeOf(v.Id) == PciScope.Cde).ToArray();
                if (cde.Length == 0) continue;
                var outside = running.Where(v => _model.ScopeOf(v.Id) == PciScope.OutOfScope).ToArray();
                var connected = running.Where(v => _model.ScopeOf(v.Id) == PciScope.Connected).ToArray();
                if (outside.Length == 0)
                {
                    // Connected-to systems are in scope and held to the same requirements, so sharing
                    // a host with them is not mixing security levels; recorded for the strict reader.
                    if (connected.Length > 0 && _interpretation == PciInterpretation.Strict)
                        yield return Finding(CdeWithConnected, FindingOutcome.Info, Severity.Informational, new[] { host }, cde.Concat(connected),
                            $"Host {host.Name} runs CDE VMs ({PciScopeModel.Names(cde, 3)}) with connected-to VMs ({PciScopeModel.Names(connected, 3)}) and no out-of-scope VMs; all are in scope, so this is not mixing of security levels.",
                            new[] { "CDE VMs: " + PciScopeModel.Names(cde, 50), "Connected-to VMs: " + PciScopeModel.Names(connected, 50) },
                            new[] { "2.2.3" },
                            "None needed. The connected-to VMs must meet the same PCI DSS requirements as the CDE VMs (2.2.3: secured to the highest level).");
                    continue;
                }

                var evidence = new List<string>
                {
                    "Runs CDE VMs: " + PciScopeModel.Names(cde, 50),
                    "Runs out-of-scope VMs: " + PciScopeModel.Names(outside, 50),
                };
                var vms = cde.Concat(outside);
                if (_interpretation == PciInterpretation.Strict)
                {
                    yield return Finding(MixedScopeHost, FindingOutcome.Fail, Severity.High, new[] { host }, vms,
                        $"Host {host.Name} runs CDE VMs ({PciScopeModel.Names(cde, 3)}) and out-of-scope VMs ({PciScopeModel.Names(outside, 3)}) side by side.",
                        evidence.Concat(new[] { "Strict reading of 2.2.3: CDE and out-of-scope VMs must not share a physical host." }),
                        new[] { "2.2.3" },
                        $"Move the out-of-scope VMs off {host.Name}, and keep them off with a mandatory VM-host rule (CDE VMs on a host group of their own).");
                    continue;
                }
                var unmet = IsolationConditions(host, cde, outside, evidence);
                yield return unmet == 0
                    ? Finding(MixedScopeHost, FindingOutcome.Info, Severity.Informational, new[] { host }, vms,
                        $"Host {host.Name} runs CDE VMs ({PciScopeModel.Names(cde, 3)}) with out-of-scope VMs ({PciScopeModel.Names(outside, 3)}); accepted under hypervisor isolation: the guests are network-separated and the host is hardened.",
                        evidence, new[] { "1.3.1", "1.3.2", "2.2.1", "2.2.3" },
                        "None needed under this reading. Keep the evidence: re-run after every change to the host or its networks.")
                    : Finding(MixedScopeHost, FindingOutcome.Fail, Severity.High, new[] { host }, vms,
                        $"Host {host.Name} runs CDE VMs ({PciScopeModel.Names(cde, 3)}) with out-of-scope VMs ({PciScopeModel.Names(outside, 3)}), and {Conditions(unmet)} not met.",
                        evidence, new[] { "1.3.1", "1.3.2", "2.2.1", "2.2.3" },
                        $"Meet the unmet conditions listed in Evidence, or move the out-of-scope VMs off {host.Name}.");
            }
        }

        private IEnumerable<PciSeparationFinding> PotentialMixedHosts()
        {
            foreach (var host in _inventory.Hosts)
            {
                var placement = _model.PlacementOf(host);
                var cde = placement.ReachableOf(PciScope.Cde);
                var outside = placement.ReachableOf(PciScope.OutOfScope);
                if (cde.Count == 0 || outside.Count == 0) continue;
                // Already together: the mixed-scope-host rule reports it.
                if (cde.Any(v => v.HostId == host.Id) && outside.Any(v => v.HostId == host.Id)) continue;
                if (!AnyPairNotKeptApart(cde, outside)) continue;

                var cluster = _inventory.GetCluster(host.ClusterId);
                var movers = cde.Concat(outside).Where(v => v.HostId != host.Id).ToArray();
                var automated = cluster == null ? Array.Empty<Vm>() : movers.Where(v => AutomatedByDrs(cluster, v)).ToArray();
                var evidence = new List<string>();
                foreach (var (vms, label) in new[] { (cde, "CDE"), (outside, "out-of-scope") })
                {
                    var here = vms.Where(v => v.HostId == host.Id).ToArray();
                    var elsewhere = vms.Where(v => v.HostId != host.Id).ToArray();
                    if (here.Length > 0) evidence.Add($"Runs {label} VMs: " + PciScopeModel.Names(here, 50));
                    if (elsewhere.Length > 0) evidence.Add($"{char.ToUpperInvariant(label[0])}{label.Substring(1)} VMs that can be moved here: " + PciScopeModel.Names(elsewhere, 50));
                }
                evidence.Add("No enabled mandatory VM-host rule keeps them off this host, and no anti-affinity rule keeps every pair apart.");
                if (cluster != null)
                {
                    evidence.Add(automated.Length > 0
                        ? $"DRS ({DrsText(cluster)}) would move these powered-on VMs without anyone approving: {PciScopeModel.Names(automated, 20)}"
                        : $"DRS ({DrsText(cluster)}) does not move these VMs on its own; an administrator's vMotion {(cluster.HaEnabled ? "or an HA restart " : "")}would bring them together.");
                    if (cluster.HaEnabled) evidence.Add("HA is enabled: after a host failure HA restarts VMs on any compatible host, ignoring \"should\" rules.");
                }
                var outcome = automated.Length > 0 ? FindingOutcome.Fail : FindingOutcome.Warning;
                var severity = automated.Length > 0 ? Severity.High : Severity.Medium;
                var pci = new[] { "2.2.3" };
                var message = $"CDE VMs ({PciScopeModel.Names(cde, 3)}) and out-of-scope VMs ({PciScopeModel.Names(outside, 3)}) can be placed together on host {host.Name}"
                    + (automated.Length > 0 ? " and DRS may do so on its own." : " by vMotion or HA.");
                if (_interpretation == PciInterpretation.HypervisorIsolation)
                {
                    var unmet = IsolationConditions(host, cde, outside, evidence);
                    pci = new[] { "1.3.1", "1.3.2", "2.2.1", "2.2.3" };
                    if (unmet == 0)
                    {
                        outcome = FindingOutcome.Info;
                        severity = Severity.Informational;
                        message += " Accepted under hypervisor isolation: the guests are network-separated and the host is hardened.";
                    }
                    else message += $" {Conditions(unmet)} not met for this host.";
                }
                yield return Finding(PotentialMixedScopeHost, outcome, severity, new[] { host }, cde.Concat(outside), message, evidence, pci,
                    "Put the CDE VMs and the out-of-scope VMs in VM groups and add mandatory (\"must run on\") VM-host rules to separate host groups, or move the out-of-scope VMs to another cluster.");
            }
        }

        /// <summary>
        /// Adds one evidence line per hypervisor-isolation condition and returns how many are unmet:
        /// (1) the out-of-scope VMs cannot reach CDE VMs at layer 2, (2) the CDE VMs' segments do not
        /// accept promiscuous mode, MAC changes or forged transmits, (3) the host passes the
        /// baseline's host controls.
        /// </summary>
        private int IsolationConditions(Host host, IReadOnlyCollection<Vm> cde, IReadOnlyCollection<Vm> outside, List<string> evidence)
        {
            var unmet = 0;
            var adjacent = outside.Where(v => _adjacentToCde.ContainsKey(v.Id)).ToArray();
            if (adjacent.Length == 0) evidence.Add("Condition 1 met: no out-of-scope VM here shares a layer-2 segment or trunk with CDE VMs.");
            else
            {
                unmet++;
                evidence.Add("Condition 1 NOT met: " + PciScopeModel.Join(adjacent.Select(v => $"{v.Name} {_adjacentToCde[v.Id]}"), 10));
            }

            var insecure = cde.SelectMany(v => _model.Segments.OfVm(v.Id)).Where(s => s.InsecurePolicies.Count > 0).Distinct().ToArray();
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
                evidence.Add($"Condition 3 NOT met: host fails {Count(failing.Count, "host control")} of baseline {_assessment.Baseline.Name}: " +
                    PciScopeModel.Join(failing.Select(r => r.Control.Id), 10));
            }
            else if (unproven.Count > 0)
            {
                unmet++;
                evidence.Add($"Condition 3 NOT met: {Count(unproven.Count, "host control")} of baseline {_assessment.Baseline.Name} could not be verified on host {host.Name}: " +
                    PciScopeModel.Join(unproven.Select(r => $"{r.Control.Id} ({r.Reason})"), 4));
            }
            else evidence.Add($"Condition 3 met: host passes every host control of baseline {_assessment.Baseline.Name}.");
            return unmet;
        }

        private IEnumerable<PciSeparationFinding> InScopeHosts()
        {
            foreach (var host in _inventory.Hosts)
            {
                var scope = _model.HostScope(host);
                if (scope.Scope != PciScope.Cde && scope.Scope != PciScope.Connected) continue;
                var (failing, unproven) = HostResults(host, hostControlsOnly: false);
                var label = PciScopeModel.Label(scope.Scope);
                if (unproven.Count > 0)
                {
                    var disconnected = host.ConnectionState != ConnectionState.Connected;
                    yield return Finding(InScopeHostUnverified, FindingOutcome.NotEvaluated, Severity.Medium, new[] { host }, Array.Empty<Vm>(),
                        disconnected
                            ? $"Host {host.Name} is in {label} scope ({scope.Source}) but is {host.ConnectionState}, so its controls could not be verified."
                            : $"Host {host.Name} is in {label} scope ({scope.Source}) but {Count(unproven.Count, "control")} of baseline {_assessment.Baseline.Name} could not be verified: {PciScopeModel.Join(unproven.Select(r => r.Control.Id), 4)}.",
                        new[] { $"Scope: {scope.Source}", $"Connection state: {host.ConnectionState}" }
                            .Concat(unproven.Select(r => $"{r.Control.Id}{(r.Target.Scope == ControlScope.Host ? "" : $" ({r.Target.Name})")}: not evaluated, {r.Reason}")),
                        new[] { "2.2.1", "12.5.2" },
                        disconnected ? $"Reconnect {host.Name} and collect the inventory again."
                            : "Collect with an account that can read the host's configuration (the reasons name what was not reported), then run the test again.");
                }
                if (failing.Count == 0) continue;
                var evidence = new List<string> { $"Scope: {scope.Source}" };
                evidence.AddRange(failing.Select(r => $"{r.Control.Id}{(r.Target.Scope == ControlScope.Host ? "" : $" ({r.Target.Name})")}: expected {r.ExpectedText}, found {r.Actual}"));
                yield return Finding(InScopeHostControls, FindingOutcome.Fail, failing.Max(r => r.Control.Severity), new[] { host }, Array.Empty<Vm>(),
                    $"Host {host.Name} is in {label} scope ({scope.Source}) and fails {Count(failing.Count, "control")} of baseline {_assessment.Baseline.Name}: {PciScopeModel.Join(failing.Select(r => r.Control.Id), 4)}.",
                    evidence,
                    failing.SelectMany(r => r.Control.Definition.PciDss).Concat(new[] { "2.2.1" }).Distinct().OrderBy(p => p, StringComparer.Ordinal),
                    $"Bring {host.Name} to the baseline (Get-HostControlDrift shows each control's remediation), or keep {label} VMs off it.");
            }
        }

        /// <summary>
        /// A host's failed controls and those that could not be judged (not reported, not connected,
        /// no majority), from its host controls and, unless <paramref name="hostControlsOnly"/>, its
        /// standard portgroups'. A host outside the assessment (filtered out) has neither.
        /// </summary>
        private (IReadOnlyList<ControlResult> failing, IReadOnlyList<ControlResult> unproven) HostResults(Host host, bool hostControlsOnly)
        {
            if (!_assessment.Hosts.TryGetValue(host.Id, out var hostAssessment))
                return (Array.Empty<ControlResult>(), Array.Empty<ControlResult>());
            var results = hostControlsOnly ? hostAssessment.Results : hostAssessment.Results.Concat(hostAssessment.PortgroupResults).ToArray();
            return (results.Where(r => r.Failed).ToArray(), results.Where(r => r.Outcome == Outcome.NotEvaluated).ToArray());
        }

        // ---- segments -------------------------------------------------------------------------

        private IEnumerable<PciSeparationFinding> SharedSegments()
        {
            foreach (var pair in _separation.OrderBy(p => p.Key.Id, StringComparer.Ordinal))
            {
                var segment = pair.Key;
                var result = pair.Value;
                var cde = _model.AttachmentsOf(segment, PciScope.Cde).ToArray();
                var outside = _model.AttachmentsOf(segment, PciScope.OutOfScope).ToArray();
                var evidence = new List<string>
                {
                    $"Segment {segment.Name}: switch {segment.Switch}, VLAN {segment.Vlan}",
                    "CDE adapters: " + PciScopeModel.Join(cde.Select(Describe), 20),
                    "Out-of-scope adapters: " + PciScopeModel.Join(outside.Select(Describe), 20),
                };
                evidence.AddRange(result.Evidence);
                var vms = PciScopeModel.Distinct(cde.Concat(outside).Select(a => a.Vm)).ToArray();
                var hosts = HostsOf(vms);
                if (result.Separated)
                {
                    yield return Finding(SharedSegment, FindingOutcome.Info, Severity.Informational, hosts, vms,
                        $"CDE and out-of-scope VMs share segment {segment.Name} (VLAN {segment.Vlan} on {segment.Switch}), and traffic filters drop the traffic between them.",
                        evidence, new[] { "1.3.1", "1.3.2", "11.4.5" },
                        "None needed. Test the filter as part of segmentation testing (11.4.5).", segment.Networks.Select(n => n.Name));
                    continue;
                }
                yield return Finding(SharedSegment, FindingOutcome.Fail, Severity.Critical, hosts, vms,
                    $"CDE VMs ({PciScopeModel.Names(PciScopeModel.Distinct(cde.Select(a => a.Vm)), 3)}) and out-of-scope VMs ({PciScopeModel.Names(PciScopeModel.Distinct(outside.Select(a => a.Vm)), 3)}) share layer-2 segment {segment.Name} (VLAN {segment.Vlan} on {segment.Switch}); their traffic never reaches a firewall.",
                    evidence, new[] { "1.3.1", "1.3.2", "11.4.5" },
                    "Move the out-of-scope VMs to a VLAN of their own routed through a firewall, or add traffic filter rules on the portgroups that drop all traffic between the CDE and out-of-scope addresses.",
                    segment.Networks.Select(n => n.Name));
            }
        }

        /// <summary>Connected-to VMs with one adapter on a CDE segment and another on a segment of out-of-scope VMs: a path that bypasses the network security controls.</summary>
        private IEnumerable<PciSeparationFinding> DualHomedVms()
        {
            foreach (var vm in _inventory.Vms)
            {
                if (vm.Template || vm.Nics.Count < 2 || _model.ScopeOf(vm.Id) != PciScope.Connected) continue;
                var segments = _model.Segments.OfVm(vm.Id);
                if (segments.Count < 2) continue;
                // The VM itself is connected-to, so the CDE and out-of-scope adapters counted are other VMs'.
                var cdeSide = segments.Where(s => _model.CountOn(s, PciScope.Cde) > 0).ToArray();
                var outsideSide = segments.Where(s => !cdeSide.Contains(s) && _model.CountOn(s, PciScope.OutOfScope) > 0).ToArray();
                if (cdeSide.Length == 0 || outsideSide.Length == 0) continue;
                var evidence = vm.Nics.Select(n =>
                {
                    var s = _model.Segments.OfNetwork(n.NetworkId);
                    return $"{n.Label ?? "adapter " + n.Key}: {s?.Name ?? n.NetworkId} ({(s == null ? "?" : _model.SegmentScope(s).Scope.ToString())} segment){Ips(n)}";
                }).ToList();
                yield return Finding(DualHomedVm, FindingOutcome.Warning, Severity.High, HostsOf(new[] { vm }), new[] { vm },
                    $"Connected-to VM {vm.Name} has adapters on CDE segment {cdeSide[0].Name} and on segment {outsideSide[0].Name} with out-of-scope VMs; traffic routed or bridged by the guest bypasses the network security controls.",
                    evidence, new[] { "1.3.1", "1.3.2" },
                    $"Confirm that {vm.Name} neither routes nor bridges between its adapters (IP forwarding off, a host firewall between them), or replace the adapter on {outsideSide[0].Name} with a path through a firewall.",
                    cdeSide.Concat(outsideSide).SelectMany(s => s.Networks.Select(n => n.Name)));
            }
        }

        private IEnumerable<PciSeparationFinding> Trunks()
        {
            foreach (var trunk in _model.Segments.All.Where(s => s.IsTrunk))
            {
                var carriedCde = trunk.CarriedSegments.Where(_model.HasCde).ToArray();
                var cdeOnTrunk = _model.AttachmentsOf(trunk, PciScope.Cde).ToArray();
                if (carriedCde.Length == 0 && cdeOnTrunk.Length == 0) continue;
                var attached = PciScopeModel.Distinct(trunk.Attachments.Select(a => a.Vm)).ToArray();
                var untrusted = attached.Where(v => _model.ScopeOf(v.Id) == PciScope.OutOfScope || _model.ScopeOf(v.Id) == PciScope.Unknown).ToArray();
                var evidence = new List<string> { $"Trunk {trunk.Name} on {trunk.Switch}: VLAN {trunk.Vlan}" };
                if (carriedCde.Length > 0) evidence.Add("Carries the VLANs of CDE segments: " + PciScopeModel.Join(carriedCde.Select(s => $"{s.Name} (VLAN {s.Vlan})"), 20));
                if (cdeOnTrunk.Length > 0) evidence.Add("CDE VMs on the trunk (guest VLAN tagging): " + PciScopeModel.Join(cdeOnTrunk.Select(Describe), 20));
                evidence.Add(attached.Length == 0 ? "No VM adapters are attached to the trunk."
                    : "VMs on the trunk: " + PciScopeModel.Join(attached.Select(v => $"{v.Name} ({_model.ScopeOf(v.Id)})"), 20));
                if (trunk.Promiscuous) evidence.Add("Promiscuous mode is accepted: a VM on the trunk receives every frame of the VLANs it carries.");
                FindingOutcome outcome;
                string message;
                if (untrusted.Length > 0)
                {
                    outcome = FindingOutcome.Fail;
                    message = $"Trunk portgroup {trunk.Name} carries CDE traffic and VMs that are not in scope are attached to it ({PciScopeModel.Names(untrusted, 3)}).";
                }
                else if (attached.Length > 0)
                {
                    outcome = FindingOutcome.Warning;
                    message = $"Trunk portgroup {trunk.Name} carries CDE traffic to in-scope VMs ({PciScopeModel.Names(attached, 3)}); confirm each needs every VLAN it receives.";
                }
                else
                {
                    outcome = FindingOutcome.Warning;
                    message = $"Trunk portgroup {trunk.Name} carries CDE VLANs; any VM attached to it later would receive CDE traffic.";
                }
                yield return Finding(TrunkCarriesCde, outcome, trunk.Promiscuous && attached.Length > 0 ? Severity.Critical : Severity.High,
                    HostsOf(attached.Concat(cdeOnTrunk.Select(a => a.Vm))), PciScopeModel.Distinct(attached.Concat(cdeOnTrunk.Select(a => a.Vm))), message, evidence,
                    new[] { "1.2.1", "1.3.1", "1.3.2" },
                    $"Limit {trunk.Name}'s trunk ranges to the VLANs its VMs need (excluding CDE VLANs unless the VM is in scope and needs them), and reject promiscuous mode unless a monitoring VM requires it.",
                    trunk.Networks.Select(n => n.Name));
            }
        }

        private IEnumerable<PciSeparationFinding> InsecurePolicies()
        {
            foreach (var segment in _model.Segments.All)
            {
                if (segment.InsecurePolicies.Count == 0) continue;
                var cde = _model.AttachmentsOf(segment, PciScope.Cde).ToArray();
                if (cde.Length == 0) continue;
                var vms = PciScopeModel.Distinct(cde.Select(a => a.Vm)).ToArray();
                var evidence = new List<string> { $"Segment {segment.Name}: switch {segment.Switch}, VLAN {segment.Vlan}" };
                evidence.AddRange(segment.InsecurePolicies.Select(p => "Accepted: " + p));
                evidence.Add("CDE adapters: " + PciScopeModel.Join(cde.Select(Describe), 20));
                yield return Finding(InsecureSwitchPolicy, FindingOutcome.Fail, segment.Promiscuous ? Severity.High : Severity.Medium, HostsOf(vms), vms,
                    $"Segment {segment.Name} carries CDE VMs ({PciScopeModel.Names(vms, 3)}) and accepts {string.Join(" / ", segment.InsecurePolicies.SelectMany(p => p.Substring(p.LastIndexOf(':') + 2).Split(new[] { ", " }, StringSplitOptions.None)).Distinct())}, so a guest can see or spoof other guests' traffic.",
                    evidence, new[] { "1.2.1", "2.2.1" },
                    "Set promiscuous mode, MAC address changes and forged transmits to Reject on these portgroups (and on their switch).",
                    segment.Networks.Select(n => n.Name));
            }
        }

        // ---- datastores and scope ----------------------------------------------------------------

        private IEnumerable<PciSeparationFinding> SharedDatastores()
        {
            var byDatastore = new Dictionary<string, List<Vm>[]>(StringComparer.Ordinal);
            foreach (var vm in _inventory.Vms)
            {
                var scope = _model.ScopeOf(vm.Id);
                if (scope != PciScope.Cde && scope != PciScope.OutOfScope) continue;
                foreach (var ds in vm.DatastoreIds)
                {
                    if (!byDatastore.TryGetValue(ds, out var lists)) byDatastore[ds] = lists = new[] { new List<Vm>(), new List<Vm>() };
                    lists[scope == PciScope.Cde ? 0 : 1].Add(vm);
                }
            }
            foreach (var pair in byDatastore.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var cde = pair.Value[0];
                var outside = pair.Value[1];
                if (cde.Count == 0 || outside.Count == 0) continue;
                var name = _inventory.GetDatastore(pair.Key)?.Name ?? pair.Key;
                var strict = _interpretation == PciInterpretation.Strict;
                yield return new PciSeparationFinding
                {
                    RuleId = SharedDatastore,
                    Outcome = strict ? FindingOutcome.Warning : FindingOutcome.Info,
                    Severity = strict ? Severity.Low : Severity.Informational,
                    Interpretation = _interpretation,
                    Clusters = ClustersOf(HostsOf(cde.Concat(outside))),
                    Hosts = Array.Empty<string>(),
                    Vms = cde.Concat(outside).Select(v => v.Name).ToArray(),
                    Datastores = new[] { name },
                    PciDss = new[] { "2.2.3" },
                    Message = $"Datastore {name} holds disks of CDE VMs ({PciScopeModel.Names(cde, 3)}) and out-of-scope VMs ({PciScopeModel.Names(outside, 3)})."
                        + (strict ? "" : " Accepted under hypervisor isolation: a guest reaches only its own disks through the hypervisor."),
                    Evidence = new[] { "CDE VMs: " + PciScopeModel.Names(cde, 50), "Out-of-scope VMs: " + PciScopeModel.Names(outside, 50) },
                    Remediation = "Keep CDE disks on datastores of their own, or document who can browse and copy this datastore (storage and vCenter permissions).",
                };
            }
        }

        private IEnumerable<PciSeparationFinding> UnknownScopeVms()
        {
            foreach (var vm in _inventory.Vms)
            {
                if (vm.Template || _model.ScopeOf(vm.Id) != PciScope.Unknown) continue;
                var reasons = new List<string>();
                var host = _inventory.GetHost(vm.HostId);
                if (host != null)
                {
                    var hostScope = _model.HostScope(host);
                    if (hostScope.Scope == PciScope.Cde || hostScope.Scope == PciScope.Connected)
                        reasons.Add($"runs on {PciScopeModel.Label(hostScope.Scope)} host {host.Name} ({hostScope.Source})");
                    else
                    {
                        var inScope = _model.Domains.DomainOf(vm).Where(h => h.Id != host.Id)
                            .Select(_model.HostScope).Where(e => e.Scope == PciScope.Cde || e.Scope == PciScope.Connected).ToArray();
                        if (inScope.Length > 0)
                            reasons.Add($"can be moved to in-scope hosts ({PciScopeModel.Join(inScope.Select(e => e.Name), 3)})");
                    }
                }
                var segments = _model.Segments.OfVm(vm.Id).Where(s => _model.HasCde(s) || s.CarriedSegments.Any(_model.HasCde)).ToArray();
                if (segments.Length > 0) reasons.Add("is attached to CDE segment " + string.Join(", ", segments.Select(s => s.Name)));
                if (reasons.Count == 0) continue;
                var evidence = new List<string> { "Sources consulted: " + SourcesText() };
                evidence.AddRange(_model.ScopeOf(vm).Claims.Select(c => "Claim: " + c));
                evidence.AddRange(reasons.Select(r => "The VM " + r));
                yield return Finding(UnknownScopeVm, FindingOutcome.Warning, Severity.Medium, host == null ? Array.Empty<Host>() : new[] { host }, new[] { vm },
                    $"VM {vm.Name} has no PCI scope from any source and {string.Join(" and ", reasons)}; its scope must be confirmed.",
                    evidence, new[] { "12.5.2" },
                    $"Confirm {vm.Name}'s scope with its owner and record it (tag category {_model.Sources.TagCategory ?? "PCI-Scope"}, attribute, or the scope map).",
                    segments.SelectMany(s => s.Networks.Select(n => n.Name)));
            }
        }

        private IEnumerable<PciSeparationFinding> ScopeConflicts()
        {
            foreach (var scope in _model.VmScopes.Where(s => s.Conflict))
            {
                var vm = _inventory.GetVm(scope.VmId);
                if (vm.Template) continue;
                var host = _inventory.GetHost(vm.HostId);
                yield return Finding(ScopeConflict, FindingOutcome.Warning, Severity.Medium, host == null ? Array.Empty<Host>() : new[] { host }, new[] { vm },
                    $"Sources disagree about the scope of VM {vm.Name}; it was treated as {PciScopeModel.Label(scope.Scope)} (the strictest claim) until the sources agree.",
                    scope.Claims.Select(c => "Claim: " + c), new[] { "12.5.2" },
                    $"Decide {vm.Name}'s scope and correct the source that is wrong.");
            }
        }

        // ---- helpers ---------------------------------------------------------------------------

        private static string Conditions(int unmet) => unmet == 1 ? "1 of the 3 hypervisor-isolation conditions is" : $"{unmet} of the 3 hypervisor-isolation conditions are";

        private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

        private sealed class SegmentSeparation
        {
            public bool Separated;
            public List<string> Evidence = new List<string>();
        }

        /// <summary>
        /// A shared segment is separated when, for every CDE adapter and out-of-scope adapter on it,
        /// both directions are dropped by the filter of one of the two ports (a packet from A to B
        /// leaves A's port and enters B's). Stops at the first pair that is not separated.
        /// </summary>
        private static SegmentSeparation Separate(NetworkSegment segment, SegmentAttachment[] cde, SegmentAttachment[] outside)
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
        private static string Blocked(SegmentAttachment from, SegmentAttachment to, SortedSet<string> permitted)
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
        private static IReadOnlyList<IPAddress> Addresses(VmNic nic)
        {
            var list = new List<IPAddress>();
            foreach (var text in nic.IpAddresses)
                if (IPAddress.TryParse(text, out var a)) list.Add(a);
            return list.Count > 0 ? (IReadOnlyList<IPAddress>)list : new IPAddress[] { null };
        }

        private bool AnyPairNotKeptApart(IReadOnlyList<Vm> cde, IReadOnlyList<Vm> outside)
        {
            if ((long)cde.Count * outside.Count > _antiAffinePairs.Count) return true;
            foreach (var c in cde)
                foreach (var o in outside)
                {
                    var key = string.CompareOrdinal(c.Id, o.Id) < 0 ? c.Id + "|" + o.Id : o.Id + "|" + c.Id;
                    if (!_antiAffinePairs.Contains(key)) return true;
                }
            return false;
        }

        private readonly Dictionary<string, bool> _automated = new Dictionary<string, bool>(StringComparer.Ordinal);

        private bool AutomatedByDrs(Cluster cluster, Vm vm)
        {
            if (_automated.TryGetValue(vm.Id, out var automated)) return automated;
            _drsOverrides[cluster.Id].TryGetValue(vm.Id, out var vmOverride);
            return _automated[vm.Id] = ExposureAnalyzer.DrsAutomation(cluster, vmOverride, vm.PowerState).automated;
        }

        private static string DrsText(Cluster cluster) => cluster.DrsEnabled ? ExposureAnalyzer.DrsAutomation(cluster, null, PowerState.PoweredOn).level : "disabled";

        private string SourcesText()
        {
            var parts = new List<string>();
            if (_model.Sources.TagCategory != null) parts.Add($"tag category {_model.Sources.TagCategory}");
            if (_model.Sources.Attribute != null) parts.Add($"attribute {_model.Sources.Attribute}");
            parts.Add($"{_model.Sources.Patterns.Count} name/folder patterns");
            parts.Add($"{_model.Sources.Map.Count} mapped VMs");
            return string.Join(", ", parts);
        }

        private string Describe(SegmentAttachment a) => $"{a.Vm.Name} ({a.Network.Name}{Ips(a.Nic)})";

        private static string Ips(VmNic nic) => nic.IpAddresses.Count == 0 ? "" : ", " + string.Join(" ", nic.IpAddresses);

        private Host[] HostsOf(IEnumerable<Vm> vms)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var vm in vms)
                if (vm.HostId != null) ids.Add(vm.HostId);
            return ids.Select(_inventory.GetHost).Where(h => h != null).OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase).ToArray();
        }

        private IReadOnlyList<string> ClustersOf(IEnumerable<Host> hosts) => hosts.Select(_model.ClusterName).Distinct(StringComparer.Ordinal)
            .OrderBy(c => c, StringComparer.OrdinalIgnoreCase).ToArray();

        private PciSeparationFinding Finding(string ruleId, FindingOutcome outcome, Severity severity, IEnumerable<Host> hosts, IEnumerable<Vm> vms,
            string message, IEnumerable<string> evidence, IEnumerable<string> pciDss, string remediation, IEnumerable<string> networks = null)
        {
            var hostList = hosts.ToArray();
            return new PciSeparationFinding
            {
                RuleId = ruleId,
                Outcome = outcome,
                Severity = severity,
                Interpretation = _interpretation,
                Clusters = ClustersOf(hostList),
                Hosts = hostList.Select(h => h.Name).ToArray(),
                Vms = vms.Select(v => v.Name).Distinct(StringComparer.Ordinal).ToArray(),
                Networks = networks == null ? Array.Empty<string>() : networks.Distinct(StringComparer.Ordinal).ToArray(),
                PciDss = pciDss.ToArray(),
                Message = message,
                Evidence = evidence.ToArray(),
                Remediation = remediation,
            };
        }

        /// <summary>One summary per cluster of the inventory (and "(standalone)" when there are standalone hosts); a finding counts in every cluster it touches.</summary>
        public static IEnumerable<PciSeparationSummary> Summarize(VirtCompliance.Model.Inventory inventory, IReadOnlyList<PciSeparationFinding> findings,
            PciInterpretation interpretation, Func<string, bool> clusterFilter = null)
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
                    ByRule = mine.GroupBy(f => f.RuleId).OrderBy(g => RuleIds.ToList().IndexOf(g.Key))
                        .ToDictionary(g => g.Key, g => g.Count()),
                    BySeverity = mine.Where(f => f.Outcome != FindingOutcome.Info).GroupBy(f => f.Severity).OrderByDescending(g => g.Key)
                        .ToDictionary(g => g.Key.ToString(), g => g.Count()),
                    Inventory = inventory.Source,
                };
            }
        }
    }
}
