using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace VirtCompliance.Vim.Soap
{
    /// <summary>
    /// A value read from a vim25 response, kept as the wire gives it: a data object (named fields,
    /// a field repeated for arrays), a managed object reference, or a primitive's text. The
    /// collector reads fields by name; there is no generated class per vSphere type, so a newer
    /// server's extra fields cost nothing and an older server's missing ones read as absent.
    /// </summary>
    public abstract class VimValue
    {
        /// <summary>The xsi:type, without prefix ("HostFirewallInfo", "string", "ArrayOfManagedObjectReference"); null when the wire gave none.</summary>
        /// <remarks>Settable so that values can also be built from other sources of vim25 data (PowerCLI's VMware.Vim objects).</remarks>
        public string? Type { get; set; }
    }

    /// <summary>A primitive (xsd:string, xsd:int, xsd:boolean, enums ...): its text.</summary>
    public sealed class VimText : VimValue
    {
        public VimText(string text) { Text = text; }
        public string Text { get; }
        public override string ToString() => Text;
    }

    /// <summary>A managed object reference: type and value ("HostSystem", "host-21").</summary>
    public sealed class VimRef : VimValue
    {
        public VimRef(string refType, string value) { RefType = refType; Value = value; }
        public string RefType { get; }
        public string Value { get; }
        public override string ToString() => $"{RefType}:{Value}";
    }

    /// <summary>A data object, or an ArrayOf... value (whose items are its fields).</summary>
    public sealed class VimObject : VimValue
    {
        private readonly List<KeyValuePair<string, VimValue>> _fields = new List<KeyValuePair<string, VimValue>>();

        /// <summary>Adds a field; a vim25 array is the same field name added once per element.</summary>
        public void Add(string name, VimValue value) => _fields.Add(new KeyValuePair<string, VimValue>(name, value));

        public IReadOnlyList<KeyValuePair<string, VimValue>> Fields => _fields;

        /// <summary>The first field of that name, or null.</summary>
        public VimValue? this[string name]
        {
            get
            {
                foreach (var f in _fields)
                    if (f.Key == name) return f.Value;
                return null;
            }
        }

        /// <summary>Every field of that name: a vim25 array is its element repeated.</summary>
        public IEnumerable<VimValue> All(string name)
        {
            foreach (var f in _fields)
                if (f.Key == name) yield return f.Value;
        }

        /// <summary>Every item of an ArrayOf... value, whatever the element name.</summary>
        public IEnumerable<VimValue> Items => _fields.Select(f => f.Value);

        public VimObject? Object(string name) => this[name] as VimObject;
        public IEnumerable<VimObject> Objects(string name) => All(name).OfType<VimObject>();
        public string? Text(string name) => (this[name] as VimText)?.Text;
        public VimRef? Ref(string name) => this[name] as VimRef;

        public bool? Bool(string name)
        {
            var t = Text(name);
            return t == null ? (bool?)null : t == "true" || t == "1";
        }

        public int? Int(string name) =>
            int.TryParse(Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (int?)null;

        /// <summary>Follows a dotted path ("defaultPolicy.incomingBlocked") through single fields.</summary>
        public VimValue? Path(string path)
        {
            VimValue? current = this;
            foreach (var part in path.Split('.'))
            {
                if (!(current is VimObject o)) return null;
                current = o[part];
            }
            return current;
        }

        public override string ToString() => $"{Type ?? "object"}({_fields.Count} fields)";
    }
}
