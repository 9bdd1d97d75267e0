using System.Management.Automation;
using VirtCompliance.Common;
using VirtCompliance.Scope;

namespace VirtCompliance.PowerShell.Cmdlets
{
    /// <summary>
    /// Cmdlets whose answer depends on which VMs are in PCI scope: separation, scope, the
    /// segmentation matrix, exposure, the firewall policy (scope: groups) and the evidence bundle.
    /// The same three parameters on each, so one -ScopeMap gives one set of CDE VMs everywhere.
    /// </summary>
    public abstract class ScopedAnalysisCmdlet : InventoryAnalysisCmdlet
    {
        /// <summary><para type="description">The vSphere tag category whose tag names a VM's scope (CDE, Connected, OutOfScope). Default: PCI-Scope. An empty string ignores tags.</para></summary>
        [Parameter]
        [AllowEmptyString]
        public string? ScopeTagCategory { get; set; } = "PCI-Scope";

        /// <summary><para type="description">The custom attribute whose value names a VM's scope. Default: PCI-Scope. An empty string ignores attributes.</para></summary>
        [Parameter]
        [AllowEmptyString]
        public string? ScopeAttribute { get; set; } = "PCI-Scope";

        /// <summary><para type="description">A scope map file (JSON): name/folder patterns and explicit VM names with their scope, consulted after tags and attributes. See module/schemas/pci-scope-map.schema.json.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ScopeMap { get; set; }

        private ScopeMapFile? _map;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (ScopeMap == null) return;
            var path = ResolveFilePath(ScopeMap);
            try
            {
                _map = ScopeMapFile.Load(path);
            }
            catch (DataFileException ex)
            {
                ThrowDataFileError(ex, "InvalidScopeMap");
            }
            catch (System.IO.IOException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "ScopeMapNotFound", ErrorCategory.ObjectNotFound, path));
            }
        }

        /// <summary>The scope sources the parameters name.</summary>
        protected ScopeSources ScopeSources()
        {
            var sources = new ScopeSources
            {
                TagCategory = string.IsNullOrEmpty(ScopeTagCategory) ? null : ScopeTagCategory,
                Attribute = string.IsNullOrEmpty(ScopeAttribute) ? null : ScopeAttribute,
            };
            if (_map != null)
            {
                sources.Patterns = _map.Patterns;
                sources.Map = _map.Vms;
            }
            return sources;
        }
    }

    /// <summary>
    /// The scoped analyses whose failures a waiver can accept (CDE separation, the evidence bundle):
    /// the waiver parameters of Get-HostControlDrift and its kin, with the same meaning.
    /// </summary>
    public abstract class WaivedScopedAnalysisCmdlet : ScopedAnalysisCmdlet
    {
        /// <summary><para type="description">A waiver file (YAML or JSON, module/schemas/waivers.schema.json): a failing result a waiver in force covers becomes Waived, carrying the waiver's id, justification and expiry; once the waiver has expired the result fails again and names it. A file with any error stops the command and applies nothing.</para></summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Waiver { get; set; }

        /// <summary><para type="description">The date waivers are judged on. Default: the inventory's collection time.</para></summary>
        [Parameter]
        public System.DateTime? AsOf { get; set; }

        /// <summary><para type="description">A waiver that expires within this many days is ExpiringSoon and warned about (default 30).</para></summary>
        [Parameter]
        [ValidateRange(0, 3650)]
        public int WaiverWarningDays { get; set; } = VirtCompliance.Waivers.WaiverSet.DefaultWarningDays;

        /// <summary>The options with this command's waivers, read against the baseline's own control ids.</summary>
        protected VirtCompliance.Assessments.AssessmentOptions WithWaivers(VirtCompliance.Assessments.AssessmentOptions options) => options with
        {
            Waivers = LoadWaivers(Waiver, options.Baseline),
            AsOf = AsOfDate(AsOf),
            WaiverWarningDays = WaiverWarningDays,
        };
    }
}
