package ext

import (
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

// Default host configuration, modelled on a freshly installed ESXi 7 host. Every host gets
// its own copy; nothing here is shared between hosts.

type portRule struct {
	port, endPort int32
	direction     types.HostFirewallRuleDirection
	protocol      string
	portType      types.HostFirewallRulePortType
}

func in(proto string, port int32) portRule {
	return portRule{port: port, direction: types.HostFirewallRuleDirectionInbound, protocol: proto, portType: types.HostFirewallRulePortTypeDst}
}

func out(proto string, port int32) portRule {
	return portRule{port: port, direction: types.HostFirewallRuleDirectionOutbound, protocol: proto, portType: types.HostFirewallRulePortTypeDst}
}

func outRange(proto string, port, end int32) portRule {
	r := out(proto, port)
	r.endPort = end
	return r
}

func inRange(proto string, port, end int32) portRule {
	r := in(proto, port)
	r.endPort = end
	return r
}

type rulesetDef struct {
	key, label, service string
	required, enabled   bool
	rules               []portRule
}

var defaultRulesets = []rulesetDef{
	{"CIMHttpServer", "CIM Server", "sfcbd-watchdog", false, true, []portRule{in("tcp", 5988)}},
	{"CIMHttpsServer", "CIM Secure Server", "sfcbd-watchdog", false, true, []portRule{in("tcp", 5989)}},
	{"CIMSLP", "CIM SLP", "slpd", false, true, []portRule{in("udp", 427), out("udp", 427), in("tcp", 427), out("tcp", 427)}},
	{"DHCPv6", "DHCPv6", "", false, true, []portRule{out("tcp", 547), in("tcp", 546), out("udp", 547), in("udp", 546)}},
	{"DVSSync", "DVSSync", "", false, true, []portRule{out("udp", 8302), in("udp", 8301), out("udp", 8301), in("udp", 8302)}},
	{"HBR", "HBR", "", false, true, []portRule{out("tcp", 31031), out("tcp", 44046)}},
	{"NFC", "NFC", "", false, true, []portRule{in("tcp", 902), out("tcp", 902)}},
	{"WOL", "WOL", "", false, true, []portRule{out("udp", 9)}},
	{"activeDirectoryAll", "Active Directory All", "lwsmd", false, false, []portRule{
		out("udp", 88), out("tcp", 88), out("udp", 123), out("udp", 137), out("tcp", 139),
		out("udp", 389), out("tcp", 389), out("tcp", 445), out("udp", 464), out("tcp", 464),
		out("tcp", 3268), out("tcp", 7476), in("tcp", 2020)}},
	{"dhcp", "DHCP Client", "", false, true, []portRule{in("udp", 68), {port: 68, direction: types.HostFirewallRuleDirectionOutbound, protocol: "udp", portType: types.HostFirewallRulePortTypeSrc}}},
	{"dns", "DNS Client", "", false, true, []portRule{in("udp", 53), out("udp", 53), out("tcp", 53)}},
	{"esxupdate", "esxupdate", "", false, false, []portRule{out("tcp", 443)}},
	{"faultTolerance", "Fault Tolerance", "", false, true, []portRule{out("tcp", 80), out("tcp", 8300), in("tcp", 8300), out("tcp", 8100), out("udp", 8100), in("tcp", 8100), in("udp", 8100), out("tcp", 8200), out("udp", 8200), in("tcp", 8200), in("udp", 8200)}},
	{"gdbserver", "gdbserver", "", false, false, []portRule{inRange("tcp", 1000, 9999), inRange("tcp", 50000, 50999)}},
	{"httpClient", "httpClient", "", false, false, []portRule{out("tcp", 80), out("tcp", 443)}},
	{"iSCSI", "Software iSCSI Client", "", false, false, []portRule{out("tcp", 3260)}},
	{"nfsClient", "NFS Client", "", false, false, []portRule{outRange("tcp", 0, 65535)}},
	{"ntpClient", "NTP Client", "ntpd", false, true, []portRule{out("udp", 123)}},
	{"remoteSerialPort", "VM serial port connected over network", "", false, false, []portRule{out("tcp", 0), in("tcp", 23), inRange("tcp", 1024, 65535)}},
	{"snmp", "SNMP Server", "snmpd", false, true, []portRule{in("udp", 161)}},
	{"sshClient", "SSH Client", "", false, false, []portRule{out("tcp", 22)}},
	{"sshServer", "SSH Server", "TSM-SSH", false, true, []portRule{in("tcp", 22)}},
	{"syslog", "syslog", "", false, false, []portRule{out("udp", 514), out("tcp", 514), out("tcp", 1514)}},
	{"updateManager", "vSphere Update Manager", "", false, true, []portRule{out("tcp", 80), outRange("tcp", 9000, 9100)}},
	{"vMotion", "vMotion", "", false, true, []portRule{in("tcp", 8000), out("tcp", 8000)}},
	{"vSphereClient", "vSphere Web Client", "", true, true, []portRule{in("tcp", 902), in("tcp", 443)}},
	{"vpxHeartbeats", "VMware vCenter Agent", "vpxa", false, true, []portRule{out("udp", 902)}},
	{"webAccess", "vSphere Web Access", "", false, true, []portRule{in("tcp", 80)}},
}

// systemOwnedRulesets are the rulesets whose allowed-IP list ESXi (8.0 U2 and later) keeps to
// itself (ipListUserConfigurable false): DHCP, DNS and the traffic of ESXi's own services
// (vMotion, vCenter heartbeats, replication, fault tolerance, distributed switch sync, wake on
// LAN, update manager). A user can restrict the others, the management and CIM services among them.
var systemOwnedRulesets = map[string]bool{
	"DHCPv6": true, "DVSSync": true, "HBR": true, "WOL": true, "dhcp": true, "dns": true,
	"faultTolerance": true, "updateManager": true, "vMotion": true, "vpxHeartbeats": true,
}

func newFirewallInfo() *types.HostFirewallInfo {
	info := &types.HostFirewallInfo{
		DefaultPolicy: types.HostFirewallDefaultPolicy{
			IncomingBlocked: types.NewBool(true),
			OutgoingBlocked: types.NewBool(true),
		},
	}
	for _, d := range defaultRulesets {
		rs := types.HostFirewallRuleset{
			Key:          d.key,
			Label:        d.label,
			Required:     d.required,
			Service:      d.service,
			Enabled:      d.enabled,
			AllowedHosts: &types.HostFirewallRulesetIpList{AllIp: true},
		}
		for _, r := range d.rules {
			rs.Rule = append(rs.Rule, types.HostFirewallRule{
				Port:      r.port,
				EndPort:   r.endPort,
				Direction: r.direction,
				PortType:  r.portType,
				Protocol:  r.protocol,
			})
		}
		info.Ruleset = append(info.Ruleset, rs)
	}
	return info
}

type serviceDef struct {
	key, label              string
	required, uninstallable bool
	running                 bool
	policy                  string
	rulesets                []string
}

var defaultServices = []serviceDef{
	{"DCUI", "Direct Console UI", false, false, true, "on", nil},
	{"TSM", "ESXi Shell", false, false, false, "off", nil},
	{"TSM-SSH", "SSH", false, false, false, "off", []string{"sshServer"}},
	{"attestd", "attestd", false, false, false, "off", nil},
	{"kmxd", "kmxd", false, false, false, "off", nil},
	{"lbtd", "Load-Based Teaming Daemon", false, false, true, "on", nil},
	{"lwsmd", "Active Directory Service", false, false, false, "off", []string{"activeDirectoryAll"}},
	{"ntpd", "NTP Daemon", false, false, true, "on", []string{"ntpClient"}},
	{"pcscd", "PC/SC Smart Card Daemon", false, false, false, "off", nil},
	{"ptpd", "PTP Daemon", false, false, false, "off", nil},
	{"sfcbd-watchdog", "CIM Server", false, false, false, "on", []string{"CIMHttpServer", "CIMHttpsServer"}},
	{"slpd", "slpd", false, false, false, "off", []string{"CIMSLP"}},
	{"snmpd", "SNMP Server", false, false, false, "on", []string{"snmp"}},
	{"vltd", "vltd", false, false, true, "on", nil},
	{"vmsyslogd", "Syslog Server", true, false, true, "on", nil},
	{"vmware-fdm", "vSphere High Availability Agent", false, true, true, "on", nil},
	{"vpxa", "VMware vCenter Agent", false, false, true, "on", []string{"vpxHeartbeats"}},
	{"xorg", "X.Org Server", false, false, false, "off", nil},
}

func newServiceInfo() types.HostServiceInfo {
	var info types.HostServiceInfo
	for _, d := range defaultServices {
		pkg := &types.HostServiceSourcePackage{
			SourcePackageName: "esx-base",
			Description:       "This VIB contains all of the base functionality of vSphere ESXi.",
		}
		switch d.key {
		case "vmware-fdm":
			pkg = &types.HostServiceSourcePackage{SourcePackageName: "vmware-fdm", Description: "vSphere High Availability Agent"}
		case "xorg":
			pkg = &types.HostServiceSourcePackage{SourcePackageName: "esx-xserver", Description: "This VIB contains X Server used for virtual machine 3D hardware acceleration."}
		}
		info.Service = append(info.Service, types.HostService{
			Key:           d.key,
			Label:         d.label,
			Required:      d.required,
			Uninstallable: d.uninstallable,
			Running:       d.running,
			Ruleset:       append([]string(nil), d.rulesets...),
			Policy:        d.policy,
			SourcePackage: pkg,
		})
	}
	return info
}

// newHostOptions returns the default advanced options, typed as ESXi reports them
// (integers are xsd:long, flags xsd:boolean, everything else xsd:string).
func newHostOptions() []types.BaseOptionValue {
	opt := func(key string, value interface{}) types.BaseOptionValue {
		return &types.OptionValue{Key: key, Value: value}
	}
	return []types.BaseOptionValue{
		opt("Annotations.WelcomeMessage", ""),
		opt("Config.Etc.issue", ""),
		opt("Config.Etc.motd", ""),
		opt("Config.HostAgent.log.level", "info"),
		opt("Config.HostAgent.plugins.hostsvc.esxAdminsGroup", "ESX Admins"),
		opt("Config.HostAgent.plugins.solo.enableMob", false),
		opt("Config.HostAgent.vmacore.soap.sessionTimeout", int64(30)),
		opt("DCUI.Access", "root"),
		opt("Mem.ShareForceSalting", int64(2)),
		opt("Misc.BlueScreenTimeout", int64(0)),
		opt("Net.BlockGuestBPDU", int64(1)),
		opt("Net.DVFilterBindIpAddress", ""),
		opt("Security.AccountLockFailures", int64(5)),
		opt("Security.AccountUnlockTime", int64(900)),
		opt("Security.PasswordHistory", int64(0)),
		opt("Security.PasswordMaxDays", int64(99999)),
		opt("Security.PasswordQualityControl", "retry=3 min=disabled,disabled,disabled,7,7"),
		opt("Syslog.global.auditRecord.storageDirectory", "[] /scratch/auditLog"),
		opt("Syslog.global.logDir", "[] /scratch/log"),
		opt("Syslog.global.logDirUnique", false),
		opt("Syslog.global.logHost", ""),
		opt("UserVars.DcuiTimeOut", int64(600)),
		opt("UserVars.ESXiShellInteractiveTimeOut", int64(0)),
		opt("UserVars.ESXiShellTimeOut", int64(0)),
		opt("UserVars.HostClientCEIPOptIn", int64(0)),
		opt("UserVars.HostClientSessionTimeout", int64(900)),
		opt("UserVars.SuppressShellWarning", int64(0)),
		opt("VMkernel.Boot.execInstalledOnly", false),
	}
}

// defaultAcceptanceLevel is the image acceptance level of a new host (HostImageAcceptanceLevel).
const defaultAcceptanceLevel = types.HostImageAcceptanceLevelPartner

type packageDef struct {
	name, version, vibType, vendor, acceptance, summary, description string
	maintenanceMode, live, statelessReady                            bool
}

// ESXi 7.0 Update 3 base image (build 22348816) plus one partner VIB: the ACME IDS sensor
// agent. Acceptance levels are spelled as esxcli reports them.
const esxBuild = "7.0.3-0.105.22348816"

var defaultPackages = []packageDef{
	{"esx-base", esxBuild, "bootbank", "VMware", "VMwareCertified", "ESXi base",
		"This VIB contains all of the base functionality of vSphere ESXi.", true, false, true},
	{"esx-ui", "2.11.2-21988676", "bootbank", "VMware", "VMwareCertified", "VMware Host Client",
		"An embedded web UI for ESXi", false, true, true},
	{"vsan", esxBuild, "bootbank", "VMware", "VMwareCertified", "vSAN for ESXi",
		"This VIB contains vSAN functionality for ESXi.", true, false, true},
	{"cpu-microcode", esxBuild, "bootbank", "VMware", "VMwareCertified", "Processor microcode for ESXi",
		"Processor microcode updates applied by ESXi at boot.", true, false, true},
	{"vmkusb", "0.1-8vmw.703.0.85.21930508", "bootbank", "VMware", "VMwareCertified", "USB Native Driver for VMware",
		"Native USB host controller driver for VMware ESXi.", true, false, true},
	{"nvme-pcie", "1.2.3.16-3vmw.703.0.105.22348816", "bootbank", "VMware", "VMwareCertified", "Non-Volatile memory controller driver",
		"Native driver for NVMe controllers attached over PCIe.", true, false, true},
	{"lsi-mr3", "7.718.02.00-1vmw.703.0.20.19193900", "bootbank", "VMware", "VMwareCertified", "Broadcom Native MegaRAID SAS driver",
		"Native driver for Broadcom MegaRAID SAS controllers.", true, false, true},
	{"ntg3", "4.1.9.0-5vmw.703.0.90.22348816", "bootbank", "VMware", "VMwareCertified", "Broadcom NetXtreme I ESX VMKAPI ethernet driver",
		"Native driver for Broadcom NetXtreme I Ethernet adapters.", true, false, true},
	{"vmware-esx-esxcli-nvme-plugin", "1.2.0.44-1vmw.703.0.20.19193900", "bootbank", "VMware", "VMwareAccepted", "esxcli plugin for NVMe",
		"esxcli commands for managing NVMe devices.", false, true, true},
	{"tools-light", "12.2.6.22229486-22348808", "bootbank", "VMware", "VMwareCertified", "VMware Tools for guest operating systems",
		"VMware Tools ISO images and installers for supported guest operating systems.", false, true, true},
	{"acme-ids-sensor", "4.2.0-1", "bootbank", "ACME", "PartnerSupported", "ACME IDS sensor",
		"ACME intrusion detection sensor agent for ESXi hosts.", false, true, false},
}

// ESXi's install date of the base image and the date the partner VIB was added.
var (
	baseInstallDate    = time.Date(2023, time.October, 5, 9, 12, 44, 0, time.UTC)
	partnerInstallDate = time.Date(2024, time.February, 12, 14, 3, 10, 0, time.UTC)
)

// newSoftwarePackages returns the default installed packages (as fetchSoftwarePackages
// returns them).
func newSoftwarePackages() []types.SoftwarePackage {
	var pkgs []types.SoftwarePackage
	for _, d := range defaultPackages {
		installed := baseInstallDate
		if d.vendor != "VMware" {
			installed = partnerInstallDate
		}
		pkgs = append(pkgs, types.SoftwarePackage{
			Name:                    d.name,
			Version:                 d.version,
			Type:                    d.vibType,
			Vendor:                  d.vendor,
			AcceptanceLevel:         d.acceptance,
			Summary:                 d.summary,
			Description:             d.description,
			CreationDate:            &installed,
			MaintenanceModeRequired: types.NewBool(d.maintenanceMode),
			Capability: types.SoftwarePackageCapability{
				LiveInstallAllowed: types.NewBool(d.live),
				LiveRemoveAllowed:  types.NewBool(d.live),
				StatelessReady:     types.NewBool(d.statelessReady),
				Overlay:            types.NewBool(false),
			},
		})
	}
	return pkgs
}
