using VirtCompliance;
using System.Collections.Generic;
using System.Linq;

namespace VirtCompliance.Drift
{
    /// <summary>Turns a control assessment into one drift record per host and failed control.</summary>
    public static class HostDriftAnalyzer
    {
        /// <summary>For a portgroup control, only the failing portgroups' values: the rest passed and would hide them.</summary>
        private static string ActualText(ControlResult r)
        {
            if (r.Actual.PerObject == null || r.FailingObjects.Count == 0) return r.Actual.ToString();
            var failing = new HashSet<string>(r.FailingObjects, System.StringComparer.Ordinal);
            var shown = r.Actual.PerObject.Where(p => failing.Contains(p.Key)).ToArray();
            return shown.Length == 0 ? r.Actual.ToString() : VirtCompliance.Controls.FactValue.OfObjects(shown).ToString();
        }

        public static IEnumerable<HostControlDrift> Analyze(ControlAssessment assessment)
        {
            var inventory = assessment.Inventory;
            foreach (var host in assessment.Hosts.Values
                         .OrderBy(h => h.Cluster?.Name ?? "\uffff", System.StringComparer.OrdinalIgnoreCase)
                         .ThenBy(h => h.Host.Name, System.StringComparer.OrdinalIgnoreCase))
            {
                foreach (var r in host.Results)
                {
                    if (r.Passed) continue;
                    var d = r.Control.Definition;
                    yield return new HostControlDrift
                    {
                        Cluster = host.Cluster?.Name,
                        ClusterId = host.Cluster?.Id,
                        Host = host.Host.Name,
                        HostId = host.Host.Id,
                        ControlId = r.Control.Id,
                        Title = r.Control.Title,
                        Expected = r.ExpectedText,
                        Actual = ActualText(r),
                        PeerAgreement = r.PeerAgreement,
                        Severity = r.Control.Severity,
                        Basis = r.Control.Peer ? DriftBasis.Peer : DriftBasis.Baseline,
                        Baseline = assessment.Baseline.Name,
                        NoMajority = r.NoMajority,
                        FailingObjects = r.FailingObjects,
                        PciDss = d.PciDss,
                        Scg = d.Scg,
                        Stig = d.Stig,
                        Remediation = d.Remediation,
                    };
                }
            }
        }
    }
}
