#!/usr/bin/env python3
"""Makes one host drift through the standard vSphere API, as an administrator's client would.

Usage: make_drift.py URL USER HOSTNAME (password on stdin). On that host it opens the firewall's
default incoming policy, starts SSH with policy "on", sets the ESXi Shell interactive timeout to 3600 s,
and uninstalls the IDS agent package (acme-ids-sensor).
Prints what it changed, one line each.
"""
import sys

from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim

from vsphere import connect


def main():
    url, user, host_name = sys.argv[1], sys.argv[2], sys.argv[3]
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
        host = next(h for h in view.view if h.name == host_name)
        view.Destroy()
        cm = host.configManager
        cm.firewallSystem.UpdateDefaultPolicy(vim.host.FirewallInfo.DefaultPolicy(incomingBlocked=False, outgoingBlocked=True))
        print("firewall default incoming policy: allow")
        cm.serviceSystem.StartService(id="TSM-SSH")
        cm.serviceSystem.UpdateServicePolicy(id="TSM-SSH", policy="on")
        print("TSM-SSH: running, policy on")
        cm.advancedOption.UpdateOptions(changedValue=[vim.option.OptionValue(key="UserVars.ESXiShellInteractiveTimeOut", value=3600)])
        print("UserVars.ESXiShellInteractiveTimeOut: 3600")
        WaitForTask(cm.patchManager.UninstallHostPatch_Task(bulletinIds=["acme-ids-sensor"]))
        print("acme-ids-sensor: uninstalled")
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
