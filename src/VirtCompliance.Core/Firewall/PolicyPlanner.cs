using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Common;
using VirtCompliance.Drift;
using VirtCompliance.Evaluation;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Firewall
{
    public enum PortChangeAction
    {
        /// <summary>The port has no filter of its own: the policy's is added.</summary>
        Add,
        /// <summary>The port's filter differs from the policy's: it is replaced.</summary>
        Update,
        /// <summary>The VM is no longer protected by this policy: the port goes back to its portgroup's filter.</summary>
        Remove,
        /// <summary>The port already enforces exactly the policy.</summary>
        NoChange,
        /// <summary>The adapter is not on a distributed port (standard switch, disconnected): nothing can enforce the policy there.</summary>
        Unenforceable,
    }

    /// <summary>What applying a policy does to one VM adapter's port.</summary>
    public sealed record VmFirewallPolicyChange
    {
        public string Policy { get; init; } = "";
        public string? Vm { get; init; }
        public string VmId { get; init; } = "";
        public int NicKey { get; init; }
        public string Nic { get; init; } = "";
        public string? Switch { get; init; }
        public string? SwitchId { get; init; }
        /// <summary>The switch's vSphere type, to address it.</summary>
        public string? SwitchType { get; init; }
        public string? PortKey { get; init; }
        /// <summary>The port's configVersion when it was read; echoed on reconfiguration.</summary>
        public string? PortConfigVersion { get; init; }
        public PortChangeAction Action { get; init; }
        /// <summary>Rules in the filter the port will have (0 for Remove).</summary>
        public int RuleCount { get; init; }
        /// <summary>"+ rule" for rules added, "- rule" for rules removed.</summary>
        public IReadOnlyList<string> Diff { get => _diff; init => _diff = TextList.Of(value); }
        private readonly IReadOnlyList<string> _diff = TextList<string>.Empty;
        /// <summary>The filter to write (null for Remove, NoChange, Unenforceable).</summary>
        public TrafficFilter? Desired { get; init; }
        /// <summary>Invoke-VmFirewallPolicy and Remove-VmFirewallPolicy: true once the server accepted the change.</summary>
        public bool Applied { get; init; }
        /// <summary>Remove, once applied: the port's other filters, left as they were ("key (agent)").</summary>
        public IReadOnlyList<string> KeptFilters { get => _keptFilters; init => _keptFilters = TextList.Of(value); }
        private readonly IReadOnlyList<string> _keptFilters = TextList<string>.Empty;
        public string? Message { get; init; }
    }

    /// <summary>
    /// Compares each protected VM adapter's port with the compiled policy: Add, Update or NoChange;
    /// ports of VMs the policy no longer protects whose filter it owns (every rule described
    /// "policy/...") get Remove; adapters that are not on a distributed port are Unenforceable.
    /// </summary>
    public static class PolicyPlanner
    {
        public static IReadOnlyList<VmFirewallPolicyChange> Plan(CompiledPolicy compiled, Inv inventory, IReadOnlyCollection<string>? vmNames = null)
        {
            var filter = NameFilter.Create(vmNames);
            var policy = compiled.Policy.Name;
            var prefix = PolicyCompiler.OwnerPrefix(policy);
            var desiredByVm = compiled.Vms.ToDictionary(v => v.VmId, v => v.Filter, StringComparer.Ordinal);
            var changes = new List<VmFirewallPolicyChange>();
            var diffs = new Dictionary<FilterPair, IReadOnlyList<string>>();
            var texts = new FilterTexts();
            foreach (var vm in inventory.Vms)
            {
                if (vm.Template || (filter != null && !filter(vm.Name) && !filter(vm.Id))) continue;
                desiredByVm.TryGetValue(vm.Id, out TrafficFilter? desired);
                foreach (var nic in vm.Nics)
                {
                    var own = nic.PortFilter;
                    var ours = Owns(policy, own);
                    if (desired == null && !ours) continue;
                    var dvs = nic.DvsId == null ? null : inventory.GetDistributedSwitch(nic.DvsId);
                    var change = new VmFirewallPolicyChange
                    {
                        Policy = policy,
                        Vm = vm.Name,
                        VmId = vm.Id,
                        NicKey = nic.Key,
                        Nic = nic.Label ?? $"adapter {nic.Key}",
                        Switch = dvs?.Name,
                        SwitchId = nic.DvsId,
                        SwitchType = dvs?.ManagedObjectType,
                        PortKey = nic.PortKey,
                        PortConfigVersion = nic.PortConfigVersion,
                    };
                    if (dvs == null || nic.PortKey == null)
                    {
                        if (desired != null)
                            changes.Add(change with
                            {
                                Action = PortChangeAction.Unenforceable,
                                Message = $"{change.Nic} of {vm.Name} is on {(nic.NetworkId == null ? "no network" : $"'{inventory.GetNetwork(nic.NetworkId)?.Name ?? nic.NetworkId}'")}, not a distributed port: no switch can enforce the policy there.",
                            });
                        continue;
                    }
                    if (desired == null)
                    {
                        // Not desired, so the port's own filter is the policy's (ours), which means it has one.
                        changes.Add(change with { Action = PortChangeAction.Remove, Diff = own!.Rules.Select(r => "- " + Text(r)).ToArray(), Message = $"{vm.Name} is no longer protected by {policy}." });
                        continue;
                    }
                    var current = nic.EffectiveFilter(inventory);
                    // Filters are shared objects (VMs alike share one; ports without their own share
                    // their portgroup's), so each pair is compared once however many ports have it.
                    var pair = new FilterPair(current, desired);
                    if (!diffs.TryGetValue(pair, out var diff)) diffs[pair] = diff = Diff(current, desired, texts);
                    var action = diff.Count == 0 ? PortChangeAction.NoChange : own == null ? PortChangeAction.Add : PortChangeAction.Update;
                    changes.Add(change with
                    {
                        Action = action,
                        RuleCount = desired.Rules.Count,
                        Diff = diff,
                        Desired = action == PortChangeAction.NoChange ? null : desired,
                        Message = action == PortChangeAction.Update && WrittenInverted(own, desired)
                            ? $"{change.Nic} of {vm.Name}: port {nic.PortKey} carries this policy as VirtCompliance 0.1 wrote it, with every direction inverted (its rules for traffic to the VM filtered what the VM sends); it is rewritten."
                            : null,
                    });
                }
            }
            return changes;
        }

        /// <summary>
        /// Whether a port's own filter is the policy's: it has rules and every one of them is
        /// described "policy/rule", as the compiler describes them. A filter that mixes the
        /// policy's rules with anyone else's is not the policy's to take off.
        /// </summary>
        public static bool Owns(string policyName, TrafficFilter? filter)
        {
            var prefix = PolicyCompiler.OwnerPrefix(policyName);
            return filter != null && filter.Rules.Count > 0 && filter.Rules.All(r => r.Description != null && r.Description.StartsWith(prefix, StringComparison.Ordinal));
        }

        /// <summary>
        /// Remove-VmFirewallPolicy's plan: a Remove for each adapter's port whose own filter the
        /// policy owns (<see cref="Owns"/>), whether or not the policy still protects the VM; a
        /// warning for each port whose filter holds some of the policy's rules beside others,
        /// which is left alone. Needs only the policy's name: its rules say whose they are.
        /// </summary>
        public static IReadOnlyList<VmFirewallPolicyChange> PlanRemoval(string policyName, Inv inventory, IReadOnlyCollection<string>? vmNames, List<string> warnings)
        {
            var filter = NameFilter.Create(vmNames);
            var prefix = PolicyCompiler.OwnerPrefix(policyName);
            var changes = new List<VmFirewallPolicyChange>();
            foreach (var vm in inventory.Vms)
            {
                if (vm.Template || (filter != null && !filter(vm.Name) && !filter(vm.Id))) continue;
                foreach (var nic in vm.Nics)
                {
                    var own = nic.PortFilter;
                    if (own == null) continue;
                    var label = nic.Label ?? $"adapter {nic.Key}";
                    var dvs = nic.DvsId == null ? null : inventory.GetDistributedSwitch(nic.DvsId);
                    if (!Owns(policyName, own))
                    {
                        var mine = own.Rules.Count(r => r.Description != null && r.Description.StartsWith(prefix, StringComparison.Ordinal));
                        if (mine > 0)
                            warnings.Add($"{label} of {vm.Name}: port {nic.PortKey} holds {mine} rules of policy {policyName} beside {own.Rules.Count - mine} rules of someone else's; the filter is not the policy's alone, so it is left as it is (edit it by hand).");
                        continue;
                    }
                    if (dvs == null || nic.PortKey == null) continue;
                    changes.Add(new VmFirewallPolicyChange
                    {
                        Policy = policyName,
                        Vm = vm.Name,
                        VmId = vm.Id,
                        NicKey = nic.Key,
                        Nic = label,
                        Switch = dvs.Name,
                        SwitchId = nic.DvsId,
                        SwitchType = dvs.ManagedObjectType,
                        PortKey = nic.PortKey,
                        PortConfigVersion = nic.PortConfigVersion,
                        Action = PortChangeAction.Remove,
                        Diff = own.Rules.OrderBy(r => r.Sequence).Select(r => "- " + Text(r)).ToArray(),
                    });
                }
            }
            return changes;
        }

        /// <summary>
        /// True when the port's filter is the desired one with incoming and outgoing swapped: the
        /// 0.1 release read the directions from the VM's side (see <see cref="PortDirection"/>).
        /// </summary>
        public static bool WrittenInverted(TrafficFilter? current, TrafficFilter desired)
        {
            if (current == null || current.Rules.Count != desired.Rules.Count || !current.Rules.Any(r => r.Direction != TrafficDirection.Both)) return false;
            var inverted = current.Rules.OrderBy(r => r.Sequence).Select(r => Text(r with { Direction = PortDirection.Inverted(r.Direction) }));
            return inverted.SequenceEqual(desired.Rules.OrderBy(r => r.Sequence).Select(Text), StringComparer.Ordinal);
        }

        /// <summary>Two filters compared by identity, not by value: the key of the diff cache.</summary>
        private readonly struct FilterPair : IEquatable<FilterPair>
        {
            private readonly TrafficFilter? _current;
            private readonly TrafficFilter _desired;

            public FilterPair(TrafficFilter? current, TrafficFilter desired)
            {
                _current = current;
                _desired = desired;
            }

            public bool Equals(FilterPair other) => ReferenceEquals(_current, other._current) && ReferenceEquals(_desired, other._desired);
            public override bool Equals(object? obj) => obj is FilterPair p && Equals(p);
            public override int GetHashCode() =>
                System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_current) * 31 + System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_desired);
        }

        /// <summary>The lines that differ: the switch-level settings first, then rule by rule. No current filter (null) differs in everything.</summary>
        public static IReadOnlyList<string> Diff(TrafficFilter? current, TrafficFilter desired) => Diff(current, desired, new FilterTexts());

        private static IReadOnlyList<string> Diff(TrafficFilter? current, TrafficFilter desired, FilterTexts texts)
        {
            var lines = new List<string>();
            if (current == null || current.Enabled != desired.Enabled) lines.Add($"+ filter {(desired.Enabled ? "enabled" : "disabled")}");
            if (current != null && current.OnFailure != desired.OnFailure) lines.Add($"~ onFailure {current.OnFailure} -> {desired.OnFailure}");
            var have = current == null ? FilterTexts.None : texts.Of(current);
            var want = texts.Of(desired);
            if (!have.Lines.SequenceEqual(want.Lines, StringComparer.Ordinal))
            {
                for (var i = 0; i < have.Lines.Length; i++)
                    if (!want.Set.Contains(have.Lines[i])) lines.Add(have.Removed(i));
                for (var i = 0; i < want.Lines.Length; i++)
                    if (!have.Set.Contains(want.Lines[i])) lines.Add(want.Added(i));
                if (lines.Count == 0) lines.Add("~ rule order");
            }
            // Already the changes' own immutable kind: every port with this pair of filters shares the one list, not a copy of it.
            return TextList.Of(lines);
        }

        /// <summary>
        /// Each filter's rules as lines, in sequence order, worked out once per filter object: a policy's filter is shared by
        /// every VM alike and a portgroup's by every port on it, so one plan compares the same few thousand-rule filters
        /// over and over; the "- " and "+ " lines are made once too, and shared by every diff that has them.
        /// </summary>
        private sealed class FilterTexts
        {
            internal static readonly Texts None = new Texts(Array.Empty<string>());
            private readonly Dictionary<TrafficFilter, Texts> _of = new Dictionary<TrafficFilter, Texts>(ByReference.Instance);

            public Texts Of(TrafficFilter filter)
            {
                if (!_of.TryGetValue(filter, out var texts)) _of[filter] = texts = new Texts(filter.Rules.OrderBy(r => r.Sequence).Select(Text).ToArray());
                return texts;
            }

            internal sealed class Texts
            {
                private string[]? _removed, _added;

                public Texts(string[] lines)
                {
                    Lines = lines;
                    Set = new HashSet<string>(lines, StringComparer.Ordinal);
                }

                public string[] Lines { get; }
                public HashSet<string> Set { get; }
                public string Removed(int i) => (_removed ??= new string[Lines.Length])[i] ??= "- " + Lines[i];
                public string Added(int i) => (_added ??= new string[Lines.Length])[i] ??= "+ " + Lines[i];
            }

            private sealed class ByReference : IEqualityComparer<TrafficFilter>
            {
                public static readonly ByReference Instance = new ByReference();
                public bool Equals(TrafficFilter? x, TrafficFilter? y) => ReferenceEquals(x, y);
                public int GetHashCode(TrafficFilter obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
            }
        }

        /// <summary>
        /// One rule as a line: what it matches and what it does. Logging is left out: the vim25
        /// traffic rule does not carry it, so a port read back could never match a rule that logs.
        /// </summary>
        public static string Text(TrafficRule r) => string.Format(CultureInfo.InvariantCulture,
            "{0} {1} {2} proto {3} from {4} to {5}{6} [{7}]",
            r.Sequence, PortDirection.Describe(r.Direction).Replace(' ', '-'), r.Action.ToString().ToLowerInvariant(), r.Protocol?.ToString(CultureInfo.InvariantCulture) ?? "any",
            r.SourceAddresses.Count == 0 ? "any" : string.Join(",", r.SourceAddresses),
            r.DestinationAddresses.Count == 0 ? "any" : string.Join(",", r.DestinationAddresses),
            string.IsNullOrEmpty(r.DestinationPorts) ? "" : " port " + r.DestinationPorts, r.Description);
    }
}

namespace VirtCompliance.Firewall
{
    public enum EnforcementStatus
    {
        /// <summary>The port carries exactly the policy's filter.</summary>
        Enforced,
        /// <summary>The VM is protected by the policy but its port has no filter of its own.</summary>
        Missing,
        /// <summary>The port's filter differs from the policy's (edited by hand, or the policy changed).</summary>
        Different,
        /// <summary>The adapter is not on a distributed port (moved to a standard portgroup, disconnected).</summary>
        Unenforceable,
        /// <summary>The VM is no longer protected, but its port still carries the policy's filter.</summary>
        Stale,
        /// <summary>The port enforces the policy, but the VM runs on a host that cannot (fail-closed placement broken).</summary>
        OutsideCapableHosts,
        /// <summary>Failing open: the VM can be moved to a host that cannot enforce its filter, where its traffic would pass unfiltered.</summary>
        FailOpenExposure,
        /// <summary>The policy selects no VM at all: it enforces nothing, which is not a pass.</summary>
        NothingProtected,
    }

    /// <summary>Test-VmFirewallPolicy: whether one protected VM adapter's port enforces the policy.</summary>
    public sealed record VmFirewallPolicyStatus
    {
        /// <summary>The vCenter Server (or host) the inventory was read from.</summary>
        public string? VCenter { get; init; }
        public string Policy { get; init; } = "";
        public string? Vm { get; init; }
        public string? VmId { get; init; }
        public string? Nic { get; init; }
        public string? Switch { get; init; }
        public string? PortKey { get; init; }
        public EnforcementStatus Status { get; init; }
        /// <summary>The first <see cref="DiffLinesShownAtMost"/> lines that differ between the port's filter and the policy's (all of them: <see cref="DiffLines"/>).</summary>
        public IReadOnlyList<string> Diff { get => _diff; init => _diff = TextList.Of(value); }
        private readonly IReadOnlyList<string> _diff = TextList<string>.Empty;
        /// <summary>How many lines differ in all; Invoke-VmFirewallPolicy -WhatIf shows every one.</summary>
        public int DiffLines { get; init; }
        public string? Message { get; init; }
        /// <summary>1.3.1/1.3.2 (traffic to and from the CDE restricted), 10.7.2 (failures of security controls detected).</summary>
        public IReadOnlyList<string> PciDss { get => _pciDss; init => _pciDss = TextList.Of(value); }
        private readonly IReadOnlyList<string> _pciDss = TextList.Of(new[] { "1.3.1", "1.3.2", "10.7.2" });

        public static VmFirewallPolicyStatus From(VmFirewallPolicyChange change)
        {
            EnforcementStatus status;
            string? message;
            switch (change.Action)
            {
                case PortChangeAction.NoChange: status = EnforcementStatus.Enforced; message = null; break;
                case PortChangeAction.Add: status = EnforcementStatus.Missing; message = $"{change.Vm} {change.Nic}: port {change.PortKey} has no filter of its own; the policy is not enforced."; break;
                case PortChangeAction.Update: status = EnforcementStatus.Different; message = $"{change.Vm} {change.Nic}: port {change.PortKey} enforces a different filter than the policy ({change.Diff.Count} lines differ)."; break;
                case PortChangeAction.Remove: status = EnforcementStatus.Stale; message = $"{change.Vm} {change.Nic}: port {change.PortKey} still carries the policy's filter though the VM is no longer protected."; break;
                default: status = EnforcementStatus.Unenforceable; message = change.Message; break;
            }
            return new VmFirewallPolicyStatus
            {
                Policy = change.Policy,
                Vm = change.Vm,
                VmId = change.VmId,
                Nic = change.Nic,
                Switch = change.Switch,
                PortKey = change.PortKey,
                Status = status,
                Diff = Shown(change.Diff),
                DiffLines = change.Diff.Count,
                Message = message,
            };
        }

        /// <summary>A status shows this many lines of its diff at most; the plan (Invoke-VmFirewallPolicy -WhatIf) has them all.</summary>
        public const int DiffLinesShownAtMost = 20;

        /// <summary>
        /// The diff as a status shows it. A port without its filter differs in every rule the policy compiles for it,
        /// thousands of lines for a VM that talks to a large group, and the same lines for every VM alike: in a
        /// status, a report and a bundle they would be gigabytes at 100k VMs. The plan's diff is shared by the ports
        /// alike, so the shortened one is made once per diff.
        /// </summary>
        private static IReadOnlyList<string> Shown(IReadOnlyList<string> diff) =>
            diff.Count <= DiffLinesShownAtMost ? diff : ShortDiffs.GetValue(diff, d => TextList.Of(d.Take(DiffLinesShownAtMost)
                .Concat(new[] { string.Format(CultureInfo.InvariantCulture, "... and {0} more lines (Invoke-VmFirewallPolicy -WhatIf shows them all)", d.Count - DiffLinesShownAtMost) })));

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<string>, IReadOnlyList<string>> ShortDiffs =
            new System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<string>, IReadOnlyList<string>>();
    }

    /// <summary>Get-VmFirewallPolicy: one rule in force on a VM adapter's port.</summary>
    public sealed record VmFirewallRule
    {
        public string? Vm { get; init; }
        public string Nic { get; init; } = "";
        public string? Switch { get; init; }
        public string? PortKey { get; init; }
        /// <summary>Port (the port's own filter) or Portgroup (inherited from the portgroup).</summary>
        public string Origin { get; init; } = "";
        public string OnFailure { get; init; } = "";
        public int Sequence { get; init; }
        /// <summary>As the VM sees it: "to VM", "from VM" or "both".</summary>
        public string Direction { get; init; } = "";
        /// <summary>The rule's vSphere direction (incomingPackets is what the VM sends: see PortDirection).</summary>
        public TrafficDirection VsphereDirection { get; init; }
        public TrafficAction Action { get; init; }
        public string Protocol { get; init; } = "";
        public string From { get; init; } = "";
        public string To { get; init; } = "";
        public string Ports { get; init; } = "";
        public string? Description { get; init; }

        /// <summary>Every rule in force on every adapter of the inventory's VMs (those a filter selects).</summary>
        public static IEnumerable<VmFirewallRule> Of(VirtCompliance.Model.Inventory inventory, Func<string?, bool>? vmFilter)
        {
            foreach (var vm in inventory.Vms)
            {
                if (vm.Template || (vmFilter != null && !vmFilter(vm.Name) && !vmFilter(vm.Id))) continue;
                foreach (var nic in vm.Nics)
                {
                    var filter = nic.EffectiveFilter(inventory);
                    if (filter == null || !filter.Enabled) continue;
                    var origin = nic.PortFilter != null ? "Port" : "Portgroup";
                    foreach (var r in filter.Rules.OrderBy(r => r.Sequence))
                    {
                        yield return new VmFirewallRule
                        {
                            Vm = vm.Name,
                            Nic = nic.Label ?? $"adapter {nic.Key}",
                            Switch = nic.DvsId == null ? null : inventory.GetDistributedSwitch(nic.DvsId)?.Name,
                            PortKey = nic.PortKey,
                            Origin = origin,
                            OnFailure = filter.OnFailure,
                            Sequence = r.Sequence,
                            Direction = PortDirection.Describe(r.Direction),
                            VsphereDirection = r.Direction,
                            Action = r.Action,
                            Protocol = r.Protocol == 6 ? "tcp" : r.Protocol == 17 ? "udp" : r.Protocol == 1 ? "icmp" : r.Protocol?.ToString(CultureInfo.InvariantCulture) ?? "any",
                            From = r.SourceAddresses.Count == 0 ? "any" : string.Join(", ", r.SourceAddresses),
                            To = r.DestinationAddresses.Count == 0 ? "any" : string.Join(", ", r.DestinationAddresses),
                            Ports = r.DestinationPorts ?? "",
                            Description = r.Description,
                        };
                    }
                }
            }
        }
    }
}

namespace VirtCompliance.Firewall
{
    /// <summary>Test-VmFirewallPolicy's reading: each protected port's status, placement included.</summary>
    public static class FirewallStatus
    {
        /// <summary>
        /// One status per protected adapter (and per stale port): whether its port enforces the
        /// policy; failing closed, whether the VM runs on a host able to enforce it; failing open,
        /// whether it can be moved to a host that cannot (its traffic would then pass unfiltered).
        /// </summary>
        public static List<VmFirewallPolicyStatus> Check(CompiledPolicy compiled, VirtCompliance.Model.Inventory inventory, IReadOnlyCollection<string>? vmNames = null)
        {
            var statuses = PolicyPlanner.Plan(compiled, inventory, vmNames).Select(VmFirewallPolicyStatus.From).ToList();
            var policy = compiled.Policy;
            if (compiled.Vms.Count == 0)
            {
                // A policy that protects nothing enforces nothing: that is not a pass.
                statuses.Add(new VmFirewallPolicyStatus
                {
                    Policy = policy.Name,
                    Status = EnforcementStatus.NothingProtected,
                    Message = $"Policy {policy.Name} protects no VM of inventory '{inventory.Source}': no rule's group selects a VM (check the groups' selectors, and the scope sources for scope: groups).",
                });
                return statuses;
            }
            if (policy.FailureMode == FailureMode.Open)
            {
                // Failing open is a choice for availability; where it applies is evidence for 10.7.2.
                var exposed = FailOpenExposures(compiled, inventory).ToDictionary(e => e.vmId, e => e.message, StringComparer.Ordinal);
                for (int i = 0; i < statuses.Count; i++)
                {
                    var s = statuses[i];
                    if (s.Status == EnforcementStatus.Enforced && s.VmId != null && exposed.TryGetValue(s.VmId, out var message))
                        statuses[i] = s with { Status = EnforcementStatus.FailOpenExposure, Message = message };
                }
            }
            if (policy.FailureMode == FailureMode.Closed)
            {
                // Failing closed also means running only on hosts that can enforce the filter.
                var capable = FailClosedPlanner.CapableHosts(compiled, inventory);
                for (int i = 0; i < statuses.Count; i++)
                {
                    var s = statuses[i];
                    var host = inventory.GetHost(inventory.GetVm(s.VmId)?.HostId);
                    if (s.Status != EnforcementStatus.Enforced || host?.ClusterId == null || !capable.TryGetValue(host.ClusterId, out var hosts) || hosts.capable.Contains(host.Id)) continue;
                    statuses[i] = s with
                    {
                        Status = EnforcementStatus.OutsideCapableHosts,
                        Message = $"{s.Vm} runs on {host.Name}, which {hosts.why[host.Id]}: with failureMode closed it must run only where its filter is enforced.",
                    };
                }
            }
            return statuses;
        }

        /// <summary>
        /// Failing open: each protected VM that vMotion, DRS or HA could move to a host unable to
        /// enforce its filter (by <see cref="FailClosedPlanner.CapableHosts"/>, the one definition of
        /// "able"), with the sentence that says where. Invoke-VmFirewallPolicy warns of these and
        /// Test-VmFirewallPolicy reports them as FailOpenExposure.
        /// </summary>
        public static IEnumerable<(string vmId, string message)> FailOpenExposures(CompiledPolicy compiled, VirtCompliance.Model.Inventory inventory)
        {
            var capable = FailClosedPlanner.CapableHosts(compiled, inventory);
            var domains = new MigrationDomains(inventory);
            foreach (var ruleset in compiled.Vms)
            {
                var vm = inventory.GetVm(ruleset.VmId);
                var host = inventory.GetHost(vm?.HostId);
                if (vm == null || host?.ClusterId == null || !capable.TryGetValue(host.ClusterId, out var hosts)) continue;
                var unable = domains.DomainOf(vm).Where(h => !hosts.capable.Contains(h.Id)).ToArray();
                if (unable.Length == 0) continue;
                yield return (vm.Id, $"{vm.Name} can be moved to {string.Join(", ", unable.Select(h => $"{h.Name} (which {hosts.why[h.Id]})"))}; failing open, its traffic would pass unfiltered there (PCI DSS 10.7.2).");
            }
        }
    }
}
