using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Common;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Evaluation;
using VirtCompliance.Firewall;
using VirtCompliance.Model;
using VirtCompliance.Pci;
using VirtCompliance.Reporting;
using VirtCompliance.Scope;
using VirtCompliance.Waivers;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Assessments
{
    /// <summary>
    /// One entry point per use case: drift, exposure, scope, separation, segmentation matrix,
    /// firewall plan, removal and status, evidence bundle. Cmdlets, the nightly job, the bench and the tests
    /// all call these, with the same <see cref="AssessmentOptions"/>, so every way of asking a
    /// question gets the same answer. Each is a pure function of the inventory and the options.
    /// </summary>
    public static class Assessment
    {
        /// <summary>
        /// Host controls per host, network controls per portgroup, VM controls per VM (those of
        /// <see cref="AssessmentOptions.Objects"/>): Fail and NotEvaluated results (Pass too with IncludePass).
        /// </summary>
        public static DriftResult Drift(Inv inventory, AssessmentOptions options) => Drift(inventory, options, null);

        /// <summary>As <see cref="Drift(Inv, AssessmentOptions)"/>; with <paramref name="vmPasses"/>, passing VM results are counted there instead of listed (waivers change only failures).</summary>
        private static DriftResult Drift(Inv inventory, AssessmentOptions options, ReportItems.VmPassTally? vmPasses)
        {
            var result = new DriftResult();
            var assessment = Evaluate(inventory, options, result, options.Objects ?? AllScopes, options.Vms);
            result.Hosts = DriftAnalyzer.Hosts(assessment, options.IncludePass).ToList();
            result.Networks = DriftAnalyzer.Networks(assessment, options.IncludePass).ToList();
            var vms = new List<VmControlDrift>();
            foreach (var vm in DriftAnalyzer.Vms(assessment, options.IncludePass))
            {
                if (vmPasses != null && vm.Outcome == Outcome.Pass) vmPasses.Add(vm);
                else vms.Add(vm);
            }
            result.Vms = vms;
            result.Estate = DriftAnalyzer.Estate(assessment, options.IncludePass).ToList();
            if (WaiversOf(inventory, options) is WaiverSet waivers)
            {
                result.Hosts = waivers.Apply(result.Hosts, inventory);
                result.Networks = waivers.Apply(result.Networks, inventory);
                result.Vms = waivers.Apply(result.Vms, inventory);
                result.Estate = waivers.Apply(result.Estate, inventory);
                if (options.SharedWaivers == null) Report(waivers, result, r => r.Waivers = waivers.Statuses(judgedUse: false));
            }
            if (options.Objects == null || options.Objects.Contains(ControlScope.Vm)) NotFoundVms(inventory, options.Vms, result);
            return result;
        }

        /// <summary>VMs that vMotion, DRS or HA could move onto a host where they lose controls; each carries its PCI scope.</summary>
        public static ExposureResult Exposure(Inv inventory, AssessmentOptions options, Action<int>? vmsDone = null)
        {
            var result = new ExposureResult();
            var assessment = Evaluate(inventory, options, result);
            var domains = new MigrationDomains(inventory);
            result.Warn(domains.Warnings);
            var scopes = ScopesOf(inventory, options);
            var warnings = new List<string>();
            var exposures = options.Vms != null && options.Vms.Count == 0 ? new List<VmMigrationExposure>()
                : ExposureAnalyzer.Analyze(assessment, domains, options.Vms, warnings, vmsDone, vm => scopes[vm.Id], options.VmScopes).ToList();
            result.Warn(warnings);
            NotFoundVms(inventory, options.Vms, result);
            // In cluster, VM and target host order already (ExposureAnalyzer).
            result.Exposures = exposures;
            return result;
        }

        /// <summary>The PCI scope of every VM, host and layer-2 segment, with what decided it.</summary>
        public static ScopeResult Scope(Inv inventory, AssessmentOptions options)
        {
            var result = new ScopeResult();
            var model = Model(inventory, options, result);
            result.Entries = ScopeEntries(inventory, model).Select(e => e with { VCenter = inventory.VCenterName }).ToList();
            return result;
        }

        /// <summary>
        /// CDE separation findings under the options' interpretation, with per-cluster summaries and
        /// the gate. A test that has nothing to test (no VM in CDE scope) fails, saying why.
        /// </summary>
        public static SeparationResult Separation(Inv inventory, AssessmentOptions options)
        {
            var result = new SeparationResult();
            var rules = RuleFilter(options.RuleIds);
            var model = Model(inventory, options, result);
            var baseline = options.Baseline ?? Baseline.Load("pci-dss");
            var assessment = ControlEvaluator.Evaluate(inventory, baseline, new EvaluationOptions { Scopes = HostAndNetworkScopes });
            var all = new PciSeparationAnalyzer(model, assessment, options.Interpretation).Analyze().ToList();
            var clusters = ClusterFilter(inventory, options.Clusters);
            HashSet<string?>? vms = null;
            if (options.Vms != null)
            {
                var match = NameFilter.Create(options.Vms);
                vms = new HashSet<string?>(match == null ? Enumerable.Empty<string?>() : inventory.Vms.Where(v => match(v.Name) || match(v.Id)).Select(v => v.Name), StringComparer.Ordinal);
            }
            // The gate findings name no object: only -RuleId narrows them.
            result.Findings = all.Where(f => (rules == null || rules(f.RuleId))
                && (f.RuleId == PciSeparationAnalyzer.NothingInCdeScope || ((clusters == null || f.Clusters.Any(clusters)) && (vms == null || f.Vms.Any(vms.Contains))))).ToList();
            if (WaiversOf(inventory, options) is WaiverSet waivers)
            {
                result.Findings = waivers.Apply(result.Findings, inventory);
                if (options.SharedWaivers == null) Report(waivers, result, r => r.Waivers = waivers.Statuses(judgedUse: false));
            }
            // Each finding and summary names the vCenter it is from, so that two estates' clusters of one name stay apart.
            var source = inventory.VCenterName;
            result.Findings = result.Findings.Select(f => f with { VCenter = source }).ToList();
            result.Summaries = PciSeparationAnalyzer.Summarize(inventory, result.Findings, options.Interpretation, clusters).Select(m => m with { VCenter = source }).ToList();
            result.Passed = result.Findings.All(f => f.Outcome != FindingOutcome.Fail && (options.AllowNotEvaluated || f.Outcome != FindingOutcome.NotEvaluated));
            NotFoundClusters(inventory, options.Clusters, result);
            NotFoundVms(inventory, options.Vms, result);
            return result;
        }

        /// <summary>What each pair of scope classes shares; with <paramref name="detailed"/>, each pair of VMs of different scope that shares something.</summary>
        public static MatrixResult SegmentationMatrix(Inv inventory, AssessmentOptions options, bool detailed)
        {
            var result = new MatrixResult();
            var model = Model(inventory, options, result);
            if (!detailed) result.Classes = PciSegmentationMatrix.Classes(model).Select(c => c with { VCenter = inventory.VCenterName }).ToList();
            else
            {
                NotFoundVms(inventory, options.Vms, result);
                result.VmPairs = PciSegmentationMatrix.VmPairs(model, NameFilter.Create(options.Vms));
            }
            return result;
        }

        /// <summary>
        /// What applying the policy changes: each protected port (Add, Update, Remove, NoChange,
        /// Unenforceable) and, failing closed, the DRS objects that keep the VMs on capable hosts;
        /// failing open, a warning per VM that could be moved where its filter is not enforced.
        /// The capable hosts are those of <see cref="FailClosedPlanner.CapableHosts"/>, the same ones
        /// Test-VmFirewallPolicy judges by.
        /// </summary>
        public static FirewallPlanResult FirewallPlan(Inv inventory, AssessmentOptions options)
        {
            var result = new FirewallPlanResult();
            var compiled = Compile(inventory, options, result);
            result.Compiled = compiled;
            result.Ports = PolicyPlanner.Plan(compiled, inventory, options.Vms);
            NotFoundVms(inventory, options.Vms, result);
            if (compiled.Policy.FailureMode == FailureMode.Closed)
                result.Placement = FailClosedPlanner.Plan(compiled, inventory);
            else
                result.Warn(VirtCompliance.Firewall.FirewallStatus.FailOpenExposures(compiled, inventory).Select(e => e.message));
            return result;
        }

        /// <summary>
        /// What taking the policy off the ports changes: a Remove per adapter whose port's own
        /// filter the policy owns (those of <see cref="AssessmentOptions.Vms"/>), a warning per port
        /// whose filter mixes its rules with others'. Only the policy's name is read: a policy
        /// whose file is gone, or that no longer protects a VM, is still taken off its ports.
        /// </summary>
        public static FirewallRemovalResult FirewallRemoval(Inv inventory, AssessmentOptions options)
        {
            if (options.Policy == null) throw new ArgumentException("A firewall assessment needs a policy.", nameof(options));
            var result = new FirewallRemovalResult();
            var warnings = new List<string>();
            result.Ports = PolicyPlanner.PlanRemoval(options.Policy.Name, inventory, options.Vms, warnings);
            result.Warn(warnings);
            NotFoundVms(inventory, options.Vms, result);
            return result;
        }

        /// <summary>Whether each protected port enforces the policy, and the gate: a policy that protects no VM fails it.</summary>
        public static FirewallStatusResult FirewallStatus(Inv inventory, AssessmentOptions options)
        {
            var result = new FirewallStatusResult();
            var compiled = Compile(inventory, options, result);
            var statuses = VirtCompliance.Firewall.FirewallStatus.Check(compiled, inventory, options.Vms);
            NotFoundVms(inventory, options.Vms, result);
            result.Statuses = statuses.Select(s => s with { VCenter = inventory.VCenterName }).ToList();
            result.Passed = statuses.Count > 0 && statuses.All(s => s.Status == EnforcementStatus.Enforced);
            return result;
        }

        /// <summary>What changed between two snapshots: hosts and VMs added, removed or moved, controls newly failing or passing (against the options' baseline), scope changes.</summary>
        public static IReadOnlyList<InventoryChange> Changes(Inv reference, Inv difference, AssessmentOptions options) =>
            InventoryComparer.Compare(reference, difference, options.Baseline ?? Baseline.Load("pci-dss"), options.ScopeSources).ToList();

        /// <summary>The reports every bundle holds, written from the same results as its JSON files.</summary>
        public static readonly IReadOnlyList<(string name, ReportFormat format)> EvidenceReports =
            new[] { ("report.html", ReportFormat.Html), ("report.sarif", ReportFormat.Sarif), ("report.junit.xml", ReportFormat.JUnit) };

        /// <summary>
        /// Writes an evidence bundle into <paramref name="folder"/>: the snapshot, every result set
        /// (drift against the baseline and against peers, network, VM and vCenter control drift, exposure, scope, separation,
        /// firewall status with a policy), the reports and the manifest, signed with <paramref name="signer"/> when given; whole or not at all.
        /// </summary>
        public static IReadOnlyList<EvidenceFile> Evidence(Inv inventory, AssessmentOptions options, string folder, string moduleVersion, Action<string>? warn = null,
            System.Security.Cryptography.X509Certificates.X509Certificate2? signer = null)
        {
            var baseline = options.Baseline ?? Baseline.Load("pci-dss");
            // One waiver set for the whole run: a waiver no result of the bundle used is Unused.
            var waivers = options.Waivers == null ? null : new WaiverSet(options.Waivers, options.AsOf ?? inventory.CollectedAt, options.WaiverWarningDays);
            options = options with { SharedWaivers = waivers };
            // With the passes: the JUnit report has a testcase for every evaluated control; the result files hold what did not pass.
            // The VM passes (millions at 100k VMs) are counted as they are judged, not kept.
            var vmPasses = new ReportItems.VmPassTally();
            // The drift of every object, the longest analysis, runs beside the others: all of them only read the inventory,
            // and the one waiver set records its uses under a lock (and lists them sorted), so the bundle is the same either way.
            DriftResult drift = null!, peer = null!;
            IReadOnlyList<VmMigrationExposure> exposures = null!;
            IReadOnlyList<PciScopeEntry> scope = null!;
            IReadOnlyList<PciSeparationFinding> separation = null!;
            IReadOnlyList<VmFirewallPolicyStatus>? firewall = null;
            TwoAtATime.Run(new Action[]
            {
                () => drift = Drift(inventory, options with { Baseline = baseline, Peer = false, IncludePass = true }, vmPasses),
                () =>
                {
                    peer = Drift(inventory, options with { Baseline = null, Peer = true, IncludePass = false, Objects = new[] { ControlScope.Host } });
                    exposures = Exposure(inventory, options with { Baseline = null, Peer = true }).Exposures;
                    scope = Scope(inventory, options).Entries;
                    separation = Separation(inventory, options with { Baseline = baseline }).Findings;
                    if (options.Policy != null) firewall = FirewallStatus(inventory, options).Statuses;
                },
            });
            static IReadOnlyList<T> NotPassed<T>(IReadOnlyList<T> results) where T : ControlDrift => results.Where(r => r.Outcome != Outcome.Pass).ToList();
            // The sets with their passes, for the JUnit report; the VM set has none (they are in the tally), so it is not here.
            var withPasses = new Dictionary<string, IEnumerable>
            {
                ["host-control-drift"] = drift.Hosts, ["network-control-drift"] = drift.Networks, ["vcenter-control-drift"] = drift.Estate,
            };
            var sets = new List<KeyValuePair<string, IEnumerable>>
            {
                Set("host-control-drift", NotPassed(drift.Hosts)),
                Set("network-control-drift", NotPassed(drift.Networks)),
                Set("vm-control-drift", NotPassed(drift.Vms)),
                Set("vcenter-control-drift", NotPassed(drift.Estate)),
                Set("host-control-drift-peer", peer.Hosts),
                Set("vm-migration-exposure", exposures),
                Set("pci-scope", scope),
                Set("pci-separation", separation),
            };
            if (firewall != null) sets.Add(Set("firewall-policy-status", firewall));
            var statuses = waivers?.Statuses(judgedUse: true);
            if (statuses != null)
            {
                sets.Add(Set(WaiverStatusFile, statuses));
                foreach (var warning in waivers!.Warnings(judgedUse: true)) warn?.Invoke(warning);
            }
            // The reports hold what an assessor reads: not the peer drift (it would count hosts twice) nor the scope list. JUnit
            // has the passing controls too, so that a control fixed since the last bundle shows as passed; HTML and SARIF
            // (alerts, for a code-scanning view) what needs attention.
            var reported = sets.Where(s => s.Key != "host-control-drift-peer" && s.Key != "pci-scope" && s.Key != WaiverStatusFile).ToList();
            // Both lists are made from results no longer changing, so they are made side by side.
            var items = TwoAtATime.Run(new Func<IReadOnlyList<ReportItem>>[]
            {
                () => reported.SelectMany(s => s.Value.Cast<object>()).Select(ReportItems.From).ToList(),
                () => ReportItems.EveryEvaluated(reported.SelectMany(s => (withPasses.TryGetValue(s.Key, out var all) ? all : s.Value).Cast<object>()), vmPasses),
            });
            var reportItems = items[0];
            var everyEvaluated = items[1];
            var facts = new Dictionary<string, string>
            {
                ["baseline"] = baseline.Name,
                ["interpretation"] = options.Interpretation.ToString(),
                ["scopeTagCategory"] = options.ScopeSources.TagCategory ?? "",
                ["scopeAttribute"] = options.ScopeSources.Attribute ?? "",
            };
            var inputs = new List<(string, byte[])>();
            if (waivers != null)
            {
                facts["waivers"] = WaiverInputName(options.Waivers!);
                facts["waiversSha256"] = options.Waivers!.Sha256;
                facts["waiversAsOf"] = waivers.AsOf.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                inputs.Add((WaiverInputName(options.Waivers!), options.Waivers!.Content));
            }
            var reports = EvidenceReports.Select(r => (r.name, r.format, r.format == ReportFormat.JUnit ? everyEvaluated : reportItems));
            return EvidenceBundle.Save(folder, inventory, sets, facts, moduleVersion, reports, inputs, statuses, signer);
        }

        /// <summary>
        /// Each waiver of the options' file, judged on AsOf (or the inventory's collection time) against
        /// everything a bundle assesses: control drift of every object against the options' baseline and
        /// CDE separation. A waiver that covers none of it is Unused.
        /// </summary>
        public static IReadOnlyList<WaiverStatus> WaiverUse(Inv inventory, AssessmentOptions options)
        {
            if (options.Waivers == null) throw new ArgumentException("Judging waivers needs a waiver file.", nameof(options));
            var waivers = new WaiverSet(options.Waivers, options.AsOf ?? inventory.CollectedAt, options.WaiverWarningDays);
            var shared = options with { SharedWaivers = waivers, Baseline = options.Baseline ?? Baseline.Load("pci-dss"), Peer = false, IncludePass = false, Objects = null };
            Drift(inventory, shared);
            Separation(inventory, shared);
            return waivers.Statuses(judgedUse: true);
        }

        /// <summary>How many files <see cref="Evidence"/> writes, for the ShouldProcess message.</summary>
        public static int EvidenceFileCount(AssessmentOptions options, bool signed = false) => 8 + (options.Policy != null ? 1 : 0) + (options.Waivers != null ? 2 : 0) + EvidenceReports.Count + 2 + (signed ? 1 : 0);

        /// <summary>The result set of the waivers' states in a bundle (waiver-status.json).</summary>
        public const string WaiverStatusFile = "waiver-status";

        /// <summary>The waiver file's name in a bundle: waivers.yaml, or waivers.json for a JSON file.</summary>
        public static string WaiverInputName(WaiverFile file) =>
            string.Equals(System.IO.Path.GetExtension(file.Path), ".json", StringComparison.OrdinalIgnoreCase) ? "waivers.json" : "waivers.yaml";

        // ---- the shared steps -------------------------------------------------------------------

        /// <summary>The waivers of this assessment: the run's shared set, else the options' file judged as of AsOf (or the inventory's collection time).</summary>
        private static WaiverSet? WaiversOf(Inv inventory, AssessmentOptions options) =>
            options.SharedWaivers ?? (options.Waivers == null ? null : new WaiverSet(options.Waivers, options.AsOf ?? inventory.CollectedAt, options.WaiverWarningDays));

        // A single analysis sees only part of the results, so it cannot say a waiver is unused; it warns of expiring and expired ones.
        private static void Report<T>(WaiverSet waivers, T result, Action<T> keep) where T : AssessmentResult
        {
            keep(result);
            result.Warn(waivers.Warnings(judgedUse: false));
        }

        private static KeyValuePair<string, IEnumerable> Set<T>(string name, IReadOnlyList<T> items) => new KeyValuePair<string, IEnumerable>(name, items);

        // Exposure and separation read host and network results only: VM settings move with the VM.
        private static readonly ControlScope[] AllScopes = (ControlScope[])Enum.GetValues(typeof(ControlScope));
        private static readonly ControlScope[] HostAndNetworkScopes = { ControlScope.Host, ControlScope.StandardSwitch, ControlScope.StandardPortgroup, ControlScope.DistributedPortgroup };

        private static ControlAssessment Evaluate(Inv inventory, AssessmentOptions options, AssessmentResult result,
            IReadOnlyCollection<ControlScope>? scopes = null, IReadOnlyCollection<string>? vms = null)
        {
            var assessment = ControlEvaluator.Evaluate(inventory, options.EffectiveBaseline, new EvaluationOptions
            {
                Clusters = options.Clusters,
                ControlIds = options.ControlIds,
                Peer = options.Peer,
                Scopes = scopes ?? HostAndNetworkScopes,
                Vms = vms,
                VmPeers = options.VmPeers,
                VmPeerTagCategory = options.VmPeerTagCategory,
            });
            result.Warn(assessment.Warnings);
            NotFoundClusters(inventory, options.Clusters, result);
            return assessment;
        }

        private static PciScopeModel Model(Inv inventory, AssessmentOptions options, AssessmentResult result)
        {
            var model = new PciScopeModel(inventory, options.ScopeSources ?? new ScopeSources());
            result.Warn(model.Domains.Warnings);
            return model;
        }

        private static Dictionary<string, PciScope> ScopesOf(Inv inventory, AssessmentOptions options) =>
            PciScopeClassifier.Classify(inventory, options.ScopeSources ?? new ScopeSources()).ToDictionary(s => s.VmId, s => s.Scope, StringComparer.Ordinal);

        private static CompiledPolicy Compile(Inv inventory, AssessmentOptions options, AssessmentResult result)
        {
            if (options.Policy == null) throw new ArgumentException("A firewall assessment needs a policy.", nameof(options));
            var compiled = PolicyCompiler.Compile(options.Policy, inventory, options.ScopeSources);
            result.Warn(compiled.Warnings);
            return compiled;
        }

        private static IEnumerable<PciScopeEntry> ScopeEntries(Inv inventory, PciScopeModel model) =>
            inventory.Vms.Where(v => !v.Template).Select(model.VmEntry).OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase)
                .Concat(inventory.Hosts.Select(model.HostScope).OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase))
                .Concat(model.Segments.All.Select(model.SegmentScope).OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase));

        /// <summary>-RuleId as a filter; an id without wildcards that names no rule is an error.</summary>
        private static Func<string?, bool>? RuleFilter(IReadOnlyCollection<string>? ruleIds)
        {
            if (ruleIds == null || ruleIds.Count == 0) return null;
            foreach (var id in ruleIds.Where(i => !NameFilter.HasWildcards(i)))
                if (!PciSeparationAnalyzer.RuleIds.Contains(id, StringComparer.OrdinalIgnoreCase))
                    throw new UnknownIdException("rule", id, $"There is no separation rule '{id}'. The rules are: {string.Join(", ", PciSeparationAnalyzer.RuleIds)}.");
            return NameFilter.Create(ruleIds);
        }

        /// <summary>Matches cluster names against -Cluster by name or id; null when there is no -Cluster.</summary>
        private static Func<string?, bool>? ClusterFilter(Inv inventory, IReadOnlyCollection<string>? clusters)
        {
            var match = NameFilter.Create(clusters);
            if (match == null) return null;
            var ids = inventory.Clusters.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
            return name => match(name) || (ids.TryGetValue(name, out var id) && match(id));
        }

        private static void NotFoundClusters(Inv inventory, IReadOnlyCollection<string>? names, AssessmentResult result)
        {
            foreach (var name in (names ?? Array.Empty<string>()).Where(n => !NameFilter.HasWildcards(n)))
                if (!inventory.Clusters.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase) || c.Id == name) && !result.NotFound.Contains(new NotFoundName("cluster", name)))
                    result.Missing("cluster", name);
        }

        private static void NotFoundVms(Inv inventory, IReadOnlyCollection<string>? names, AssessmentResult result)
        {
            foreach (var name in (names ?? Array.Empty<string>()).Where(n => !NameFilter.HasWildcards(n)))
                if (!inventory.Vms.Any(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase) || v.Id == name))
                    result.Missing("VM", name);
        }
    }
}
