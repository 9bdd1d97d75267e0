#!/usr/bin/env python3
"""Distributed ports as pyVmomi reads them, and ways to change them behind the module's back, for the firewall tests.

Usage: ports.py URL USER (password on stdin)                  prints every connected port's own filters as JSON
       ports.py URL USER --to-standard VM_NAME NETWORK_NAME    reconnects the VM's first adapter to a standard portgroup
       ports.py URL USER --add-filter VM_NAME DESCRIPTION...   adds a traffic filter of its own (one allow rule per
                                                               description) beside the filters on the VM's first port,
                                                               as another tool would (a filter config spec, "add")
       ports.py URL USER --set-filter VM_NAME DESCRIPTION...   replaces the port's own filters with one such filter
       ports.py URL USER --portgroup-filter PORTGROUP KEY DESCRIPTION...
                                                               gives the portgroup a traffic filter with that key
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
        if len(sys.argv) > 3 and sys.argv[3] == "--portgroup-filter":
            pg = next(o for o in objects if isinstance(o, vim.dvs.DistributedVirtualPortgroup) and o.name == sys.argv[4])
            rules = [wsdl("DvsTrafficRule")(description=d, sequence=10 * (i + 1), direction="both", action=wsdl("DvsAcceptNetworkRuleAction")())
                     for i, d in enumerate(sys.argv[6:])]
            element = wsdl("DvsTrafficFilterConfig")(key=sys.argv[5], inherited=False, agentName="dvfilter-generic-vmware", onFailure="failOpen",
                                                     trafficRuleset=wsdl("DvsTrafficRuleset")(enabled=True, rules=rules))
            setting = wsdl("VMwareDVSPortSetting")(filterPolicy=wsdl("DvsFilterPolicy")(inherited=False, filterConfig=[element]))
            spec = wsdl("DVPortgroupConfigSpec")(configVersion=pg.config.configVersion, defaultPortConfig=setting)
            WaitForTask(pg.ReconfigureDVPortgroup_Task(spec=spec))
            print(f"{pg.name}: filter {sys.argv[5]} set")
            return
        if len(sys.argv) > 3 and sys.argv[3] in ("--add-filter", "--set-filter"):
            vm = next(o for o in objects if isinstance(o, vim.VirtualMachine) and o.name == sys.argv[4])
            nic = next(d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard))
            dvs = next(o for o in objects if isinstance(o, vim.DistributedVirtualSwitch) and o.uuid == nic.backing.port.switchUuid)
            port = dvs.FetchDVPorts(wsdl("DistributedVirtualSwitchPortCriteria")(portKey=[nic.backing.port.portKey]))[0]
            rules = [wsdl("DvsTrafficRule")(description=d, sequence=10 * (i + 1), direction="both", action=wsdl("DvsAcceptNetworkRuleAction")())
                     for i, d in enumerate(sys.argv[5:])]
            ruleset = wsdl("DvsTrafficRuleset")(enabled=True, rules=rules)
            if sys.argv[3] == "--add-filter":
                element = wsdl("DvsTrafficFilterConfigSpec")(operation="add", inherited=False, agentName="dvfilter-generic-vmware",
                                                             onFailure="failOpen", trafficRuleset=ruleset)
            else:
                element = wsdl("DvsTrafficFilterConfig")(key="com.vmware.vds.trafficfilter", inherited=False, agentName="dvfilter-generic-vmware",
                                                         onFailure="failOpen", trafficRuleset=ruleset)
            setting = wsdl("VMwareDVSPortSetting")(filterPolicy=wsdl("DvsFilterPolicy")(inherited=False, filterConfig=[element]))
            spec = wsdl("DVPortConfigSpec")(operation="edit", key=port.key, configVersion=port.config.configVersion, setting=setting)
            WaitForTask(dvs.ReconfigureDVPort_Task(port=[spec]))
            print(f"{vm.name}: port {port.key} filters changed")
            return
        out = []
        for dvs in (o for o in objects if isinstance(o, vim.DistributedVirtualSwitch)):
            for p in dvs.FetchDVPorts(wsdl("DistributedVirtualSwitchPortCriteria")(connected=True)):
                policy = p.config.setting.filterPolicy if p.config.setting else None
                if policy is None or policy.inherited:
                    continue
                own = [c for c in policy.filterConfig or [] if isinstance(c, wsdl("DvsTrafficFilterConfig")) and not c.inherited]
                config = own[0] if own else None
                rules = config.trafficRuleset.rules if config is not None and config.trafficRuleset else []
                out.append({
                    "switch": dvs._moId,
                    "key": p.key,
                    "vm": p.connectee.connectedEntity._moId if p.connectee and p.connectee.connectedEntity else None,
                    "nicKey": p.connectee.nicKey if p.connectee else None,
                    "onFailure": config.onFailure if config is not None else None,
                    "rules": [rule_json(r) for r in sorted(rules or [], key=lambda r: r.sequence)],
                    # Every filter on the port, its portgroup's (inherited) too.
                    "filters": [{
                        "key": c.key,
                        "agent": c.agentName,
                        "inherited": bool(c.inherited),
                        "rules": [rule_json(r) for r in sorted((c.trafficRuleset.rules if c.trafficRuleset else None) or [], key=lambda r: r.sequence)],
                    } for c in policy.filterConfig or [] if isinstance(c, wsdl("DvsTrafficFilterConfig"))],
                })
        json.dump(out, sys.stdout, sort_keys=True)
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
