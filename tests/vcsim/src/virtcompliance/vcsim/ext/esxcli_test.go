package ext

import (
	"encoding/xml"
	"io"
	"io/ioutil"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// executer calls HostSystem.RetrieveManagedMethodExecuter and returns the error as is.
func (s *sim) executerErr(host types.ManagedObjectReference) (types.ManagedObjectReference, error) {
	s.t.Helper()
	req := retrieveManagedMethodExecuterBody{Req: &retrieveManagedMethodExecuterRequest{This: host}}
	var res retrieveManagedMethodExecuterBody
	if err := s.c.RoundTrip(s.ctx, &req, &res); err != nil {
		return types.ManagedObjectReference{}, err
	}
	if res.Res == nil || res.Res.Returnval == nil {
		s.t.Fatalf("RetrieveManagedMethodExecuter %s: no returnval", host)
	}
	return *res.Res.Returnval, nil
}

func (s *sim) executer(host types.ManagedObjectReference) types.ManagedObjectReference {
	s.t.Helper()
	ref, err := s.executerErr(host)
	if err != nil {
		s.t.Fatalf("RetrieveManagedMethodExecuter %s: %v", host, err)
	}
	return ref
}

// cliArg builds an ExecuteSoap argument as govc and pyVmomi send it.
func cliArg(name, value string) soapArgument {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(value))
	return soapArgument{Name: name, Val: "<" + name + ">" + b.String() + "</" + name + ">"}
}

// pairs turns name, value, name, value... into arguments.
func pairs(nv ...string) []soapArgument {
	var out []soapArgument
	for i := 0; i+1 < len(nv); i += 2 {
		out = append(out, cliArg(nv[i], nv[i+1]))
	}
	return out
}

// moidOf is the esxcli handler of a command "a.b.c.verb": ha-cli-handler-a-b-c.
func moidOf(command string) string {
	ns := command[:strings.LastIndexByte(command, '.')]
	return esxcliMoidPrefix + strings.ReplaceAll(ns, ".", "-")
}

// executeSoap calls ExecuteSoap with the given fields and returns the result or the SOAP error.
func (s *sim) executeSoap(mme types.ManagedObjectReference, moid, version, method string, args []soapArgument) (*soapResult, error) {
	s.t.Helper()
	req := executeSoapBody{Req: &executeSoapRequest{This: mme, Moid: moid, Version: version, Method: method, Argument: args}}
	var res executeSoapBody
	if err := s.c.RoundTrip(s.ctx, &req, &res); err != nil {
		return nil, err
	}
	if res.Res == nil || res.Res.Returnval == nil {
		s.t.Fatalf("ExecuteSoap %s: no returnval", method)
	}
	return res.Res.Returnval, nil
}

// run executes an esxcli command the regular way and returns the raw result.
func (s *sim) run(mme types.ManagedObjectReference, command string, nv ...string) *soapResult {
	s.t.Helper()
	r, err := s.executeSoap(mme, moidOf(command), esxcliVersion, esxcliMethodPrefix+command, pairs(nv...))
	if err != nil {
		s.t.Fatalf("ExecuteSoap %s: %v", command, err)
	}
	return r
}

// rows runs a command that must succeed and returns its rows (one for a get command).
func (s *sim) rows(mme types.ManagedObjectReference, command string, nv ...string) []map[string]string {
	s.t.Helper()
	r := s.run(mme, command, nv...)
	if r.Fault != nil {
		s.t.Fatalf("%s %v: fault %q", command, nv, r.Fault.FaultMsg)
	}
	kind, rows := parseCLI(s.t, r.Response)
	if kind == "xsd:boolean" {
		s.t.Fatalf("%s returned a boolean", command)
	}
	return rows
}

func (s *sim) get(mme types.ManagedObjectReference, command string, nv ...string) map[string]string {
	s.t.Helper()
	rows := s.rows(mme, command, nv...)
	if len(rows) != 1 {
		s.t.Fatalf("%s: %d objects", command, len(rows))
	}
	return rows[0]
}

// set runs a set command that must succeed and return true.
func (s *sim) set(mme types.ManagedObjectReference, command string, nv ...string) {
	s.t.Helper()
	r := s.run(mme, command, nv...)
	if r.Fault != nil {
		s.t.Fatalf("%s %v: fault %q", command, nv, r.Fault.FaultMsg)
	}
	if kind, rows := parseCLI(s.t, r.Response); kind != "xsd:boolean" || rows[0][""] != "true" {
		s.t.Fatalf("%s returned %s", command, r.Response)
	}
}

// cliFault runs a command that must fail at the esxcli level and returns the fault message.
func (s *sim) cliFault(mme types.ManagedObjectReference, moid, method string, args []soapArgument) string {
	s.t.Helper()
	r, err := s.executeSoap(mme, moid, esxcliVersion, method, args)
	if err != nil {
		s.t.Fatalf("%s: SOAP fault %v, want an esxcli fault", method, err)
	}
	if r.Fault == nil || r.Response != "" {
		s.t.Fatalf("%s %v: no fault, response %q", method, args, r.Response)
	}
	if kind, rows := parseCLI(s.t, r.Fault.FaultDetail); r.Fault.FaultMsg == "" || kind != "VimEsxCLICLIFault" || rows[0]["errMsg"] != r.Fault.FaultMsg {
		s.t.Errorf("%s: faultMsg %q, faultDetail %q", method, r.Fault.FaultMsg, r.Fault.FaultDetail)
	}
	return r.Fault.FaultMsg
}

const xsiNS = "http://www.w3.org/2001/XMLSchema-instance"

func xsiType(e xml.StartElement) string {
	for _, a := range e.Attr {
		if a.Name.Space == xsiNS && a.Name.Local == "type" {
			return a.Value
		}
	}
	return ""
}

// parseCLI reads a response document: a boolean (one row, key ""), one data object (one row)
// or an ArrayOfDataObject (a row per DataObject), each row the object's fields by name.
func parseCLI(t *testing.T, doc string) (string, []map[string]string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	var kind string
	var rows []map[string]string
	var row map[string]string
	var fieldName string
	var text strings.Builder
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parsing %q: %v", doc, err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			text.Reset()
			switch {
			case depth == 1:
				if e.Name.Local != "obj" {
					t.Fatalf("root element %s", e.Name.Local)
				}
				kind = xsiType(e)
				if kind != "ArrayOfDataObject" {
					row = map[string]string{}
					rows = append(rows, row)
				}
			case depth == 2 && kind == "ArrayOfDataObject":
				if e.Name.Local != "DataObject" || !strings.HasPrefix(xsiType(e), "VimEsxCLI") {
					t.Fatalf("array element %s of type %s", e.Name.Local, xsiType(e))
				}
				row = map[string]string{}
				rows = append(rows, row)
			default:
				fieldName = e.Name.Local
			}
		case xml.CharData:
			text.Write(e)
		case xml.EndElement:
			fieldDepth := 2
			if kind == "ArrayOfDataObject" {
				fieldDepth = 3
			}
			if depth == fieldDepth {
				if _, dup := row[fieldName]; dup {
					t.Errorf("field %s twice", fieldName)
				}
				row[fieldName] = text.String()
			}
			if depth == 1 && kind == "xsd:boolean" {
				row[""] = text.String()
			}
			depth--
		}
	}
	if kind == "" {
		t.Fatalf("no xsi:type on %q", doc)
	}
	return kind, rows
}

// column returns field key -> field value over rows.
func column(rows []map[string]string, key, value string) map[string]string {
	out := map[string]string{}
	for _, r := range rows {
		out[r[key]] = r[value]
	}
	return out
}

func TestEsxcliExecuterPerHost(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	mmeA, mmeB := s.executer(a), s.executer(b)
	if mmeA.Type != "ReflectManagedMethodExecuter" || mmeB.Type != "ReflectManagedMethodExecuter" {
		t.Fatalf("executer types %s %s", mmeA.Type, mmeB.Type)
	}
	if mmeA == mmeB || mmeA.Value != "mme-"+a.Value {
		t.Fatalf("executers %v %v for %v %v", mmeA, mmeB, a, b)
	}
	if again := s.executer(a); again != mmeA {
		t.Errorf("a second call returned %v, want %v", again, mmeA)
	}

	_, err := s.executerErr(types.ManagedObjectReference{Type: "HostSystem", Value: "host-no-such"})
	expectFault(t, err, new(types.ManagedObjectNotFound))
	_, err = s.executeSoap(types.ManagedObjectReference{Type: executerType, Value: "mme-host-no-such"},
		"ha-cli-handler-system-account", esxcliVersion, "vim.EsxCLI.system.account.list", nil)
	expectFault(t, err, new(types.ManagedObjectNotFound))

	// A host added later has its own executer; once it is removed, both calls fail as for any
	// object that does not exist.
	dc, err := find.NewFinder(s.c, true).DefaultDatacenter(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	folders, err := dc.Folders(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	task, err := folders.HostFolder.AddStandaloneHost(s.ctx, types.HostConnectSpec{HostName: "esxcli-added.example.test"}, true, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := task.WaitForResult(s.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	added := info.Result.(types.ManagedObjectReference)
	if added.Type != "HostSystem" {
		var cr mo.ComputeResource
		s.retrieve(added, &cr, "host")
		added = cr.Host[0]
	}
	mmeNew := s.executer(added)
	if mmeNew == mmeA || mmeNew == mmeB {
		t.Fatalf("the added host shares executer %v", mmeNew)
	}
	s.set(mmeNew, "system.account.set", "id", "dcui", "shellaccess", "false")
	if got := column(s.rows(mmeA, "system.account.list"), "UserID", "Shellaccess")["dcui"]; got != "true" {
		t.Errorf("host A dcui shell access %s after a change on the added host", got)
	}

	res, err := methods.Destroy_Task(s.ctx, s.c, &types.Destroy_Task{This: added})
	if err != nil {
		t.Fatalf("Destroy_Task: %v", err)
	}
	if err := s.wait(res.Returnval); err != nil {
		t.Fatalf("destroying the added host: %v", err)
	}
	_, err = s.executerErr(added)
	expectFault(t, err, new(types.ManagedObjectNotFound))
	_, err = s.executeSoap(mmeNew, moidOf("system.account.list"), esxcliVersion, "vim.EsxCLI.system.account.list", nil)
	expectFault(t, err, new(types.ManagedObjectNotFound))
}

// The exact documents of a get, a list and a set command.
func TestEsxcliResponseDocuments(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	mme := s.executer(a)
	head := `<obj xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vim25="urn:vim25" versionId="5.0" xsi:type="`

	if got, want := s.run(mme, "system.security.fips140.ssh.get").Response,
		head+`VimEsxCLIsystemsecurityfips140sshgetStatus"><Enabled>true</Enabled></obj>`; got != want {
		t.Errorf("fips140 ssh get:\n got %s\nwant %s", got, want)
	}
	if got, want := s.run(mme, "system.ssh.server.config.list", "keyword", "gatewayports").Response,
		head+`ArrayOfDataObject"><DataObject xsi:type="VimEsxCLIsystemsshserverconfiglistSSHConfig"><Key>gatewayports</Key><Value>no</Value></DataObject></obj>`; got != want {
		t.Errorf("ssh config list -k gatewayports:\n got %s\nwant %s", got, want)
	}
	if got, want := s.run(mme, "system.security.keypersistence.disable").Response, head+`xsd:boolean">true</obj>`; got != want {
		t.Errorf("keypersistence disable:\n got %s\nwant %s", got, want)
	}
	if got, want := s.run(mme, "system.ssh.server.config.list", "keyword", "no-such-keyword").Response, head+`ArrayOfDataObject"></obj>`; got != want {
		t.Errorf("an empty list:\n got %s\nwant %s", got, want)
	}

	// Text is escaped in the document and comes back as it was set.
	banner := `/etc/issue <"ESXi" & 'lab'>`
	s.set(mme, "system.ssh.server.config.set", "keyword", "banner", "value", banner)
	raw := s.run(mme, "system.ssh.server.config.list", "keyword", "banner").Response
	if !strings.Contains(raw, "&lt;") || !strings.Contains(raw, "&amp;") {
		t.Errorf("the banner is not escaped: %s", raw)
	}
	if got := s.get(mme, "system.ssh.server.config.list", "keyword", "banner")["Value"]; got != banner {
		t.Errorf("banner = %q, want %q", got, banner)
	}
	if got := s.get(mme, "system.syslog.config.get")["RemoteHost"]; got != "<none>" {
		t.Errorf("RemoteHost = %q, want <none>", got)
	}
}

// The SOAP envelopes as a client without govmomi's types sees them.
func TestEsxcliWireNames(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	post := func(inner string) string {
		envelope := `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">` +
			`<soapenv:Body>` + inner + `</soapenv:Body></soapenv:Envelope>`
		req, _ := http.NewRequest(http.MethodPost, s.server.URL.String(), strings.NewReader(envelope))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", "urn:vim25/6.7.1")
		res, err := s.c.Client.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := ioutil.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %s: %s", res.Status, body)
		}
		return string(body)
	}
	body := post(`<RetrieveManagedMethodExecuter xmlns="urn:vim25"><_this type="HostSystem">` + a.Value + `</_this></RetrieveManagedMethodExecuter>`)
	if !strings.Contains(body, "<RetrieveManagedMethodExecuterResponse") ||
		!strings.Contains(body, `<returnval type="ReflectManagedMethodExecuter">mme-`+a.Value+`</returnval>`) {
		t.Fatalf("RetrieveManagedMethodExecuter response: %s", body)
	}
	body = post(`<ExecuteSoap xmlns="urn:vim25"><_this type="ReflectManagedMethodExecuter">mme-` + a.Value + `</_this>` +
		`<moid>ha-cli-handler-system-account</moid><version>urn:vim25/5.0</version><method>vim.EsxCLI.system.account.list</method></ExecuteSoap>`)
	if !strings.Contains(body, "<ExecuteSoapResponse") || !strings.Contains(body, "<returnval><response>&lt;obj ") ||
		!strings.Contains(body, "&lt;UserID&gt;dcui&lt;/UserID&gt;") {
		t.Fatalf("ExecuteSoap response: %s", body)
	}
	body = post(`<ExecuteSoap xmlns="urn:vim25"><_this type="ReflectManagedMethodExecuter">mme-` + a.Value + `</_this>` +
		`<moid>ha-cli-handler-system-account</moid><version>urn:vim25/5.0</version><method>vim.EsxCLI.system.account.set</method>` +
		`<argument><name>id</name><val>&lt;id&gt;nobody&lt;/id&gt;</val></argument>` +
		`<argument><name>shellaccess</name><val>&lt;shellaccess&gt;true&lt;/shellaccess&gt;</val></argument></ExecuteSoap>`)
	if !strings.Contains(body, "<returnval><fault><faultMsg>User nobody does not exist</faultMsg><faultDetail>") || strings.Contains(body, "<response>") {
		t.Fatalf("ExecuteSoap fault response: %s", body)
	}
}

func TestEsxcliDefaults(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	mme := s.executer(a)

	ssh := column(s.rows(mme, "system.ssh.server.config.list"), "Key", "Value")
	for key, want := range map[string]string{
		"ciphers":                    "aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr",
		"gatewayports":               "no",
		"hostbasedauthentication":    "no",
		"clientalivecountmax":        "3",
		"clientaliveinterval":        "200",
		"banner":                     "/etc/issue",
		"ignorerhosts":               "yes",
		"allowstreamlocalforwarding": "no",
		"allowtcpforwarding":         "no",
		"permittunnel":               "no",
		"permituserenvironment":      "no",
	} {
		if ssh[key] != want {
			t.Errorf("ssh %s = %q, want %q", key, ssh[key], want)
		}
	}
	if !strings.Contains(ssh["macs"], "hmac-sha2-256") || !strings.Contains(ssh["kexalgorithms"], "curve25519-sha256") || len(ssh) != 13 {
		t.Errorf("ssh config: %v", ssh)
	}
	if rows := s.rows(mme, "system.ssh.server.config.list", "keyword", "Ciphers"); len(rows) != 1 || rows[0]["Key"] != "ciphers" {
		t.Errorf("keyword filter: %v", rows)
	}

	if got := s.get(mme, "system.security.fips140.ssh.get"); !reflect.DeepEqual(got, map[string]string{"Enabled": "true"}) {
		t.Errorf("fips140 ssh: %v", got)
	}
	kernel := s.rows(mme, "system.settings.kernel.list")
	want := []map[string]string{
		{"Name": "disableHwrng", "Type": "Bool", "Configured": "FALSE", "Runtime": "FALSE", "Default": "FALSE"},
		{"Name": "entropySources", "Type": "uint32", "Configured": "0", "Runtime": "0", "Default": "0"},
	}
	if len(kernel) != len(want) {
		t.Fatalf("kernel settings: %v", kernel)
	}
	for i := range want {
		if kernel[i]["Description"] == "" {
			t.Errorf("%s has no description", kernel[i]["Name"])
		}
		delete(kernel[i], "Description")
		if !reflect.DeepEqual(kernel[i], want[i]) {
			t.Errorf("kernel setting %d = %v, want %v", i, kernel[i], want[i])
		}
	}
	if rows := s.rows(mme, "system.settings.kernel.list", "option", "entropySources"); len(rows) != 1 || rows[0]["Name"] != "entropySources" {
		t.Errorf("option filter: %v", rows)
	}
	if rows := s.rows(mme, "system.settings.kernel.list", "option", "noSuchSetting"); len(rows) != 0 {
		t.Errorf("an unknown option lists %v", rows)
	}
	for command, want := range map[string]map[string]string{
		"system.settings.encryption.get":     {"Mode": "TPM", "RequireExecutablesOnlyFromInstalledVIBs": "false", "RequireSecureBoot": "false"},
		"system.security.keypersistence.get": {"Enabled": "false"},
		"system.tls.server.get":              {"Profile": "COMPATIBLE"},
		"system.syslog.config.get": {"LocalLogOutput": "/scratch/log", "LocalLogOutputIsConfigured": "false", "LocalLogOutputIsPersistent": "true",
			"LogLevel": "error", "LogToUniqueSubdirectory": "false", "RemoteHost": "<none>"},
		"system.syslog.config.logfilter.get": {"LogFilteringEnabled": "false"},
		"system.snmp.get":                    {"enable": "false", "communities": "", "port": "161"},
	} {
		if got := s.get(mme, command); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", command, got, want)
		}
	}
	if got := s.get(mme, "system.tls.server.get", "showcurrentbootprofile", "true"); got["Profile"] != "COMPATIBLE" {
		t.Errorf("boot profile %v", got)
	}
	if got := s.get(mme, "system.tls.server.get", "showprofiledefaults", "true"); got["Profile"] != "COMPATIBLE" {
		t.Errorf("with profile defaults %v", got)
	}
	accounts := s.rows(mme, "system.account.list")
	if shell := column(accounts, "UserID", "Shellaccess"); !reflect.DeepEqual(shell, map[string]string{"root": "true", "dcui": "true", "vpxuser": "true"}) {
		t.Errorf("accounts: %v", accounts)
	}
	if d := column(accounts, "UserID", "Description"); d["root"] != "Administrator" || d["dcui"] != "DCUI User" {
		t.Errorf("account descriptions: %v", d)
	}
}

// hostOption reads one advanced option from the host's config.option.
func (s *sim) hostOption(host types.ManagedObjectReference, key string) interface{} {
	s.t.Helper()
	h := s.host(host, "config.option")
	for _, o := range h.Config.Option {
		if v := o.GetOptionValue(); v.Key == key {
			return v.Value
		}
	}
	return nil
}

// Every set changes exactly its host, and what the get or list commands report.
func TestEsxcliSetsArePerHost(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	mmeA, mmeB := s.executer(a), s.executer(b)
	before := map[string][]map[string]string{}
	reads := [][]string{
		{"system.ssh.server.config.list"}, {"system.security.fips140.ssh.get"}, {"system.settings.kernel.list"},
		{"system.settings.encryption.get"}, {"system.security.keypersistence.get"}, {"system.tls.server.get"},
		{"system.tls.server.get", "showcurrentbootprofile", "true"}, {"system.syslog.config.get"},
		{"system.syslog.config.logfilter.get"}, {"system.account.list"}, {"system.snmp.get"},
	}
	for _, r := range reads {
		before[strings.Join(r, " ")] = s.rows(mmeB, r[0], r[1:]...)
	}

	weak := "aes128-cbc,3des-cbc"
	s.set(mmeA, "system.ssh.server.config.set", "keyword", "ciphers", "value", weak)
	s.set(mmeA, "system.ssh.server.config.set", "keyword", "AllowTCPForwarding", "value", "yes")
	s.set(mmeA, "system.ssh.server.config.set", "keyword", "clientaliveinterval", "value", "0")
	ssh := column(s.rows(mmeA, "system.ssh.server.config.list"), "Key", "Value")
	if ssh["ciphers"] != weak || ssh["allowtcpforwarding"] != "yes" || ssh["clientaliveinterval"] != "0" || ssh["gatewayports"] != "no" {
		t.Errorf("ssh after set: %v", ssh)
	}

	s.set(mmeA, "system.security.fips140.ssh.set", "enable", "false")
	if got := s.get(mmeA, "system.security.fips140.ssh.get")["Enabled"]; got != "false" {
		t.Errorf("fips140 ssh %s", got)
	}

	s.set(mmeA, "system.settings.kernel.set", "setting", "disableHwrng", "value", "true")
	s.set(mmeA, "system.settings.kernel.set", "setting", "entropySources", "value", "1")
	kernel := s.rows(mmeA, "system.settings.kernel.list")
	if k := kernel[0]; k["Configured"] != "TRUE" || k["Runtime"] != "FALSE" || k["Default"] != "FALSE" {
		t.Errorf("disableHwrng after set: %v", k)
	}
	if k := kernel[1]; k["Configured"] != "1" || k["Runtime"] != "0" || k["Default"] != "0" {
		t.Errorf("entropySources after set: %v", k)
	}

	s.set(mmeA, "system.settings.encryption.set", "requiresecureboot", "true")
	enc := s.get(mmeA, "system.settings.encryption.get")
	if enc["Mode"] != "TPM" || enc["RequireSecureBoot"] != "true" || enc["RequireExecutablesOnlyFromInstalledVIBs"] != "false" {
		t.Errorf("encryption after setting requiresecureboot: %v", enc)
	}
	s.set(mmeA, "system.settings.encryption.set", "mode", "NONE", "requiresecureboot", "false", "requireexecinstalledonly", "true")
	enc = s.get(mmeA, "system.settings.encryption.get")
	if enc["Mode"] != "NONE" || enc["RequireSecureBoot"] != "false" || enc["RequireExecutablesOnlyFromInstalledVIBs"] != "true" {
		t.Errorf("encryption after setting all three: %v", enc)
	}

	s.set(mmeA, "system.security.keypersistence.enable")
	if got := s.get(mmeA, "system.security.keypersistence.get")["Enabled"]; got != "true" {
		t.Errorf("key persistence after enable: %s", got)
	}
	s.set(mmeA, "system.security.keypersistence.disable", "removeallstoredkeys", "true")
	if got := s.get(mmeA, "system.security.keypersistence.get")["Enabled"]; got != "false" {
		t.Errorf("key persistence after disable: %s", got)
	}
	s.set(mmeA, "system.security.keypersistence.enable")

	s.set(mmeA, "system.tls.server.set", "profile", "NIST_2024")
	if got := s.get(mmeA, "system.tls.server.get")["Profile"]; got != "NIST_2024" {
		t.Errorf("TLS profile %s", got)
	}
	if got := s.get(mmeA, "system.tls.server.get", "showcurrentbootprofile", "true")["Profile"]; got != "NIST_2024" {
		t.Errorf("TLS boot profile %s (the simulator has no reboot: it follows the configured one)", got)
	}

	// Syslog's directory and remote host are the host's advanced options.
	s.set(mmeA, "system.syslog.config.set", "logdir", "/tmp")
	sys := s.get(mmeA, "system.syslog.config.get")
	if sys["LocalLogOutput"] != "/tmp" || sys["LocalLogOutputIsPersistent"] != "false" || sys["LocalLogOutputIsConfigured"] != "true" {
		t.Errorf("syslog after logdir /tmp: %v", sys)
	}
	if got := s.hostOption(a, "Syslog.global.logDir"); got != "/tmp" {
		t.Errorf("Syslog.global.logDir = %v", got)
	}
	for dir, persistent := range map[string]string{"/var/run/log": "false", "/tmp/logs": "false", "/tmpfs": "true",
		"/vmfs/volumes/datastore1/log": "true", "[datastore1] log": "true", "/scratch/log": "true"} {
		s.set(mmeA, "system.syslog.config.set", "logdir", dir)
		if got := s.get(mmeA, "system.syslog.config.get")["LocalLogOutputIsPersistent"]; got != persistent {
			t.Errorf("%s persistent %s, want %s", dir, got, persistent)
		}
	}
	s.set(mmeA, "system.syslog.config.set", "logdir", "[datastore1] log")
	if got := s.get(mmeA, "system.syslog.config.get")["LocalLogOutput"]; got != "/vmfs/volumes/datastore1/log" {
		t.Errorf("LocalLogOutput %s", got)
	}
	s.set(mmeA, "system.syslog.config.set", "logdir", "/scratch/log")
	if got := s.get(mmeA, "system.syslog.config.get")["LocalLogOutput"]; got != "/scratch/log" {
		t.Errorf("LocalLogOutput %s", got)
	}
	s.set(mmeA, "system.syslog.config.set", "loghost", "udp://10.1.2.3:514,tcp://log.example.test:1514", "loglevel", "info")
	sys = s.get(mmeA, "system.syslog.config.get")
	if sys["RemoteHost"] != "udp://10.1.2.3:514,tcp://log.example.test:1514" || sys["LogLevel"] != "info" {
		t.Errorf("syslog after loghost: %v", sys)
	}
	if got := s.hostOption(a, "Syslog.global.logHost"); got != "udp://10.1.2.3:514,tcp://log.example.test:1514" {
		t.Errorf("Syslog.global.logHost = %v", got)
	}
	// ... and the other way round.
	var h mo.HostSystem
	s.retrieve(a, &h, "configManager.advancedOption")
	if _, err := methods.UpdateOptions(s.ctx, s.c, &types.UpdateOptions{This: *h.ConfigManager.AdvancedOption,
		ChangedValue: []types.BaseOptionValue{&types.OptionValue{Key: "Syslog.global.logHost", Value: "ssl://siem.example.test:6514"}}}); err != nil {
		t.Fatal(err)
	}
	if got := s.get(mmeA, "system.syslog.config.get")["RemoteHost"]; got != "ssl://siem.example.test:6514" {
		t.Errorf("RemoteHost after UpdateOptions: %s", got)
	}

	s.set(mmeA, "system.syslog.config.logfilter.set", "logfilteringenabled", "true")
	if got := s.get(mmeA, "system.syslog.config.logfilter.get")["LogFilteringEnabled"]; got != "true" {
		t.Errorf("log filtering %s", got)
	}

	s.set(mmeA, "system.snmp.set", "enable", "true", "communities", "public")
	if got := s.get(mmeA, "system.snmp.get"); got["enable"] != "true" || got["communities"] != "public" {
		t.Errorf("snmp after set: %v", got)
	}

	s.set(mmeA, "system.account.set", "id", "dcui", "shellaccess", "false")
	s.set(mmeA, "system.account.set", "id", "vpxuser", "description", "vCenter")
	accounts := s.rows(mmeA, "system.account.list")
	if shell := column(accounts, "UserID", "Shellaccess"); shell["dcui"] != "false" || shell["root"] != "true" || shell["vpxuser"] != "true" {
		t.Errorf("accounts after set: %v", accounts)
	}
	if d := column(accounts, "UserID", "Description")["vpxuser"]; d != "vCenter" {
		t.Errorf("vpxuser description %q", d)
	}

	for _, r := range reads {
		if got := s.rows(mmeB, r[0], r[1:]...); !reflect.DeepEqual(got, before[strings.Join(r, " ")]) {
			t.Errorf("host B changed: %s = %v, was %v", r, got, before[strings.Join(r, " ")])
		}
	}
	if got := s.hostOption(b, "Syslog.global.logDir"); got != defaultLogDir {
		t.Errorf("host B Syslog.global.logDir = %v", got)
	}
}

func TestEsxcliFaults(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	mme := s.executer(a)
	cases := []struct {
		moid, method string
		args         []soapArgument
		want         string
	}{
		{"ha-cli-handler-system-foo", "vim.EsxCLI.system.foo.get", nil, "Unknown command or namespace system foo get"},
		{"ha-cli-handler-system-account", "system.account.list", nil, "Unknown command or namespace system.account.list"},
		{"ha-cli-handler-system-account", "vim.EsxCLI.system.account.remove", nil, "Unknown command or namespace system account remove"},
		{"ha-cli-handler-system-ssh-server", "vim.EsxCLI.system.ssh.server.config.list", nil,
			"Managed object ha-cli-handler-system-ssh-server has no method vim.EsxCLI.system.ssh.server.config.list (it belongs to ha-cli-handler-system-ssh-server-config)"},
		{"", "vim.EsxCLI.system.account.list", nil, "Managed object  has no method"},
	}
	raw := func(want string, moid, method string, args []soapArgument) {
		cases = append(cases, struct {
			moid, method string
			args         []soapArgument
			want         string
		}{moid, method, args, want})
	}
	add := func(want string, command string, nv ...string) {
		raw(want, moidOf(command), esxcliMethodPrefix+command, pairs(nv...))
	}
	add("Invalid option color", "system.account.list", "color", "red")
	add("Invalid option Keyword", "system.ssh.server.config.list", "Keyword", "ciphers")
	add("Missing required parameter value", "system.ssh.server.config.set", "keyword", "ciphers")
	add("Missing required parameter enable", "system.security.fips140.ssh.set")
	add("Invalid value for parameter enable: 'yes' is not a boolean", "system.security.fips140.ssh.set", "enable", "yes")
	add("Invalid value for parameter logfilteringenabled: 'TRUE' is not a boolean", "system.syslog.config.logfilter.set", "logfilteringenabled", "TRUE")
	add("Unknown keyword permitrootlogin", "system.ssh.server.config.set", "keyword", "permitrootlogin", "value", "yes")
	add("Invalid value 'maybe' for keyword gatewayports", "system.ssh.server.config.set", "keyword", "gatewayports", "value", "maybe")
	add("Invalid value '-1' for keyword clientalivecountmax", "system.ssh.server.config.set", "keyword", "clientalivecountmax", "value", "-1")
	add("Invalid value '' for keyword ciphers", "system.ssh.server.config.set", "keyword", "ciphers", "value", "")
	add("Unknown kernel setting disableHWRNG", "system.settings.kernel.set", "setting", "disableHWRNG", "value", "TRUE")
	add("Invalid value 'yes' for kernel setting disableHwrng of type Bool", "system.settings.kernel.set", "setting", "disableHwrng", "value", "yes")
	add("Invalid value '4294967296' for kernel setting entropySources of type uint32", "system.settings.kernel.set", "setting", "entropySources", "value", "4294967296")
	add("Invalid mode 'AES': must be NONE or TPM", "system.settings.encryption.set", "mode", "AES")
	add("At least one of mode, requiresecureboot, requireexecinstalledonly must be given", "system.settings.encryption.set")
	add("Invalid option removeallstoredkeys", "system.security.keypersistence.enable", "removeallstoredkeys", "true")
	add("Invalid profile 'NIST_2020': must be one of COMPATIBLE, NIST_2024, MANUAL", "system.tls.server.set", "profile", "NIST_2020")
	add("Invalid log directory 'scratch/log': must be an absolute path or a datastore path", "system.syslog.config.set", "logdir", "scratch/log")
	add("Invalid log host 'http://10.0.0.1'", "system.syslog.config.set", "loghost", "http://10.0.0.1")
	add("Invalid log level 'verbose': must be one of debug, info, warning, error", "system.syslog.config.set", "loglevel", "verbose")
	add("At least one of logdir, loghost, loglevel must be given", "system.syslog.config.set")
	add("User nobody does not exist", "system.account.set", "id", "nobody", "shellaccess", "false")
	add("At least one of shellaccess, description must be given", "system.account.set", "id", "dcui")
	add("Option id given more than once", "system.account.set", "id", "dcui", "id", "root", "shellaccess", "false")
	for _, val := range []string{"dcui", "<user>dcui</user>", "<id>dcui</id><id>root</id>", "<id><b>dcui</b></id>", "<id>dcui",
		`<!DOCTYPE id [<!ENTITY x "dcui">]><id>&x;</id>`, "<?pi x?><id>dcui</id>", "<id>&x;</id>"} {
		raw("Invalid value for parameter id: expected <id>value</id>", moidOf("system.account.set"), "vim.EsxCLI.system.account.set",
			[]soapArgument{{Name: "id", Val: val}, cliArg("shellaccess", "false")})
	}

	for _, c := range cases {
		if got := s.cliFault(mme, c.moid, c.method, c.args); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s %s %v: fault %q, want %q", c.moid, c.method, c.args, got, c.want)
		}
	}

	// Nothing changed.
	if got := column(s.rows(mme, "system.account.list"), "UserID", "Shellaccess")["dcui"]; got != "true" {
		t.Errorf("dcui shell access %s after failed calls", got)
	}
	if got := column(s.rows(mme, "system.ssh.server.config.list"), "Key", "Value")["ciphers"]; !strings.HasPrefix(got, "aes256-gcm") {
		t.Errorf("ciphers %s after failed calls", got)
	}

	// The call itself is wrong: a vim25 fault.
	for _, version := range []string{"", "urn:vim25/8.0.2.0", "5.0"} {
		_, err := s.executeSoap(mme, "ha-cli-handler-system-account", version, "vim.EsxCLI.system.account.list", nil)
		if f, ok := expectFault(t, err, new(types.InvalidArgument)).(*types.InvalidArgument); !ok || f.InvalidProperty != "version" {
			t.Errorf("version %q: %v", version, err)
		}
	}
	// An esxcli handler id is not an object of the vim25 API.
	_, err := s.executeSoap(types.ManagedObjectReference{Type: "ReflectManagedMethodExecuter", Value: "ha-cli-handler-system-account"},
		"ha-cli-handler-system-account", esxcliVersion, "vim.EsxCLI.system.account.list", nil)
	expectFault(t, err, new(types.ManagedObjectNotFound))
}
