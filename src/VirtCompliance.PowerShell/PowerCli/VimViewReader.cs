using System;
using System.Collections;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Vim.Soap;

namespace VirtCompliance.PowerShell.PowerCli
{
    /// <summary>
    /// Reads PowerCLI's VMware.Vim objects (the views of Get-View and .ExtensionData) through their
    /// PowerShell members, never their .NET types, into the same vim25 values the SOAP reader gives.
    /// VMware.Vim is generated from the vim25 WSDL: each wire field is a property of the same name with
    /// its first letter upper-cased (incomingBlocked → IncomingBlocked), an array is a .NET array, a
    /// managed object reference is a ManagedObjectReference (Type, Value), an enum's name is its wire
    /// value, and the class name is the xsi:type. So one generic walk serves every type.
    /// </summary>
    internal static class VimViewReader
    {
        /// <summary>Members VMware.Vim adds that are not vim25 data.</summary>
        private static readonly string[] NotWireData = { "DynamicType", "DynamicProperty", "LinkedView", "Client", "MoRef", "UpdateViewData" };

        /// <summary>The value at a property path ("config.firewall") of a view, or null when vSphere left it unset.</summary>
        /// <exception cref="PowerCliShapeException">A member on the path does not exist: the object is not shaped like a VMware.Vim view.</exception>
        public static VimValue? Read(PSObject view, string path, string what, Func<string, string?, bool> keepItem)
        {
            object? current = view;
            var walked = "";
            foreach (var part in path.Split('.'))
            {
                if (current == null) return null;
                var member = Pascal(part);
                walked = walked.Length == 0 ? member : walked + "." + member;
                var property = AsPSObject(current).Properties[member];
                if (property == null) throw new PowerCliShapeException(what, walked);
                current = Unwrap(property.Value);
            }
            if (current == null) return null;
            if (IsArray(current))
            {
                // A property that is an array reads like the wire's ArrayOf... value.
                var array = new VimObject { Type = "ArrayOf" + ElementTypeName(current) };
                foreach (var item in (IEnumerable)current)
                {
                    var value = Convert(Unwrap(item));
                    if (value != null && keepItem(path, value.Type)) array.Add(value.Type ?? "item", value);
                }
                return array;
            }
            return Convert(current);
        }

        /// <summary>A managed object reference read from a MoRef-shaped object (Type and Value), or null.</summary>
        public static VimRef? Ref(object? value)
        {
            value = Unwrap(value);
            if (value == null) return null;
            var o = AsPSObject(value);
            var type = o.Properties["Type"]?.Value as string;
            var id = o.Properties["Value"]?.Value as string;
            return type != null && id != null ? new VimRef(type, id) : null;
        }

        public static PSObject AsPSObject(object value) => value as PSObject ?? PSObject.AsPSObject(value);

        /// <summary>The object behind a PSObject wrapper, unless it is a PSCustomObject (whose members live on the wrapper).</summary>
        public static object? Unwrap(object? value) =>
            value is PSObject ps && !(ps.BaseObject is PSCustomObject) ? ps.BaseObject : value;

        /// <summary>The vim25 type name of an object: its class name (VMware.Vim.HostFirewallInfo → HostFirewallInfo), from the first of its type names.</summary>
        public static string? TypeName(object value)
        {
            var names = AsPSObject(value).TypeNames;
            var first = names.Count > 0 ? names[0] : null;
            if (first == null || first.StartsWith("System.", StringComparison.Ordinal)) return null;
            var dot = first.LastIndexOf('.');
            return dot < 0 ? first : first.Substring(dot + 1);
        }

        /// <summary>vim25 data nests a dozen levels at most; deeper means a cycle, which wire data cannot have.</summary>
        private const int MaxDepth = 40;

        private static VimValue? Convert(object? value, int depth = 0)
        {
            // A null is no value (and no level): checked first, since the message below names the value's type.
            if (value == null) return null;
            if (depth > MaxDepth) throw new InvalidOperationException($"A {TypeName(value) ?? value.GetType().Name} value nests more than {MaxDepth} levels deep: it is not vim25 data.");
            switch (value)
            {
                case string s: return new VimText(s);
                case bool b: return new VimText(b ? "true" : "false");
                case DateTime d: return new VimText(d.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                case Enum e: return new VimText(e.ToString());
                case IFormattable f when value.GetType().IsPrimitive || value is decimal: return new VimText(f.ToString(null, CultureInfo.InvariantCulture));
            }
            var type = TypeName(value);
            // A typed object is a reference only by its type; an untyped one (built in PowerShell) by its shape.
            if (type == "ManagedObjectReference" || (type == null && IsMoRefShaped(value))) return Ref(value);
            var obj = new VimObject { Type = type };
            foreach (var property in AsPSObject(value).Properties)
            {
                // Only data: .NET properties (VMware.Vim) and note properties (objects built in PowerShell), not script
                // or code properties a type extension may add, and not VMware.Vim's own client links.
                if (property.MemberType != PSMemberTypes.Property && property.MemberType != PSMemberTypes.NoteProperty) continue;
                if (Array.IndexOf(NotWireData, property.Name) >= 0) continue;
                object? v;
                try { v = Unwrap(property.Value); }
                catch (GetValueInvocationException) { continue; }   // a computed member that throws is not data
                if (v == null) continue;
                var name = Camel(property.Name);
                if (IsArray(v))
                {
                    foreach (var item in (IEnumerable)v)
                    {
                        var converted = Convert(Unwrap(item), depth + 1);
                        if (converted != null) obj.Add(name, converted);
                    }
                }
                else
                {
                    var converted = Convert(v, depth + 1);
                    if (converted != null) obj.Add(name, converted);
                }
            }
            return obj;
        }

        /// <summary>A reference mocked as a plain object with just Type and Value (and, from PowerCLI, ServerGuid).</summary>
        private static bool IsMoRefShaped(object value)
        {
            var names = AsPSObject(value).Properties.Select(p => p.Name).Where(n => Array.IndexOf(NotWireData, n) < 0).ToList();
            return names.Contains("Type") && names.Contains("Value") && names.All(n => n == "Type" || n == "Value" || n == "ServerGuid");
        }

        private static bool IsArray(object value) => value is IEnumerable && !(value is string) && !(value is IDictionary);

        private static string ElementTypeName(object array)
        {
            var element = array.GetType().IsArray ? array.GetType().GetElementType() : null;
            return element == null || element == typeof(object) || element == typeof(PSObject) ? "Any" : element.Name;
        }

        public static string Pascal(string wire) => wire.Length == 0 ? wire : char.ToUpperInvariant(wire[0]) + wire.Substring(1);

        private static string Camel(string member) => member.Length == 0 ? member : char.ToLowerInvariant(member[0]) + member.Substring(1);
    }

    /// <summary>An object that lacks a member a PowerCLI object or VMware.Vim view of its kind has.</summary>
    public sealed class PowerCliShapeException : Exception
    {
        public PowerCliShapeException(string what, string member)
            : base($"{what} has no member '{member}': it is not shaped like a PowerCLI object or VMware.Vim view (Get-VMHost, Get-VM, Get-Cluster, Get-VDPortgroup, Get-Datastore, Get-View, or their ExtensionData).")
        {
            Member = member;
        }

        /// <summary>An object of a kind the module does not read; <see cref="Member"/> is null.</summary>
        public PowerCliShapeException(string message) : base(message) { }

        /// <summary>The member the object lacks; null for the other shape errors.</summary>
        public string? Member { get; }
    }
}
