#!/usr/bin/env python3
"""Reads or opens up the security policy of a standard portgroup and vSwitch on one host.

Usage: standard_network.py URL USER HOST PORTGROUP|- VSWITCH|- accept|show (password on stdin).
"-" leaves out the portgroup or the vSwitch.
- accept: allowPromiscuous, macChanges and forgedTransmits true on the portgroup
  (HostNetworkSystem.UpdatePortGroup with a copy of its current spec) and on the vSwitch
  (UpdateVirtualSwitch with a copy of its spec);
- show: one line per object from the host's config.network,
  "portgroup NAME promiscuous=X mac=Y forged=Z" and "vswitch NAME promiscuous=X mac=Y forged=Z",
  None for a value inherited (unset).
"""
import sys

from pyVim.connect import Disconnect
from pyVmomi import vim

from vsphere import connect


def find(items, name, what):
    for item in items:
        if item.name == name:
            return item
    sys.exit(f"{what} {name} not found")


def accepting(security):
    security = security or vim.host.NetworkPolicy.SecurityPolicy()
    security.allowPromiscuous = True
    security.macChanges = True
    security.forgedTransmits = True
    return security


def line(kind, name, policy):
    sec = policy.security if policy else None
    values = [getattr(sec, f, None) if sec else None for f in ("allowPromiscuous", "macChanges", "forgedTransmits")]
    return f"{kind} {name} promiscuous={values[0]} mac={values[1]} forged={values[2]}"


def main():
    if len(sys.argv) != 7 or sys.argv[6] not in ("accept", "show"):
        sys.exit(__doc__)
    url, user, host_name, pg_name, vs_name, action = sys.argv[1:7]
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
        host = find(view.view, host_name, "host")
        view.Destroy()
        network = host.config.network
        pg = None
        if pg_name != "-":
            pg = next((p for p in network.portgroup if p.spec.name == pg_name), None) or sys.exit(f"portgroup {pg_name} not found")
        vs = find(network.vswitch, vs_name, "vSwitch") if vs_name != "-" else None

        if action == "accept":
            ns = host.configManager.networkSystem
            if pg is not None:
                spec = pg.spec
                spec.policy = spec.policy or vim.host.NetworkPolicy()
                spec.policy.security = accepting(spec.policy.security)
                ns.UpdatePortGroup(pgName=pg_name, portgrp=spec)
            if vs is not None:
                spec = vs.spec
                spec.policy = spec.policy or vim.host.NetworkPolicy()
                spec.policy.security = accepting(spec.policy.security)
                ns.UpdateVirtualSwitch(vswitchName=vs_name, spec=spec)
            network = host.config.network

        for p in network.portgroup:
            if p.spec.name == pg_name:
                print(line("portgroup", pg_name, p.spec.policy))
        for v in network.vswitch:
            if v.name == vs_name:
                print(line("vswitch", vs_name, v.spec.policy))
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
