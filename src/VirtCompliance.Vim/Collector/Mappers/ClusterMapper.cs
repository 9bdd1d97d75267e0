using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;
using static VirtCompliance.Vim.Collector.InventoryMapping;

namespace VirtCompliance.Vim.Collector.Mappers
{
    /// <summary>ClusterComputeResource to the model's Cluster: DRS and HA settings, groups, rules, per-VM overrides.</summary>
    internal static class ClusterMapper
    {
        public static readonly PropertySpec[] Specs = { new PropertySpec("ClusterComputeResource", "name", "parent", "configurationEx", "summary") };

        public static Cluster Map(ObjectContent o)
        {
            var config = o["configurationEx"] as VimObject;
            var drs = config?.Object("drsConfig");
            var rules = new List<ClusterRule>();
            foreach (var r in config?.Objects("rule") ?? Enumerable.Empty<VimObject>())
            {
                var rule = new ClusterRule { RuleKey = r.Int("key"), Name = r.Text("name"), Enabled = r.Bool("enabled") ?? true, Mandatory = r.Bool("mandatory") ?? false };
                switch (r.Type)
                {
                    case "ClusterVmHostRuleInfo":
                        rules.Add(rule with
                        {
                            Kind = ClusterRuleKind.VmHost,
                            VmGroup = r.Text("vmGroupName"),
                            AffineHostGroup = r.Text("affineHostGroupName"),
                            AntiAffineHostGroup = r.Text("antiAffineHostGroupName"),
                        });
                        break;
                    case "ClusterAffinityRuleSpec":
                    case "ClusterAntiAffinityRuleSpec":
                        rules.Add(rule with
                        {
                            Kind = r.Type == "ClusterAffinityRuleSpec" ? ClusterRuleKind.VmAffinity : ClusterRuleKind.VmAntiAffinity,
                            VmIds = r.All("vm").OfType<VimRef>().Select(v => v.Value).ToArray(),
                        });
                        break;
                }
            }
            var groups = config?.Objects("group").ToArray() ?? Array.Empty<VimObject>();
            return new Cluster
            {
                Id = o.Obj.Value,
                Name = Text(o["name"]),
                DrsEnabled = drs?.Bool("enabled") ?? false,
                DrsAutomationLevel = Behavior(drs?.Text("defaultVmBehavior")) ?? DrsAutomationLevel.FullyAutomated,
                HaEnabled = config?.Object("dasConfig")?.Bool("enabled") ?? false,
                // A cluster's summary always says its EVC mode; unset there means EVC is off.
                EvcMode = o["summary"] is VimObject summary && !o.Missing.ContainsKey("summary") ? summary.Text("currentEVCModeKey") ?? "" : null,
                VmGroups = groups.Where(g => g.Type == "ClusterVmGroup")
                    .Select(g => new ClusterGroup { Name = g.Text("name"), Members = g.All("vm").OfType<VimRef>().Select(v => v.Value).ToArray() }).ToArray(),
                HostGroups = groups.Where(g => g.Type == "ClusterHostGroup")
                    .Select(g => new ClusterGroup { Name = g.Text("name"), Members = g.All("host").OfType<VimRef>().Select(v => v.Value).ToArray() }).ToArray(),
                Rules = rules,
                DrsVmOverrides = (config?.Objects("drsVmConfig") ?? Enumerable.Empty<VimObject>()).Where(c => c.Ref("key") != null).Select(c => new DrsVmOverride
                {
                    VmId = c.Ref("key")?.Value,
                    Enabled = c.Bool("enabled") ?? true,
                    Behavior = Behavior(c.Text("behavior")),
                }).ToArray(),
            };
        }

        private static DrsAutomationLevel? Behavior(string? text)
        {
            switch (text)
            {
                case "manual": return DrsAutomationLevel.Manual;
                case "partiallyAutomated": return DrsAutomationLevel.PartiallyAutomated;
                case "fullyAutomated": return DrsAutomationLevel.FullyAutomated;
                default: return null;
            }
        }
    }
}
