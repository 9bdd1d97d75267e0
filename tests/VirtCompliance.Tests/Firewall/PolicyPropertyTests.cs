using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using Newtonsoft.Json;
using VirtCompliance.Firewall;
using VirtCompliance.Model;
using VirtCompliance.Pci;
using Xunit;
using VirtCompliance.Scope;

namespace VirtCompliance.Tests.Firewall
{
    /// <summary>
    /// Property tests of the compiler on random policies and inventories (seeded, so a failure
    /// repeats): the compiled rules are deterministic, and for every packet to or from a protected
    /// VM the first matching compiled rule gives the action a direct reading of the policy gives.
    /// </summary>
    public class PolicyPropertyTests
    {
        private static readonly int[] Protocols = { 6, 17, 1 };
        private static readonly int?[] Ports = { 22, 80, 443, 1500, 9999 };
        private static readonly PortRange[] PortChoices = { new PortRange(22, 22), new PortRange(80, 80), new PortRange(443, 443), new PortRange(1000, 2000) };

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(4)]
        public void Compiled_rules_agree_with_the_policy_and_are_deterministic(int seed)
        {
            for (int round = 0; round < 60; round++)
            {
                var rng = new Random(seed * 1000 + round);
                var inventory = RandomInventory(rng);
                var policy = RandomPolicy(rng);
                var compiled = PolicyCompiler.Compile(policy, inventory);
                Assert.Equal(JsonConvert.SerializeObject(compiled.Vms), JsonConvert.SerializeObject(PolicyCompiler.Compile(policy, inventory).Vms));

                var scopes = PciScopeClassifier.Classify(inventory, new ScopeSources()).ToDictionary(s => s.VmId, s => s.Scope);
                var members = policy.Groups.Values.ToDictionary(g => g.Name, g => PolicyCompiler.Members(g, inventory, scopes));
                var externals = new[] { IPAddress.Parse("192.168.7.7"), IPAddress.Parse("10.9.1.5") };
                foreach (var vm in inventory.Vms)
                {
                    // Enforced at the destination's ports; at the source's only when the destination has no VMs.
                    var shouldBeProtected = policy.Rules.Any(r =>
                        r.To != FirewallPolicy.AnyGroup && members[r.To].Count > 0 ? members[r.To].Contains(vm.Id)
                        : r.From != FirewallPolicy.AnyGroup && members[r.From].Contains(vm.Id));
                    var ruleset = compiled.Vms.SingleOrDefault(v => v.VmId == vm.Id);
                    Assert.Equal(shouldBeProtected, ruleset != null);
                    if (ruleset == null) continue;
                    var self = IPAddress.Parse(vm.Nics[0].IpAddresses[0]);
                    var peers = inventory.Vms.Where(v => v.Id != vm.Id).Select(v => IPAddress.Parse(v.Nics[0].IpAddresses[0])).Concat(externals);
                    foreach (var peer in peers)
                        foreach (var protocol in Protocols)
                            foreach (var port in protocol == 1 ? new int?[] { null } : Ports)
                            {
                                var expectedIn = Direct(policy, members, inventory, peer, vm, inbound: true, protocol, port);
                                var actualIn = TrafficFilterEvaluator.Match(ruleset.Filter, PacketDirection.ToVm, peer, self, protocol, port);
                                Assert.True(actualIn?.Action.ToString().ToLowerInvariant() == expectedIn, $"seed {seed} round {round}: {peer} → {vm.Name} {protocol}/{port}: policy {expectedIn}, compiled {actualIn?.Action} ({actualIn?.Description})");
                                var expectedOut = Direct(policy, members, inventory, peer, vm, inbound: false, protocol, port);
                                var actualOut = TrafficFilterEvaluator.Match(ruleset.Filter, PacketDirection.FromVm, self, peer, protocol, port);
                                Assert.True(actualOut?.Action.ToString().ToLowerInvariant() == expectedOut, $"seed {seed} round {round}: {vm.Name} → {peer} {protocol}/{port}: policy {expectedOut}, compiled {actualOut?.Action} ({actualOut?.Description})");
                            }
                }
            }
        }

        /// <summary>The policy read directly: the first rule whose groups, protocol and port match decides, else the default.</summary>
        private static string Direct(FirewallPolicy policy, Dictionary<string, HashSet<string>> members, VirtCompliance.Model.Inventory inventory,
            IPAddress peer, Vm vm, bool inbound, int protocol, int? port)
        {
            bool Holds(string group, IPAddress address) =>
                group == FirewallPolicy.AnyGroup
                || members[group].Any(id => inventory.GetVm(id).Nics.SelectMany(n => n.IpAddresses).Any(ip => IPAddress.Parse(ip).Equals(address)))
                || policy.Groups[group].Cidrs.Any(c => c.Contains(address));
            bool Is(string group) => group == FirewallPolicy.AnyGroup || members[group].Contains(vm.Id);
            foreach (var rule in policy.Rules)
            {
                var applies = inbound ? Is(rule.To) && Holds(rule.From, peer) : Is(rule.From) && Holds(rule.To, peer);
                if (!applies) continue;
                if (rule.Protocol != PolicyProtocol.Any && PolicyCompiler.ProtocolNumber(rule.Protocol) != protocol) continue;
                if (rule.Ports.Count > 0 && (port == null || !rule.Ports.Any(p => p.Contains(port.Value)))) continue;
                return rule.Action == PolicyAction.Allow ? "allow" : "drop";
            }
            var fallback = inbound ? policy.DefaultInbound : policy.DefaultOutbound;
            return fallback == PolicyAction.Allow ? "allow" : "drop";
        }

        private static VirtCompliance.Model.Inventory RandomInventory(Random rng)
        {
            var lab = new Lab().Cluster("domain-c1", "C").Host("host-1", "domain-c1");
            var count = rng.Next(3, 8);
            var scopes = new[] { "CDE", "Connected", "OutOfScope" };
            for (int i = 0; i < count; i++)
            {
                var ip = $"10.{rng.Next(0, 2)}.{rng.Next(0, 3)}.{10 + i}";
                var name = (i % 2 == 0 ? "db-" : "app-") + i;
                var scope = scopes[rng.Next(scopes.Length)];
                lab.Vm($"vm-{i}", "host-1", v => v with
                {
                    Name = name,
                    CustomAttributes = new Dictionary<string, string> { ["PCI-Scope"] = scope },
                    Nics = new[] { new VmNic { Key = 4000, NetworkId = "network-1", IpAddresses = new[] { ip } } },
                });
            }
            return lab.Build();
        }

        private static FirewallPolicy RandomPolicy(Random rng)
        {
            var groups = new Dictionary<string, PolicyGroup> { [FirewallPolicy.AnyGroup] = new PolicyGroup { Name = FirewallPolicy.AnyGroup } };
            var groupCount = rng.Next(1, 5);
            for (int g = 0; g < groupCount; g++)
            {
                var group = new PolicyGroup { Name = "g" + g };
                switch (rng.Next(4))
                {
                    case 0: group.Names = new[] { rng.Next(2) == 0 ? "db-*" : "app-*" }; break;
                    case 1: group.Scopes = new[] { (PciScope)rng.Next(1, 4) }; break;
                    case 2: group.Vms = Enumerable.Range(0, 7).Where(_ => rng.Next(2) == 0).Select(i => $"vm-{i}").DefaultIfEmpty("vm-0").ToArray(); break;
                    default:
                        group.Cidrs = new[] { $"10.{rng.Next(0, 2)}.{rng.Next(0, 3)}.0/24", "10.9.1.5", "192.168.0.0/16" }.Where(_ => rng.Next(2) == 0).DefaultIfEmpty("10.0.0.0/8")
                            .Select(t => { IpNetwork.TryParse(t, out var n); return n; }).ToArray();
                        group.Vms = new[] { $"vm-{rng.Next(0, 3)}" };
                        break;
                }
                groups[group.Name] = group;
            }
            var names = groups.Keys.ToArray();
            var rules = new List<PolicyRule>();
            var ruleCount = rng.Next(1, 7);
            for (int r = 0; r < ruleCount; r++)
            {
                var protocol = (PolicyProtocol)rng.Next(4);
                rules.Add(new PolicyRule
                {
                    Name = "r" + r,
                    From = names[rng.Next(names.Length)],
                    To = names[rng.Next(names.Length)],
                    Protocol = protocol,
                    Ports = protocol == PolicyProtocol.Tcp || protocol == PolicyProtocol.Udp ? PortChoices.Where(_ => rng.Next(3) == 0).ToArray() : Array.Empty<PortRange>(),
                    Action = rng.Next(2) == 0 ? PolicyAction.Allow : PolicyAction.Drop,
                });
            }
            return new FirewallPolicy
            {
                Name = "random",
                Groups = groups,
                Rules = rules,
                DefaultInbound = rng.Next(2) == 0 ? PolicyAction.Allow : PolicyAction.Drop,
                DefaultOutbound = rng.Next(2) == 0 ? PolicyAction.Allow : PolicyAction.Drop,
                FailureMode = rng.Next(2) == 0 ? FailureMode.Open : FailureMode.Closed,
            };
        }
    }
}
