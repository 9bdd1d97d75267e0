using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;
using static VirtCompliance.Vim.Collector.InventoryMapping;

namespace VirtCompliance.Vim.Collector.Mappers
{
    /// <summary>Datacenter to the model's Datacenter; Folder and ComputeResource are read for the parent chain (a VM's folder path, an object's datacenter) and map to nothing.</summary>
    internal static class DatacenterMapper
    {
        public static readonly PropertySpec[] Specs =
        {
            new PropertySpec("Datacenter", "name", "parent"),
            new PropertySpec("Folder", "name", "parent"),
            new PropertySpec("ComputeResource", "name", "parent"),
        };

        public static Datacenter Map(ObjectContent o) => new Datacenter { Id = o.Obj.Value, Name = Text(o["name"]) };
    }
}
