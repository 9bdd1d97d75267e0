using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using VirtCompliance.Model;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// One ESXCLI read a control names, as the guides' own scripts make it with Get-EsxCli -V2:
    /// <c>esxcli:COMMAND[(ARG=VALUE,...)][[FIELD=VALUE]].FIELD</c>. COMMAND is the namespace and verb
    /// (<c>system.ssh.server.config.list</c>); the arguments are passed to it (<c>showcurrentbootprofile=true</c>);
    /// the row selector picks the row of a list whose field has that value, as <c>Where-Object {$_.Key -eq 'ciphers'}</c>
    /// does; the last field is the value read. For example
    /// <c>esxcli:system.ssh.server.config.list[Key=ciphers].Value</c> and <c>esxcli:system.tls.server.get.Profile</c>.
    /// </summary>
    public sealed class EsxCliQuery
    {
        // Commands and argument names are lower case, as ESXCLI names them; the field (Profile, Enabled, enable) is what follows the last dot.
        private static readonly Regex Syntax = new Regex(
            @"^(?<command>[a-z0-9]+(?:\.[a-z0-9]+)+?)(?:\((?<args>[a-z0-9]+=[^,()\[\]=]*(?:,[a-z0-9]+=[^,()\[\]=]*)*)\))?(?:\[(?<rowField>[A-Za-z0-9]+)=(?<rowValue>[^\]]*)\])?\.(?<field>[A-Za-z][A-Za-z0-9]*)$",
            RegexOptions.CultureInvariant);

        public const string Hint = "esxcli: takes COMMAND[(ARG=VALUE,...)][[FIELD=VALUE]].FIELD, e.g. esxcli:system.ssh.server.config.list[Key=ciphers].Value";

        private EsxCliQuery(string command, IReadOnlyList<KeyValuePair<string, string>> arguments, string? rowField, string? rowValue, string field)
        {
            Command = command;
            Arguments = arguments;
            RowField = rowField;
            RowValue = rowValue;
            Field = field;
            CommandKey = arguments.Count == 0 ? command : $"{command}({string.Join(",", arguments.Select(a => a.Key + "=" + a.Value))})";
        }

        /// <summary>The namespace and verb: system.ssh.server.config.list.</summary>
        public string Command { get; }
        /// <summary>The arguments, by name in ordinal order.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Arguments { get; }
        /// <summary>The field that selects a row of a list (Key, Name, UserID); null for a command that answers one object.</summary>
        public string? RowField { get; }
        public string? RowValue { get; }
        /// <summary>The field read.</summary>
        public string Field { get; }
        /// <summary>The command with its arguments: the key of its answer in <see cref="Host.EsxCli"/>.</summary>
        public string CommandKey { get; }

        /// <summary>The namespace (system.ssh.server.config) and the verb (list).</summary>
        public string Namespace => Command.Substring(0, Command.LastIndexOf('.'));
        public string Verb => Command.Substring(Command.LastIndexOf('.') + 1);

        /// <summary>The command as an administrator types it: esxcli system tls server get --showcurrentbootprofile=true.</summary>
        public string CommandLine => "esxcli " + Command.Replace('.', ' ') + string.Concat(Arguments.Select(a => $" --{a.Key}={a.Value}"));

        /// <summary>Parses the part after "esxcli:", or throws <see cref="ArgumentException"/> naming what is wrong.</summary>
        public static EsxCliQuery Parse(string query)
        {
            var m = Syntax.Match(query ?? "");
            if (!m.Success) throw new ArgumentException($"Unknown fact 'esxcli:{query}': {Hint}.");
            var args = new List<KeyValuePair<string, string>>();
            if (m.Groups["args"].Success)
            {
                foreach (var pair in m.Groups["args"].Value.Split(','))
                {
                    var eq = pair.IndexOf('=');
                    var name = pair.Substring(0, eq);
                    if (args.Any(a => a.Key == name)) throw new ArgumentException($"Unknown fact 'esxcli:{query}': the argument {name} is given twice.");
                    args.Add(new KeyValuePair<string, string>(name, pair.Substring(eq + 1)));
                }
            }
            return new EsxCliQuery(m.Groups["command"].Value, args.OrderBy(a => a.Key, StringComparer.Ordinal).ToArray(),
                m.Groups["rowField"].Success ? m.Groups["rowField"].Value : null, m.Groups["rowField"].Success ? m.Groups["rowValue"].Value : null,
                m.Groups["field"].Value);
        }

        /// <summary>The value this query reads from a host's answers: NotReported when the command was not answered, Absent when the row or field is not there.</summary>
        public FactValue Read(Host host)
        {
            if (host.EsxCli == null)
                return FactValue.NotReported($"the ESXCLI settings of host {host.Name} were not read (the host's ReflectManagedMethodExecuter, as Get-EsxCli -V2 reads them; this snapshot or source has none)");
            if (DataArea.Reason(host.NotReported, DataArea.EsxCliCommand(CommandKey)) is string why) return FactValue.NotReported(why);
            if (!host.EsxCli.TryGetValue(CommandKey, out var rows))
                return FactValue.NotReported($"{CommandLine} was not run on host {host.Name} (its answer is not in this inventory)");
            var row = RowField == null ? rows.FirstOrDefault()
                : rows.FirstOrDefault(r => r.TryGetValue(RowField, out var v) && string.Equals(v, RowValue, StringComparison.OrdinalIgnoreCase));
            return row != null && row.TryGetValue(Field, out var value) ? FactValue.Of(Facts.NormaliseScalar(value)) : FactValue.Absent;
        }

        /// <summary>The commands (with arguments) the given controls read, each once, in ordinal order: what a collector runs on each host.</summary>
        public static IReadOnlyList<EsxCliQuery> CommandsOf(IEnumerable<ControlDefinition> controls) =>
            controls.Select(c => c.Fact).Where(f => f != null && f.StartsWith(Facts.EsxCliPrefix, StringComparison.Ordinal))
                .Select(f => Parse(f.Substring(Facts.EsxCliPrefix.Length)))
                .GroupBy(q => q.CommandKey, StringComparer.Ordinal).Select(g => g.First())
                .OrderBy(q => q.CommandKey, StringComparer.Ordinal).ToArray();
    }
}
