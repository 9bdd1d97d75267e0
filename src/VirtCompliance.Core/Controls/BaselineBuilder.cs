using System;
using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json.Linq;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// Builds a baseline from one host's current values ("make every host look like this one"):
    /// each catalog control expects exactly what the reference host has, and every package it has
    /// installed and every service it runs becomes a required package or service.
    /// </summary>
    public static class BaselineBuilder
    {
        public static JObject FromHost(Inv inventory, Host reference, string name, Func<string, bool>? controlFilter,
            ICollection<string> notes)
        {
            var entries = new JArray();
            var cluster = inventory.GetCluster(reference.ClusterId);
            foreach (var definition in ControlCatalog.BuiltIn.Controls)
            {
                // A host says nothing about what its VMs should be.
                if (definition.IsTemplate || !(definition.Scope == ControlScope.Host || definition.Scope == ControlScope.StandardPortgroup
                    || definition.Scope == ControlScope.DistributedPortgroup)) continue;
                if (controlFilter != null && !controlFilter(definition.Id)) continue;
                var control = new EffectiveControl(definition, null, null, definition.Severity, peer: false);
                var expected = ExpectedFrom(control, reference, cluster, inventory, out var why);
                if (expected == null)
                {
                    notes.Add($"{definition.Id}: {reference.Name} has no single value ({why}); left out.");
                    continue;
                }
                entries.Add(new JObject { ["id"] = definition.Id, ["operator"] = "equals", ["expected"] = expected });
            }
            var coveredFacts = new HashSet<string>(ControlCatalog.BuiltIn.Controls.Select(c => c.Fact), StringComparer.Ordinal);
            foreach (var package in reference.Packages)
            {
                if (controlFilter == null || controlFilter("vc.package-installed"))
                    entries.Add(new JObject { ["id"] = "vc.package-installed", ["parameter"] = package.Name });
            }
            foreach (var service in reference.Services.Where(s => s.Running))
            {
                if (coveredFacts.Contains("service:" + service.Key)) continue;
                if (controlFilter == null || controlFilter("vc.service-running"))
                    entries.Add(new JObject { ["id"] = "vc.service-running", ["parameter"] = service.Key });
            }
            return new JObject
            {
                ["name"] = name,
                ["description"] = $"Values of host {reference.Name} in inventory '{inventory.Source}' collected {inventory.CollectedAt:u} (inventory SHA-256 {inventory.Sha256}).",
                ["version"] = "1",
                ["controls"] = entries,
            };
        }

        // A host control takes the host's value; a standard portgroup control the value all its portgroups
        // agree on; a distributed portgroup control the value all the distributed portgroups it carries agree on.
        private static JToken? ExpectedFrom(EffectiveControl control, Host host, Cluster? cluster, Inv inventory, out string why)
        {
            IEnumerable<ControlTarget> targets;
            switch (control.Definition.Scope)
            {
                case ControlScope.StandardPortgroup: targets = host.Portgroups.Select(p => ControlTarget.OfStandardPortgroup(host, cluster, p)); break;
                case ControlScope.StandardSwitch: targets = ControlTarget.OfStandardNetwork(host, cluster); break;
                case ControlScope.DistributedPortgroup:
                    targets = Facts.DistributedPortgroupsOf(host, inventory).Select(n => ControlTarget.OfDistributedPortgroup(n, inventory.GetDistributedSwitch(n.DvsId)));
                    break;
                default: targets = new[] { ControlTarget.OfHost(host, cluster) }; break;
            }
            // FromHost leaves template controls out, and every other control has its reader.
            var reader = control.Reader!;
            var values = targets.Select(t => reader(t, inventory)).ToArray();
            var distinct = values.Select(v => v.Key).Distinct(StringComparer.Ordinal).Count();
            why = values.Length == 0 ? "no object to read it from" : distinct > 1 ? "its objects differ" : values[0].ToString();
            if (values.Length == 0 || distinct != 1 || values[0].IsNotReported) return null;
            var value = values[0];
            if (value.List != null) return new JArray(value.List);
            return value.Scalar == null ? null : Scalar(value.Scalar);
        }

        private static JToken Scalar(string text)
        {
            if (text == "true") return true;
            if (text == "false") return false;
            if (long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n)
                && n.ToString(System.Globalization.CultureInfo.InvariantCulture) == text) return n;
            return text;
        }
    }
}
