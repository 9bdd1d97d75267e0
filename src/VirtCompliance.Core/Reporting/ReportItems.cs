using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Firewall;

namespace VirtCompliance.Reporting
{
    /// <summary>How a report counts an item; the order is worst first (the order of every summary).</summary>
    public enum ReportOutcome
    {
        Fail,
        /// <summary>Not proven either way: the data was not reported. Not a pass.</summary>
        NotEvaluated,
        Warning,
        /// <summary>A failure (or a separation warning) that a waiver in force accepts: counted on its own, passes gates.</summary>
        Waived,
        Info,
        Pass,
    }

    /// <summary>One result in report form: every writer works from these, whatever cmdlet produced the result.</summary>
    public sealed class ReportItem
    {
        /// <summary>Host control drift, Migration exposure, CDE separation, Firewall policy, Inventory change.</summary>
        public string? Category { get; set; }
        /// <summary>The control id, rule id or change kind.</summary>
        public string? Rule { get; set; }
        /// <summary>The host, VM or other object it is about.</summary>
        public string? Object { get; set; }
        public string? Cluster { get; set; }
        /// <summary>The vCenter Server the result was read from: with several, two clusters of one name stay apart.</summary>
        public string? VCenter { get; set; }
        /// <summary>Migration exposure: the weaker host the VM can move onto.</summary>
        public string? TargetHost { get; set; }
        public Severity Severity { get; set; }
        public ReportOutcome Outcome { get; set; }
        public string? Message { get; set; }
        public IReadOnlyList<string> PciDss { get; set; } = Array.Empty<string>();
        public IReadOnlyList<string> Evidence { get; set; } = Array.Empty<string>();
        public string? Remediation { get; set; }
        /// <summary>The waiver that covers it: Waived while in force; Expired, and the item keeps its outcome.</summary>
        public Waivers.WaiverRef? Waiver { get; set; }
        /// <summary>Each vSphere object the result is about, by kind, for the logical locations of SARIF; the one in <see cref="Object"/> first.</summary>
        public IReadOnlyList<ReportObject> Objects { get; set; } = Array.Empty<ReportObject>();
    }

    /// <summary>One object a result is about: its kind (host, vm, cluster, vcenter, distributedPortgroup, ...), its name, and the names that lead to it ("Payments/esx-pay-01").</summary>
    public sealed class ReportObject
    {
        public ReportObject(string kind, string? name, params string?[] parents)
        {
            Kind = kind;
            Name = name ?? "";
            FullyQualifiedName = string.Join("/", parents.Where(p => !string.IsNullOrEmpty(p)).Concat(new[] { Name }));
        }

        public string Kind { get; }
        public string Name { get; }
        public string FullyQualifiedName { get; }

        /// <summary>The kind of object a managed-object reference names, by vSphere's own prefixes ("host-21", "vm-42", "domain-c7").</summary>
        internal static string KindOfId(string? id)
        {
            var prefixes = new[] { ("host-", "host"), ("vm-", "vm"), ("domain-c", "cluster"), ("dvportgroup-", "distributedPortgroup"), ("dvs-", "distributedSwitch"), ("network-", "network"), ("datastore-", "datastore") };
            foreach (var (prefix, kind) in prefixes)
                if (id != null && id.StartsWith(prefix, StringComparison.Ordinal)) return kind;
            return "object";
        }
    }

    /// <summary>Turns the module's result records into report items; anything else is refused by name.</summary>
    public static class ReportItems
    {
        public const string HostControlDriftCategory = "Host control drift";
        public const string MigrationExposureCategory = "Migration exposure";
        public const string NetworkControlDriftCategory = "Network control drift";
        public const string VmControlDriftCategory = "VM control drift";
        public const string VCenterControlDriftCategory = "vCenter control drift";

        public static ReportOutcome Of(Outcome outcome) => outcome switch
        {
            Outcome.Pass => ReportOutcome.Pass,
            Outcome.Fail => ReportOutcome.Fail,
            Outcome.Waived => ReportOutcome.Waived,
            _ => ReportOutcome.NotEvaluated,
        };

        public static ReportOutcome Of(FindingOutcome outcome) => outcome switch
        {
            FindingOutcome.Fail => ReportOutcome.Fail,
            FindingOutcome.NotEvaluated => ReportOutcome.NotEvaluated,
            FindingOutcome.Warning => ReportOutcome.Warning,
            FindingOutcome.Waived => ReportOutcome.Waived,
            _ => ReportOutcome.Info,
        };

        // A waiver's line in a message: what accepted the risk, or that the waiver no longer does.
        private static string WaiverText(Waivers.WaiverRef? waiver) => waiver == null ? "" : $" ({waiver.Text})";

        private static string[] Evidence(string expected, string actual, DriftBasis basis, string baseline, string? reason) =>
            (reason == null ? new[] { $"Expected: {expected}", $"Actual: {actual}" } : new[] { $"Expected: {expected}", $"Not evaluated: {reason}" })
            .Concat(new[] { $"Basis: {basis} ({baseline})" }).ToArray();

        /// <summary>A control result's object, named through its parents: a host and a VM through their cluster, a standard portgroup through its host, a distributed portgroup through its switch.</summary>
        private static ReportObject ObjectOf(ControlDrift d) => d switch
        {
            NetworkControlDrift n => n.ObjectKind switch
            {
                NetworkObjectKind.DistributedSwitch => new ReportObject("distributedSwitch", n.Switch),
                NetworkObjectKind.DistributedPortgroup => new ReportObject("distributedPortgroup", n.Network, n.Switch),
                NetworkObjectKind.StandardPortgroup => new ReportObject("standardPortgroup", n.Network, n.Cluster, n.Host),
                _ => new ReportObject("standardSwitch", n.Network ?? n.Switch, n.Cluster, n.Host),
            },
            VCenterControlDrift e => e.ObjectKind == EstateObjectKind.Cluster ? new ReportObject("cluster", e.Object, e.VCenter) : new ReportObject("vcenter", e.Object),
            HostControlDrift h => new ReportObject("host", h.Host, h.Cluster),
            VmControlDrift v => new ReportObject("vm", v.Vm, v.Cluster),
            _ => new ReportObject("object", null),
        };

        /// <summary>A separation finding is about the hosts, segments and datastores it names, or else its VMs.</summary>
        private static ReportObject[] ObjectsOf(PciSeparationFinding f)
        {
            var cluster = f.Clusters.Count == 1 ? f.Clusters[0] : null;
            var objects = f.Hosts.Select(h => new ReportObject("host", h, cluster))
                .Concat(f.Networks.Select(n => new ReportObject("network", n)))
                .Concat(f.Datastores.Select(d => new ReportObject("datastore", d))).ToArray();
            return objects.Length > 0 ? objects : f.Vms.Select(v => new ReportObject("vm", v, cluster)).ToArray();
        }

        /// <summary>Up to this many passing VM control results a report of every evaluated control lists one by one; above, one item per control.</summary>
        public const int VmPassesListedAtMost = 20000;

        /// <summary>
        /// Every evaluated result in report form, for the JUnit report of a bundle: each result that needs attention on its
        /// own; the passes too, except that a large estate's passing VM controls are one item per control ("passed on 97,980
        /// VMs"): at 100k VMs they are millions, a testcase each would be a file no CI system reads, and the VMs that did
        /// not pass are the ones named. A control fixed on a VM then turns from failed to counted among the passes.
        /// </summary>
        public static List<ReportItem> EveryEvaluated(IEnumerable<object> results, VmPassTally? vmPasses = null)
        {
            var items = new List<ReportItem>();
            var tally = vmPasses ?? new VmPassTally();
            foreach (var result in results)
            {
                if (result is VmControlDrift vm && vm.Outcome == Outcome.Pass) tally.Add(vm);
                else items.Add(From(result));
            }
            items.AddRange(tally.Items());
            return items;
        }

        /// <summary>
        /// Passing VM control results counted as they come, for <see cref="EveryEvaluated"/>: each kept while there are
        /// at most <see cref="VmPassesListedAtMost"/>, beyond that only the first of each control and how many. A bundle
        /// counts a large estate's millions of passes here instead of keeping them.
        /// </summary>
        public sealed class VmPassTally
        {
            private List<VmControlDrift>? _listed = new List<VmControlDrift>();
            private readonly Dictionary<(string?, string), int> _controlAt = new Dictionary<(string?, string), int>();
            private readonly List<(VmControlDrift first, int count)> _controls = new List<(VmControlDrift, int)>();

            /// <summary>How many passes were counted.</summary>
            public int Count { get; private set; }

            public void Add(VmControlDrift pass)
            {
                Count++;
                if (_listed != null)
                {
                    _listed.Add(pass);
                    if (_listed.Count > VmPassesListedAtMost) _listed = null;
                }
                var key = (pass.VCenter, pass.ControlId);
                if (_controlAt.TryGetValue(key, out var at)) _controls[at] = (_controls[at].first, _controls[at].count + 1);
                else
                {
                    _controlAt.Add(key, _controls.Count);
                    _controls.Add((pass, 1));
                }
            }

            /// <summary>The report items: each pass, or one per control (in the order the controls were first seen).</summary>
            public IEnumerable<ReportItem> Items() => _listed != null ? _listed.Select(From) : _controls.Select(c => PassesOf(c.first, c.count));
        }

        // One control's passes on many VMs: named for the VMs as a whole, so that the testcase keeps its name from night to night.
        private static ReportItem PassesOf(VmControlDrift first, int count)
        {
            var item = From(first);
            item.Object = "(passing VMs)";
            item.Cluster = null;
            item.Objects = Array.Empty<ReportObject>();
            item.Message = $"{first.Title}: passed on {count} VMs";
            item.Evidence = new[] { $"Expected: {first.Expected}", $"Passed on {count} VMs", $"Basis: {first.Basis} ({first.Baseline})" };
            return item;
        }

        public static ReportItem From(object? result)
        {
            switch (result)
            {
                case ControlDrift d:
                    // A host control is about the host; a network control about the portgroup (on its host, for a standard one); a VM control about the VM.
                    var (category, where, cluster) = d switch
                    {
                        NetworkControlDrift n => (NetworkControlDriftCategory,
                            n.ObjectKind == NetworkObjectKind.DistributedSwitch ? $"switch {n.Switch}" : n.Host == null ? $"{n.Network} ({n.Switch})" : $"{n.Network} on {n.Host}", n.Cluster),
                        VCenterControlDrift e => (VCenterControlDriftCategory, e.ObjectKind == EstateObjectKind.Cluster ? $"cluster {e.Object}" : e.Object, e.ObjectKind == EstateObjectKind.Cluster ? e.Object : null),
                        HostControlDrift h => (HostControlDriftCategory, h.Host, h.Cluster),
                        VmControlDrift v => (VmControlDriftCategory, v.Vm, v.Cluster),
                        _ => throw new ArgumentException($"{d.GetType().FullName} is a control result the report does not know how to name."),
                    };
                    return new ReportItem
                    {
                        Category = category, Rule = d.ControlId, Object = where, Cluster = cluster, VCenter = d.VCenter, Severity = d.Severity, Outcome = Of(d.Outcome), Objects = new[] { ObjectOf(d) },
                        Message = d.Outcome == Outcome.NotEvaluated ? $"{where}: {d.Title} — not evaluated: {d.Reason}"
                            : $"{where}: {d.Title} — expected {d.Expected}, found {d.Actual}" + (d.PeerAgreement != null ? $" ({d.PeerAgreement})" : "") + WaiverText(d.Waiver),
                        PciDss = d.PciDss, Evidence = Evidence(d.Expected, d.Actual, d.Basis, d.Baseline, d.Reason),
                        Remediation = d.Remediation, Waiver = d.Waiver,
                    };
                case VmMigrationExposure e:
                    return new ReportItem
                    {
                        Category = MigrationExposureCategory, Rule = string.Join(", ", e.LostControls), Object = e.Vm, Cluster = e.Cluster, VCenter = e.VCenter, TargetHost = e.TargetHost, Severity = e.Severity,
                        Objects = new[] { new ReportObject("vm", e.Vm, e.Cluster), new ReportObject("host", e.TargetHost, e.Cluster) },
                        Outcome = e.AutomatedByDrs ? ReportOutcome.Fail : ReportOutcome.Warning,
                        Message = $"{e.Vm} can move from {e.CurrentHost} to {e.TargetHost} and lose {string.Join(", ", e.LostControls)}" + (e.AutomatedByDrs ? " (DRS would do it on its own)." : "."),
                        PciDss = e.PciDss, Evidence = new[] { $"DRS: {e.DrsAutomation}", $"HA: {(e.HaEnabled ? "enabled" : "disabled")}" },
                        Remediation = $"Bring {e.TargetHost} to its cluster's controls, or keep {e.Vm} off it with a mandatory VM-host rule.",
                    };
                case PciSeparationFinding f:
                    return new ReportItem
                    {
                        Category = "CDE separation", Rule = f.RuleId, Object = string.Join(", ", f.Hosts.Concat(f.Networks).Concat(f.Datastores).DefaultIfEmpty(string.Join(", ", f.Vms))),
                        Cluster = string.Join(", ", f.Clusters), VCenter = f.VCenter, Severity = f.Severity, Outcome = Of(f.Outcome), Message = f.Message + WaiverText(f.Waiver), Objects = ObjectsOf(f),
                        PciDss = f.PciDss, Evidence = f.Evidence, Remediation = f.Remediation, Waiver = f.Waiver,
                    };
                case VmFirewallPolicyStatus s:
                    return new ReportItem
                    {
                        Category = "Firewall policy", Rule = $"{s.Policy}: {s.Status}", Object = s.Vm == null ? s.Policy : $"{s.Vm} {s.Nic}", VCenter = s.VCenter, Severity = s.Status == EnforcementStatus.Enforced ? Severity.Informational : Severity.High,
                        Outcome = s.Status == EnforcementStatus.Enforced ? ReportOutcome.Info : s.Status == EnforcementStatus.FailOpenExposure ? ReportOutcome.Warning : ReportOutcome.Fail,
                        Message = s.Message ?? $"{s.Vm} {s.Nic}: {s.Status}", PciDss = s.PciDss, Evidence = s.Diff,
                        Objects = new[] { s.Vm == null ? new ReportObject("firewallPolicy", s.Policy) : new ReportObject("vmNic", s.Nic, s.Vm) },
                        Remediation = "Invoke-VmFirewallPolicy applies the policy to the port.",
                    };
                case InventoryChange c:
                    return new ReportItem
                    {
                        Category = "Inventory change", Rule = c.Kind + (c.ControlId != null ? ": " + c.ControlId : ""), Object = c.Object, Severity = c.Severity ?? Severity.Informational,
                        Objects = new[] { new ReportObject(ReportObject.KindOfId(c.ObjectId), c.Object) },
                        Outcome = c.Kind == InventoryChangeKind.ControlFailing ? ReportOutcome.Fail : ReportOutcome.Info, Message = c.Message,
                        Evidence = new[] { $"Before: {c.Before}", $"After: {c.After}" }.Where(e => !e.EndsWith(": ", StringComparison.Ordinal)).ToArray(),
                    };
                case null:
                    throw new ArgumentNullException(nameof(result));
                default:
                    throw new ArgumentException($"{result.GetType().FullName} is not a VirtCompliance result; pipe in the output of Get-HostControlDrift, Get-NetworkControlDrift, Get-VmControlDrift, Get-VCenterControlDrift, Get-VmMigrationExposure, Test-PciSeparation, Test-VmFirewallPolicy or Compare-VirtInventory.");
            }
        }
    }
}
