package ext

import (
	"encoding/xml"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// ESXCLI through vim25, as PowerCLI's Get-EsxCli -V2 and govc host.esxcli reach it through
// vCenter:
//
//  1. HostSystem.RetrieveManagedMethodExecuter returns the host's ReflectManagedMethodExecuter.
//  2. ReflectManagedMethodExecuter.ExecuteSoap(moid, version, method, argument[]) runs one
//     esxcli command: method "vim.EsxCLI.<namespace>.<verb>", moid
//     "ha-cli-handler-<namespace, dots as dashes>", version "urn:vim25/5.0", each argument a
//     {name, val} pair whose val is the XML snippet <name>value</name>.
//
// The result is a ReflectManagedMethodExecuterSoapResult: either response, the command's
// output as an XML document (<obj xsi:type="...">), or fault {faultMsg, faultDetail} for an
// esxcli-level error (unknown command, wrong handler, bad argument), as a real host answers;
// only errors of the vim25 call itself (unknown executer, wrong version) are SOAP faults.
//
// Neither method is in the public vim25 WSDL (govmomi keeps their types in its internal
// package, which only govmomi itself may import), so the request and response types are
// declared here and registered with types.Add for the simulator's decoder.
// RetrieveManagedMethodExecuter is a method of HostSystem, whose Go type cannot be replaced in
// simulator.Map: the front handler routes it to a per-host extension object (dispatch.go).
// The executer itself is a registered object of its own, so ExecuteSoap is dispatched to it
// directly. The commands and their per-host state are in esxcli_commands.go.

const (
	executerType       = "ReflectManagedMethodExecuter"
	esxcliVersion      = "urn:vim25/5.0"
	esxcliMethodPrefix = "vim.EsxCLI."
	esxcliMoidPrefix   = "ha-cli-handler-"
)

// retrieveManagedMethodExecuterRequest is the body of HostSystem.RetrieveManagedMethodExecuter.
type retrieveManagedMethodExecuterRequest struct {
	This types.ManagedObjectReference `xml:"_this"`
}

// RetrieveManagedMethodExecuterResponse is exported because the simulator names the response
// element after the Go type.
type RetrieveManagedMethodExecuterResponse struct {
	Returnval *types.ManagedObjectReference `xml:"returnval,omitempty"`
}

type retrieveManagedMethodExecuterBody struct {
	Req    *retrieveManagedMethodExecuterRequest  `xml:"urn:vim25 RetrieveManagedMethodExecuter,omitempty"`
	Res    *RetrieveManagedMethodExecuterResponse `xml:"urn:vim25 RetrieveManagedMethodExecuterResponse,omitempty"`
	Fault_ *soap.Fault                            `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault,omitempty"`
}

func (b *retrieveManagedMethodExecuterBody) Fault() *soap.Fault { return b.Fault_ }

// soapArgument is a ReflectManagedMethodExecuterSoapArgument.
type soapArgument struct {
	Name string `xml:"name"`
	Val  string `xml:"val"`
}

// soapResultFault is a ReflectManagedMethodExecuterSoapFault.
type soapResultFault struct {
	FaultMsg    string `xml:"faultMsg"`
	FaultDetail string `xml:"faultDetail,omitempty"`
}

// soapResult is a ReflectManagedMethodExecuterSoapResult.
type soapResult struct {
	Response string           `xml:"response,omitempty"`
	Fault    *soapResultFault `xml:"fault,omitempty"`
}

// executeSoapRequest is the body of ReflectManagedMethodExecuter.ExecuteSoap.
type executeSoapRequest struct {
	This     types.ManagedObjectReference `xml:"_this"`
	Moid     string                       `xml:"moid"`
	Version  string                       `xml:"version"`
	Method   string                       `xml:"method"`
	Argument []soapArgument               `xml:"argument,omitempty"`
}

// ExecuteSoapResponse is exported because the simulator names the response element after the
// Go type.
type ExecuteSoapResponse struct {
	Returnval *soapResult `xml:"returnval,omitempty"`
}

type executeSoapBody struct {
	Req    *executeSoapRequest  `xml:"urn:vim25 ExecuteSoap,omitempty"`
	Res    *ExecuteSoapResponse `xml:"urn:vim25 ExecuteSoapResponse,omitempty"`
	Fault_ *soap.Fault          `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault,omitempty"`
}

func (b *executeSoapBody) Fault() *soap.Fault { return b.Fault_ }

// registerEsxcliTypes makes the simulator's decoder (and the front handler's) know the two
// request elements and the argument type. Called from Install, after every package init, so
// that these declarations win over any other registration of the same names.
func registerEsxcliTypes() {
	types.Add("RetrieveManagedMethodExecuter", reflect.TypeOf((*retrieveManagedMethodExecuterRequest)(nil)).Elem())
	types.Add("ExecuteSoap", reflect.TypeOf((*executeSoapRequest)(nil)).Elem())
	types.Add("ReflectManagedMethodExecuterSoapArgument", reflect.TypeOf((*soapArgument)(nil)).Elem())
}

// hostExtension is the per-host extension object that receives the HostSystem methods routed
// by the front handler.
type hostExtension struct {
	mo.ExtensibleManagedObject

	target types.ManagedObjectReference
}

// hostProxy returns the extension object for a host, creating it on first use.
func (e *Extensions) hostProxy(host types.ManagedObjectReference) *hostExtension {
	e.mu.Lock()
	defer e.mu.Unlock()
	ref := proxyRef(host)
	if p, ok := simulator.Map.Get(ref).(*hostExtension); ok {
		return p
	}
	p := &hostExtension{target: host}
	p.Self = ref
	simulator.Map.Put(p)
	return p
}

// executerRef is the reference of a host's ReflectManagedMethodExecuter.
func executerRef(host types.ManagedObjectReference) types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: executerType, Value: "mme-" + host.Value}
}

// RetrieveManagedMethodExecuter returns the host's executer, created (with the host's esxcli
// state at its defaults) on the first call. Calls for one host are serialised by the lock of
// its extension object.
func (p *hostExtension) RetrieveManagedMethodExecuter(req *retrieveManagedMethodExecuterRequest) soap.HasFault {
	body := new(retrieveManagedMethodExecuterBody)
	h := hostOf(p.target)
	if h == nil {
		body.Fault_ = fault(fmt.Sprintf("managed object not found: %s", p.target), &types.ManagedObjectNotFound{Obj: p.target})
		return body
	}
	ref := executerRef(p.target)
	if _, ok := simulator.Map.Get(ref).(*methodExecuter); !ok {
		m := &methodExecuter{Self: ref, host: p.target, state: newEsxcliState()}
		simulator.Map.WithLock(h, func() {
			if opt := h.ConfigManager.AdvancedOption; opt != nil {
				m.options = *opt
			}
		})
		simulator.Map.Put(m)
	}
	body.Res = &RetrieveManagedMethodExecuterResponse{Returnval: &ref}
	return body
}

// methodExecuter is one host's ReflectManagedMethodExecuter with that host's esxcli state.
type methodExecuter struct {
	Self types.ManagedObjectReference

	host    types.ManagedObjectReference
	options types.ManagedObjectReference // the host's advanced options (syslog settings live there)
	state   *esxcliState
}

func (m *methodExecuter) Reference() types.ManagedObjectReference { return m.Self }

// ExecuteSoap runs one esxcli command. The executer of a host that no longer exists is
// ManagedObjectNotFound, like the host; a version other than urn:vim25/5.0 (the version the
// esxcli types are defined in) is InvalidArgument. Everything else is answered in the result.
func (m *methodExecuter) ExecuteSoap(ctx *simulator.Context, req *executeSoapRequest) soap.HasFault {
	body := new(executeSoapBody)
	if hostOf(m.host) == nil {
		body.Fault_ = fault(fmt.Sprintf("managed object not found: %s", m.Self), &types.ManagedObjectNotFound{Obj: m.Self})
		return body
	}
	if req.Version != esxcliVersion {
		body.Fault_ = invalidArgument("version")
		return body
	}
	result := new(soapResult)
	if out, err := m.execute(ctx, req); err != nil {
		result.Fault = &soapResultFault{FaultMsg: err.msg, FaultDetail: err.detail()}
	} else {
		result.Response = out
	}
	body.Res = &ExecuteSoapResponse{Returnval: result}
	return body
}

func (m *methodExecuter) execute(ctx *simulator.Context, req *executeSoapRequest) (string, *cliError) {
	name := strings.TrimPrefix(req.Method, esxcliMethodPrefix)
	cmd, ok := esxcliCommands[name]
	if !ok || !strings.HasPrefix(req.Method, esxcliMethodPrefix) {
		if strings.HasPrefix(req.Method, esxcliMethodPrefix) {
			return "", cliErrorf("Unknown command or namespace %s", strings.ReplaceAll(name, ".", " "))
		}
		return "", cliErrorf("Unknown command or namespace %s", req.Method)
	}
	namespace := name[:strings.LastIndexByte(name, '.')]
	if want := esxcliMoidPrefix + strings.ReplaceAll(namespace, ".", "-"); req.Moid != want {
		return "", cliErrorf("Managed object %s has no method %s (it belongs to %s)", req.Moid, req.Method, want)
	}
	args, err := parseArguments(cmd.params, req.Argument)
	if err != nil {
		return "", err
	}
	return cmd.run(&cliCall{ctx: ctx, m: m, st: m.state, args: args})
}

// cliError is an esxcli-level error, returned in the result's fault.
type cliError struct {
	msg string
}

func cliErrorf(format string, a ...interface{}) *cliError {
	return &cliError{msg: fmt.Sprintf(format, a...)}
}

// detail is the fault's faultDetail: the message as an esxcli CLIFault object, in the same
// <obj> form as a response. (The shape of a real host's faultDetail is a best guess; clients
// should show faultMsg.)
func (e *cliError) detail() string {
	var b strings.Builder
	b.WriteString(objOpen("VimEsxCLICLIFault"))
	writeField(&b, "errMsg", e.msg)
	b.WriteString("</obj>")
	return b.String()
}

// --- arguments ---

type paramKind int

const (
	stringParam paramKind = iota
	boolParam
)

type param struct {
	name     string
	kind     paramKind
	required bool
}

// cliArgs are a command's given arguments by name; booleans are normalised to true/false.
type cliArgs map[string]string

func (a cliArgs) has(name string) bool { _, ok := a[name]; return ok }

func (a cliArgs) bool(name string) bool { return a[name] == "true" }

// parseArguments checks the given arguments against the command's parameters: every name
// known and given once, every value a <name>value</name> snippet, booleans xsd:boolean, the
// required ones present.
func parseArguments(params []param, given []soapArgument) (cliArgs, *cliError) {
	out := cliArgs{}
	for _, a := range given {
		var p *param
		for i := range params {
			if params[i].name == a.Name {
				p = &params[i]
			}
		}
		if p == nil {
			return nil, cliErrorf("Invalid option %s", a.Name)
		}
		if out.has(a.Name) {
			return nil, cliErrorf("Option %s given more than once", a.Name)
		}
		value, ok := argumentValue(a)
		if !ok {
			return nil, cliErrorf("Invalid value for parameter %s: expected <%s>value</%s>", a.Name, a.Name, a.Name)
		}
		if p.kind == boolParam {
			switch value {
			case "true", "1":
				value = "true"
			case "false", "0":
				value = "false"
			default:
				return nil, cliErrorf("Invalid value for parameter %s: '%s' is not a boolean", a.Name, value)
			}
		}
		out[a.Name] = value
	}
	for _, p := range params {
		if p.required && !out.has(p.name) {
			return nil, cliErrorf("Missing required parameter %s", p.name)
		}
	}
	return out, nil
}

// argumentValue returns the text of an argument's val, which must be one element named like
// the argument with text only: no child elements, no DTD, no processing instructions (only the
// predefined XML entities and character references are expanded).
func argumentValue(a soapArgument) (string, bool) {
	d := xml.NewDecoder(strings.NewReader(a.Val))
	depth := 0
	seen := false
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return text.String(), seen && depth == 0
		}
		if err != nil {
			return "", false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if seen || depth > 0 || t.Name.Local != a.Name {
				return "", false
			}
			seen = true
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth > 0 {
				text.Write(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return "", false
			}
		case xml.Comment:
		default: // directives (DTDs) and processing instructions
			return "", false
		}
	}
}

// --- response documents ---

// objOpen is the start tag of an esxcli response document of the given xsi:type.
func objOpen(xsiType string) string {
	return `<obj xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
		` xmlns:vim25="urn:vim25" versionId="5.0" xsi:type="` + xsiType + `">`
}

func writeField(b *strings.Builder, name, value string) {
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(value))
	b.WriteString("</" + name + ">")
}

// field is one field of an esxcli data object, in the order the type defines.
type field struct {
	name, value string
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

// objectXML is the response of a get command: one data object.
func objectXML(xsiType string, fields []field) string {
	var b strings.Builder
	b.WriteString(objOpen(xsiType))
	for _, f := range fields {
		writeField(&b, f.name, f.value)
	}
	b.WriteString("</obj>")
	return b.String()
}

// listXML is the response of a list command: an ArrayOfDataObject of rows of one type.
func listXML(xsiType string, rows [][]field) string {
	var b strings.Builder
	b.WriteString(objOpen("ArrayOfDataObject"))
	for _, row := range rows {
		b.WriteString(`<DataObject xsi:type="` + xsiType + `">`)
		for _, f := range row {
			writeField(&b, f.name, f.value)
		}
		b.WriteString("</DataObject>")
	}
	b.WriteString("</obj>")
	return b.String()
}

// doneXML is the response of a set command.
func doneXML() string {
	return objOpen("xsd:boolean") + "true</obj>"
}
