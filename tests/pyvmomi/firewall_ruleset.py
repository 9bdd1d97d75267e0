#!/usr/bin/env python3
"""Opens a host's firewall ruleset to every address, or shows its allowed hosts.

Usage: firewall_ruleset.py URL USER HOST RULESET open|show (password on stdin).
open: enables the ruleset and allows all addresses (allowedHosts.allIp true), as an administrator's
client would; show: prints "allIp=BOOL networks=N/P,... addresses=A,..." as the vSphere API reports it.
"""
import sys

from pyVim.connect import Disconnect
from pyVmomi import vim

from vsphere import connect


def main():
    url, user, host_name, key, mode = sys.argv[1:6]
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
        host = next(h for h in view.view if h.name == host_name)
        view.Destroy()
        fw = host.configManager.firewallSystem
        if mode == "open":
            fw.EnableRuleset(id=key)
            fw.UpdateRuleset(id=key, spec=vim.host.Ruleset.RulesetSpec(allowedHosts=vim.host.Ruleset.IpList(allIp=True)))
            print(f"{host_name} {key} open")
        else:
            ruleset = next(r for r in fw.firewallInfo.ruleset if r.key == key)
            hosts = ruleset.allowedHosts
            networks = ",".join(f"{n.network}/{n.prefixLength}" for n in (hosts.ipNetwork or []))
            print(f"allIp={hosts.allIp} networks={networks} addresses={','.join(hosts.ipAddress or [])}")
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
