using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Common;
using VirtCompliance.Model;
using VirtCompliance.Pci;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Waivers
{
    /// <summary>
    /// A waiver file applied on one assessment date: turns the failing results its waivers cover into
    /// Waived (or leaves them Fail, naming the waiver, once it has expired), and counts what each waiver
    /// covered, for its state (Unused when it covered nothing) and the reports' register. One instance
    /// serves one assessment; the analyses call <see cref="Apply"/> on their results.
    /// </summary>
    public sealed class WaiverSet
    {
        /// <summary>How many days before its expiry a waiver is ExpiringSoon, unless told otherwise.</summary>
        public const int DefaultWarningDays = 30;

        private sealed class Compiled
        {
            public Waiver Waiver = null!;
            public Func<string?, bool> Control = null!;
            public Func<string?, bool>? Object, Cluster, Tag;
            public readonly List<string> Covers = new List<string>();
        }

        private readonly List<Compiled> _waivers;
        private readonly object _gate = new object();

        public WaiverSet(WaiverFile file, DateTimeOffset asOf, int warningDays = DefaultWarningDays)
        {
            if (warningDays < 0) throw new ArgumentOutOfRangeException(nameof(warningDays), "The warning period is a number of days, 0 or more.");
            File = file;
            AsOf = asOf;
            WarningDays = warningDays;
            _waivers = file.Waivers.Select(w => new Compiled
            {
                Waiver = w,
                Control = NameFilter.Create(w.Controls)!,
                Object = NameFilter.Create(w.Objects),
                Cluster = NameFilter.Create(w.Clusters),
                Tag = NameFilter.Create(w.Tags),
            }).ToList();
        }

        public WaiverFile File { get; }
        /// <summary>The date waivers are judged on: a waiver whose last day is before it has expired.</summary>
        public DateTimeOffset AsOf { get; }
        public int WarningDays { get; }

        /// <summary>What a result is, for matching: its kind, control or rule id, the names and ids of its objects, its clusters, its VMs' tags.</summary>
        internal readonly struct Target
        {
            public Target(WaiverScope scope, string rule, string description, IEnumerable<string?> names, IEnumerable<string?> clusters, IEnumerable<string> tags)
            {
                Scope = scope; Rule = rule; Description = description; Names = names; Clusters = clusters; Tags = tags;
            }
            public WaiverScope Scope { get; }
            public string Rule { get; }
            public string Description { get; }
            public IEnumerable<string?> Names { get; }
            public IEnumerable<string?> Clusters { get; }
            public IEnumerable<string> Tags { get; }
        }

        /// <summary>The waiver that covers the target: the first one in file order that is in force; else the first expired one (to say so); else none.</summary>
        internal WaiverRef? Find(Target target)
        {
            Compiled? expired = null;
            foreach (var c in _waivers)
            {
                var w = c.Waiver;
                if (w.Scope.Count > 0 && !w.Scope.Contains(target.Scope)) continue;
                if (!c.Control(target.Rule)) continue;
                if (c.Object != null && !target.Names.Any(c.Object)) continue;
                if (c.Cluster != null && !target.Clusters.Any(c.Cluster)) continue;
                if (c.Tag != null && !target.Tags.Any(c.Tag)) continue;
                if (w.IsExpiredOn(AsOf)) { expired ??= c; continue; }
                lock (_gate) c.Covers.Add(target.Description);
                return WaiverRef.Of(w, expired: false);
            }
            if (expired == null) return null;
            lock (_gate) expired.Covers.Add(target.Description);
            return WaiverRef.Of(expired.Waiver, expired: true);
        }

        /// <summary>Each waiver's state on <see cref="AsOf"/>, with what it covered in the results applied so far (Unused when <paramref name="judgedUse"/> and nothing).</summary>
        public IReadOnlyList<WaiverStatus> Statuses(bool judgedUse)
        {
            lock (_gate)
            {
                return _waivers.Select(c =>
                {
                    var w = c.Waiver;
                    var state = w.IsExpiredOn(AsOf) ? WaiverState.Expired
                        : judgedUse && c.Covers.Count == 0 ? WaiverState.Unused
                        : w.DaysLeft(AsOf) <= WarningDays ? WaiverState.ExpiringSoon : WaiverState.Active;
                    return new WaiverStatus
                    {
                        Id = w.Id, State = state, Expires = w.Expires, DaysLeft = w.DaysLeft(AsOf),
                        Matched = judgedUse ? c.Covers.Distinct(StringComparer.Ordinal).Count() : (int?)null,
                        Covers = c.Covers.Distinct(StringComparer.Ordinal).OrderBy(x => x, StringComparer.Ordinal).ToArray(),
                        AsOf = AsOf, Waiver = w,
                    };
                }).ToList();
            }
        }

        /// <summary>The warnings a person should read: waivers expiring within the warning period, expired ones that still match a failure, unused ones.</summary>
        public IEnumerable<string> Warnings(bool judgedUse)
        {
            foreach (var s in Statuses(judgedUse))
            {
                var at = $"{s.Waiver.File}:{s.Waiver.Line}";
                if (s.State == WaiverState.ExpiringSoon)
                    yield return $"Waiver {s.Id} ({at}) expires on {s.Expires:yyyy-MM-dd}, in {s.DaysLeft} day(s): renew it or fix what it covers.";
                else if (s.State == WaiverState.Expired && s.Covers.Count > 0)
                    yield return $"Waiver {s.Id} ({at}) expired on {s.Expires:yyyy-MM-dd}: the {s.Covers.Count} result(s) it covered fail again.";
                else if (s.State == WaiverState.Unused)
                    yield return $"Waiver {s.Id} ({at}) matches nothing that fails in this inventory: remove it, or check its controls and objects.";
            }
        }

        /// <summary>Counts as covered what results judged earlier already carry (a report of them): by waiver id, a description each.</summary>
        public void CountCovered(IEnumerable<(string waiverId, string description)> covered)
        {
            lock (_gate)
                foreach (var (id, description) in covered)
                    _waivers.FirstOrDefault(c => string.Equals(c.Waiver.Id, id, StringComparison.OrdinalIgnoreCase))?.Covers.Add(description);
        }

        // ---- applying ---------------------------------------------------------------------------

        /// <summary>A failing control result covered by a waiver in force becomes Waived; one covered only by an expired waiver stays Fail and names it.</summary>
        public IReadOnlyList<T> Apply<T>(IReadOnlyList<T> results, Inv inventory) where T : ControlDrift
        {
            var tags = new Lazy<Dictionary<string, string[]>>(() => VmTags(inventory));
            return results.Select(d =>
            {
                if (d.Outcome != Outcome.Fail) return d;
                var found = Find(TargetOf(d, tags));
                if (found == null) return d;
                return (T)(d with { Outcome = found.Expired ? Outcome.Fail : Outcome.Waived, Waiver = found });
            }).ToList();
        }

        /// <summary>A Fail or Warning separation finding covered by a waiver in force becomes Waived; an expired waiver leaves it as it was, named.</summary>
        public IReadOnlyList<PciSeparationFinding> Apply(IReadOnlyList<PciSeparationFinding> findings, Inv inventory)
        {
            var byName = inventory.Vms.GroupBy(v => v.Name ?? v.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.SelectMany(TagNames).ToArray(), StringComparer.Ordinal);
            return findings.Select(f =>
            {
                if (f.Outcome != FindingOutcome.Fail && f.Outcome != FindingOutcome.Warning) return f;
                var objects = f.Hosts.Concat(f.Vms).Concat(f.Networks).Concat(f.Datastores).ToArray();
                var target = new Target(WaiverScope.Separation, f.RuleId, $"{f.RuleId} on {string.Join(", ", objects.Where(o => o != null))}", objects, f.Clusters,
                    f.Vms.Where(v => v != null && byName.ContainsKey(v)).SelectMany(v => byName[v!]));
                var found = Find(target);
                if (found == null) return f;
                return f with { Outcome = found.Expired ? f.Outcome : FindingOutcome.Waived, Waiver = found };
            }).ToList();
        }

        private static Target TargetOf(ControlDrift d, Lazy<Dictionary<string, string[]>> tags)
        {
            switch (d)
            {
                case HostControlDrift h:
                    return new Target(WaiverScope.Host, h.ControlId, $"{h.ControlId} on {h.Host}", new[] { h.Host, h.HostId }, new[] { h.Cluster, h.ClusterId }, Array.Empty<string>());
                case NetworkControlDrift n:
                    return new Target(WaiverScope.Network, n.ControlId, $"{n.ControlId} on {(n.ObjectKind == NetworkObjectKind.DistributedSwitch ? n.Switch : n.Network)}" + (n.Host != null ? $" ({n.Host})" : ""),
                        new[] { n.Network, n.NetworkId, n.Switch, n.Host, n.HostId }, new[] { n.Cluster }, Array.Empty<string>());
                case VmControlDrift v:
                    return new Target(WaiverScope.Vm, v.ControlId, $"{v.ControlId} on {v.Vm}", new[] { v.Vm, v.VmId }, new[] { v.Cluster, v.ClusterId },
                        tags.Value.TryGetValue(v.VmId, out var t) ? t : Array.Empty<string>());
                case VCenterControlDrift e:
                    return new Target(WaiverScope.VCenter, e.ControlId, $"{e.ControlId} on {e.Object}", new[] { e.Object, e.ObjectId, e.VCenter },
                        e.ObjectKind == EstateObjectKind.Cluster ? new[] { e.Object, e.ObjectId } : Array.Empty<string?>(), Array.Empty<string>());
                default:
                    throw new ArgumentException($"{d.GetType().FullName} is a control result waivers do not know how to match.");
            }
        }

        private static Dictionary<string, string[]> VmTags(Inv inventory) =>
            inventory.Vms.ToDictionary(v => v.Id, v => TagNames(v).ToArray(), StringComparer.Ordinal);

        /// <summary>A VM's tags as Category/Name and as Name, so that a waiver can name either.</summary>
        private static IEnumerable<string> TagNames(Vm vm) =>
            (vm.Tags ?? Array.Empty<VmTag>()).Where(t => t.Name != null).SelectMany(t => t.Category != null ? new[] { $"{t.Category}/{t.Name}", t.Name! } : new[] { t.Name! });
    }
}
