using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Scope;

namespace VirtCompliance.Firewall
{
    public enum PolicyProtocol { Any, Tcp, Udp, Icmp }

    public enum PolicyAction { Allow, Drop }

    /// <summary>What the host does with a VM's traffic when it cannot enforce the VM's filter.</summary>
    public enum FailureMode { Open, Closed }

    /// <summary>Where a policy element was written, for messages.</summary>
    public sealed class SourcePosition
    {
        public SourcePosition(string file, int line, int column)
        {
            File = file;
            Line = line;
            Column = column;
        }

        public string File { get; }
        public int Line { get; }
        public int Column { get; }
        public override string ToString() => $"{File}:{Line}:{Column}";
    }

    /// <summary>
    /// A named set of endpoints. VM selectors (scope, tag, attribute, name, folder, portgroup) must
    /// all match for a VM to be in the group; explicit VMs and external CIDRs are added to that.
    /// The built-in group "any" is every address.
    /// </summary>
    public sealed class PolicyGroup
    {
        public string Name { get; set; } = "";
        public IReadOnlyList<PciScope> Scopes { get; set; } = Array.Empty<PciScope>();
        /// <summary>"Category/Name" pairs; a VM carrying any of them matches.</summary>
        public IReadOnlyList<string> Tags { get; set; } = Array.Empty<string>();
        /// <summary>"Attribute=Value" pairs; a VM with any of them matches.</summary>
        public IReadOnlyList<string> Attributes { get; set; } = Array.Empty<string>();
        /// <summary>VM name globs.</summary>
        public IReadOnlyList<string> Names { get; set; } = Array.Empty<string>();
        /// <summary>Folder path globs.</summary>
        public IReadOnlyList<string> Folders { get; set; } = Array.Empty<string>();
        /// <summary>Portgroup names (or ids) a VM has an adapter on.</summary>
        public IReadOnlyList<string> Portgroups { get; set; } = Array.Empty<string>();
        /// <summary>VMs named outright (names or ids).</summary>
        public IReadOnlyList<string> Vms { get; set; } = Array.Empty<string>();
        /// <summary>Addresses outside the inventory (CIDR or single address).</summary>
        public IReadOnlyList<IpNetwork> Cidrs { get; set; } = Array.Empty<IpNetwork>();
        /// <summary>Where the group is defined; null for the built-in "any" and for groups made in code.</summary>
        public SourcePosition? Position { get; set; }

        /// <summary>True when the group has VM selectors (not only explicit VMs and CIDRs).</summary>
        public bool HasSelectors => Scopes.Count + Tags.Count + Attributes.Count + Names.Count + Folders.Count + Portgroups.Count > 0;
        public bool IsAny => Name == FirewallPolicy.AnyGroup;
    }

    /// <summary>A port or an inclusive range of ports.</summary>
    public sealed class PortRange
    {
        public PortRange(int start, int end)
        {
            Start = start;
            End = end;
        }

        public int Start { get; }
        public int End { get; }
        public bool Contains(int port) => port >= Start && port <= End;
        public bool Covers(PortRange other) => Start <= other.Start && End >= other.End;
        public override string ToString() => Start == End ? Start.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Start}-{End}";
    }

    public sealed class PolicyRule
    {
        // A policy file must give each rule its name and groups (PolicyReader refuses a rule without them).
        public string Name { get; set; } = "";
        public string From { get; set; } = "";
        public string To { get; set; } = "";
        public PolicyProtocol Protocol { get; set; } = PolicyProtocol.Any;
        /// <summary>Destination ports; empty = every port.</summary>
        public IReadOnlyList<PortRange> Ports { get; set; } = Array.Empty<PortRange>();
        public PolicyAction Action { get; set; }
        public bool Log { get; set; }
        /// <summary>Where the rule is written; null for rules made in code.</summary>
        public SourcePosition? Position { get; set; }
    }

    /// <summary>
    /// A per-VM firewall policy: named groups, ordered rules (the first that matches decides),
    /// a default action per direction, and what to do where a host cannot enforce it.
    /// </summary>
    public sealed class FirewallPolicy
    {
        public const string AnyGroup = "any";

        /// <summary>Required in a policy file.</summary>
        public string Name { get; set; } = "";
        /// <summary>The file the policy was read from; null for a policy made in code.</summary>
        public string? File { get; set; }
        public FailureMode FailureMode { get; set; } = FailureMode.Closed;
        /// <summary>What happens to traffic into a protected VM that no rule matches.</summary>
        public PolicyAction DefaultInbound { get; set; } = PolicyAction.Drop;
        /// <summary>What happens to traffic out of a protected VM that no rule matches.</summary>
        public PolicyAction DefaultOutbound { get; set; } = PolicyAction.Allow;
        public IReadOnlyDictionary<string, PolicyGroup> Groups { get; set; } = new Dictionary<string, PolicyGroup>();
        public IReadOnlyList<PolicyRule> Rules { get; set; } = Array.Empty<PolicyRule>();
        /// <summary>
        /// Host controls ("esx-9.ssh", "vc.package-installed:acme-ids-sensor") a host must pass to
        /// run protected VMs when failing closed, beside being on the VMs' distributed switches.
        /// </summary>
        public IReadOnlyList<string> HostControls { get; set; } = Array.Empty<string>();

        /// <summary>The baseline of <see cref="HostControls"/>, or null when there are none.</summary>
        public VirtCompliance.Controls.Baseline? HostControlsBaseline()
        {
            if (HostControls.Count == 0) return null;
            var controls = new Newtonsoft.Json.Linq.JArray(HostControls.Select(c =>
            {
                var colon = c.IndexOf(':');
                var entry = new Newtonsoft.Json.Linq.JObject { ["id"] = colon < 0 ? c : c.Substring(0, colon) };
                if (colon >= 0) entry["parameter"] = c.Substring(colon + 1);
                return entry;
            }));
            var json = new Newtonsoft.Json.Linq.JObject { ["name"] = Name + " host controls", ["controls"] = controls }.ToString();
            return VirtCompliance.Controls.Baseline.Parse(new System.IO.MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), File ?? Name, File ?? Name);
        }
        /// <summary>Rules that can never match, or overlap another with the opposite action: found when the policy is read.</summary>
        public IReadOnlyList<string> Warnings { get; set; } = Array.Empty<string>();
    }
}
