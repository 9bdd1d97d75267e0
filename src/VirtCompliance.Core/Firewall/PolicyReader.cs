using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using VirtCompliance.Common;
using Node = VirtCompliance.Common.DataNode;
using VirtCompliance.Scope;

namespace VirtCompliance.Firewall
{
    /// <summary>
    /// Reads a firewall policy from YAML or JSON (the same document either way) into a
    /// <see cref="FirewallPolicy"/>, with every error naming the file, line, column and the
    /// offending value: unknown members, unknown groups, bad protocols, ports or CIDRs. Rules that
    /// can never match (an earlier rule takes all their traffic) are reported as warnings.
    /// </summary>
    public static class PolicyReader
    {
        public static FirewallPolicy Load(string path)
        {
            using (var stream = File.OpenRead(path)) return Parse(stream, path);
        }

        public static FirewallPolicy Parse(Stream stream, string file)
        {
            // One reader for YAML and JSON: strict grammar, limits on size and depth, no YAML aliases, no recursion.
            var text = StrictJson.ReadText(stream, file, MaxBytes);
            return Bind(DataDocument.Parse(text, file), file);
        }

        /// <summary>A policy is a few kilobytes; a file this large is not one.</summary>
        public const long MaxBytes = 16L * 1024 * 1024;

        // ---- binding ------------------------------------------------------------------------------

        // The members of each part of a policy are those of the schema the module ships: one list for editors and this reader.
        private const string Schema = "firewall-policy.schema.json";
        private static IReadOnlyList<string> RootMembers => SchemaMembers.Of(Schema, "#");
        private static IReadOnlyList<string> DefaultsMembers => SchemaMembers.Of(Schema, "#/properties/defaults");
        private static IReadOnlyList<string> GroupMembers => SchemaMembers.Of(Schema, "#/definitions/group");
        private static IReadOnlyList<string> RuleMembers => SchemaMembers.Of(Schema, "#/definitions/rule");

        private static DataFileException Error(string file, Node at, string problem) => DataBinding.Error(file, at, problem);
        private static Dictionary<string, (Node key, Node value)> Map(string file, Node node, string what, IReadOnlyList<string> members) => DataBinding.Map(file, node, what, members);
        private static string Text(string file, Node node, string what) => DataBinding.Text(file, node, what);
        private static List<(string text, Node at)> Texts(string file, Node node, string what) => DataBinding.Texts(file, node, what);
        private static T Choice<T>(string file, Node node, string what, params (string text, T value)[] choices) => DataBinding.Choice(file, node, what, choices);

        private static FirewallPolicy Bind(Node root, string file)
        {
            var map = Map(file, root, "the policy", RootMembers);
            var policy = new FirewallPolicy { File = file };
            if (!map.TryGetValue("name", out var name)) throw Error(file, root, "the policy has no 'name'.");
            policy.Name = Text(file, name.value, "name");
            if (map.TryGetValue("failureMode", out var mode))
                policy.FailureMode = Choice(file, mode.value, "failureMode", ("open", FailureMode.Open), ("closed", FailureMode.Closed));
            if (map.TryGetValue("hostControls", out var hostControls))
            {
                policy.HostControls = Texts(file, hostControls.value, "hostControls").Select(c =>
                {
                    var colon = c.text.IndexOf(':');
                    var id = colon < 0 ? c.text : c.text.Substring(0, colon);
                    var definition = VirtCompliance.Controls.ControlCatalog.BuiltIn.Find(id)
                        ?? throw Error(file, c.at, $"unknown control id '{id}' in hostControls; Get-ComplianceControl lists them.");
                    if (definition.IsTemplate && colon < 0) throw Error(file, c.at, $"control '{id}' needs its {definition.Parameter}: '{id}:<{definition.Parameter}>'.");
                    if (!definition.IsTemplate && colon >= 0) throw Error(file, c.at, $"control '{id}' takes no parameter.");
                    return c.text;
                }).ToArray();
            }
            if (map.TryGetValue("defaults", out var defaults))
            {
                var d = Map(file, defaults.value, "defaults", DefaultsMembers);
                if (d.TryGetValue("inbound", out var inbound)) policy.DefaultInbound = Action(file, inbound.value);
                if (d.TryGetValue("outbound", out var outbound)) policy.DefaultOutbound = Action(file, outbound.value);
            }

            var groups = new Dictionary<string, PolicyGroup>(StringComparer.Ordinal)
            {
                [FirewallPolicy.AnyGroup] = new PolicyGroup { Name = FirewallPolicy.AnyGroup, Cidrs = new[] { Cidr("0.0.0.0/0"), Cidr("::/0") } },
            };
            if (map.TryGetValue("groups", out var groupsNode))
            {
                if (groupsNode.value.Map == null) throw Error(file, groupsNode.value, "groups must be a map of group name to selectors.");
                foreach (var entry in groupsNode.value.Map)
                {
                    if (entry.Key == FirewallPolicy.AnyGroup) throw Error(file, entry.Value.key, "'any' is built in (every address) and cannot be redefined.");
                    groups[entry.Key] = BindGroup(file, entry.Key, entry.Value);
                }
            }
            policy.Groups = groups;

            var rules = new List<PolicyRule>();
            if (map.TryGetValue("rules", out var rulesNode))
            {
                if (rulesNode.value.List == null) throw Error(file, rulesNode.value, "rules must be a list.");
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var r in rulesNode.value.List)
                {
                    var rule = BindRule(file, r, groups);
                    if (!names.Add(rule.Name)) throw Error(file, r, $"a rule named '{rule.Name}' already exists.");
                    rules.Add(rule);
                }
            }
            policy.Rules = rules;
            policy.Warnings = Shadowed(rules);
            return policy;
        }

        private static PolicyAction Action(string file, Node node) => Choice(file, node, "action", ("allow", PolicyAction.Allow), ("drop", PolicyAction.Drop));

        private static IpNetwork Cidr(string text) => IpNetwork.TryParse(text, out var n) ? n : throw new InvalidOperationException(text);

        private static PolicyGroup BindGroup(string file, string name, (Node key, Node value) entry)
        {
            var map = Map(file, entry.value, $"group '{name}'", GroupMembers);
            var group = new PolicyGroup { Name = name, Position = new SourcePosition(file, entry.key.Line, entry.key.Column) };
            List<string> Read(string member, Func<string, Node, string>? check = null) =>
                map.TryGetValue(member, out var n) ? Texts(file, n.value, $"{member} of group '{name}'").Select(t => check == null ? t.text : check(t.text, t.at)).ToList() : new List<string>();
            group.Scopes = Read("scope", (t, at) =>
            {
                if (PciScopeClassifier.Parse(t) == PciScope.Unknown) throw Error(file, at, $"'{t}' is not a PCI scope; use cde, connected or outOfScope.");
                return t;
            }).Select(PciScopeClassifier.Parse).ToArray();
            group.Tags = Read("tag", (t, at) => t.Contains("/") ? t : throw Error(file, at, $"tag '{t}' must be Category/Name.")).ToArray();
            group.Attributes = Read("attribute", (t, at) => t.Contains("=") ? t : throw Error(file, at, $"attribute '{t}' must be Name=Value.")).ToArray();
            group.Names = Read("name").ToArray();
            group.Folders = Read("folder").ToArray();
            group.Portgroups = Read("portgroup").ToArray();
            group.Vms = Read("vms").ToArray();
            group.Cidrs = (map.TryGetValue("cidrs", out var cidrs) ? Texts(file, cidrs.value, $"cidrs of group '{name}'") : new List<(string, Node)>())
                .Select(c => IpNetwork.TryParse(c.Item1, out var n) ? n : throw Error(file, c.Item2, $"'{c.Item1}' is not an address or CIDR block."))
                .ToArray();
            if (!group.HasSelectors && group.Vms.Count == 0 && group.Cidrs.Count == 0)
                throw Error(file, entry.key, $"group '{name}' selects nothing: give it scope, tag, attribute, name, folder, portgroup, vms or cidrs.");
            return group;
        }

        private static PolicyRule BindRule(string file, Node node, Dictionary<string, PolicyGroup> groups)
        {
            var map = Map(file, node, "a rule", RuleMembers);
            string Required(string member)
            {
                if (!map.TryGetValue(member, out var n)) throw Error(file, node, $"the rule has no '{member}'.");
                return Text(file, n.value, member);
            }
            var rule = new PolicyRule { Name = Required("name"), Position = new SourcePosition(file, node.Line, node.Column) };
            string Group(string member)
            {
                var value = Required(member);
                if (!groups.ContainsKey(value))
                    throw Error(file, map[member].value, $"rule '{rule.Name}': unknown group '{value}' in '{member}'; the groups are {string.Join(", ", groups.Keys.OrderBy(k => k, StringComparer.Ordinal))}.");
                return value;
            }
            rule.From = Group("from");
            rule.To = Group("to");
            if (!map.ContainsKey("action")) throw Error(file, node, $"rule '{rule.Name}' has no 'action' (allow or drop).");
            rule.Action = Action(file, map["action"].value);
            if (map.TryGetValue("protocol", out var protocol))
                rule.Protocol = Choice(file, protocol.value, "protocol", ("any", PolicyProtocol.Any), ("tcp", PolicyProtocol.Tcp), ("udp", PolicyProtocol.Udp), ("icmp", PolicyProtocol.Icmp));
            if (map.TryGetValue("ports", out var ports))
            {
                if (rule.Protocol != PolicyProtocol.Tcp && rule.Protocol != PolicyProtocol.Udp)
                    throw Error(file, ports.value, $"rule '{rule.Name}': ports need protocol tcp or udp.");
                rule.Ports = Texts(file, ports.value, "ports").Select(p => Port(file, p.text, p.at)).ToArray();
            }
            if (map.TryGetValue("log", out var log)) rule.Log = Choice(file, log.value, "log value", ("true", true), ("false", false));
            return rule;
        }

        private static PortRange Port(string file, string text, Node at)
        {
            var parts = text.Split('-');
            if (parts.Length <= 2 && int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && (parts.Length == 1 || int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                var end = parts.Length == 1 ? start : int.Parse(parts[1].Trim(), CultureInfo.InvariantCulture);
                if (start >= 1 && end <= 65535 && start <= end) return new PortRange(start, end);
            }
            throw Error(file, at, $"'{text}' is not a port (1-65535) or a range such as 8000-8080.");
        }

        /// <summary>
        /// Rules an earlier rule fully covers (same or "any" source and destination, same or any
        /// protocol, ports included in its ports): they can never match. Groups are compared by
        /// name: two different groups may share members, which only the inventory can tell.
        /// </summary>
        internal static IReadOnlyList<string> Shadowed(IReadOnlyList<PolicyRule> rules)
        {
            var warnings = new List<string>();
            for (int j = 0; j < rules.Count; j++)
            {
                var covered = false;
                for (int i = 0; i < j && !covered; i++)
                {
                    if (!Covers(rules[i], rules[j])) continue;
                    covered = true;
                    warnings.Add($"{rules[j].Position}: rule '{rules[j].Name}' can never match: rule '{rules[i].Name}' ({rules[i].Position}) takes all its traffic first" +
                        (rules[i].Action != rules[j].Action ? $" and {rules[i].Action.ToString().ToLowerInvariant()}s it." : "."));
                }
                if (covered) continue;
                // Partly taken by an earlier rule with the opposite action: legal, often meant, worth a look.
                for (int i = 0; i < j; i++)
                {
                    if (rules[i].Action == rules[j].Action || !Overlap(rules[i], rules[j])) continue;
                    warnings.Add($"{rules[j].Position}: rule '{rules[j].Name}' overlaps rule '{rules[i].Name}' ({rules[i].Position}): the traffic both match is {(rules[i].Action == PolicyAction.Drop ? "dropped" : "allowed")} by the earlier one.");
                }
            }
            return warnings;
        }

        /// <summary>True when some traffic certainly matches both rules (groups equal or "any", protocols and ports intersecting).</summary>
        internal static bool Overlap(PolicyRule a, PolicyRule b)
        {
            bool Same(string x, string y) => x == y || x == FirewallPolicy.AnyGroup || y == FirewallPolicy.AnyGroup;
            if (!Same(a.From, b.From) || !Same(a.To, b.To)) return false;
            if (a.Protocol != PolicyProtocol.Any && b.Protocol != PolicyProtocol.Any && a.Protocol != b.Protocol) return false;
            if (a.Ports.Count == 0 || b.Ports.Count == 0) return true;
            return a.Ports.Any(pa => b.Ports.Any(pb => pa.Start <= pb.End && pb.Start <= pa.End));
        }

        internal static bool Covers(PolicyRule a, PolicyRule b)
        {
            if (a.From != FirewallPolicy.AnyGroup && a.From != b.From) return false;
            if (a.To != FirewallPolicy.AnyGroup && a.To != b.To) return false;
            if (a.Protocol != PolicyProtocol.Any && a.Protocol != b.Protocol) return false;
            if (a.Ports.Count == 0) return true;
            if (b.Ports.Count == 0) return false;
            return b.Ports.All(pb => a.Ports.Any(pa => pa.Covers(pb)));
        }
    }
}
