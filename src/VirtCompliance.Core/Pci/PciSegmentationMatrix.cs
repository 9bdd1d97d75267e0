using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Scope;

namespace VirtCompliance.Pci
{
    /// <summary>
    /// Segmentation evidence (PCI DSS 11.4.5): for each pair of scope classes, or of VMs, what they
    /// share — a host now, a host either can be moved to, a layer-2 segment, a datastore.
    /// </summary>
    public static class PciSegmentationMatrix
    {
        private static readonly PciScope[] Order = { PciScope.Cde, PciScope.Connected, PciScope.OutOfScope, PciScope.Unknown };

        public static IEnumerable<PciSegmentationPair> Classes(PciScopeModel model)
        {
            var inventory = model.Inventory;
            var counts = new int[4];
            foreach (var vm in inventory.Vms)
                if (!vm.Template) counts[(int)model.ScopeOf(vm.Id)]++;

            var shared = new Dictionary<(PciScope, PciScope), Shares>();
            Shares For(PciScope a, PciScope b) => shared.TryGetValue((a, b), out var s) ? s : shared[(a, b)] = new Shares();

            foreach (var host in inventory.Hosts)
            {
                var placement = model.PlacementOf(host);
                var running = new HashSet<PciScope>(placement.Running.Select(v => model.ScopeOf(v.Id)));
                var reachable = Order.Where(s => placement.ReachableOf(s).Count > 0).ToArray();
                foreach (var (a, b) in Pairs())
                {
                    if (running.Contains(a) && running.Contains(b)) For(a, b).Hosts.Add(host.Name);
                    if (reachable.Contains(a) && reachable.Contains(b)) For(a, b).MigrationHosts.Add(host.Name);
                }
            }
            foreach (var segment in model.Segments.All)
            {
                foreach (var (a, b) in Pairs())
                    if (model.CountOn(segment, a) > 0 && model.CountOn(segment, b) > 0) For(a, b).Segments.Add(segment.Name);
            }
            var datastoreScopes = new Dictionary<string, HashSet<PciScope>>(StringComparer.Ordinal);
            foreach (var vm in inventory.Vms.Where(v => !v.Template))
                foreach (var ds in vm.DatastoreIds)
                {
                    if (!datastoreScopes.TryGetValue(ds, out var set)) datastoreScopes[ds] = set = new HashSet<PciScope>();
                    set.Add(model.ScopeOf(vm.Id));
                }
            foreach (var pair in datastoreScopes.OrderBy(p => p.Key, StringComparer.Ordinal))
                foreach (var (a, b) in Pairs())
                    if (pair.Value.Contains(a) && pair.Value.Contains(b)) For(a, b).Datastores.Add(inventory.GetDatastore(pair.Key)?.Name ?? pair.Key);

            foreach (var (a, b) in Pairs())
            {
                var s = For(a, b);
                yield return new PciSegmentationPair
                {
                    ScopeA = a,
                    ScopeB = b,
                    VmsA = counts[(int)a],
                    VmsB = counts[(int)b],
                    SharedHosts = s.Hosts,
                    MigrationHosts = s.MigrationHosts,
                    SharedSegments = s.Segments,
                    SharedDatastores = s.Datastores,
                    Separated = s.Hosts.Count == 0 && s.MigrationHosts.Count == 0 && s.Segments.Count == 0 && s.Datastores.Count == 0,
                };
            }
        }

        /// <summary>
        /// Pairs of VMs of different scope that share something, for the VMs the filter selects.
        /// The number of pairs grows with the square of a cluster's VM count: narrow it with a filter.
        /// </summary>
        public static IEnumerable<PciVmPair> VmPairs(PciScopeModel model, Func<string?, bool>? vmFilter)
        {
            var inventory = model.Inventory;
            var byDatastore = new Dictionary<string, List<Vm>>(StringComparer.Ordinal);
            foreach (var vm in inventory.Vms.Where(v => !v.Template))
                foreach (var ds in vm.DatastoreIds)
                {
                    if (!byDatastore.TryGetValue(ds, out var list)) byDatastore[ds] = list = new List<Vm>();
                    list.Add(vm);
                }
            bool Selected(Vm v) => vmFilter == null || vmFilter(v.Name) || vmFilter(v.Id);

            foreach (var a in inventory.Vms)
            {
                if (a.Template || !Selected(a)) continue;
                var scopeA = model.ScopeOf(a.Id);
                var pairs = new Dictionary<string, PairBuilder>(StringComparer.Ordinal);
                PairBuilder With(Vm b) => pairs.TryGetValue(b.Id, out var p) ? p : pairs[b.Id] = new PairBuilder(b);
                bool Counts(Vm b) => b.Id != a.Id && model.ScopeOf(b.Id) != scopeA && (!Selected(b) || string.CompareOrdinal(a.Id, b.Id) < 0);

                var current = inventory.GetHost(a.HostId);
                if (current != null)
                    foreach (var b in model.PlacementOf(current).Running.Where(Counts)) With(b).SharedHost = current.Name;
                foreach (var host in model.Domains.DomainOf(a))
                    foreach (var scope in Order.Where(s => s != scopeA))
                        foreach (var b in model.PlacementOf(host).ReachableOf(scope).Where(Counts)) With(b).MigrationHosts.Add(host.Name);
                foreach (var segment in model.Segments.OfVm(a.Id))
                    foreach (var b in PciScopeModel.Distinct(segment.Attachments.Select(x => x.Vm)).Where(Counts)) With(b).Segments.Add(segment.Name);
                foreach (var ds in a.DatastoreIds)
                    if (byDatastore.TryGetValue(ds, out var list))
                        foreach (var b in list.Where(Counts)) With(b).Datastores.Add(inventory.GetDatastore(ds)?.Name ?? ds);

                foreach (var pair in pairs.Values.OrderBy(p => p.Vm.Name, StringComparer.OrdinalIgnoreCase))
                {
                    yield return new PciVmPair
                    {
                        VmA = a.Name,
                        ScopeA = scopeA,
                        VmB = pair.Vm.Name,
                        ScopeB = model.ScopeOf(pair.Vm.Id),
                        SharedHost = pair.SharedHost,
                        MigrationHosts = pair.MigrationHosts,
                        SharedSegments = pair.Segments,
                        SharedDatastores = pair.Datastores,
                    };
                }
            }
        }

        private static IEnumerable<(PciScope, PciScope)> Pairs()
        {
            for (int i = 0; i < Order.Length; i++)
                for (int j = i + 1; j < Order.Length; j++)
                    yield return (Order[i], Order[j]);
        }

        private sealed class Shares
        {
            public readonly List<string?> Hosts = new List<string?>();
            public readonly List<string?> MigrationHosts = new List<string?>();
            public readonly List<string> Segments = new List<string>();
            public readonly List<string> Datastores = new List<string>();
        }

        private sealed class PairBuilder
        {
            public PairBuilder(Vm vm) { Vm = vm; }

            public readonly Vm Vm;
            public string? SharedHost;
            public readonly List<string?> MigrationHosts = new List<string?>();
            public readonly List<string> Segments = new List<string>();
            public readonly List<string> Datastores = new List<string>();
        }
    }
}
