#!/usr/bin/env python3
"""Reads hosts, VMs and clusters from a vSphere endpoint with pyVmomi and prints them as JSON.

The integration tests compare this independent client's view of the simulator with what
Get-VirtInventory collected. Usage: read_inventory.py URL USER (password on stdin).
"""
import json
import sys

from pyVim.connect import Disconnect
from pyVmomi import vim, vmodl

from vsphere import connect

def text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)

def main():
    url, user = sys.argv[1], sys.argv[2]
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.HostSystem, vim.VirtualMachine, vim.ClusterComputeResource, vim.DistributedVirtualSwitch], True)
        out = {"hosts": {}, "vms": {}, "clusters": {}, "switches": {}, "portgroups": {}}
        out["vcenter"] = {o.key: text(o.value) for o in (content.setting.setting or [])}
        for obj in view.view:
            if isinstance(obj, vim.HostSystem):
                config = obj.config
                cluster = obj.parent._moId if isinstance(obj.parent, vim.ClusterComputeResource) else None
                acceptance, packages = None, None
                image = getattr(obj.configManager, "imageConfigManager", None)
                if image is not None:
                    try:
                        acceptance = image.HostImageConfigGetAcceptance()
                        packages = sorted(p.name for p in image.FetchSoftwarePackages())
                    except (vmodl.fault.MethodNotFound, vmodl.fault.ManagedObjectNotFound):
                        pass
                out["hosts"][obj._moId] = {
                    "acceptanceLevel": acceptance,
                    "packages": packages,
                    "name": obj.name,
                    "cluster": cluster,
                    "connectionState": text(obj.runtime.connectionState),
                    "lockdownMode": text(getattr(config, "lockdownMode", None)),
                    "incomingBlocked": config.firewall.defaultPolicy.incomingBlocked,
                    "outgoingBlocked": config.firewall.defaultPolicy.outgoingBlocked,
                    "rulesets": {r.key: r.enabled for r in config.firewall.ruleset},
                    "services": {s.key: {"running": s.running, "policy": s.policy} for s in config.service.service},
                    "options": {o.key: text(o.value) for o in (config.option or [])},
                }
            elif isinstance(obj, vim.VirtualMachine):
                nics = []
                for d in obj.config.hardware.device:
                    if not isinstance(d, vim.vm.device.VirtualEthernetCard):
                        continue
                    b = d.backing
                    if isinstance(b, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo):
                        nics.append(b.port.portgroupKey)
                    elif isinstance(b, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo) and b.network is not None:
                        nics.append(b.network._moId)
                config = obj.config
                devices = []
                for d in config.hardware.device:
                    if isinstance(d, vim.vm.device.VirtualEthernetCard):
                        continue
                    kind = type(d).__name__.split(".")[-1]
                    connectable = d.connectable
                    devices.append({
                        "type": "Virtual" + kind if not kind.startswith("Virtual") else kind,
                        "label": d.deviceInfo.label if d.deviceInfo else None,
                        "connected": connectable.connected if connectable else None,
                        "startConnected": connectable.startConnected if connectable else None,
                        "diskMode": d.backing.diskMode if isinstance(d, vim.vm.device.VirtualDisk) else None,
                    })
                boot = config.bootOptions
                out["vms"][obj._moId] = {
                    "name": obj.name,
                    "host": obj.runtime.host._moId if obj.runtime.host else None,
                    "powerState": text(obj.runtime.powerState),
                    "nics": nics,
                    "extraConfig": {o.key: text(o.value) for o in (config.extraConfig or [])},
                    "version": config.version,
                    "firmware": config.firmware,
                    "efiSecureBootEnabled": boot.efiSecureBootEnabled if boot else None,
                    "enableLogging": config.flags.enableLogging if config.flags else None,
                    "migrateEncryption": config.migrateEncryption,
                    "devices": devices,
                }
            elif isinstance(obj, vim.DistributedVirtualSwitch):
                c = obj.config
                security = c.defaultPortConfig.securityPolicy
                out["switches"][obj._moId] = {
                    "allowPromiscuous": security.allowPromiscuous.value,
                    "macChanges": security.macChanges.value,
                    "forgedTransmits": security.forgedTransmits.value,
                    "discoveryOperation": c.linkDiscoveryProtocolConfig.operation if c.linkDiscoveryProtocolConfig else None,
                    "ipfixCollector": (c.ipfixConfig.collectorIpAddress or "") if c.ipfixConfig else None,
                    "mirrorSessions": sorted(x.name for x in (c.vspanSession or [])),
                    "nioc": c.networkResourceManagementEnabled,
                }
                for pg in obj.portgroup:
                    if pg.config.uplink:
                        continue
                    policy, setting = pg.config.policy, pg.config.defaultPortConfig
                    mac = getattr(setting, "macManagementPolicy", None)
                    out["portgroups"][pg._moId] = {
                        "reset": policy.portConfigResetAtDisconnect,
                        "overrides": sorted(k for k in ("blockOverrideAllowed", "shapingOverrideAllowed", "vendorConfigOverrideAllowed",
                                                        "livePortMovingAllowed", "networkResourcePoolOverrideAllowed", "trafficFilterOverrideAllowed",
                                                        "vlanOverrideAllowed", "uplinkTeamingOverrideAllowed", "securityPolicyOverrideAllowed",
                                                        "ipfixOverrideAllowed", "macManagementOverrideAllowed") if getattr(policy, k, False)),
                        "ipfix": setting.ipfixEnabled.value if setting.ipfixEnabled else None,
                        "macLearning": bool(mac.macLearningPolicy.enabled) if mac and mac.macLearningPolicy else False,
                    }
            elif isinstance(obj, vim.ClusterComputeResource):
                ex = obj.configurationEx
                out["clusters"][obj._moId] = {
                    "name": obj.name,
                    "drs": bool(ex.drsConfig.enabled),
                    "ha": bool(ex.dasConfig.enabled),
                    "rules": sorted(r.name for r in (ex.rule or [])),
                    "groups": sorted(g.name for g in (ex.group or [])),
                }
        view.Destroy()
        json.dump(out, sys.stdout, sort_keys=True)
    finally:
        Disconnect(si)

if __name__ == "__main__":
    main()
