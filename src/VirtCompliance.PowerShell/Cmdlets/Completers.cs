using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Runtime.CompilerServices;
using VirtCompliance.Controls;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>
    /// The inventory each connection last collected, for tab completion: a Tab press must answer at
    /// once and never start a collection, so it offers what the last one found. Weakly held, so a
    /// connection that is gone takes its inventory with it.
    /// </summary>
    internal static class CollectedInventories
    {
        private static readonly ConditionalWeakTable<VirtServerConnection, Inv> Last = new ConditionalWeakTable<VirtServerConnection, Inv>();

        public static void Remember(VirtServerConnection server, Inv inventory)
        {
            lock (Last)
            {
                Last.Remove(server);
                Last.Add(server, inventory);
            }
        }

        public static Inv? Of(VirtServerConnection server)
        {
            lock (Last) return Last.TryGetValue(server, out var inventory) ? inventory : null;
        }
    }

    /// <summary>What the completers share: matching the word typed, quoting what needs it, and finding the inventory at hand.</summary>
    public abstract class VirtCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = Unquote(wordToComplete ?? "");
            var match = new WildcardPattern(WildcardPattern.Escape(typed) + "*", WildcardOptions.IgnoreCase);
            try
            {
                return Candidates(commandName, commandAst, fakeBoundParameters, typed)
                    .Where(c => match.IsMatch(c.text))
                    .GroupBy(c => c.text, StringComparer.OrdinalIgnoreCase).Select(g => g.First())
                    .OrderBy(c => c.text, StringComparer.OrdinalIgnoreCase)
                    .Select(c => new CompletionResult(Quote(c.text), c.text, CompletionResultType.ParameterValue, string.IsNullOrEmpty(c.tip) ? c.text : c.tip))
                    .ToList();
            }
            catch (Exception ex) when (ex is RuntimeException || ex is InvalidOperationException || ex is System.IO.IOException || ex is VirtCompliance.Common.DataFileException)
            {
                // A Tab press that cannot be answered (an unreadable baseline file named on the line) offers nothing rather than an error in the middle of typing.
                return Enumerable.Empty<CompletionResult>();
            }
        }

        /// <summary>The values this parameter takes, each with a tooltip.</summary>
        protected abstract IEnumerable<(string text, string? tip)> Candidates(string commandName, CommandAst commandAst, IDictionary fakeBoundParameters, string typed);

        /// <summary>
        /// The inventory at hand: -Inventory on the line being completed, an inventory variable piped into the
        /// command, else what -Server or the default connection last collected. Never collects.
        /// </summary>
        protected static Inv? InventoryAtHand(CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            if (Unwrap(fakeBoundParameters?["Inventory"]) is Inv bound) return bound;
            if (commandAst?.Parent is PipelineAst pipeline)
            {
                var at = pipeline.PipelineElements.IndexOf(commandAst);
                if (at > 0 && pipeline.PipelineElements[at - 1] is CommandExpressionAst { Expression: VariableExpressionAst variable }
                    && Unwrap(VariableValue(variable.VariablePath.UserPath.Substring(variable.VariablePath.UserPath.IndexOf(':') + 1), variable.VariablePath.IsGlobal)) is Inv piped) return piped;
            }
            foreach (var server in Connections(Unwrap(fakeBoundParameters?["Server"])).Concat(Connections(VariableValue(ServerWork.DefaultVariable, global: true))))
            {
                if (CollectedInventories.Of(server) is Inv collected) return collected;
            }
            return null;
        }

        private static IEnumerable<VirtServerConnection> Connections(object? value)
        {
            if (value is VirtServerConnection one) return new[] { one };
            if (value is IEnumerable many && !(value is string)) return many.Cast<object>().Select(Unwrap).OfType<VirtServerConnection>();
            return Enumerable.Empty<VirtServerConnection>();
        }

        /// <summary>A variable of the session completing the line (the completer runs on its pipeline thread).</summary>
        protected static object? VariableValue(string name, bool global = false) =>
            ScriptBlock.Create(global ? "param($n) Get-Variable -Name $n -Scope Global -ValueOnly -ErrorAction Ignore" : "param($n) Get-Variable -Name $n -ValueOnly -ErrorAction Ignore")
                .Invoke(name).FirstOrDefault(o => o != null) is PSObject found ? found.BaseObject : null;

        /// <summary>A path as the session's current location resolves it.</summary>
        protected static string ResolvePath(string path) =>
            ScriptBlock.Create("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)").Invoke(path).FirstOrDefault()?.BaseObject as string ?? path;

        protected static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

        private static string Unquote(string word) =>
            word.Length > 0 && (word[0] == '\'' || word[0] == '"') ? word.Substring(1).TrimEnd(word[0]) : word;

        /// <summary>A name as it must be typed: quoted when it holds a space or a character PowerShell would read as syntax.</summary>
        internal static string Quote(string text) =>
            text.Length > 0 && text.IndexOfAny(" '\"`$;,(){}@#|&<>".ToCharArray()) < 0 ? text : "'" + text.Replace("'", "''") + "'";
    }

    /// <summary>Completes -Cluster from the clusters of the inventory at hand.</summary>
    public sealed class ClusterNameCompleter : VirtCompleter
    {
        protected override IEnumerable<(string text, string? tip)> Candidates(string commandName, CommandAst commandAst, IDictionary fakeBoundParameters, string typed) =>
            InventoryAtHand(commandAst, fakeBoundParameters)?.Clusters.Where(c => c.Name != null)
                .Select(c => (c.Name!, (string?)$"{c.Name} ({c.Id})")) ?? Enumerable.Empty<(string, string?)>();
    }

    /// <summary>Completes -Vm from the VMs of the inventory at hand.</summary>
    public sealed class VmNameCompleter : VirtCompleter
    {
        protected override IEnumerable<(string text, string? tip)> Candidates(string commandName, CommandAst commandAst, IDictionary fakeBoundParameters, string typed)
        {
            var inventory = InventoryAtHand(commandAst, fakeBoundParameters);
            if (inventory == null) return Enumerable.Empty<(string, string?)>();
            return inventory.Vms.Where(v => v.Name != null)
                .Select(v => (v.Name!, (string?)$"{v.Name} ({v.Id} on {(v.HostId == null ? "no host" : inventory.GetHost(v.HostId)?.Name ?? v.HostId)})"));
        }
    }

    /// <summary>Completes -VMHost (and -ReferenceHost) from the hosts of the inventory at hand.</summary>
    public sealed class VmHostNameCompleter : VirtCompleter
    {
        protected override IEnumerable<(string text, string? tip)> Candidates(string commandName, CommandAst commandAst, IDictionary fakeBoundParameters, string typed) =>
            InventoryAtHand(commandAst, fakeBoundParameters)?.Hosts.Where(h => h.Name != null)
                .Select(h => (h.Name!, (string?)$"{h.Name} ({h.Id})")) ?? Enumerable.Empty<(string, string?)>();
    }

    /// <summary>
    /// Completes -ControlId from the baseline on the line (-Baseline: a name, a file or a baseline object),
    /// else the catalog; a command that judges one kind of object offers that kind's controls only.
    /// </summary>
    public sealed class ControlIdCompleter : VirtCompleter
    {
        private static readonly Dictionary<string, ControlScope[]> ScopesByCommand = new Dictionary<string, ControlScope[]>(StringComparer.OrdinalIgnoreCase)
        {
            ["Get-HostControlDrift"] = new[] { ControlScope.Host },
            ["Repair-HostControlDrift"] = new[] { ControlScope.Host },
            ["Get-NetworkControlDrift"] = NetworkScopes,
            ["Repair-NetworkControlDrift"] = NetworkScopes,
            ["Get-VmControlDrift"] = new[] { ControlScope.Vm },
            ["Repair-VmControlDrift"] = new[] { ControlScope.Vm },
            ["Get-VCenterControlDrift"] = new[] { ControlScope.VCenter, ControlScope.Cluster },
            ["Repair-VCenterControlDrift"] = new[] { ControlScope.VCenter, ControlScope.Cluster },
        };

        private static ControlScope[] NetworkScopes => new[] { ControlScope.StandardSwitch, ControlScope.StandardPortgroup, ControlScope.DistributedPortgroup, ControlScope.DistributedSwitch };

        protected override IEnumerable<(string text, string? tip)> Candidates(string commandName, CommandAst commandAst, IDictionary fakeBoundParameters, string typed)
        {
            var scopes = ScopesByCommand.TryGetValue(commandName ?? "", out var s) ? s : null;
            bool Wanted(ControlDefinition d) => scopes == null || scopes.Contains(d.Scope);
            var named = Unwrap(fakeBoundParameters?["Baseline"]);
            var baseline = named as Baseline
                ?? (named is string name && name.Length > 0 ? Baseline.Load(Baseline.BuiltInName(name) != null ? name : ResolvePath(name)) : null);
            if (baseline != null)
                return baseline.Controls.Where(c => Wanted(c.Definition)).Select(c => (c.Id, (string?)c.Title));
            return ControlCatalog.BuiltIn.Controls.Where(Wanted).Select(d => (d.Id, (string?)d.Title));
        }
    }

    /// <summary>Completes -Baseline with the built-in baselines, then baseline files and folders from the path typed.</summary>
    public sealed class BaselineCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var word = wordToComplete ?? "";
            var match = new WildcardPattern(WildcardPattern.Escape(word.Trim('\'', '"')) + "*", WildcardOptions.IgnoreCase);
            var builtIn = Baseline.BuiltInNames.Where(match.IsMatch)
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, $"{n}: built-in baseline"));
            // Baseline files are JSON: folders lead to them, other files are not baselines.
            var files = CompletionCompleters.CompleteFilename(word)
                .Where(r => r.ResultType == CompletionResultType.ProviderContainer || r.ListItemText.EndsWith(".json", StringComparison.OrdinalIgnoreCase));
            return builtIn.Concat(files).ToList();
        }
    }
}
