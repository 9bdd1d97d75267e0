#!/usr/bin/env python3
"""Sets a distributed switch, one of its portgroups and vCenter's own settings to failing values.

Usage: make_estate_drift.py URL USER SWITCH PORTGROUP (password on stdin), through the standard
vSphere API as an administrator's client would:
- the switch: promiscuous mode accepted by default, LLDP advertised, a NetFlow collector, a port
  mirroring session, Network I/O Control off;
- the portgroup: no reset at disconnect, VLAN overrides allowed, NetFlow on, MAC learning on;
- vCenter: event syslog off, verbose log level, vpxuser rotation 90 days and length 16, the stock
  login banner, 7-day event and task retention, no mail server;
- the vCenter appliance, through the CIS REST API: SSH on, time synchronisation off, no NTP
  servers, passwords that expire after 365 days.
Prints each change, one a line.
"""
import base64
import json
import ssl
import sys
import urllib.request
from urllib.parse import urlparse

from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim

from vsphere import connect

VCENTER_SETTINGS = {
    "vpxd.event.syslog.enabled": "false",
    "config.log.level": "verbose",
    "VirtualCenter.VimPasswordExpirationInDays": "90",
    "config.vpxd.hostPasswordLength": "16",
    "etc.issue": "VMware Platform Services Controller",
    "event.maxAge": "7",
    "task.maxAge": "7",
    "mail.smtp.server": "",
}


def appliance(url, user, password, settings):
    """PUTs each (path, body) to the appliance API in one CIS session. The simulator's certificate is
    self-signed; the tests pin it themselves, so this test-only client does not check it."""
    u = urlparse(url)
    base = f"{u.scheme}://{u.netloc}/rest/"
    context = ssl._create_unverified_context() if u.scheme == "https" else None

    def call(method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, context=context) as response:
            text = response.read()
            return json.loads(text) if text else None

    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    session = call("POST", "com/vmware/cis/session", headers={"Authorization": "Basic " + token})["value"]
    try:
        for path, body in settings:
            call("PUT", path, body, {"vmware-api-session-id": session})
            print(f"appliance {path}: {json.dumps(body)}")
    finally:
        call("DELETE", "com/vmware/cis/session", headers={"vmware-api-session-id": session})


def main():
    url, user, switch_name, portgroup_name = sys.argv[1:5]
    si, password = connect(url, user, keep_password=True)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.DistributedVirtualSwitch], True)
        dvs = next(d for d in view.view if d.name == switch_name)
        view.Destroy()
        Vmw = vim.dvs.VmwareDistributedVirtualSwitch

        spec = Vmw.ConfigSpec(configVersion=dvs.config.configVersion)
        spec.defaultPortConfig = Vmw.VmwarePortConfigPolicy(
            securityPolicy=Vmw.SecurityPolicy(allowPromiscuous=vim.BoolPolicy(value=True)))
        spec.linkDiscoveryProtocolConfig = vim.host.LinkDiscoveryProtocolConfig(protocol="lldp", operation="advertise")
        spec.ipfixConfig = Vmw.IpfixConfig(collectorIpAddress="10.99.0.9", collectorPort=2055, activeFlowTimeout=60,
                                           idleFlowTimeout=15, samplingRate=4096, internalFlowsOnly=False)
        spec.vspanConfigSpec = [Vmw.VspanConfigSpec(operation="add", vspanSession=Vmw.VspanSession(name="tap-all", enabled=True))]
        WaitForTask(dvs.ReconfigureDvs_Task(spec=spec))
        dvs.EnableNetworkResourceManagement(enable=False)
        print("switch: promiscuous accepted, LLDP advertise, NetFlow 10.99.0.9, mirroring tap-all, NIOC off")

        pg = next(p for p in dvs.portgroup if p.name == portgroup_name)
        config = pg.config
        # Only what changes: unset fields keep their values and the port settings given are merged
        # into the portgroup's; a policy that is set replaces the current one, so it is sent whole.
        policy = config.policy
        policy.portConfigResetAtDisconnect = False
        policy.vlanOverrideAllowed = True
        setting = Vmw.VmwarePortConfigPolicy(
            ipfixEnabled=vim.BoolPolicy(value=True),
            macManagementPolicy=Vmw.MacManagementPolicy(
                allowPromiscuous=False, macChanges=False, forgedTransmits=False,
                macLearningPolicy=Vmw.MacLearningPolicy(enabled=True, allowUnicastFlooding=True, limitPolicy="allow")))
        pg_spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
            configVersion=config.configVersion, defaultPortConfig=setting, policy=policy)
        WaitForTask(pg.ReconfigureDVPortgroup_Task(spec=pg_spec))
        print("portgroup: no reset at disconnect, VLAN override allowed, NetFlow on, MAC learning on")

        content.setting.UpdateOptions(changedValue=[vim.option.OptionValue(key=k, value=v) for k, v in VCENTER_SETTINGS.items()])
        for k, v in VCENTER_SETTINGS.items():
            print(f"{k}={v}")

        appliance(url, user, password, [
            ("appliance/access/ssh", {"enabled": True}),
            ("appliance/timesync", {"mode": "DISABLED"}),
            ("appliance/ntp", {"servers": []}),
            ("appliance/local-accounts/global-policy", {"policy": {"max_days": 365, "min_days": 0, "warn_days": 7}}),
        ])
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
