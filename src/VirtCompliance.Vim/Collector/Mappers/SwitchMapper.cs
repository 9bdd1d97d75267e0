using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Model;
using VirtCompliance.Vim.Soap;
using static VirtCompliance.Vim.Collector.InventoryMapping;

namespace VirtCompliance.Vim.Collector.Mappers
{
    /// <summary>DistributedVirtualSwitch (and VmwareDistributedVirtualSwitch) to the model's DistributedSwitch.</summary>
    internal static class SwitchMapper
    {
        public static readonly PropertySpec[] Specs =
        {
            new PropertySpec("DistributedVirtualSwitch", "name", "uuid", "summary.productInfo", "summary.hostMember", "config.uplinkPortgroup"),
        };

        public static DistributedSwitch Map(ObjectContent o) => new DistributedSwitch
        {
            Id = o.Obj.Value,
            ManagedObjectType = o.Obj.RefType,
            Name = Text(o["name"]),
            Version = (o["summary.productInfo"] as VimObject)?.Text("version"),
            HostIds = Items(o["summary.hostMember"]).OfType<VimRef>().Select(r => r.Value).ToArray(),
        };
    }
}
