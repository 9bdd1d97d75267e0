#!/usr/bin/env python3
"""Sets the lockdown exception users of one host through the standard vSphere API (HostAccessManager).

Usage: seed_host_access.py URL USER HOSTNAME USER1[,USER2...] (password on stdin).
"""
import sys

from pyVim.connect import Disconnect
from pyVmomi import vim

from vsphere import connect


def main():
    url, user, host_name, users = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
        host = next(h for h in view.view if h.name == host_name)
        view.Destroy()
        host.configManager.hostAccessManager.UpdateLockdownExceptions(users=users.split(","))
        print(f"{host_name}: lockdown exception users {users}")
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
