using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Bench
{
    /// <summary>
    /// The way a PowerCLI script answers "could this VM be moved to a weaker host?": for every VM,
    /// for every other host of its cluster, check placement by scanning lists and re-evaluate every
    /// control on both hosts, nothing cached, one look-up per object per check. It reads the same
    /// in-memory inventory, so it is a lower bound for such a script: a real one pays a server round
    /// trip for most of these look-ups. Its answer must equal the engine's (same pairs, same rules),
    /// which the benchmark checks.
    /// </summary>
    public static class NaiveExposure
    {
        /// <summary>Number of (VM, weaker target host) records, as ExposureAnalyzer would write them.</summary>
        public static int Count(Inv inventory, Baseline baseline)
        {
            var records = 0;
            foreach (var vm in inventory.Vms)
            {
                if (vm.Template) continue;
                // Get-VMHost -VM $vm
                var current = inventory.Hosts.FirstOrDefault(h => h.Id == vm.HostId);
                if (current == null || current.ConnectionState != ConnectionState.Connected || current.ClusterId == null) continue;
                // Get-Cluster -VMHost $current
                var cluster = inventory.Clusters.First(c => c.Id == current.ClusterId);
                // Get-Cluster | Get-VMHost
                foreach (var target in inventory.Hosts.Where(h => h.ClusterId == current.ClusterId))
                {
                    if (target.Id == current.Id) continue;
                    if (target.ConnectionState != ConnectionState.Connected || target.InMaintenanceMode) continue;
                    if (!CanReach(vm, target, inventory)) continue;
                    if (!RulesAllow(vm, target, cluster)) continue;
                    var lost = new List<string>();
                    foreach (var control in baseline.Controls)
                    {
                        if (control.Definition.Scope != ControlScope.Host) continue;
                        var passesHere = control.Expectation.Test(control.Reader(ControlTarget.OfHost(current, cluster), inventory));
                        var passesThere = control.Expectation.Test(control.Reader(ControlTarget.OfHost(target, cluster), inventory));
                        if (passesHere && !passesThere) lost.Add(control.Id);
                    }
                    if (lost.Count > 0) records++;
                }
            }
            return records;
        }

        private static bool CanReach(Vm vm, Host target, Inv inventory)
        {
            foreach (var ds in vm.DatastoreIds)
                if (!target.DatastoreIds.Contains(ds)) return false;
            foreach (var nic in vm.Nics)
            {
                if (nic.NetworkId == null || target.NetworkIds.Contains(nic.NetworkId)) continue;
                // Get-VirtualPortGroup -Id ...
                var network = inventory.Networks.FirstOrDefault(n => n.Id == nic.NetworkId);
                if (network?.DvsId != null && target.DvsIds.Contains(network.DvsId)) continue;
                return false;
            }
            return true;
        }

        // Enabled mandatory VM-host rules covering the VM; a rule naming a missing group is ignored.
        private static bool RulesAllow(Vm vm, Host target, Cluster cluster)
        {
            foreach (var rule in cluster.Rules)
            {
                if (!rule.Enabled || !rule.Mandatory || rule.Kind != ClusterRuleKind.VmHost) continue;
                var vmGroup = cluster.VmGroups.FirstOrDefault(g => g.Name == rule.VmGroup);
                if (vmGroup == null) continue;
                var affine = rule.AffineHostGroup == null ? null : cluster.HostGroups.FirstOrDefault(g => g.Name == rule.AffineHostGroup);
                var anti = rule.AntiAffineHostGroup == null ? null : cluster.HostGroups.FirstOrDefault(g => g.Name == rule.AntiAffineHostGroup);
                if ((rule.AffineHostGroup != null && affine == null) || (rule.AntiAffineHostGroup != null && anti == null)) continue;
                if (!vmGroup.Members.Contains(vm.Id)) continue;
                if (affine != null && !affine.Members.Contains(target.Id)) return false;
                if (anti != null && anti.Members.Contains(target.Id)) return false;
            }
            return true;
        }
    }
}
