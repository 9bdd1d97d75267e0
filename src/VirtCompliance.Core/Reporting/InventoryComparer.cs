using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Common;
using VirtCompliance.Drift;
using VirtCompliance.Evaluation;
using VirtCompliance.Pci;
using Inv = VirtCompliance.Model.Inventory;
using VirtCompliance.Scope;

namespace VirtCompliance
{
    // Numbered from 1 so that "Where-Object Kind" keeps every change: a 0 would read as false.
    public enum InventoryChangeKind { HostAdded = 1, HostRemoved, VmAdded, VmRemoved, VmMoved, ControlFailing, ControlPassing, ScopeChanged }

    /// <summary>Compare-VirtInventory: one thing that changed between two snapshots.</summary>
    public sealed record InventoryChange
    {
        public InventoryChangeKind Kind { get; init; }
        /// <summary>The host or VM, by name.</summary>
        public string? Object { get; init; }
        public string ObjectId { get; init; } = "";
        /// <summary>The control id for ControlFailing / ControlPassing.</summary>
        public string? ControlId { get; init; }
        public string? Before { get; init; }
        public string? After { get; init; }
        public Severity? Severity { get; init; }
        public string Message { get; init; } = "";
    }
}

namespace VirtCompliance.Reporting
{
    /// <summary>
    /// What changed between two snapshots of the same infrastructure, for "new drift since
    /// yesterday": hosts and VMs added or removed, VMs that moved, host controls that started or
    /// stopped failing (against one baseline, judged the same way for both), and PCI scope changes.
    /// </summary>
    public static class InventoryComparer
    {
        public static IEnumerable<InventoryChange> Compare(Inv reference, Inv difference, Baseline baseline, ScopeSources? scopeSources = null)
        {
            var refHosts = reference.Hosts.ToDictionary(h => h.Id, StringComparer.Ordinal);
            var difHosts = difference.Hosts.ToDictionary(h => h.Id, StringComparer.Ordinal);
            foreach (var h in difference.Hosts.Where(h => !refHosts.ContainsKey(h.Id)))
                yield return new InventoryChange { Kind = InventoryChangeKind.HostAdded, Object = h.Name, ObjectId = h.Id, After = ClusterName(difference, h.ClusterId), Message = $"Host {h.Name} is new." };
            foreach (var h in reference.Hosts.Where(h => !difHosts.ContainsKey(h.Id)))
                yield return new InventoryChange { Kind = InventoryChangeKind.HostRemoved, Object = h.Name, ObjectId = h.Id, Before = ClusterName(reference, h.ClusterId), Message = $"Host {h.Name} is gone." };

            var before = Failures(reference, baseline);
            var after = Failures(difference, baseline);
            foreach (var (key, result) in after.Where(kv => !before.ContainsKey(kv.Key)).Select(kv => (kv.Key, kv.Value)).OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                if (!refHosts.ContainsKey(key.Split('\u0001')[0])) continue; // a new host's failures are its own news
                var host = difHosts[key.Split('\u0001')[0]];
                yield return new InventoryChange
                {
                    Kind = InventoryChangeKind.ControlFailing,
                    Object = host.Name,
                    ObjectId = host.Id,
                    ControlId = result.Control.Id,
                    Before = "passed",
                    After = result.Actual.ToString(),
                    Severity = result.Control.Severity,
                    Message = $"{host.Name} now fails {result.Control.Id} ({result.Control.Title}): expected {result.ExpectedText}, found {result.Actual}.",
                };
            }
            foreach (var (key, result) in before.Where(kv => !after.ContainsKey(kv.Key)).Select(kv => (kv.Key, kv.Value)).OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                if (!difHosts.TryGetValue(key.Split('\u0001')[0], out var host)) continue;
                yield return new InventoryChange
                {
                    Kind = InventoryChangeKind.ControlPassing,
                    Object = host.Name,
                    ObjectId = host.Id,
                    ControlId = result.Control.Id,
                    Before = result.Actual.ToString(),
                    After = "passes",
                    Severity = result.Control.Severity,
                    Message = $"{host.Name} passes {result.Control.Id} again.",
                };
            }

            var refVms = reference.Vms.ToDictionary(v => v.Id, StringComparer.Ordinal);
            var difVms = difference.Vms.ToDictionary(v => v.Id, StringComparer.Ordinal);
            foreach (var v in difference.Vms.Where(v => !refVms.ContainsKey(v.Id)))
                yield return new InventoryChange { Kind = InventoryChangeKind.VmAdded, Object = v.Name, ObjectId = v.Id, After = difference.GetHost(v.HostId)?.Name, Message = $"VM {v.Name} is new." };
            foreach (var v in reference.Vms.Where(v => !difVms.ContainsKey(v.Id)))
                yield return new InventoryChange { Kind = InventoryChangeKind.VmRemoved, Object = v.Name, ObjectId = v.Id, Before = reference.GetHost(v.HostId)?.Name, Message = $"VM {v.Name} is gone." };
            foreach (var v in difference.Vms.Where(v => refVms.TryGetValue(v.Id, out var old) && old.HostId != v.HostId))
            {
                var from = reference.GetHost(refVms[v.Id].HostId)?.Name ?? refVms[v.Id].HostId;
                var to = difference.GetHost(v.HostId)?.Name ?? v.HostId;
                yield return new InventoryChange { Kind = InventoryChangeKind.VmMoved, Object = v.Name, ObjectId = v.Id, Before = from, After = to, Message = $"VM {v.Name} moved from {from} to {to}." };
            }

            var sources = scopeSources ?? new ScopeSources();
            var refScopes = PciScopeClassifier.Classify(reference, sources).ToDictionary(s => s.VmId, StringComparer.Ordinal);
            foreach (var s in PciScopeClassifier.Classify(difference, sources))
            {
                if (!refScopes.TryGetValue(s.VmId, out var old) || old.Scope == s.Scope) continue;
                yield return new InventoryChange
                {
                    Kind = InventoryChangeKind.ScopeChanged,
                    Object = s.Vm,
                    ObjectId = s.VmId,
                    Before = old.Scope.ToString(),
                    After = s.Scope.ToString(),
                    Message = $"VM {s.Vm} changed PCI scope from {old.Scope} to {s.Scope} ({s.Source}).",
                };
            }
        }

        /// <summary>Host id + control id → the failing result, for every evaluated host.</summary>
        private static Dictionary<string, ControlResult> Failures(Inv inventory, Baseline baseline)
        {
            var assessment = ControlEvaluator.Evaluate(inventory, baseline);
            var failures = new Dictionary<string, ControlResult>(StringComparer.Ordinal);
            foreach (var host in assessment.Hosts.Values)
                foreach (var r in host.Results.Where(r => r.Failed))
                    failures[host.Host.Id + "\u0001" + r.Control.Id] = r;
            return failures;
        }

        private static string? ClusterName(Inv inventory, string? clusterId) => clusterId == null ? "(standalone)" : inventory.GetCluster(clusterId)?.Name ?? clusterId;
    }
}
