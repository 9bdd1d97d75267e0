#!/usr/bin/python3
"""Checks with pyVmomi (a standard vim25 client) that the simulator's extensions behave
as vSphere does.

Starts out/vcsim/vcsim on 127.0.0.1 with a free port (or uses --url for a running one),
runs the checks and exits 0 when all pass, 1 on the first mismatch.

    /usr/bin/python3 tests/vcsim/check_pyvmomi.py [--binary out/vcsim/vcsim]
    /usr/bin/python3 tests/vcsim/check_pyvmomi.py --url https://127.0.0.1:8989/sdk --user u --password p
"""
import argparse
import os
import signal
import ssl
import subprocess
import sys
import time

try:
    from pyVmomi import vim, vmodl, VmomiSupport
except ImportError:  # a non-system python3 without the Debian package on its path
    sys.path.append("/usr/lib/python3/dist-packages")
    from pyVmomi import vim, vmodl, VmomiSupport
from pyVim.connect import SmartConnect, Disconnect
from pyVim.task import WaitForTask

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Mismatch(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Mismatch(message)
    print("ok   " + message)


def expect_fault(fault_type, call, message):
    try:
        call()
    except fault_type:
        print("ok   " + message)
        return
    except Exception as e:  # a different fault
        raise Mismatch("%s: got %s: %s" % (message, type(e).__name__, e))
    raise Mismatch("%s: no fault raised" % message)


def start_simulator(binary, user, password):
    proc = subprocess.Popen(
        [binary, "-l", "127.0.0.1:0", "-username", user, "-password", password, "-exit-on-stdin-close"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    lines = {}
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise Mismatch("the simulator exited before VCSIM_READY: " + proc.stderr.read())
        line = line.strip()
        if line == "VCSIM_READY":
            return proc, lines
        key, _, value = line.partition("=")
        lines[key] = value
    raise Mismatch("no VCSIM_READY within 60s")


def stop_simulator(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise Mismatch("the simulator did not exit within 20s of SIGTERM")
    expect(code == 0, "the simulator exits 0 on SIGTERM (exit code %d)" % code)


def connect(host, port, user, password):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return SmartConnect(host=host, port=port, user=user, pwd=password, sslContext=context)


def objects(si, kind):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return sorted(view.view, key=lambda o: o._moId)
    finally:
        view.Destroy()


def ruleset(host, key):
    return [r for r in host.config.firewall.ruleset if r.key == key][0]


def service(host, key):
    return [s for s in host.config.service.service if s.key == key][0]


def option(host, key):
    return [o.value for o in host.config.option if o.key == key][0]


def check_firewall(a, b):
    fw = a.configManager.firewallSystem
    spec = vim.host.Ruleset.RulesetSpec(allowedHosts=vim.host.Ruleset.IpList(
        allIp=False, ipAddress=["192.0.2.10"],
        ipNetwork=[vim.host.Ruleset.IpNetwork(network="198.51.100.0", prefixLength=24)]))
    fw.UpdateRuleset(id="sshServer", spec=spec)
    allowed = ruleset(a, "sshServer").allowedHosts
    expect(not allowed.allIp and list(allowed.ipAddress) == ["192.0.2.10"]
           and allowed.ipNetwork[0].network == "198.51.100.0" and allowed.ipNetwork[0].prefixLength == 24,
           "UpdateRuleset on host A is visible in A's config.firewall")
    expect(not ruleset(a, "sshServer").allowedHosts.allIp and
           [r for r in fw.firewallInfo.ruleset if r.key == "sshServer"][0].allowedHosts.ipAddress == ["192.0.2.10"],
           "host A's firewallSystem.firewallInfo agrees")
    expect(ruleset(b, "sshServer").allowedHosts.allIp and not ruleset(b, "sshServer").allowedHosts.ipAddress,
           "host B's sshServer ruleset is unchanged")

    fw.EnableRuleset(id="syslog")
    expect(ruleset(a, "syslog").enabled and not ruleset(b, "syslog").enabled, "EnableRuleset affects host A only")
    fw.UpdateDefaultPolicy(defaultPolicy=vim.host.FirewallInfo.DefaultPolicy(incomingBlocked=False))
    policy = a.config.firewall.defaultPolicy
    expect(policy.incomingBlocked is False and policy.outgoingBlocked is True, "UpdateDefaultPolicy sets only the given field")
    expect_fault(vim.fault.NotFound, lambda: fw.EnableRuleset(id="noSuchRuleset"), "unknown ruleset -> NotFound")
    expect_fault(vmodl.fault.InvalidArgument,
                 lambda: fw.UpdateRuleset(id="sshServer", spec=vim.host.Ruleset.RulesetSpec(
                     allowedHosts=vim.host.Ruleset.IpList(allIp=False, ipAddress=["300.1.1.1"]))),
                 "invalid address -> InvalidArgument")


def check_services(a, b):
    ss = a.configManager.serviceSystem
    expect(not service(a, "TSM-SSH").running and service(a, "TSM-SSH").policy == "off", "TSM-SSH is off by default")
    ss.StartService(id="TSM-SSH")
    expect(service(a, "TSM-SSH").running, "StartService is visible in host A's config.service")
    expect(not service(b, "TSM-SSH").running, "host B's TSM-SSH is still stopped")
    ss.UpdateServicePolicy(id="TSM-SSH", policy="on")
    expect(service(a, "TSM-SSH").policy == "on", "UpdateServicePolicy is visible")
    ss.StopService(id="TSM-SSH")
    expect(not service(a, "TSM-SSH").running, "StopService is visible")
    expect([s for s in ss.serviceInfo.service if s.key == "TSM-SSH"][0].policy == "on", "serviceSystem.serviceInfo agrees")
    expect_fault(vim.fault.NotFound, lambda: ss.StartService(id="no-such-service"), "unknown service -> NotFound")


def check_options(a, b):
    om = a.configManager.advancedOption
    expect(option(a, "UserVars.ESXiShellTimeOut") == 0 and isinstance(option(a, "Config.HostAgent.plugins.solo.enableMob"), bool)
           and isinstance(option(a, "Syslog.global.logHost"), str), "default options are typed (long, boolean, string)")
    long_type = VmomiSupport.vmodlTypes["long"]
    om.UpdateOptions(changedValue=[
        vim.option.OptionValue(key="UserVars.ESXiShellTimeOut", value=long_type(900)),
        vim.option.OptionValue(key="Syslog.global.logHost", value="udp://192.0.2.5:514"),
        vim.option.OptionValue(key="Custom.Added.Key", value="stored")])
    queried = om.QueryOptions(name="UserVars.ESXiShellTimeOut")
    expect(len(queried) == 1 and queried[0].value == 900, "QueryOptions returns the updated value")
    expect(option(a, "UserVars.ESXiShellTimeOut") == 900 and option(a, "Syslog.global.logHost") == "udp://192.0.2.5:514"
           and option(a, "Custom.Added.Key") == "stored", "UpdateOptions is visible in host A's config.option")
    expect(option(b, "UserVars.ESXiShellTimeOut") == 0, "host B's option is unchanged")
    expect(len(om.QueryOptions(name="UserVars.")) >= 4, "QueryOptions with a trailing dot returns the subtree")
    expect_fault(vim.fault.InvalidName, lambda: om.QueryOptions(name="No.Such.Option"), "unknown option -> InvalidName")


def check_lockdown(a, b):
    am = a.configManager.hostAccessManager
    am.ChangeLockdownMode(mode="lockdownNormal")
    expect(a.config.lockdownMode == "lockdownNormal" and a.config.adminDisabled is True,
           "ChangeLockdownMode is visible in config.lockdownMode/adminDisabled")
    expect(b.config.lockdownMode == "lockdownDisabled", "host B is not in lockdown")
    am.ChangeLockdownMode(mode="lockdownDisabled")
    expect(a.config.lockdownMode == "lockdownDisabled" and a.config.adminDisabled is False, "lockdown disabled again")


def packages(host):
    return {p.name: p for p in host.configManager.imageConfigManager.FetchSoftwarePackages()}


def check_software(a, b):
    image_a, image_b = a.configManager.imageConfigManager, b.configManager.imageConfigManager
    expect(image_a is not None and image_b is not None and image_a._moId != image_b._moId,
           "each host has its own configManager.imageConfigManager")
    expect(a.configManager.patchManager._moId != b.configManager.patchManager._moId,
           "each host has its own configManager.patchManager")
    expect(image_a.HostImageConfigGetAcceptance() == "partner" and image_b.HostImageConfigGetAcceptance() == "partner",
           "HostImageConfigGetAcceptance is partner by default")

    pkgs = packages(a)
    ids = pkgs.get("acme-ids-sensor")
    expect(len(pkgs) >= 10 and "esx-base" in pkgs and isinstance(pkgs["esx-base"], vim.host.SoftwarePackage),
           "fetchSoftwarePackages returns the installed VIBs (%d)" % len(pkgs))
    expect(ids is not None and ids.version == "4.2.0-1" and ids.vendor == "ACME"
           and ids.acceptanceLevel == "PartnerSupported" and ids.type == "bootbank",
           "acme-ids-sensor 4.2.0-1 (ACME, PartnerSupported) is installed")
    base = pkgs["esx-base"]
    expect(base.vendor == "VMware" and base.acceptanceLevel == "VMwareCertified" and base.summary and base.description
           and base.creationDate is not None and base.maintenanceModeRequired is True
           and isinstance(base.capability, vim.host.SoftwarePackage.Capability),
           "esx-base carries vendor, acceptance level, summary, description, dates and capability")

    image_a.UpdateHostImageAcceptanceLevel(newAcceptanceLevel="vmware_accepted")
    expect(image_a.HostImageConfigGetAcceptance() == "vmware_accepted", "UpdateHostImageAcceptanceLevel changes host A")
    expect(image_b.HostImageConfigGetAcceptance() == "partner", "host B's acceptance level is unchanged")
    expect_fault(vmodl.fault.InvalidArgument,
                 lambda: image_a.UpdateHostImageAcceptanceLevel(newAcceptanceLevel="PartnerSupported"),
                 "an unknown acceptance level -> InvalidArgument")
    image_a.UpdateHostImageAcceptanceLevel(newAcceptanceLevel="partner")

    WaitForTask(a.configManager.patchManager.UninstallHostPatch_Task(bulletinIds=["acme-ids-sensor"]))
    after = packages(a)
    expect("acme-ids-sensor" not in after and len(after) == len(pkgs) - 1,
           "UninstallHostPatch_Task removes acme-ids-sensor from host A")
    expect("acme-ids-sensor" in packages(b), "host B still has acme-ids-sensor")
    expect_fault(vim.fault.PlatformConfigFault,
                 lambda: WaitForTask(a.configManager.patchManager.UninstallHostPatch_Task(bulletinIds=["acme-ids-sensor"])),
                 "uninstalling a VIB that is not installed fails the task (PlatformConfigFault)")
    expect(len(packages(a)) == len(after), "a failed uninstall removes nothing")


def check_paging(si):
    content = si.RetrieveContent()
    pc = content.propertyCollector
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(
                obj=view, skip=True,
                selectSet=[vmodl.query.PropertyCollector.TraversalSpec(type=vim.view.ContainerView, path="view", skip=False)])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=["name"])])
        everything = {o._moId for o in view.view}
        seen = []
        pages = 0
        result = pc.RetrievePropertiesEx(specSet=[spec], options=vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=1))
        while True:
            pages += 1
            expect(len(result.objects) == 1, "page %d holds maxObjects=1 object" % pages)
            seen.extend(o.obj._moId for o in result.objects)
            if not result.token:
                break
            result = pc.ContinueRetrievePropertiesEx(token=result.token)
        expect(len(seen) == len(everything) and set(seen) == everything and pages == len(everything),
               "RetrievePropertiesEx paging returns all %d VMs exactly once" % len(everything))
        first = pc.RetrievePropertiesEx(specSet=[spec], options=vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=1))
        pc.CancelRetrievePropertiesEx(token=first.token)
        expect_fault(vmodl.fault.InvalidArgument, lambda: pc.ContinueRetrievePropertiesEx(token=first.token),
                     "a cancelled token is invalid")
    finally:
        view.Destroy()


def check_migrate(si):
    cluster = objects(si, vim.ClusterComputeResource)[0]
    vm = cluster.resourcePool.vm[0]
    source = vm.runtime.host
    target = [h for h in cluster.host if h != source][0]
    WaitForTask(vm.MigrateVM_Task(host=target, priority="defaultPriority"))
    expect(vm.runtime.host == target, "MigrateVM_Task moves runtime.host")
    expect(vm in target.vm and vm not in source.vm, "MigrateVM_Task updates both hosts' vm lists")


def check_dvport(si):
    dvs = objects(si, vim.DistributedVirtualSwitch)[0]
    ports = dvs.FetchDVPorts(criteria=vim.dvs.PortCriteria(connected=True))
    expect(len(ports) > 0 and all(p.connectee and p.connectee.connectedEntity for p in ports),
           "FetchDVPorts returns the VM-connected ports with their connectee")
    port = ports[0]
    version = port.config.configVersion
    rule = vim.dvs.TrafficRule(key="rule-1", description="drop telnet", sequence=10, direction="both",
                               action=vim.dvs.TrafficRule.DropAction())
    setting = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(
        filterPolicy=vim.dvs.DistributedVirtualPort.FilterPolicy(filterConfig=[
            vim.dvs.DistributedVirtualPort.TrafficFilterConfig(
                key="filter-1", agentName="dvfilter-generic-vmware",
                trafficRuleset=vim.dvs.TrafficRuleset(key="ruleset-1", enabled=True, rules=[rule]))]))
    spec = vim.dvs.DistributedVirtualPort.ConfigSpec(operation="edit", key=port.key, configVersion=version, setting=setting)
    WaitForTask(dvs.ReconfigureDVPort_Task(port=[spec]))
    stored = dvs.FetchDVPorts(criteria=vim.dvs.PortCriteria(portKey=[port.key]))[0]
    config = stored.config.setting.filterPolicy.filterConfig[0]
    expect(stored.config.configVersion == str(int(version) + 1), "ReconfigureDVPort_Task increments configVersion")
    expect(config.trafficRuleset.key == "ruleset-1" and isinstance(config.trafficRuleset.rules[0].action, vim.dvs.TrafficRule.DropAction),
           "FetchDVPorts returns the stored traffic filter")
    stale = vim.dvs.DistributedVirtualPort.ConfigSpec(operation="edit", key=port.key, configVersion=version, setting=setting)
    expect_fault(vim.fault.ConcurrentAccess, lambda: WaitForTask(dvs.ReconfigureDVPort_Task(port=[stale])),
                 "a stale configVersion -> ConcurrentAccess")

    # A filter added beside it by spec, then the first one removed by spec: the added one stays.
    Port = vim.dvs.DistributedVirtualPort
    other = vim.dvs.TrafficRuleset(enabled=True, rules=[vim.dvs.TrafficRule(description="ids/mirror", sequence=10, direction="both",
                                                                             action=vim.dvs.TrafficRule.DropAction())])
    def reconfigure(*filters):
        current = dvs.FetchDVPorts(criteria=vim.dvs.PortCriteria(portKey=[port.key]))[0].config.configVersion
        policy = Port.FilterPolicy(inherited=False, filterConfig=list(filters))
        WaitForTask(dvs.ReconfigureDVPort_Task(port=[Port.ConfigSpec(
            operation="edit", key=port.key, configVersion=current,
            setting=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(filterPolicy=policy))]))
        return dvs.FetchDVPorts(criteria=vim.dvs.PortCriteria(portKey=[port.key]))[0].config.setting.filterPolicy.filterConfig
    after_add = reconfigure(Port.TrafficFilterConfigSpec(operation="add", inherited=False, agentName="dvfilter-generic-vmware", trafficRuleset=other))
    added = [c.key for c in after_add if c.key != "filter-1"]
    expect(len(after_add) == 2 and len(added) == 1 and added[0], "a filter added by spec gets a key of its own beside the port's filter")
    after_remove = reconfigure(Port.TrafficFilterConfigSpec(operation="remove", key="filter-1"))
    expect([c.key for c in after_remove] == added and after_remove[0].trafficRuleset.rules[0].description == "ids/mirror",
           "a filter removed by spec leaves the port's other filter as it was")


def check_dvportgroup(si):
    dvs = objects(si, vim.DistributedVirtualSwitch)[0]
    key = dvs.FetchDVPorts(criteria=vim.dvs.PortCriteria(connected=True))[0].portgroupKey
    pg = next(p for p in dvs.portgroup if p.key == key)
    before = pg.config
    Vmw = vim.dvs.VmwareDistributedVirtualSwitch
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        configVersion=before.configVersion,
        defaultPortConfig=Vmw.VmwarePortConfigPolicy(securityPolicy=Vmw.SecurityPolicy(allowPromiscuous=vim.BoolPolicy(value=False))))
    WaitForTask(pg.ReconfigureDVPortgroup_Task(spec=spec))
    after = pg.config
    expect(after.defaultPortConfig.securityPolicy.allowPromiscuous.value is False,
           "ReconfigureDVPortgroup_Task applies the security policy given")
    same = lambda a, b: str(a) == str(b)  # pyVmomi data objects compare by identity
    expect(after.name == before.name and after.numPorts == before.numPorts and same(after.policy, before.policy)
           and same(after.defaultPortConfig.vlan, before.defaultPortConfig.vlan)
           and same(after.defaultPortConfig.uplinkTeamingPolicy, before.defaultPortConfig.uplinkTeamingPolicy),
           "ReconfigureDVPortgroup_Task keeps the fields and policies the spec leaves unset")
    expect(after.configVersion == str(int(before.configVersion) + 1), "ReconfigureDVPortgroup_Task increments configVersion")
    expect_fault(vim.fault.ConcurrentAccess, lambda: WaitForTask(pg.ReconfigureDVPortgroup_Task(spec=spec)),
                 "a stale portgroup configVersion -> ConcurrentAccess")
    expect(pg.config.configVersion == after.configVersion, "a rejected ReconfigureDVPortgroup_Task changes nothing")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(REPO, "out", "vcsim", "vcsim"))
    parser.add_argument("--url", help="use a running simulator instead of starting one")
    parser.add_argument("--user", default="checker")
    parser.add_argument("--password", default="check-pass")
    args = parser.parse_args()

    proc = None
    try:
        if args.url:
            url = args.url
        else:
            proc, lines = start_simulator(args.binary, args.user, args.password)
            url = lines["VCSIM_URL"]
            expect(url.startswith("https://127.0.0.1:") and "VCSIM_THUMBPRINT" in lines and "VCSIM_PID" in lines,
                   "the simulator printed its URL, thumbprint and PID")
        hostport = url.split("//", 1)[1].split("/", 1)[0]
        host, port = hostport.rsplit(":", 1)

        expect_fault(vim.fault.InvalidLogin, lambda: connect(host, int(port), args.user, "wrong-password"),
                     "a wrong password -> InvalidLogin")
        si = connect(host, int(port), args.user, args.password)
        try:
            cluster = objects(si, vim.ClusterComputeResource)[0]
            a, b = cluster.host[0], cluster.host[1]
            check_firewall(a, b)
            check_services(a, b)
            check_options(a, b)
            check_lockdown(a, b)
            check_software(a, b)
            check_paging(si)
            check_migrate(si)
            check_dvport(si)
            check_dvportgroup(si)
        finally:
            Disconnect(si)
        if proc:
            stop_simulator(proc)
            proc = None
    except Mismatch as e:
        print("FAIL " + str(e))
        return 1
    finally:
        if proc:
            proc.kill()
            proc.wait()
    print("all pyVmomi checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
