namespace VirtCompliance.Model
{
    /// <summary>Which way a packet crosses a VM's distributed port, as the person writing a policy thinks of it.</summary>
    public enum PacketDirection
    {
        /// <summary>Delivered to the VM.</summary>
        ToVm,
        /// <summary>Sent by the VM.</summary>
        FromVm,
    }

    /// <summary>
    /// The one place that turns "to the VM" and "from the VM" into a traffic rule's vSphere direction.
    /// </summary>
    /// <remarks>
    /// What VMware says, and what follows from it:
    /// <list type="bullet">
    /// <item>The API reference (DvsTrafficRule.direction) says only "Whether this rule needs to be applied
    ///   to incoming packets, to outgoing packets or both"; the vSphere Client shows the same choice as
    ///   Ingress / Egress.</item>
    /// <item>The vSphere Networking guide places the filter: "The distributed switch applies traffic filter
    ///   rules on the data path between the virtual machine network adapter and distributed port, or between
    ///   the uplink port and physical network adapter for rules on uplinks" (Traffic Filtering and Marking
    ///   Policy, vSphere 6.7 to 8.0), and warns that "The direction also influences how you are going to
    ///   identify the traffic source and destination" (Filter Traffic on a Distributed Port or Uplink Port).</item>
    /// <item>Where VMware defines the words for the same switch, it takes the switch's side: "The traffic is
    ///   classified to ingress and egress according to the traffic direction in the switch, not in the host"
    ///   (Traffic Shaping Policy, vSphere 7.0).</item>
    /// <item>VMware's own code that writes these rules says so for filters too: its OpenStack driver
    ///   (vmware-nsx, dvs.py) marks the traffic a VM sends with direction incomingPackets, commented
    ///   "mark only incoming packets (openstack egress = nsx ingress)", where OpenStack's egress is traffic
    ///   leaving the VM.</item>
    /// </list>
    /// So the direction is the switch port's: on a VM's port, incomingPackets are packets entering the
    /// switch from the VM (sent by the VM), outgoingPackets are packets leaving the switch to the VM
    /// (delivered to the VM). On an uplink port, incoming is from the physical network into the switch.
    /// Addresses are matched as the packet carries them, whatever the direction: on a VM's port an
    /// incomingPackets rule's source is the VM's own address, an outgoingPackets rule's source is the
    /// peer's, and a "both" rule with a source address matches only packets from that address, in
    /// either direction (the filter is stateless: replies need rules of their own).
    /// VirtCompliance 0.1 wrote the opposite (incomingPackets for traffic to the VM); the planner
    /// recognises such filters and rewrites them.
    /// </remarks>
    public static class PortDirection
    {
        /// <summary>The vSphere direction of packets delivered to the VM on its own port.</summary>
        public const TrafficDirection ToVm = TrafficDirection.OutgoingPackets;

        /// <summary>The vSphere direction of packets the VM sends, on its own port.</summary>
        public const TrafficDirection FromVm = TrafficDirection.IncomingPackets;

        /// <summary>The vSphere direction of a packet crossing a VM's port.</summary>
        public static TrafficDirection Of(PacketDirection direction) => direction == PacketDirection.ToVm ? ToVm : FromVm;

        /// <summary>Whether a rule with this direction, on a VM's port, sees a packet going this way.</summary>
        public static bool Covers(TrafficDirection rule, PacketDirection packet) => rule == TrafficDirection.Both || rule == Of(packet);

        /// <summary>The direction as a person reads it on a VM's port: "to VM", "from VM" or "both".</summary>
        public static string Describe(TrafficDirection rule) =>
            rule == ToVm ? "to VM" : rule == FromVm ? "from VM" : "both";

        /// <summary>The same rule direction seen the other way round (how the 0.1 release wrote it).</summary>
        public static TrafficDirection Inverted(TrafficDirection rule) =>
            rule == TrafficDirection.IncomingPackets ? TrafficDirection.OutgoingPackets
            : rule == TrafficDirection.OutgoingPackets ? TrafficDirection.IncomingPackets : rule;
    }
}
