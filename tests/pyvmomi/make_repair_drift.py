#!/usr/bin/env python3
"""Plants drift of several kinds on three hosts, for the repair tests.

Usage: make_repair_drift.py URL USER HOST1 HOST2 HOST3 (password on stdin), through the vSphere API
as an administrator's client would, and ESXCLI over vim25 (esxcli.py):
- HOST1: the firewall accepts incoming connections by default, SSH runs with policy "on", the ESXi
  Shell interactive timeout is 3600 s;
- HOST2: locked accounts unlock after 120 s, the DCUI never times out (0);
- HOST3: weak SSH ciphers, a shell for the dcui account, log filtering on.
Prints each change, one a line: HOST WHAT VALUE.
"""
import sys

from pyVim.connect import Disconnect
from pyVmomi import vim

import esxcli
from vsphere import connect


def main():
    url, user, names = sys.argv[1], sys.argv[2], sys.argv[3:6]
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
        hosts = {h.name: h for h in view.view}
        view.Destroy()
        h1, h2, h3 = (hosts[n] for n in names)
        h1.configManager.firewallSystem.UpdateDefaultPolicy(vim.host.FirewallInfo.DefaultPolicy(incomingBlocked=False, outgoingBlocked=True))
        print(f"{h1.name} firewall.incomingBlocked false")
        h1.configManager.serviceSystem.StartService(id="TSM-SSH")
        h1.configManager.serviceSystem.UpdateServicePolicy(id="TSM-SSH", policy="on")
        print(f"{h1.name} service.TSM-SSH running, policy on")
        h1.configManager.advancedOption.UpdateOptions(changedValue=[vim.option.OptionValue(key="UserVars.ESXiShellInteractiveTimeOut", value=3600)])
        print(f"{h1.name} option.UserVars.ESXiShellInteractiveTimeOut 3600")
        h2.configManager.advancedOption.UpdateOptions(changedValue=[
            vim.option.OptionValue(key="Security.AccountUnlockTime", value=120),
            vim.option.OptionValue(key="UserVars.DcuiTimeOut", value=0)])
        print(f"{h2.name} option.Security.AccountUnlockTime 120")
        print(f"{h2.name} option.UserVars.DcuiTimeOut 0")
        esxcli.run(si, h3, "system.ssh.server.config.set", keyword="ciphers", value="aes128-cbc,3des-cbc")
        print(f"{h3.name} esxcli.ssh.ciphers aes128-cbc,3des-cbc")
        esxcli.run(si, h3, "system.account.set", id="dcui", shellaccess=True)
        print(f"{h3.name} esxcli.account.dcui.shellaccess true")
        esxcli.run(si, h3, "system.syslog.config.logfilter.set", logfilteringenabled=True)
        print(f"{h3.name} esxcli.syslog.logfilter true")
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
