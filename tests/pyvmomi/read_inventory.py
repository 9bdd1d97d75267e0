#!/usr/bin/env python3
"""Reads hosts, VMs and clusters from a vSphere endpoint with pyVmomi and prints them as JSON.

The integration tests compare this independent client's view of the simulator with what
Get-VirtInventory collected. Usage: read_inventory.py URL USER (password on stdin). Each host also
has "esxcli": the answers of the esxcli get and list commands the hardening guides need
(ESXCLI_READS), read over vim25 by esxcli.py.
"""
import base64
import http.client
import json
import ssl
import sys
import urllib.request
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

from pyVim.connect import Disconnect
from pyVmomi import vim, vmodl

import esxcli
from vsphere import connect

def text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)

VIM = "urn:vim25"


def newer_fields(url, si, host_ids):
    """Fields newer than pyVmomi 6.7.1's type definitions, read over its session with a request
    that names API 8.0.2.0 (a server sends a field only to a client whose version has it):
    HostFirewallRuleset.ipListUserConfigurable and HostCapability.uefiSecureBoot, by host."""
    objs = "".join(f'<objectSet><obj type="HostSystem">{h}</obj></objectSet>' for h in host_ids)
    body = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
            f'<soapenv:Body><RetrievePropertiesEx xmlns="{VIM}"><_this type="PropertyCollector">propertyCollector</_this>'
            '<specSet><propSet><type>HostSystem</type><pathSet>config.firewall</pathSet><pathSet>capability.uefiSecureBoot</pathSet></propSet>'
            f'{objs}</specSet><options/></RetrievePropertiesEx></soapenv:Body></soapenv:Envelope>')
    u = urlparse(url)
    conn = (http.client.HTTPSConnection(u.hostname, u.port, context=ssl._create_unverified_context())
            if u.scheme == "https" else http.client.HTTPConnection(u.hostname, u.port))
    conn.request("POST", u.path, body.encode(), {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:vim25/8.0.2.0",
                                                 "Cookie": si._stub.cookie})
    answer = conn.getresponse().read()
    conn.close()
    out = {}
    for o in ET.fromstring(answer).iter(f"{{{VIM}}}objects"):
        host = o.find(f"{{{VIM}}}obj").text
        fields = {"ipListUserConfigurable": {}, "uefiSecureBoot": None}
        for prop in o.findall(f"{{{VIM}}}propSet"):
            name, val = prop.find(f"{{{VIM}}}name").text, prop.find(f"{{{VIM}}}val")
            if name == "config.firewall":
                for r in val.findall(f"{{{VIM}}}ruleset"):
                    flag = r.find(f"{{{VIM}}}ipListUserConfigurable")
                    fields["ipListUserConfigurable"][r.find(f"{{{VIM}}}key").text] = None if flag is None else flag.text == "true"
            elif name == "capability.uefiSecureBoot":
                fields["uefiSecureBoot"] = val.text == "true"
        out[host] = fields
    return out


# The esxcli get and list commands whose answers are reported per host, each as (key, command, arguments).
ESXCLI_READS = [
    ("system.ssh.server.config.list", "system.ssh.server.config.list", {}),
    ("system.security.fips140.ssh.get", "system.security.fips140.ssh.get", {}),
    ("system.settings.kernel.list", "system.settings.kernel.list", {}),
    ("system.settings.encryption.get", "system.settings.encryption.get", {}),
    ("system.security.keypersistence.get", "system.security.keypersistence.get", {}),
    ("system.tls.server.get", "system.tls.server.get", {}),
    ("system.tls.server.get(showcurrentbootprofile=true)", "system.tls.server.get", {"showcurrentbootprofile": True}),
    ("system.syslog.config.get", "system.syslog.config.get", {}),
    ("system.syslog.config.logfilter.get", "system.syslog.config.logfilter.get", {}),
    ("system.account.list", "system.account.list", {}),
    ("system.snmp.get", "system.snmp.get", {}),
]


def esxcli_answers(si, host):
    """What esxcli over vim25 (esxcli.py, posted over pyVmomi's session) answers on the host:
    {command: [{field: value}, ...]}; None when the endpoint has no executer for the host."""
    try:
        esxcli.executer(si, host)
    except esxcli.SoapFault:
        return None
    return {key: esxcli.run(si, host, command, **args) for key, command, args in ESXCLI_READS}


def vmknics(config):
    """Each VMkernel adapter with the services selected on it, from config.virtualNicManagerInfo."""
    result = {}
    for net in (config.virtualNicManagerInfo.netConfig if config.virtualNicManagerInfo else []):
        devices = {v.key: v.device for v in (net.candidateVnic or [])}
        for device in devices.values():
            result.setdefault(device, [])
        for key in (net.selectedVnic or []):
            if key in devices:
                result[devices[key]].append(net.nicType)
    return {d: sorted(s) for d, s in result.items()}


def appliance(url, user, password):
    """The vCenter appliance settings, read with plain HTTP calls to the CIS REST API (test-only:
    the simulator's self-signed certificate is not checked here)."""
    u = urlparse(url)
    base = f"{u.scheme}://{u.netloc}/rest/"
    context = ssl._create_unverified_context() if u.scheme == "https" else None

    def call(method, path, headers):
        with urllib.request.urlopen(urllib.request.Request(base + path, method=method, headers=headers), context=context) as r:
            text = r.read()
            return json.loads(text)["value"] if text else None

    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    session = call("POST", "com/vmware/cis/session", {"Authorization": "Basic " + token})
    h = {"vmware-api-session-id": session}
    try:
        return {
            "ssh": call("GET", "appliance/access/ssh", h),
            "timesync": call("GET", "appliance/timesync", h),
            "ntp": call("GET", "appliance/ntp", h),
            "forwarding": [f"{f['hostname']}:{f['port']}/{f['protocol']}" for f in call("GET", "appliance/logging/forwarding", h)],
            "maxDays": call("GET", "appliance/local-accounts/global-policy", h)["max_days"],
        }
    finally:
        call("DELETE", "com/vmware/cis/session", h)


def main():
    url, user = sys.argv[1], sys.argv[2]
    si, password = connect(url, user, keep_password=True)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.HostSystem, vim.VirtualMachine, vim.ClusterComputeResource, vim.DistributedVirtualSwitch], True)
        out = {"hosts": {}, "vms": {}, "clusters": {}, "switches": {}, "portgroups": {}}
        out["vcenter"] = {o.key: text(o.value) for o in (content.setting.setting or [])}
        out["appliance"] = appliance(url, user, password)
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
                    "rulesetAllIp": {r.key: r.allowedHosts.allIp for r in config.firewall.ruleset},
                    "lockdownExceptions": sorted(obj.configManager.hostAccessManager.QueryLockdownExceptions() or []),
                    "vmknics": vmknics(config),
                    "iscsi": sorted(a.device for a in (config.storageDevice.hostBusAdapter or [])
                                    if isinstance(a, vim.host.InternetScsiHba)),
                    "esxcli": esxcli_answers(si, obj),
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
                    "evc": obj.summary.currentEVCModeKey or "",
                }
        view.Destroy()
        for host, fields in newer_fields(url, si, sorted(out["hosts"])).items():
            out["hosts"][host].update(fields)
        json.dump(out, sys.stdout, sort_keys=True)
    finally:
        Disconnect(si)

if __name__ == "__main__":
    main()
