using VirtCompliance.Model;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// One object a control is evaluated on: a host, one standard vSwitch or standard portgroup of
    /// a host, or a distributed portgroup. Its peers (for peer mode) are the targets with the same PeerGroup.
    /// </summary>
    public sealed class ControlTarget
    {
        private ControlTarget(ControlScope scope, string id, string? name, Host? host, Cluster? cluster)
        {
            Scope = scope;
            Id = id;
            Name = name;
            Host = host;
            Cluster = cluster;
        }

        public ControlScope Scope { get; }
        /// <summary>The host id; "host-21/VM Network" for a standard portgroup; the distributed portgroup's id; the VM's id.</summary>
        public string Id { get; }
        /// <summary>The host's name, the standard portgroup's name, or the distributed portgroup's name.</summary>
        public string? Name { get; }
        /// <summary>The host, for host and standard portgroup targets and a VM's host; null for a distributed portgroup.</summary>
        public Host? Host { get; }
        /// <summary>The host's cluster (null when standalone); null for a distributed portgroup.</summary>
        public Cluster? Cluster { get; }
        /// <summary>The standard portgroup, for a standard portgroup target; else null.</summary>
        public HostPortgroup? Portgroup { get; private set; }
        /// <summary>The standard vSwitch, for a standard switch target; else null.</summary>
        public StandardSwitch? VSwitch { get; private set; }
        /// <summary>The distributed portgroup, for a distributed portgroup target; else null.</summary>
        public Network? Network { get; private set; }
        /// <summary>The distributed portgroup's switch; null when the inventory does not have it, and for the other targets.</summary>
        public DistributedSwitch? Switch { get; private set; }

        /// <summary>The VM, for a VM target; else null.</summary>
        public Vm? Vm { get; private set; }

        /// <summary>Targets compared with each other in peer mode; null when the target has no peers (a standalone host).</summary>
        public string? PeerGroup { get; private set; }

        /// <summary>Why nothing can be read from this target at all (a disconnected host), or null.</summary>
        public string? Unavailable { get; private set; }

        public static ControlTarget OfHost(Host host, Cluster? cluster) => new ControlTarget(ControlScope.Host, host.Id, host.Name, host, cluster)
        {
            PeerGroup = cluster?.Id,
            Unavailable = HostUnavailable(host),
        };

        public static ControlTarget OfStandardPortgroup(Host host, Cluster? cluster, HostPortgroup portgroup) =>
            new ControlTarget(ControlScope.StandardPortgroup, host.Id + "/" + portgroup.Name, portgroup.Name, host, cluster)
            {
                Portgroup = portgroup,
                // Object by object: a portgroup is compared with the portgroup of the same name on the cluster's other hosts.
                PeerGroup = cluster == null ? null : cluster.Id + "\u0001" + portgroup.Name,
                Unavailable = HostUnavailable(host),
            };

        /// <summary>A host's standard vSwitch; its id ("host-21#vSwitch0") cannot be a portgroup's ("host-21/name").</summary>
        public static ControlTarget OfStandardSwitch(Host host, Cluster? cluster, StandardSwitch vSwitch) =>
            new ControlTarget(ControlScope.StandardSwitch, host.Id + "#" + vSwitch.Name, vSwitch.Name, host, cluster)
            {
                VSwitch = vSwitch,
                // The vSwitch of the same name on the cluster's other hosts.
                PeerGroup = cluster == null ? null : cluster.Id + "\u0002" + vSwitch.Name,
                Unavailable = HostUnavailable(host),
            };

        /// <summary>The targets of a standard switch control on one host: each vSwitch, then each portgroup.</summary>
        public static System.Collections.Generic.IEnumerable<ControlTarget> OfStandardNetwork(Host host, Cluster? cluster)
        {
            foreach (var s in host.StandardSwitches) yield return OfStandardSwitch(host, cluster, s);
            foreach (var p in host.Portgroups) yield return OfStandardPortgroup(host, cluster, p);
        }

        public static ControlTarget OfDistributedPortgroup(Network network, DistributedSwitch? dvs) =>
            new ControlTarget(ControlScope.DistributedPortgroup, network.Id, network.Name, null, null)
            {
                Network = network,
                Switch = dvs,
                // The other portgroups of its switch.
                PeerGroup = network.DvsId,
            };

        /// <summary>A distributed switch's own settings; its peers are the other switches of its datacenter.</summary>
        public static ControlTarget OfDistributedSwitch(DistributedSwitch dvs) =>
            new ControlTarget(ControlScope.DistributedSwitch, dvs.Id, dvs.Name, null, null) { Switch = dvs, PeerGroup = dvs.DatacenterId };

        /// <summary>A cluster; its peers are the other clusters of its datacenter.</summary>
        public static ControlTarget OfCluster(Cluster cluster) =>
            new ControlTarget(ControlScope.Cluster, cluster.Id, cluster.Name, null, cluster) { PeerGroup = cluster.DatacenterId };

        /// <summary>The vCenter Server (one per inventory: it has no peers).</summary>
        public static ControlTarget OfVCenter(VCenterServer vcenter, string source) =>
            new ControlTarget(ControlScope.VCenter, VCenterId(source), vcenter.Name ?? source, null, null) { VCenter = vcenter };

        /// <summary>The id of the vCenter Server of an inventory read from <paramref name="source"/>.</summary>
        public static string VCenterId(string source) => "vcenter:" + source;

        /// <summary>The vCenter Server, for a vCenter target; else null.</summary>
        public VCenterServer? VCenter { get; private set; }

        /// <summary>A VM, on its host (null when the inventory does not have it), with the peers <paramref name="peerGroup"/> names (null: none).</summary>
        public static ControlTarget OfVm(Vm vm, Host? host, Cluster? cluster, string? peerGroup) =>
            new ControlTarget(ControlScope.Vm, vm.Id, vm.Name, host, cluster)
            {
                Vm = vm,
                PeerGroup = peerGroup,
                Unavailable = ClusterServiceVm(vm),
            };

        // The SCG's own audit script refuses vSphere Cluster Service VMs: vCenter manages them and
        // changing them is not supported, so their settings are not the administrator's to judge.
        private static string? ClusterServiceVm(Vm vm) =>
            vm.Name != null && vm.Name.StartsWith("vCLS-", System.StringComparison.OrdinalIgnoreCase)
                ? $"VM {vm.Name} is a vSphere Cluster Service VM, which vCenter manages; its settings cannot be changed" : null;

        private static string? HostUnavailable(Host host) => host.ConnectionState == ConnectionState.Connected ? null
            : $"host {host.Name} is {host.ConnectionState}: its configuration is not current";
    }
}
