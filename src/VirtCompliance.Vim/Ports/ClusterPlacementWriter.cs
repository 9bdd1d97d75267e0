using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Firewall;
using VirtCompliance.Vim.Soap;

namespace VirtCompliance.Vim.Ports
{
    /// <summary>Writes fail-closed placement (DRS groups and a mandatory VM-host rule) to one cluster in a single reconfiguration.</summary>
    public sealed class ClusterPlacementWriter
    {
        private readonly VimClient _client;

        public ClusterPlacementWriter(VimClient client) { _client = client; }

        public TimeSpan TaskTimeout { get; set; } = TimeSpan.FromMinutes(2);

        /// <summary>Applies the Add and Update changes of one cluster (ReconfigureComputeResource_Task, modify = true).</summary>
        public async Task ApplyAsync(string clusterId, IReadOnlyList<ClusterPlacementChange> changes, CancellationToken cancel)
        {
            var pending = changes.Where(c => c.Action != PlacementAction.NoChange).ToList();
            if (pending.Count == 0) return;
            using (var w = Request(clusterId, pending))
                await _client.InvokeTaskAsync(w, TaskTimeout, cancel).ConfigureAwait(false);
        }

        /// <summary>The request: rule changes, then group changes, as the vim25 schema orders ClusterConfigSpecEx.</summary>
        public static SoapWriter Request(string clusterId, IReadOnlyList<ClusterPlacementChange> pending)
        {
            var w = new SoapWriter("ReconfigureComputeResource_Task", new VimRef("ClusterComputeResource", clusterId));
            w.Start("spec", "ClusterConfigSpecEx");
            foreach (var rule in pending.Where(c => c.Kind == PlacementKind.Rule))
            {
                w.Start("rulesSpec").Text("operation", rule.Action == PlacementAction.Add ? "add" : "edit").Start("info", "ClusterVmHostRuleInfo");
                if (rule.Action != PlacementAction.Add && rule.RuleKey != null) w.Int("key", rule.RuleKey.Value);
                w.Bool("enabled", true).Text("name", rule.Name).Bool("mandatory", true)
                    .Text("vmGroupName", rule.Members[0]).Text("affineHostGroupName", rule.Members[1]);
                w.End().End();
            }
            foreach (var group in pending.Where(c => c.Kind != PlacementKind.Rule))
            {
                var vm = group.Kind == PlacementKind.VmGroup;
                w.Start("groupSpec").Text("operation", group.Action == PlacementAction.Add ? "add" : "edit").Start("info", vm ? "ClusterVmGroup" : "ClusterHostGroup").Text("name", group.Name);
                foreach (var member in group.Members) w.Ref(vm ? "vm" : "host", new VimRef(vm ? "VirtualMachine" : "HostSystem", member));
                w.End().End();
            }
            w.End().Bool("modify", true);
            return w;
        }
    }
}
