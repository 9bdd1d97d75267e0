using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;
using VirtCompliance.Common;

namespace VirtCompliance.Firewall
{
    // Numbered from 1 so that "Where-Object Kind" keeps every placement change: a 0 would read as false.
    public enum PlacementKind { VmGroup = 1, HostGroup, Rule }

    public enum PlacementAction { Add, Update, NoChange }

    /// <summary>One DRS object fail-closed placement needs: a VM group, a host group or the rule tying them.</summary>
    public sealed record ClusterPlacementChange
    {
        public string? Policy { get; init; }
        public string? Cluster { get; init; }
        public string? ClusterId { get; init; }
        public PlacementKind Kind { get; init; }
        /// <summary>The DRS group's or rule's name.</summary>
        public string Name { get; init; } = "";
        public PlacementAction Action { get; init; }
        /// <summary>Group members (VM or host ids); for the rule, its VM group and host group.</summary>
        public IReadOnlyList<string> Members { get => _members; init => _members = TextList.Of(value); }
        private readonly IReadOnlyList<string> _members = TextList<string>.Empty;
        /// <summary>The rule's key when it is edited.</summary>
        public int? RuleKey { get; init; }
        public bool Applied { get; init; }
        public string? Message { get; init; }
    }

    /// <summary>
    /// Fail closed, for real: keeps each protected VM on hosts that can enforce its filter. Per
    /// cluster it maintains a VM group of the protected VMs, a host group of the capable hosts
    /// (see <see cref="CapableHosts"/>) and a mandatory "must run on" VM-host rule, all named
    /// "vc-fw-{policy}-..." so it touches only its own objects.
    /// </summary>
    public static class FailClosedPlanner
    {
        public static string Prefix(string policy) => $"vc-fw-{policy}-";

        /// <summary>
        /// Per cluster with protected VMs, the hosts that can enforce their filter: connected, not
        /// in maintenance mode, members of every distributed switch those VMs use, and passing the
        /// policy's hostControls. Why each other host cannot, for messages.
        /// </summary>
        public static IReadOnlyDictionary<string, (HashSet<string> capable, Dictionary<string, string> why)> CapableHosts(CompiledPolicy compiled, Inv inventory)
        {
            var baseline = compiled.Policy.HostControlsBaseline();
            var assessment = baseline == null ? null : VirtCompliance.Evaluation.ControlEvaluator.Evaluate(inventory, baseline);
            var result = new Dictionary<string, (HashSet<string>, Dictionary<string, string>)>(StringComparer.Ordinal);
            foreach (var group in ProtectedVmsByCluster(compiled, inventory))
            {
                var switches = group.SelectMany(v => v.Nics).Select(n => n.DvsId).Where(id => id != null).Distinct().ToArray();
                var capable = new HashSet<string>(StringComparer.Ordinal);
                var why = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var h in inventory.HostsInCluster(group.Key))
                {
                    string? reason = null;
                    if (h.ConnectionState != ConnectionState.Connected) reason = $"is {h.ConnectionState}";
                    else if (h.InMaintenanceMode) reason = "is in maintenance mode";
                    else if (!switches.All(s => h.DvsIds.Contains(s))) reason = "is not on the VMs' distributed switch";
                    else if (assessment != null)
                    {
                        // A host control that could not be verified does not make a host capable.
                        var results = assessment.Hosts.TryGetValue(h.Id, out var a) ? a.Results : Array.Empty<VirtCompliance.Evaluation.ControlResult>();
                        var failed = results.Where(r => r.Failed).Select(r => r.Control.Id).ToArray();
                        var unproven = results.Where(r => r.Outcome == Outcome.NotEvaluated).Select(r => r.Control.Id).ToArray();
                        if (failed.Length > 0) reason = "fails " + string.Join(", ", failed);
                        else if (unproven.Length > 0) reason = "could not be verified for " + string.Join(", ", unproven);
                    }
                    if (reason == null) capable.Add(h.Id);
                    else why[h.Id] = reason;
                }
                result[group.Key] = (capable, why);
            }
            return result;
        }

        public static IReadOnlyList<ClusterPlacementChange> Plan(CompiledPolicy compiled, Inv inventory)
        {
            var capableHosts = CapableHosts(compiled, inventory);
            var changes = new List<ClusterPlacementChange>();
            var prefix = Prefix(compiled.Policy.Name);
            var vmGroupName = prefix + "vms";
            var hostGroupName = prefix + "hosts";
            var ruleName = prefix + "keep-on-capable-hosts";
            foreach (var group in ProtectedVmsByCluster(compiled, inventory).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                // The cluster of one of the inventory's hosts, and an inventory has every cluster its hosts name.
                var cluster = inventory.GetCluster(group.Key)!;
                var capable = capableHosts[cluster.Id].capable.OrderBy(id => id, StringComparer.Ordinal).ToArray();
                var vms = group.Select(v => v.Id).OrderBy(id => id, StringComparer.Ordinal).ToArray();
                var baseChange = new ClusterPlacementChange { Policy = compiled.Policy.Name, Cluster = cluster.Name, ClusterId = cluster.Id };
                changes.Add(GroupChange(baseChange, PlacementKind.VmGroup, vmGroupName, vms, cluster.VmGroups));
                var hostChange = GroupChange(baseChange, PlacementKind.HostGroup, hostGroupName, capable, cluster.HostGroups);
                if (capable.Length == 0) hostChange = hostChange with { Message = $"No host of {cluster.Name} can enforce the policy: the VMs would have nowhere to run." };
                changes.Add(hostChange);
                var existing = cluster.Rules.FirstOrDefault(r => r.Name == ruleName);
                var ruleOk = existing != null && existing.Kind == ClusterRuleKind.VmHost && existing.Enabled && existing.Mandatory
                    && existing.VmGroup == vmGroupName && existing.AffineHostGroup == hostGroupName && existing.AntiAffineHostGroup == null;
                changes.Add(baseChange with
                {
                    Kind = PlacementKind.Rule,
                    Name = ruleName,
                    Action = existing == null ? PlacementAction.Add : ruleOk ? PlacementAction.NoChange : PlacementAction.Update,
                    Members = new[] { vmGroupName, hostGroupName },
                    RuleKey = existing?.RuleKey,
                });
            }
            return changes;
        }

        /// <summary>The protected VMs that run on a host in a cluster, by the cluster's id.</summary>
        private static IEnumerable<IGrouping<string, Vm>> ProtectedVmsByCluster(CompiledPolicy compiled, Inv inventory) =>
            compiled.Vms.Select(v => inventory.GetVm(v.VmId)).OfType<Vm>()
                .Select(vm => (vm, clusterId: inventory.GetHost(vm.HostId)?.ClusterId))
                .Where(p => p.clusterId != null)
                // Only VMs whose host has a cluster are left.
                .GroupBy(p => p.clusterId!, p => p.vm, StringComparer.Ordinal);

        private static ClusterPlacementChange GroupChange(ClusterPlacementChange template, PlacementKind kind, string name, string[] members, IReadOnlyList<ClusterGroup> existing)
        {
            var current = existing.FirstOrDefault(g => g.Name == name);
            var same = current != null && current.Members.OrderBy(m => m, StringComparer.Ordinal).SequenceEqual(members, StringComparer.Ordinal);
            return template with { Kind = kind, Name = name, Members = members, Action = current == null ? PlacementAction.Add : same ? PlacementAction.NoChange : PlacementAction.Update };
        }
    }
}
