#!/usr/bin/env python3
"""Distributed ports as pyVmomi reads them, and one way to take a VM off them, for the firewall tests.

Usage: ports.py URL USER (password on stdin)                  prints every connected port's own filter as JSON
       ports.py URL USER --to-standard VM_NAME NETWORK_NAME    reconnects the VM's first adapter to a standard portgroup
"""
import json
import sys

from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, VmomiSupport

from vsphere import connect


def wsdl(name):
    """A vim25 type by its wire name (pyVmomi's Python names for these differ by version)."""
    return VmomiSupport.GetWsdlType("urn:vim25", name)


def rule_json(rule):
    q = next((q for q in (rule.qualifier or []) if isinstance(q, wsdl("DvsIpNetworkRuleQualifier"))), None)

    def address(a):
        if a is None:
            return None
        if isinstance(a, wsdl("IpRange")):
            return f"{a.addressPrefix}/{a.prefixLength}"
        return a.address

    def port(p):
        if p is None:
            return None
        if isinstance(p, wsdl("DvsIpPortRange")):
            return f"{p.startPortNumber}-{p.endPortNumber}"
        return str(p.portNumber)

    return {
        "sequence": rule.sequence,
        "description": rule.description,
        "direction": rule.direction,
        "action": "allow" if isinstance(rule.action, wsdl("DvsAcceptNetworkRuleAction")) else "drop",
        "protocol": q.protocol.value if q is not None and q.protocol is not None else None,
        "source": address(q.sourceAddress) if q is not None else None,
        "destination": address(q.destinationAddress) if q is not None else None,
        "ports": port(q.destinationIpPort) if q is not None else None,
    }


def main():
    url, user = sys.argv[1], sys.argv[2]
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.DistributedVirtualSwitch, vim.VirtualMachine, vim.Network], True)
        objects = list(view.view)
        view.Destroy()
        if len(sys.argv) > 3 and sys.argv[3] == "--to-standard":
            vm = next(o for o in objects if isinstance(o, vim.VirtualMachine) and o.name == sys.argv[4])
            network = next(o for o in objects if type(o) is vim.Network and o.name == sys.argv[5])
            nic = next(d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard))
            nic.backing = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(network=network, deviceName=network.name)
            change = vim.vm.device.VirtualDeviceSpec(operation=vim.vm.device.VirtualDeviceSpec.Operation.edit, device=nic)
            WaitForTask(vm.ReconfigVM_Task(vim.vm.ConfigSpec(deviceChange=[change])))
            print(f"{vm.name}: {nic.deviceInfo.label} now on {network.name}")
            return
        out = []
        for dvs in (o for o in objects if isinstance(o, vim.DistributedVirtualSwitch)):
            for p in dvs.FetchDVPorts(wsdl("DistributedVirtualSwitchPortCriteria")(connected=True)):
                policy = p.config.setting.filterPolicy if p.config.setting else None
                if policy is None or policy.inherited:
                    continue
                config = next((c for c in policy.filterConfig or [] if isinstance(c, wsdl("DvsTrafficFilterConfig"))), None)
                rules = config.trafficRuleset.rules if config is not None and config.trafficRuleset else []
                out.append({
                    "switch": dvs._moId,
                    "key": p.key,
                    "vm": p.connectee.connectedEntity._moId if p.connectee and p.connectee.connectedEntity else None,
                    "nicKey": p.connectee.nicKey if p.connectee else None,
                    "onFailure": config.onFailure if config is not None else None,
                    "rules": [rule_json(r) for r in sorted(rules or [], key=lambda r: r.sequence)],
                })
        json.dump(out, sys.stdout, sort_keys=True)
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
