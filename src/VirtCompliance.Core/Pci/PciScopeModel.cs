using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Common;
using VirtCompliance.Drift;
using VirtCompliance.Evaluation;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;
using VirtCompliance.Scope;

namespace VirtCompliance.Pci
{
    /// <summary>Which VMs run on a host now, and which could run there (its own plus those whose migration domain includes it).</summary>
    public sealed class HostPlacement
    {
        internal HostPlacement(Host host) { Host = host; }

        public Host Host { get; }
        public List<Vm> Running { get; } = new List<Vm>();
        /// <summary>By scope: every VM whose migration domain includes this host (the running ones too).</summary>
        public List<Vm>[] Reachable { get; } = { new List<Vm>(), new List<Vm>(), new List<Vm>(), new List<Vm>() };

        public IReadOnlyList<Vm> ReachableOf(PciScope scope) => Reachable[(int)scope];
    }

    /// <summary>
    /// Everything the PCI analyses share: each VM's scope, the layer-2 segments, where each VM runs
    /// and can run, and from those the scope of hosts and segments. Built once per inventory and
    /// set of scope sources; the work is grouped by host and segment, never by pairs of VMs.
    /// </summary>
    public sealed class PciScopeModel
    {
        private readonly Dictionary<string, VmScope> _scopes;
        private readonly Dictionary<string, HostPlacement> _placements;

        public PciScopeModel(Inv inventory, ScopeSources sources)
        {
            Inventory = inventory;
            Sources = sources;
            VmScopes = PciScopeClassifier.Classify(inventory, sources);
            _scopes = VmScopes.ToDictionary(s => s.VmId, StringComparer.Ordinal);
            Segments = new NetworkSegments(inventory);
            Domains = new MigrationDomains(inventory);
            _placements = inventory.Hosts.ToDictionary(h => h.Id, h => new HostPlacement(h), StringComparer.Ordinal);
            // Domains are shared lists (see MigrationDomains.DomainOf), so their placements are looked up once per list.
            var placementsOfDomain = new Dictionary<IReadOnlyList<Host>, HostPlacement[]>();
            foreach (var vm in inventory.Vms)
            {
                if (vm.Template) continue;
                var scope = _scopes[vm.Id].Scope;
                if (vm.HostId != null && _placements.TryGetValue(vm.HostId, out var here)) here.Running.Add(vm);
                var domain = Domains.DomainOf(vm);
                if (!placementsOfDomain.TryGetValue(domain, out var placements))
                    placementsOfDomain[domain] = placements = domain.Select(h => _placements[h.Id]).ToArray();
                foreach (var p in placements) p.Reachable[(int)scope].Add(vm);
            }
            foreach (var segment in Segments.All)
            {
                var counts = new int[4];
                foreach (var a in segment.Attachments) counts[(int)_scopes[a.Vm.Id].Scope]++;
                _segmentCounts[segment] = counts;
            }
        }

        private readonly Dictionary<NetworkSegment, int[]> _segmentCounts = new Dictionary<NetworkSegment, int[]>();
        private readonly Dictionary<string, PciScopeEntry> _hostScopes = new Dictionary<string, PciScopeEntry>(StringComparer.Ordinal);

        /// <summary>How many adapters of VMs of a scope sit on the segment.</summary>
        public int CountOn(NetworkSegment segment, PciScope scope) => _segmentCounts[segment][(int)scope];

        /// <summary>The VMs, each once, in first-seen order (records compare by value; VMs are told apart by id).</summary>
        public static IEnumerable<Vm> Distinct(IEnumerable<Vm> vms)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var vm in vms)
                if (seen.Add(vm.Id)) yield return vm;
        }

        public Inv Inventory { get; }
        public ScopeSources Sources { get; }
        public IReadOnlyList<VmScope> VmScopes { get; }
        public NetworkSegments Segments { get; }
        public MigrationDomains Domains { get; }

        public VmScope ScopeOf(Vm vm) => _scopes[vm.Id];
        public PciScope ScopeOf(string vmId) => _scopes.TryGetValue(vmId, out var s) ? s.Scope : PciScope.Unknown;

        public HostPlacement PlacementOf(Host host) => _placements[host.Id];

        /// <summary>The adapters of VMs of one scope on a segment.</summary>
        public IEnumerable<SegmentAttachment> AttachmentsOf(NetworkSegment segment, PciScope scope) =>
            segment.Attachments.Where(a => ScopeOf(a.Vm.Id) == scope);

        /// <summary>True when a CDE VM has an adapter on the segment.</summary>
        public bool HasCde(NetworkSegment segment) => CountOn(segment, PciScope.Cde) > 0;

        /// <summary>
        /// A host is in the scope of the strictest VM it runs or can run: a hypervisor that can run a
        /// CDE VM can see its memory and traffic. Hosts with only unknown-scope VMs (and no
        /// in-scope ones) stay Unknown until those VMs are classified.
        /// </summary>
        public PciScopeEntry HostScope(Host host)
        {
            if (!_hostScopes.TryGetValue(host.Id, out var entry)) _hostScopes[host.Id] = entry = WorkOutHostScope(host);
            return entry;
        }

        private PciScopeEntry WorkOutHostScope(Host host)
        {
            var placement = PlacementOf(host);
            var details = new List<string>();
            foreach (var scope in new[] { PciScope.Cde, PciScope.Connected })
            {
                var running = placement.Running.Where(v => ScopeOf(v.Id) == scope).ToArray();
                var reachable = placement.ReachableOf(scope).Where(v => v.HostId != host.Id).ToArray();
                if (running.Length > 0) details.Add($"runs {Label(scope)} VMs: {Names(running)}");
                if (reachable.Length > 0) details.Add($"can run {Label(scope)} VMs (vMotion, DRS, HA): {Names(reachable)}");
                if (running.Length > 0 || reachable.Length > 0)
                {
                    var source = running.Length > 0 ? $"runs {Label(scope)} VM {running[0].Name}" : $"can run {Label(scope)} VM {reachable[0].Name}";
                    return HostEntry(host, scope, source, details);
                }
            }
            var unknown = Distinct(placement.Running.Concat(placement.ReachableOf(PciScope.Unknown)).Where(v => ScopeOf(v.Id) == PciScope.Unknown)).ToArray();
            if (unknown.Length > 0)
                return HostEntry(host, PciScope.Unknown, $"runs or can run VM {unknown[0].Name} of unknown scope", new[] { "unknown-scope VMs: " + Names(unknown) });
            return HostEntry(host, PciScope.OutOfScope, placement.Running.Count == 0 ? "runs no VMs" : "runs and can run only out-of-scope VMs",
                placement.Running.Count == 0 ? Array.Empty<string>() : new[] { "runs: " + Names(placement.Running) });
        }

        /// <summary>
        /// A segment is in the scope of the strictest VM attached to it; a trunk that carries a CDE
        /// segment's VLAN is in CDE scope itself, whatever is attached to it.
        /// </summary>
        public PciScopeEntry SegmentScope(NetworkSegment segment)
        {
            var details = new List<string> { $"switch {segment.Switch}, VLAN {segment.Vlan}" };
            var carriedCde = segment.CarriedSegments.Where(HasCde).ToArray();
            if (carriedCde.Length > 0) details.Add("carries CDE segments: " + string.Join(", ", carriedCde.Select(s => s.Name)));
            PciScope best = PciScope.OutOfScope;
            string source = segment.Attachments.Count == 0 ? "no VM adapters" : "only out-of-scope VMs attached";
            foreach (var scope in new[] { PciScope.Cde, PciScope.Connected, PciScope.Unknown })
            {
                var vms = Distinct(segment.Attachments.Where(a => ScopeOf(a.Vm.Id) == scope).Select(a => a.Vm)).ToArray();
                if (vms.Length == 0) continue;
                details.Add($"{Label(scope)} VMs attached: {Names(vms)}");
                if (best == PciScope.OutOfScope || Rank(scope) > Rank(best))
                {
                    best = scope;
                    source = scope == PciScope.Unknown ? $"VM {vms[0].Name} of unknown scope attached" : $"{Label(scope)} VM {vms[0].Name} attached";
                }
            }
            if (carriedCde.Length > 0 && best != PciScope.Cde)
            {
                best = PciScope.Cde;
                source = $"trunk carries CDE segment {carriedCde[0].Name}";
            }
            return Entry("Segment", segment.Name, segment.Id, best, source, details, "");
        }

        /// <summary>Get-PciScope's view of a VM.</summary>
        public PciScopeEntry VmEntry(Vm vm)
        {
            var s = ScopeOf(vm);
            return Entry("Vm", vm.Name, vm.Id, s.Scope, s.Conflict ? "conflict, strictest taken: " + s.Source : s.Source, s.Claims,
                ClusterName(Inventory.GetHost(vm.HostId))) with { Conflict = s.Conflict };
        }

        /// <summary>The host's cluster name, "(standalone)" for a host outside a cluster, "" for no host.</summary>
        public string ClusterName(Host? host) => host == null ? "" : Inventory.GetCluster(host.ClusterId)?.Name ?? "(standalone)";

        /// <summary>Unknown is weaker than everything for the "strictest claim" of a VM, but for hosts and
        /// segments an unknown VM outranks out-of-scope ones: it may turn out to be in scope.</summary>
        private static int Rank(PciScope scope) => scope == PciScope.Unknown ? 1 : scope == PciScope.OutOfScope ? 0 : (int)scope;

        private PciScopeEntry HostEntry(Host host, PciScope scope, string source, IReadOnlyList<string> details) =>
            Entry("Host", host.Name, host.Id, scope, source, details, ClusterName(host));

        private static PciScopeEntry Entry(string type, string? name, string id, PciScope scope, string source, IReadOnlyList<string> details, string cluster) =>
            new PciScopeEntry { ObjectType = type, Name = name, Id = id, Scope = scope, Source = source, Details = details, Cluster = cluster };

        /// <summary>"CDE", "connected-to", "out-of-scope", "unknown-scope" as they read in a sentence.</summary>
        public static string Label(PciScope scope)
        {
            switch (scope)
            {
                case PciScope.Cde: return "CDE";
                case PciScope.Connected: return "connected-to";
                case PciScope.OutOfScope: return "out-of-scope";
                default: return "unknown-scope";
            }
        }

        /// <summary>Up to <paramref name="max"/> names, then "and N more".</summary>
        public static string Names(IEnumerable<Vm> vms, int max = 8) => Join(vms.Select(v => v.Name), max);

        public static string Join(IEnumerable<string?> names, int max = 8)
        {
            var list = names.ToList();
            if (list.Count <= max) return string.Join(", ", list);
            return string.Join(", ", list.Take(max)) + $" and {list.Count - max} more";
        }
    }
}
