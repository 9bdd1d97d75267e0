using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Common;
using VirtCompliance.Model;

namespace VirtCompliance.Scope
{
    /// <summary>PCI DSS scope of a system component. Order matters: a higher value is the stricter scope.</summary>
    public enum PciScope { Unknown, OutOfScope, Connected, Cde }

    /// <summary>Where a VM's scope comes from, in the order they are consulted.</summary>
    public sealed class ScopeSources
    {
        /// <summary>vSphere tag category whose tag names a scope; null to ignore tags.</summary>
        public string? TagCategory { get; set; } = "PCI-Scope";
        /// <summary>Custom attribute whose value names a scope; null to ignore attributes.</summary>
        public string? Attribute { get; set; } = "PCI-Scope";
        /// <summary>Name or folder glob patterns (e.g. "pay-*", "/DC/vm/Payments/*") and the scope they mean.</summary>
        public IReadOnlyList<KeyValuePair<string, PciScope>> Patterns { get; set; } = Array.Empty<KeyValuePair<string, PciScope>>();
        /// <summary>An explicit mapping: VM name or id → scope.</summary>
        public IReadOnlyDictionary<string, PciScope> Map { get; set; } = new Dictionary<string, PciScope>();
    }

    /// <summary>The scope of one VM, with every source that said something about it.</summary>
    public sealed record VmScope
    {
        /// <summary>The VM's name (null when the source gave none).</summary>
        public string? Vm { get; init; }
        public string VmId { get; init; } = "";
        public PciScope Scope { get; init; }
        /// <summary>The source that decided, e.g. "tag PCI-Scope/CDE"; "none" when nothing did.</summary>
        public string Source { get; init; } = "";
        /// <summary>True when sources disagree; the strictest scope is then used and the conflict is a finding.</summary>
        public bool Conflict { get; init; }
        /// <summary>Every source's claim, in the order consulted.</summary>
        public IReadOnlyList<string> Claims { get; init; } = Array.Empty<string>();
    }

    /// <summary>
    /// Classifies VMs into PCI DSS scope from tags, custom attributes, name/folder patterns and a
    /// mapping, in that order. Disagreeing sources are not silently resolved: the VM is marked as a
    /// conflict and takes the strictest of the claimed scopes, so a conflict never lowers scope.
    /// </summary>
    public static class PciScopeClassifier
    {
        public static IReadOnlyList<VmScope> Classify(VirtCompliance.Model.Inventory inventory, ScopeSources sources)
        {
            // One pattern makes a filter (NameFilter gives null only for no patterns).
            var patterns = sources.Patterns.Select(p => (match: NameFilter.Create(new[] { p.Key })!, pattern: p.Key, scope: p.Value)).ToArray();
            var map = new Dictionary<string, PciScope>(sources.Map.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.OrdinalIgnoreCase);
            // VMs with the same claims get the same decision; at 100k VMs there are a handful of
            // distinct combinations, so each is worked out (and its text built) once.
            var decisions = new Dictionary<string, Decision>(StringComparer.Ordinal);
            var key = new System.Text.StringBuilder();
            var claims = new List<(string source, PciScope scope)>();
            var result = new List<VmScope>(inventory.Vms.Count);
            foreach (var vm in inventory.Vms)
            {
                key.Clear();
                claims.Clear();
                if (sources.TagCategory != null)
                {
                    foreach (var tag in vm.Tags)
                    {
                        if (!string.Equals(tag.Category, sources.TagCategory, StringComparison.OrdinalIgnoreCase)) continue;
                        key.Append("\u0001t").Append(tag.Category).Append('/').Append(tag.Name);
                        claims.Add(($"tag {tag.Category}/{tag.Name}", Parse(tag.Name)));
                    }
                }
                if (sources.Attribute != null && vm.CustomAttributes.TryGetValue(sources.Attribute, out var value) && !string.IsNullOrWhiteSpace(value))
                {
                    key.Append("\u0001a").Append(value);
                    claims.Add(($"attribute {sources.Attribute}={value}", Parse(value)));
                }
                for (int i = 0; i < patterns.Length; i++)
                {
                    if (!patterns[i].match(vm.Name) && !(vm.Folder != null && patterns[i].match(vm.Folder))) continue;
                    key.Append("\u0001p").Append(i);
                    claims.Add(($"pattern {patterns[i].pattern}", patterns[i].scope));
                }
                // vSphere names every VM (a VM without a name fails here, as it always has).
                if (map.TryGetValue(vm.Name!, out var mapped) || map.TryGetValue(vm.Id, out mapped))
                {
                    key.Append("\u0001m").Append((int)mapped);
                    claims.Add(("mapping", mapped));
                }
                var k = key.ToString();
                if (!decisions.TryGetValue(k, out var decision)) decisions[k] = decision = Decide(claims);
                result.Add(new VmScope
                {
                    Vm = vm.Name,
                    VmId = vm.Id,
                    Scope = decision.Scope,
                    Source = decision.Source,
                    Conflict = decision.Conflict,
                    Claims = decision.Claims,
                });
            }
            return result;
        }

        private sealed class Decision
        {
            // Decide sets every field.
            public PciScope Scope;
            public string Source = "";
            public bool Conflict;
            public IReadOnlyList<string> Claims = Array.Empty<string>();
        }

        private static Decision Decide(List<(string source, PciScope scope)> claims)
        {
            var known = claims.Where(c => c.scope != PciScope.Unknown).ToArray();
            var distinct = known.Select(c => c.scope).Distinct().ToArray();
            var decided = known.Length == 0 ? (source: "none", scope: PciScope.Unknown)
                : distinct.Length == 1 ? known[0]
                : known.OrderByDescending(c => c.scope).First();
            return new Decision
            {
                Scope = decided.scope,
                Source = decided.source,
                Conflict = distinct.Length > 1,
                Claims = Array.AsReadOnly(claims.Select(c => $"{c.source} → {c.scope}").ToArray()),
            };
        }

        /// <summary>Reads a scope name as people write it: CDE, cardholder, connected, out-of-scope, none ...</summary>
        public static PciScope Parse(string? text)
        {
            var t = (text ?? "").Trim().ToLowerInvariant().Replace("-", "").Replace("_", "").Replace(" ", "");
            switch (t)
            {
                case "cde": case "cardholder": case "cardholderdataenvironment": case "inscope": return PciScope.Cde;
                case "connected": case "connectedto": case "securityimpacting": case "connectedtocde": return PciScope.Connected;
                case "outofscope": case "none": case "nonpci": return PciScope.OutOfScope;
                default: return PciScope.Unknown;
            }
        }
    }
}
