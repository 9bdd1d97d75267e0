using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using VirtCompliance.Vim.Soap;

namespace VirtCompliance.Tests.PowerCli
{
    /// <summary>
    /// Objects shaped as PowerCLI hands them out, made from what a vim25 server returned: VMware.Vim
    /// views (a property per wire field with its first letter upper-cased, typed values, arrays,
    /// ManagedObjectReference with Type and Value, the vim25 class as the type name, null for unset
    /// fields) and the impl objects of Get-VMHost, Get-VM and Get-Cluster around them. PowerCLI is not
    /// a package this project can use, so these stand in for it, built from a real server's answers.
    /// </summary>
    public static class PowerCliShapes
    {
        public const string VmHostImpl = "VMware.VimAutomation.ViCore.Impl.V1.Inventory.VMHostImpl";
        public const string VmImpl = "VMware.VimAutomation.ViCore.Impl.V1.VM.UniversalVirtualMachineImpl";
        public const string ClusterImpl = "VMware.VimAutomation.ViCore.Impl.V1.Inventory.ClusterImpl";

        /// <summary>A VMware.Vim view of one object: every path of the property set present (null when unset), plus MoRef and Client.</summary>
        public static PSObject View(ObjectContent content, IEnumerable<string> paths, Uri serviceUrl, IReadOnlyDictionary<int, string> fields)
        {
            var view = Typed("VMware.Vim." + content.Obj.RefType);
            view.Properties.Add(new PSNoteProperty("MoRef", Ref(content.Obj)));
            foreach (var path in paths)
            {
                var parts = path.Split('.');
                var parent = view;
                for (var i = 0; i < parts.Length - 1; i++)
                {
                    var name = Pascal(parts[i]);
                    if (!(parent.Properties[name]?.Value is PSObject child))
                    {
                        child = Typed(null);
                        parent.Properties.Add(new PSNoteProperty(name, child));
                    }
                    parent = child;
                }
                parent.Properties.Add(new PSNoteProperty(Pascal(parts.Last()), content[path] == null ? null : Shape(content[path])));
            }
            var client = Typed("VMware.Vim.VimClientImpl");
            client.Properties.Add(new PSNoteProperty("ServiceUrl", serviceUrl.ToString()));
            view.Properties.Add(new PSNoteProperty("Client", client));
            view.Properties.Add(new PSNoteProperty("AvailableField", fields.Select(f =>
            {
                var def = Typed("VMware.Vim.CustomFieldDef");
                def.Properties.Add(new PSNoteProperty("Key", f.Key));
                def.Properties.Add(new PSNoteProperty("Name", f.Value));
                return def;
            }).ToArray()));
            return view;
        }

        /// <summary>Get-VMHost / Get-VM / Get-Cluster output around a view: Name, Id ("HostSystem-host-21"), Uid and the links PowerCLI fills.</summary>
        public static PSObject Impl(string typeName, PSObject view, string server, params (string name, object value)[] extra)
        {
            var moRef = (PSObject)view.Properties["MoRef"].Value;
            var id = $"{moRef.Properties["Type"].Value}-{moRef.Properties["Value"].Value}";
            var impl = Typed(typeName);
            impl.Properties.Add(new PSNoteProperty("Name", view.Properties["Name"].Value));
            impl.Properties.Add(new PSNoteProperty("Id", id));
            impl.Properties.Add(new PSNoteProperty("Uid", $"/VIServer=vc-admin@{server}/{typeName.Split('.').Last().Replace("Impl", "")}={id}/"));
            foreach (var (name, value) in extra) impl.Properties.Add(new PSNoteProperty(name, value));
            impl.Properties.Add(new PSNoteProperty("ExtensionData", view));
            return impl;
        }

        private static object Shape(VimValue value)
        {
            switch (value)
            {
                case VimRef r: return Ref(r);
                case VimText t:
                    switch (t.Type)
                    {
                        case "boolean": return t.Text == "true" || t.Text == "1";
                        case "int": case "short": case "byte": return int.Parse(t.Text, CultureInfo.InvariantCulture);
                        case "long": return long.Parse(t.Text, CultureInfo.InvariantCulture);
                        default: return t.Text;
                    }
                case VimObject o when o.Type != null && o.Type.StartsWith("ArrayOf", StringComparison.Ordinal):
                    return o.Items.Select(Shape).ToArray();
                case VimObject o:
                    var ps = Typed(o.Type == null ? null : "VMware.Vim." + o.Type);
                    foreach (var group in o.Fields.GroupBy(f => f.Key))
                    {
                        var values = group.Select(f => Shape(f.Value)).ToArray();
                        // A field that came once is a scalar here; VMware.Vim would make it a one-element array when the schema says array. Both read the same.
                        ps.Properties.Add(new PSNoteProperty(Pascal(group.Key), values.Length == 1 ? values[0] : values));
                    }
                    return ps;
                default: return null;
            }
        }

        private static PSObject Ref(VimRef r)
        {
            var ps = Typed("VMware.Vim.ManagedObjectReference");
            ps.Properties.Add(new PSNoteProperty("Type", r.RefType));
            ps.Properties.Add(new PSNoteProperty("Value", r.Value));
            return ps;
        }

        private static PSObject Typed(string typeName)
        {
            var ps = new PSObject();
            if (typeName != null) ps.TypeNames.Insert(0, typeName);
            return ps;
        }

        private static string Pascal(string wire) => char.ToUpperInvariant(wire[0]) + wire.Substring(1);
    }
}
