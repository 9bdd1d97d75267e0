#!/usr/bin/env python3
"""The same collection as Get-VirtInventory, the pyVmomi way, for the benchmark.

Usage: bench_collect.py URL USER SPECS.json RUNS (password on stdin). SPECS.json lists
{"type": ..., "paths": [...]} per managed object type, exactly the property set of the module's
collector. One container view over the root folder, RetrievePropertiesEx and
ContinueRetrievePropertiesEx until done, every property deserialised by pyVmomi. Prints JSON:
the time of each run (seconds), objects read, and the process's peak RSS (MB).
"""
import json
import resource
import sys
import time

from pyVim.connect import Disconnect
from pyVmomi import vim, vmodl

from vsphere import connect


def main():
    url, user, spec_path, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open(spec_path) as f:
        specs = json.load(f)
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        types = [getattr(vim, s["type"]) for s in specs]
        view_types = [vim.Datacenter, vim.Folder, vim.ComputeResource, vim.HostSystem, vim.VirtualMachine,
                      vim.Network, vim.DistributedVirtualSwitch, vim.Datastore]
        times, count = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            view = content.viewManager.CreateContainerView(content.rootFolder, view_types, True)
            traversal = vmodl.query.PropertyCollector.TraversalSpec(name="traverseView", type=vim.view.ContainerView, path="view", skip=False)
            obj_spec = vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])
            prop_specs = [vmodl.query.PropertyCollector.PropertySpec(type=t, all=False, pathSet=s["paths"]) for t, s in zip(types, specs)]
            filter_spec = vmodl.query.PropertyCollector.FilterSpec(objectSet=[obj_spec], propSet=prop_specs)
            pc = content.propertyCollector
            result = pc.RetrievePropertiesEx([filter_spec], vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=1000))
            objects = []
            while result is not None:
                objects.extend(result.objects)
                result = pc.ContinueRetrievePropertiesEx(result.token) if result.token else None
            # Touch every value, as a collector that uses them would.
            count = sum(len(o.propSet) for o in objects)
            view.Destroy()
            times.append(time.perf_counter() - start)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        json.dump({"times": times, "objects": len(objects), "properties": count, "peak_rss_mb": peak}, sys.stdout)
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
