using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Model;
using VirtCompliance.Pci;
using Inv = VirtCompliance.Model.Inventory;
using VirtCompliance.Scope;

namespace VirtCompliance.Tests.Pci
{
    /// <summary>
    /// A two-host cluster (fully automated DRS) on one distributed switch with a CDE portgroup
    /// (VLAN 10) and an office portgroup (VLAN 20). Tests place scoped VMs and change one thing.
    /// </summary>
    internal static class PciLab
    {
        public const string Cde = "dvportgroup-10";
        public const string Office = "dvportgroup-20";

        public static Lab New(DrsAutomationLevel level = DrsAutomationLevel.FullyAutomated, bool drs = true, params Network[] extraNetworks)
        {
            var lab = new Lab().Cluster("domain-c1", "Prod", drs, level);
            lab.Switches.Add(new DistributedSwitch { Id = "dvs-1", Name = "dvs-prod", DatacenterId = "datacenter-1", HostIds = new[] { "host-1", "host-2" } });
            lab.Networks.Add(Portgroup(Cde, "dvpg-cde", 10));
            lab.Networks.Add(Portgroup(Office, "dvpg-office", 20));
            lab.Networks.AddRange(extraNetworks);
            var networkIds = lab.Networks.Select(n => n.Id).ToArray();
            lab.Host("host-1", "domain-c1", h => h with { DvsIds = new[] { "dvs-1" }, NetworkIds = networkIds });
            lab.Host("host-2", "domain-c1", h => h with { DvsIds = new[] { "dvs-1" }, NetworkIds = networkIds });
            return lab;
        }

        public static Network Portgroup(string id, string name, int vlan, string dvs = "dvs-1") => new Network
        {
            Id = id,
            Name = name,
            Kind = NetworkKind.DistributedPortgroup,
            DatacenterId = "datacenter-1",
            DvsId = dvs,
            VlanId = vlan,
            Security = new SecurityPolicy { AllowPromiscuous = false, MacChanges = false, ForgedTransmits = false },
        };

        /// <summary>A VM of the given scope ("CDE", "Connected", "OutOfScope", or null for none) with one adapter.</summary>
        public static Func<Vm, Vm> Scoped(string scope, string networkId, string ip = null, string name = null) => v => v with
        {
            Name = name ?? v.Name,
            CustomAttributes = scope == null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["PCI-Scope"] = scope },
            Nics = new[] { Nic(4000, networkId, ip) },
        };

        public static VmNic Nic(int key, string networkId, string ip) => new VmNic
        {
            Key = key,
            Label = "Network adapter " + (key - 3999),
            NetworkId = networkId,
            DvsId = networkId.StartsWith("dvportgroup", StringComparison.Ordinal) ? "dvs-1" : null,
            IpAddresses = ip == null ? Array.Empty<string>() : new[] { ip },
        };

        public static List<PciSeparationFinding> Analyze(Inv inventory, PciInterpretation interpretation, ScopeSources sources = null) =>
            VirtCompliance.Assessments.Assessment.Separation(inventory, new VirtCompliance.Assessments.AssessmentOptions
            {
                Interpretation = interpretation,
                ScopeSources = sources ?? new ScopeSources(),
            }).Findings.ToList();

        public static List<PciSeparationFinding> Rule(this List<PciSeparationFinding> findings, string ruleId) =>
            findings.Where(f => f.RuleId == ruleId).ToList();
    }
}
