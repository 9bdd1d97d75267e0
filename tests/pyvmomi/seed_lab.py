#!/usr/bin/env python3
"""Gives a fresh simulator something to find, through the standard vSphere API, for build.ps1 LiveDemo.

Usage: seed_lab.py URL USER (password on stdin). Sets the custom attribute PCI-Scope on the VMs
(CDE, Connected, OutOfScope in turn, one VM left unclassified) and makes the first clustered host
drift: SSH started with policy "on", firewall default incoming policy open.
"""
import sys

from pyVim.connect import Disconnect
from pyVmomi import vim

from vsphere import connect

SCOPES = ["CDE", "Connected", "OutOfScope"]


def main():
    url, user = sys.argv[1], sys.argv[2]
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        fields = content.customFieldsManager
        field = next((f for f in fields.field if f.name == "PCI-Scope"), None) or \
            fields.AddFieldDefinition(name="PCI-Scope", moType=vim.VirtualMachine)
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine, vim.HostSystem], True)
        vms = sorted((o for o in view.view if isinstance(o, vim.VirtualMachine)), key=lambda v: v.name)
        hosts = sorted((o for o in view.view if isinstance(o, vim.HostSystem) and isinstance(o.parent, vim.ClusterComputeResource)),
                       key=lambda h: h.name)
        view.Destroy()
        for i, vm in enumerate(vms[:-1]):
            fields.SetField(entity=vm, key=field.key, value=SCOPES[i % len(SCOPES)])
        print(f"PCI-Scope set on {len(vms) - 1} VMs; {vms[-1].name} left unclassified")
        if hosts:
            cm = hosts[0].configManager
            cm.serviceSystem.StartService(id="TSM-SSH")
            cm.serviceSystem.UpdateServicePolicy(id="TSM-SSH", policy="on")
            cm.firewallSystem.UpdateDefaultPolicy(vim.host.FirewallInfo.DefaultPolicy(incomingBlocked=False, outgoingBlocked=True))
            print(f"{hosts[0].name}: SSH on, firewall incoming policy open")
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
