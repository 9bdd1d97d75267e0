using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace VirtCompliance.Model
{
    /// <summary>
    /// Where an inventory comes from. vCenter and ESXi through vim25 (VirtCompliance.Vim's
    /// InventoryCollector) are one source; another hypervisor's API would be another, mapping its
    /// objects onto the same model, so every analysis works on it unchanged.
    /// </summary>
    public interface IInventorySource
    {
        /// <summary>The phase of the collection under way, for progress bars.</summary>
        CollectionProgress Progress { get; }

        /// <summary>What a person should know about the collection: data the source could not read, and why.</summary>
        IReadOnlyList<string> Warnings { get; }

        /// <summary>Collects the whole inventory (clusters null or empty), or the named clusters' part of it (wildcards allowed).</summary>
        Task<Inventory> CollectAsync(IReadOnlyCollection<string>? clusters, CancellationToken cancel);
    }

    /// <summary>Where a collection is: for progress bars.</summary>
    public sealed class CollectionProgress
    {
        public string Phase { get; set; } = "";
        public int ObjectsRead { get; set; }
        public int Pages { get; set; }
    }
}
