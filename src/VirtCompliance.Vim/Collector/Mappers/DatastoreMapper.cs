using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;
using static VirtCompliance.Vim.Collector.InventoryMapping;

namespace VirtCompliance.Vim.Collector.Mappers
{
    /// <summary>Datastore to the model's Datastore: type and the hosts that mount it.</summary>
    internal static class DatastoreMapper
    {
        public static readonly PropertySpec[] Specs = { new PropertySpec("Datastore", "name", "summary.type", "host") };

        public static Datastore Map(ObjectContent o) => new Datastore
        {
            Id = o.Obj.Value,
            Name = Text(o["name"]),
            Type = Text(o["summary.type"]),
            HostIds = Items(o["host"]).OfType<VimObject>().Select(m => m.Ref("key")?.Value).OfType<string>().ToArray(),
        };
    }
}
