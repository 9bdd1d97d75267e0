using System;
using System.Collections.Generic;
using System.Linq;

namespace VirtCompliance.Pci.Rules
{
    /// <summary>What a separation rule is, as data: its id, what it checks, the PCI DSS 4.0.1 requirements it bears on, how to fix what it finds.</summary>
    public sealed record SeparationRuleInfo(string Id, string Title, IReadOnlyList<string> PciDss, string Remediation);

    /// <summary>One CDE separation rule: reads the analysis's shared model and writes its findings.</summary>
    public interface ISeparationRule
    {
        SeparationRuleInfo Info { get; }

        /// <summary>The rule's findings on one analysis (one inventory, scope sources, baseline and interpretation).</summary>
        IEnumerable<PciSeparationFinding> Evaluate(PciSeparationAnalyzer analysis);
    }
}

namespace VirtCompliance.Pci
{
    /// <summary>
    /// The separation rules, one per file under Pci/Rules, in the order their findings are written.
    /// Output order, -RuleId (its completion and its check) and the help all read this one list.
    /// </summary>
    public static class SeparationRules
    {
        public static IReadOnlyList<Rules.ISeparationRule> All { get; } = new Rules.ISeparationRule[]
        {
            new Rules.MixedScopeHostRule(),
            new Rules.CdeWithConnectedRule(),
            new Rules.PotentialMixedScopeHostRule(),
            new Rules.SharedSegmentRule(),
            new Rules.DualHomedVmRule(),
            new Rules.TrunkCarriesCdeRule(),
            new Rules.InsecureSwitchPolicyRule(),
            new Rules.InScopeHostControlsRule(),
            new Rules.InScopeHostUnverifiedRule(),
            new Rules.SharedDatastoreRule(),
            new Rules.UnknownScopeVmRule(),
            new Rules.ScopeConflictRule(),
            new Rules.NoCdeScopeRule(),
        };

        /// <summary>A rule's description by id (any case), or null.</summary>
        public static Rules.SeparationRuleInfo? Find(string? id) =>
            All.Select(r => r.Info).FirstOrDefault(i => string.Equals(i.Id, id, StringComparison.OrdinalIgnoreCase));
    }
}
