#!/usr/bin/env python3
"""Turns a cluster's DRS and vSphere HA off, or shows them, through the standard vSphere API.

Usage: cluster_config.py URL USER CLUSTER off|show (password on stdin).
off: one ReconfigureComputeResource_Task with modify set, DRS and HA disabled.
show: prints "drs=True ha=True", as the cluster's configurationEx holds them.
"""
import sys

from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim

from vsphere import connect


def main():
    url, user, name, mode = sys.argv[1:5]
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource], True)
        cluster = next(c for c in view.view if c.name == name)
        view.Destroy()
        if mode == "off":
            spec = vim.cluster.ConfigSpecEx(drsConfig=vim.cluster.DrsConfigInfo(enabled=False),
                                            dasConfig=vim.cluster.DasConfigInfo(enabled=False))
            WaitForTask(cluster.ReconfigureComputeResource_Task(spec=spec, modify=True))
        ex = cluster.configurationEx
        print(f"drs={bool(ex.drsConfig.enabled)} ha={bool(ex.dasConfig.enabled)}")
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
