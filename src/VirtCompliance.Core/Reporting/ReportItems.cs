using System;
using System.Collections.Generic;
using System.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Firewall;

namespace VirtCompliance.Reporting
{
    /// <summary>One result in report form: every writer works from these, whatever cmdlet produced the result.</summary>
    public sealed class ReportItem
    {
        /// <summary>Host control drift, Migration exposure, CDE separation, Firewall policy, Inventory change.</summary>
        public string Category { get; set; }
        /// <summary>The control id, rule id or change kind.</summary>
        public string Rule { get; set; }
        /// <summary>The host, VM or other object it is about.</summary>
        public string Object { get; set; }
        public string Cluster { get; set; }
        /// <summary>Migration exposure: the weaker host the VM can move onto.</summary>
        public string TargetHost { get; set; }
        public Severity Severity { get; set; }
        /// <summary>Fail, Warning or Info.</summary>
        public string Outcome { get; set; }
        public string Message { get; set; }
        public IReadOnlyList<string> PciDss { get; set; } = Array.Empty<string>();
        public IReadOnlyList<string> Evidence { get; set; } = Array.Empty<string>();
        public string Remediation { get; set; }
    }

    /// <summary>Turns the module's result records into report items; anything else is refused by name.</summary>
    public static class ReportItems
    {
        public const string HostControlDriftCategory = "Host control drift";
        public const string MigrationExposureCategory = "Migration exposure";

        public static ReportItem From(object result)
        {
            switch (result)
            {
                case HostControlDrift d:
                    return new ReportItem
                    {
                        Category = HostControlDriftCategory, Rule = d.ControlId, Object = d.Host, Cluster = d.Cluster, Severity = d.Severity, Outcome = "Fail",
                        Message = $"{d.Host}: {d.Title} — expected {d.Expected}, found {d.Actual}" + (d.PeerAgreement != null ? $" ({d.PeerAgreement})" : ""),
                        PciDss = d.PciDss, Evidence = new[] { $"Expected: {d.Expected}", $"Actual: {d.Actual}", $"Basis: {d.Basis} ({d.Baseline})" }.Concat(d.FailingObjects.Select(o => "Failing: " + o)).ToArray(),
                        Remediation = d.Remediation,
                    };
                case VmMigrationExposure e:
                    return new ReportItem
                    {
                        Category = MigrationExposureCategory, Rule = string.Join(", ", e.LostControls), Object = e.Vm, Cluster = e.Cluster, TargetHost = e.TargetHost, Severity = e.Severity,
                        Outcome = e.AutomatedByDrs ? "Fail" : "Warning",
                        Message = $"{e.Vm} can move from {e.CurrentHost} to {e.TargetHost} and lose {string.Join(", ", e.LostControls)}" + (e.AutomatedByDrs ? " (DRS would do it on its own)." : "."),
                        PciDss = e.PciDss, Evidence = new[] { $"DRS: {e.DrsAutomation}", $"HA: {(e.HaEnabled ? "enabled" : "disabled")}" },
                        Remediation = $"Bring {e.TargetHost} to its cluster's controls, or keep {e.Vm} off it with a mandatory VM-host rule.",
                    };
                case PciSeparationFinding f:
                    return new ReportItem
                    {
                        Category = "CDE separation", Rule = f.RuleId, Object = string.Join(", ", f.Hosts.Concat(f.Networks).Concat(f.Datastores).DefaultIfEmpty(string.Join(", ", f.Vms))),
                        Cluster = string.Join(", ", f.Clusters), Severity = f.Severity, Outcome = f.Outcome.ToString(), Message = f.Message,
                        PciDss = f.PciDss, Evidence = f.Evidence, Remediation = f.Remediation,
                    };
                case VmFirewallPolicyStatus s:
                    return new ReportItem
                    {
                        Category = "Firewall policy", Rule = $"{s.Policy}: {s.Status}", Object = $"{s.Vm} {s.Nic}", Severity = s.Status == EnforcementStatus.Enforced ? Severity.Informational : Severity.High,
                        Outcome = s.Status == EnforcementStatus.Enforced ? "Info" : s.Status == EnforcementStatus.FailOpenExposure ? "Warning" : "Fail",
                        Message = s.Message ?? $"{s.Vm} {s.Nic}: {s.Status}", PciDss = s.PciDss, Evidence = s.Diff,
                        Remediation = "Invoke-VmFirewallPolicy applies the policy to the port.",
                    };
                case InventoryChange c:
                    return new ReportItem
                    {
                        Category = "Inventory change", Rule = c.Kind + (c.ControlId != null ? ": " + c.ControlId : ""), Object = c.Object, Severity = c.Severity ?? Severity.Informational,
                        Outcome = c.Kind == "ControlFailing" ? "Fail" : "Info", Message = c.Message,
                        Evidence = new[] { $"Before: {c.Before}", $"After: {c.After}" }.Where(e => !e.EndsWith(": ", StringComparison.Ordinal)).ToArray(),
                    };
                case null:
                    throw new ArgumentNullException(nameof(result));
                default:
                    throw new ArgumentException($"{result.GetType().FullName} is not a VirtCompliance result; pipe in the output of Get-HostControlDrift, Get-VmMigrationExposure, Test-PciSeparation, Test-VmFirewallPolicy or Compare-VirtInventory.");
            }
        }
    }
}
