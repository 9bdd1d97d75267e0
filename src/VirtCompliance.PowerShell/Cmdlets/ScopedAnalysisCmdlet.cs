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
}
