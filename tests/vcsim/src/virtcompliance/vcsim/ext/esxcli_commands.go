package ext

import (
	"path"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// The esxcli commands served through ReflectManagedMethodExecuter.ExecuteSoap (esxcli.go),
// with each host's own state, defaults modelled on a freshly installed ESXi 8.0 U3 host with a
// TPM 2.0 and UEFI secure boot. Some defaults fail the hardening guides, as on a real host.
//
// The xsi:type names of the result objects follow ESXi's pattern VimEsxCLI<namespace><verb>
// <Struct>; the pattern and the syslog one (VimEsxCLIsystemsyslogconfiggetSyslogConfiguration)
// are ESXi's, the other struct names are guesses. Clients should read the fields, not the type.

type esxcliCommand struct {
	params []param
	run    func(c *cliCall) (string, *cliError)
}

// cliCall is one command invocation. The executer (and so st) is locked by the simulator for
// the duration of the call.
type cliCall struct {
	ctx  *simulator.Context
	m    *methodExecuter
	st   *esxcliState
	args cliArgs
}

var esxcliCommands = map[string]*esxcliCommand{
	"system.ssh.server.config.list": {params: []param{{"keyword", stringParam, false}}, run: sshConfigList},
	"system.ssh.server.config.set":  {params: []param{{"keyword", stringParam, true}, {"value", stringParam, true}}, run: sshConfigSet},

	"system.security.fips140.ssh.get": {run: fipsSSHGet},
	"system.security.fips140.ssh.set": {params: []param{{"enable", boolParam, true}}, run: fipsSSHSet},

	"system.settings.kernel.list": {params: []param{{"option", stringParam, false}}, run: kernelList},
	"system.settings.kernel.set":  {params: []param{{"setting", stringParam, true}, {"value", stringParam, true}}, run: kernelSet},

	"system.settings.encryption.get": {run: encryptionGet},
	"system.settings.encryption.set": {params: []param{{"mode", stringParam, false}, {"requiresecureboot", boolParam, false},
		{"requireexecinstalledonly", boolParam, false}}, run: encryptionSet},

	"system.security.keypersistence.get":     {run: keyPersistenceGet},
	"system.security.keypersistence.enable":  {run: keyPersistenceEnable},
	"system.security.keypersistence.disable": {params: []param{{"removeallstoredkeys", boolParam, false}}, run: keyPersistenceDisable},

	"system.tls.server.get": {params: []param{{"showprofiledefaults", boolParam, false}, {"showcurrentbootprofile", boolParam, false}}, run: tlsServerGet},
	"system.tls.server.set": {params: []param{{"profile", stringParam, true}}, run: tlsServerSet},

	"system.syslog.config.get": {run: syslogConfigGet},
	"system.syslog.config.set": {params: []param{{"logdir", stringParam, false}, {"loghost", stringParam, false},
		{"loglevel", stringParam, false}}, run: syslogConfigSet},

	"system.syslog.config.logfilter.get": {run: logFilterGet},
	"system.syslog.config.logfilter.set": {params: []param{{"logfilteringenabled", boolParam, true}}, run: logFilterSet},

	"system.snmp.get": {run: snmpGet},
	"system.snmp.set": {params: []param{{"enable", boolParam, false}, {"communities", stringParam, false}}, run: snmpSet},

	"system.account.list": {run: accountList},
	"system.account.set": {params: []param{{"id", stringParam, true}, {"shellaccess", boolParam, false},
		{"description", stringParam, false}}, run: accountSet},
}

// esxcliState is one host's esxcli-only configuration. The syslog directory and remote host
// are not here: they are the host's advanced options Syslog.global.logDir and
// Syslog.global.logHost, which esxcli reads and writes on a real host too.
type esxcliState struct {
	ssh            []sshSetting
	fipsSSH        bool
	kernel         []kernelSetting
	encryption     encryptionSettings
	keyPersistence bool
	tlsProfile     string // the configured profile
	tlsBootProfile string // the profile the host booted with
	logLevel       string
	logFilter      bool
	snmpEnabled    bool
	snmpCommunity  string
	accounts       []account
}

type sshSetting struct {
	key, value string
}

type kernelSetting struct {
	name, kind, configured, runtime, def, description string
}

type encryptionSettings struct {
	mode                                 string
	requireSecureBoot, requireExecutable bool
}

type account struct {
	id, description string
	shell           bool
}

func newEsxcliState() *esxcliState {
	return &esxcliState{
		// sshd as ESXi 8.0 U2+ configures it (esxcli system ssh server config list); the
		// ciphers, MACs and key exchange lists are the FIPS-mode ones ESXi 8 ships.
		ssh: []sshSetting{
			{"allowstreamlocalforwarding", "no"},
			{"allowtcpforwarding", "no"},
			{"banner", "/etc/issue"},
			{"ciphers", "aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr"},
			{"clientalivecountmax", "3"},
			{"clientaliveinterval", "200"},
			{"gatewayports", "no"},
			{"hostbasedauthentication", "no"},
			{"ignorerhosts", "yes"},
			{"kexalgorithms", "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521," +
				"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"},
			{"macs", "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512"},
			{"permittunnel", "no"},
			{"permituserenvironment", "no"},
		},
		// FIPS 140 mode for sshd is on by default since ESXi 7.0 U2.
		fipsSSH: true,
		// The two VMkernel boot settings the guides check; the descriptions are guesses.
		kernel: []kernelSetting{
			{"disableHwrng", "Bool", "FALSE", "FALSE", "FALSE", "Disable the hardware random number generator as an entropy source"},
			{"entropySources", "uint32", "0", "0", "0", "Entropy sources to disable (bitmask; 0 uses all of them)"},
		},
		// A host with a TPM 2.0 encrypts its configuration with it by default (ESXi 7.0 U2 and
		// later); enforcing secure boot and installed-only executables is left to the admin.
		encryption:     encryptionSettings{mode: "TPM"},
		keyPersistence: false,
		// ESXi 8.0 U3 boots with the COMPATIBLE TLS profile; the guide wants NIST_2024.
		tlsProfile:     "COMPATIBLE",
		tlsBootProfile: "COMPATIBLE",
		// vmsyslogd's default log level (Syslog.global.logLevel); a guess for ESXi 8.
		logLevel:  "error",
		logFilter: false,
		// ESXi 8 ships dcui with shell access (the guide wants it removed). vpxuser's shell
		// access is a guess.
		accounts: []account{
			{"root", "Administrator", true},
			{"dcui", "DCUI User", true},
			{"vpxuser", "VMware VirtualCenter administration account", true},
		},
	}
}

// --- system ssh server config ---

// sshYesNo are the keywords whose value is yes or no; sshNumeric the non-negative integers.
var (
	sshYesNo = map[string]bool{"allowstreamlocalforwarding": true, "allowtcpforwarding": true, "gatewayports": true,
		"hostbasedauthentication": true, "ignorerhosts": true, "permittunnel": true, "permituserenvironment": true}
	sshNumeric = map[string]bool{"clientalivecountmax": true, "clientaliveinterval": true}
)

// sshConfigList lists every keyword, or only the one given (an unknown keyword lists nothing).
func sshConfigList(c *cliCall) (string, *cliError) {
	filter := strings.ToLower(c.args["keyword"])
	var rows [][]field
	for _, s := range c.st.ssh {
		if c.args.has("keyword") && s.key != filter {
			continue
		}
		rows = append(rows, []field{{"Key", s.key}, {"Value", s.value}})
	}
	return listXML("VimEsxCLIsystemsshserverconfiglistSSHConfig", rows), nil
}

func sshConfigSet(c *cliCall) (string, *cliError) {
	key, value := strings.ToLower(c.args["keyword"]), strings.TrimSpace(c.args["value"])
	i := -1
	for j := range c.st.ssh {
		if c.st.ssh[j].key == key {
			i = j
		}
	}
	if i < 0 {
		return "", cliErrorf("Unknown keyword %s", c.args["keyword"])
	}
	switch {
	case value == "",
		sshYesNo[key] && value != "yes" && value != "no",
		sshNumeric[key] && !isUint(value, 32):
		return "", cliErrorf("Invalid value '%s' for keyword %s", c.args["value"], key)
	}
	c.st.ssh[i].value = value
	return doneXML(), nil
}

func isUint(s string, bits int) bool {
	_, err := strconv.ParseUint(s, 10, bits)
	return err == nil
}

// --- system security fips140 ssh ---

func fipsSSHGet(c *cliCall) (string, *cliError) {
	return objectXML("VimEsxCLIsystemsecurityfips140sshgetStatus", []field{{"Enabled", boolText(c.st.fipsSSH)}}), nil
}

func fipsSSHSet(c *cliCall) (string, *cliError) {
	c.st.fipsSSH = c.args.bool("enable")
	return doneXML(), nil
}

// --- system settings kernel ---

// kernelList lists every setting, or only the one named by option (nothing when no setting
// has that name).
func kernelList(c *cliCall) (string, *cliError) {
	var rows [][]field
	for _, k := range c.st.kernel {
		if c.args.has("option") && k.name != c.args["option"] {
			continue
		}
		rows = append(rows, []field{{"Name", k.name}, {"Type", k.kind}, {"Configured", k.configured},
			{"Runtime", k.runtime}, {"Default", k.def}, {"Description", k.description}})
	}
	return listXML("VimEsxCLIsystemsettingskernellistOption", rows), nil
}

// kernelSet changes the configured value; the runtime value is the one the host booted with
// and stays until a reboot (which the simulator does not have).
func kernelSet(c *cliCall) (string, *cliError) {
	name, value := c.args["setting"], strings.TrimSpace(c.args["value"])
	for i := range c.st.kernel {
		k := &c.st.kernel[i]
		if k.name != name {
			continue
		}
		switch k.kind {
		case "Bool":
			switch strings.ToUpper(value) {
			case "TRUE", "FALSE":
				value = strings.ToUpper(value)
			default:
				return "", cliErrorf("Invalid value '%s' for kernel setting %s of type %s", c.args["value"], name, k.kind)
			}
		case "uint32":
			if !isUint(value, 32) {
				return "", cliErrorf("Invalid value '%s' for kernel setting %s of type %s", c.args["value"], name, k.kind)
			}
			n, _ := strconv.ParseUint(value, 10, 32)
			value = strconv.FormatUint(n, 10)
		}
		k.configured = value
		return doneXML(), nil
	}
	return "", cliErrorf("Unknown kernel setting %s", name)
}

// --- system settings encryption ---

func encryptionGet(c *cliCall) (string, *cliError) {
	e := c.st.encryption
	return objectXML("VimEsxCLIsystemsettingsencryptiongetEncryptionSettings", []field{
		{"Mode", e.mode},
		{"RequireExecutablesOnlyFromInstalledVIBs", boolText(e.requireExecutable)},
		{"RequireSecureBoot", boolText(e.requireSecureBoot)},
	}), nil
}

// encryptionSet sets the given subset. (ESXi also refuses some transitions, such as requiring
// secure boot on a host that did not boot with it; the simulated hosts boot with it.)
func encryptionSet(c *cliCall) (string, *cliError) {
	if len(c.args) == 0 {
		return "", cliErrorf("At least one of mode, requiresecureboot, requireexecinstalledonly must be given")
	}
	e := c.st.encryption
	if c.args.has("mode") {
		switch mode := strings.ToUpper(c.args["mode"]); mode {
		case "NONE", "TPM":
			e.mode = mode
		default:
			return "", cliErrorf("Invalid mode '%s': must be NONE or TPM", c.args["mode"])
		}
	}
	if c.args.has("requiresecureboot") {
		e.requireSecureBoot = c.args.bool("requiresecureboot")
	}
	if c.args.has("requireexecinstalledonly") {
		e.requireExecutable = c.args.bool("requireexecinstalledonly")
	}
	c.st.encryption = e
	return doneXML(), nil
}

// --- system security keypersistence ---

func keyPersistenceGet(c *cliCall) (string, *cliError) {
	return objectXML("VimEsxCLIsystemsecuritykeypersistencegetStatus", []field{{"Enabled", boolText(c.st.keyPersistence)}}), nil
}

func keyPersistenceEnable(c *cliCall) (string, *cliError) {
	c.st.keyPersistence = true
	return doneXML(), nil
}

// keyPersistenceDisable turns key persistence off; removeallstoredkeys is accepted (the
// simulator stores no keys).
func keyPersistenceDisable(c *cliCall) (string, *cliError) {
	c.st.keyPersistence = false
	return doneXML(), nil
}

// --- system tls server ---

var tlsProfiles = map[string]bool{"COMPATIBLE": true, "NIST_2024": true, "MANUAL": true}

// tlsServerGet returns the configured profile, or with showcurrentbootprofile the profile the
// host booted with. showprofiledefaults is accepted; ESXi then also lists the profile's cipher
// suites, groups and protocol versions, which the simulator does not model.
func tlsServerGet(c *cliCall) (string, *cliError) {
	profile := c.st.tlsProfile
	if c.args.bool("showcurrentbootprofile") {
		profile = c.st.tlsBootProfile
	}
	return objectXML("VimEsxCLIsystemtlsservergetTLSServerProfile", []field{{"Profile", profile}}), nil
}

// tlsServerSet sets the configured profile. On ESXi the new profile takes effect at the next
// reboot, and until then showcurrentbootprofile still reports the old one. The simulator has
// no RebootHost_Task, so the boot profile follows at once.
func tlsServerSet(c *cliCall) (string, *cliError) {
	profile := strings.ToUpper(c.args["profile"])
	if !tlsProfiles[profile] {
		return "", cliErrorf("Invalid profile '%s': must be one of COMPATIBLE, NIST_2024, MANUAL", c.args["profile"])
	}
	c.st.tlsProfile = profile
	c.st.tlsBootProfile = profile // no reboot in the simulator: see above
	return doneXML(), nil
}

// --- system syslog config ---

const (
	logDirOption       = "Syslog.global.logDir"
	logHostOption      = "Syslog.global.logHost"
	logDirUniqueOption = "Syslog.global.logDirUnique"
	defaultLogDir      = "[] /scratch/log"
)

var logLevels = map[string]bool{"debug": true, "info": true, "warning": true, "error": true}

// hostOptions runs f with the host's advanced option manager locked.
func (c *cliCall) hostOptions(f func(o *optionManager)) *cliError {
	o, ok := simulator.Map.Get(c.m.options).(*optionManager)
	if !ok {
		return cliErrorf("Unable to read the syslog configuration")
	}
	c.ctx.WithLock(o, func() { f(o) })
	return nil
}

// localLogOutput is the directory a Syslog.global.logDir value names: "[] /scratch/log" is
// /scratch/log, "[ds] logs" is /vmfs/volumes/ds/logs, a plain path is itself.
func localLogOutput(dir string) string {
	dir = strings.TrimSpace(dir)
	if strings.HasPrefix(dir, "[") {
		if i := strings.IndexByte(dir, ']'); i > 0 {
			ds, rest := dir[1:i], strings.TrimSpace(dir[i+1:])
			if ds == "" {
				return path.Clean("/" + rest)
			}
			return path.Clean("/vmfs/volumes/" + ds + "/" + rest)
		}
	}
	return dir
}

// persistentLogDir reports whether logs written to dir survive a reboot: not under /tmp or
// /var/run, which are ramdisks.
func persistentLogDir(dir string) bool {
	p := path.Clean(dir)
	for _, ramdisk := range []string{"/tmp", "/var/run"} {
		if p == ramdisk || strings.HasPrefix(p, ramdisk+"/") {
			return false
		}
	}
	return true
}

func syslogConfigGet(c *cliCall) (string, *cliError) {
	var dir, host string
	var unique bool
	err := c.hostOptions(func(o *optionManager) {
		dir, host = defaultLogDir, ""
		if v := o.find(logDirOption); v != nil {
			dir, _ = v.Value.(string)
		}
		if v := o.find(logHostOption); v != nil {
			host, _ = v.Value.(string)
		}
		if v := o.find(logDirUniqueOption); v != nil {
			unique, _ = v.Value.(bool)
		}
	})
	if err != nil {
		return "", err
	}
	out := localLogOutput(dir)
	remote := strings.TrimSpace(host)
	if remote == "" {
		remote = "<none>"
	}
	return objectXML("VimEsxCLIsystemsyslogconfiggetSyslogConfiguration", []field{
		{"LocalLogOutput", out},
		{"LocalLogOutputIsConfigured", boolText(strings.TrimSpace(dir) != defaultLogDir)},
		{"LocalLogOutputIsPersistent", boolText(persistentLogDir(out))},
		{"LogLevel", c.st.logLevel},
		{"LogToUniqueSubdirectory", boolText(unique)},
		{"RemoteHost", remote},
	}), nil
}

// validLogDir accepts an absolute path or a datastore path ("[datastore] dir").
func validLogDir(dir string) bool {
	if strings.HasPrefix(dir, "/") {
		return true
	}
	return strings.HasPrefix(dir, "[") && strings.IndexByte(dir, ']') > 0
}

// validLogHost accepts an empty value (no remote host) or comma-separated targets, each
// host[:port] or udp://, tcp:// or ssl:// followed by host[:port].
func validLogHost(hosts string) bool {
	if strings.TrimSpace(hosts) == "" {
		return true
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if i := strings.Index(h, "://"); i >= 0 {
			switch h[:i] {
			case "udp", "tcp", "ssl":
				h = h[i+3:]
			default:
				return false
			}
		}
		if h == "" || strings.ContainsAny(h, " /") {
			return false
		}
	}
	return true
}

// syslogConfigSet sets the given subset: logdir and loghost are written to the host's
// advanced options (and so show in its config.option), loglevel to the esxcli state. On ESXi
// the syslog daemon picks them up at "esxcli system syslog reload"; here they apply at once.
func syslogConfigSet(c *cliCall) (string, *cliError) {
	if len(c.args) == 0 {
		return "", cliErrorf("At least one of logdir, loghost, loglevel must be given")
	}
	if c.args.has("logdir") && !validLogDir(strings.TrimSpace(c.args["logdir"])) {
		return "", cliErrorf("Invalid log directory '%s': must be an absolute path or a datastore path", c.args["logdir"])
	}
	if c.args.has("loghost") && !validLogHost(c.args["loghost"]) {
		return "", cliErrorf("Invalid log host '%s'", c.args["loghost"])
	}
	level := strings.ToLower(c.args["loglevel"])
	if c.args.has("loglevel") && !logLevels[level] {
		return "", cliErrorf("Invalid log level '%s': must be one of debug, info, warning, error", c.args["loglevel"])
	}
	var changes []types.OptionValue
	if c.args.has("logdir") {
		changes = append(changes, types.OptionValue{Key: logDirOption, Value: strings.TrimSpace(c.args["logdir"])})
	}
	if c.args.has("loghost") {
		changes = append(changes, types.OptionValue{Key: logHostOption, Value: strings.TrimSpace(c.args["loghost"])})
	}
	if len(changes) > 0 {
		if err := c.hostOptions(func(o *optionManager) { o.store(c.ctx, changes...) }); err != nil {
			return "", err
		}
	}
	if c.args.has("loglevel") {
		c.st.logLevel = level
	}
	return doneXML(), nil
}

// --- system syslog config logfilter ---

func logFilterGet(c *cliCall) (string, *cliError) {
	return objectXML("VimEsxCLIsystemsyslogconfiglogfiltergetLogFilterConfiguration",
		[]field{{"LogFilteringEnabled", boolText(c.st.logFilter)}}), nil
}

func logFilterSet(c *cliCall) (string, *cliError) {
	c.st.logFilter = c.args.bool("logfilteringenabled")
	return doneXML(), nil
}

// --- system snmp ---

// snmpGet answers the agent's settings; lower-case field names, as ESXi prints this command's.
func snmpGet(c *cliCall) (string, *cliError) {
	return objectXML("VimEsxCLIsystemsnmpgetConfig", []field{
		{"enable", boolText(c.st.snmpEnabled)},
		{"communities", c.st.snmpCommunity},
		{"port", "161"},
	}), nil
}

func snmpSet(c *cliCall) (string, *cliError) {
	if len(c.args) == 0 {
		return "", cliErrorf("At least one of enable, communities must be given")
	}
	if c.args.has("enable") {
		c.st.snmpEnabled = c.args.bool("enable")
	}
	if c.args.has("communities") {
		c.st.snmpCommunity = c.args["communities"]
	}
	return doneXML(), nil
}

// --- system account ---

func accountList(c *cliCall) (string, *cliError) {
	var rows [][]field
	for _, a := range c.st.accounts {
		rows = append(rows, []field{{"UserID", a.id}, {"Description", a.description}, {"Shellaccess", boolText(a.shell)}})
	}
	return listXML("VimEsxCLIsystemaccountlistAccount", rows), nil
}

func accountSet(c *cliCall) (string, *cliError) {
	if !c.args.has("shellaccess") && !c.args.has("description") {
		return "", cliErrorf("At least one of shellaccess, description must be given")
	}
	for i := range c.st.accounts {
		a := &c.st.accounts[i]
		if a.id != c.args["id"] {
			continue
		}
		if c.args.has("shellaccess") {
			a.shell = c.args.bool("shellaccess")
		}
		if c.args.has("description") {
			a.description = c.args["description"]
		}
		return doneXML(), nil
	}
	return "", cliErrorf("User %s does not exist", c.args["id"])
}
