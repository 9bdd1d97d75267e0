using System;
using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json.Linq;
using VirtCompliance.Inventory;
using Inv = VirtCompliance.Inventory.Inventory;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// Builds a baseline from one host's current values ("make every host look like this one"):
    /// each catalog control expects exactly what the reference host has, and every package it has
    /// installed and every service it runs becomes a required package or service.
    /// </summary>
    public static class BaselineBuilder
    {
        public static JObject FromHost(Inv inventory, Host reference, string name, Func<string, bool> controlFilter,
            ICollection<string> notes)
        {
            var entries = new JArray();
            foreach (var definition in ControlCatalog.BuiltIn.Controls)
            {
                if (definition.IsTemplate) continue;
                if (controlFilter != null && !controlFilter(definition.Id)) continue;
                var control = new EffectiveControl(definition, null, null, definition.Severity, peer: false);
                var value = control.Reader(reference, inventory);
                var expected = ToJson(value);
                if (expected == null)
                {
                    notes.Add($"{definition.Id}: {reference.Name} has no single value ({value}); left out.");
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

        // A host-level value becomes the expectation; a portgroup value only when every portgroup agrees.
        private static JToken ToJson(FactValue value)
        {
            if (value.PerObject != null)
            {
                var distinct = value.PerObject.Select(p => p.Value).Distinct().ToArray();
                if (distinct.Length != 1 || distinct[0] == null) return null;
                return Scalar(distinct[0]);
            }
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
