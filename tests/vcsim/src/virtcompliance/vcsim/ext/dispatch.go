package ext

import (
	"bytes"
	"io/ioutil"
	"net/http"
	"reflect"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

type soapFault = soap.Fault

// routedMethods are the vim25 methods added to object types whose Go type cannot be
// replaced in simulator.Map. A call of one of them is re-addressed to the target's
// extension object and then handed to the simulator's own SOAP handler, which keeps
// authentication checks, locking, task handling and fault encoding exactly as for every other
// method.
var routedMethods = map[string]struct {
	accepts func(kind string) bool
	body    func(req interface{}) interface{}
}{
	"MigrateVM_Task": {
		accepts: func(kind string) bool { return kind == "VirtualMachine" },
		body: func(req interface{}) interface{} {
			return &methods.MigrateVM_TaskBody{Req: req.(*types.MigrateVM_Task)}
		},
	},
	"ReconfigureDVPort_Task": {
		accepts: isDVS,
		body: func(req interface{}) interface{} {
			return &methods.ReconfigureDVPort_TaskBody{Req: req.(*types.ReconfigureDVPort_Task)}
		},
	},
	"ReconfigVM_Task": {
		accepts: func(kind string) bool { return kind == "VirtualMachine" },
		body: func(req interface{}) interface{} {
			return &methods.ReconfigVM_TaskBody{Req: req.(*types.ReconfigVM_Task)}
		},
	},
	"SetField": {
		accepts: func(kind string) bool { return kind == "CustomFieldsManager" },
		body: func(req interface{}) interface{} {
			return &methods.SetFieldBody{Req: req.(*types.SetField)}
		},
	},
	"ReconfigureDVPortgroup_Task": {
		accepts: func(kind string) bool { return kind == "DistributedVirtualPortgroup" },
		body: func(req interface{}) interface{} {
			return &methods.ReconfigureDVPortgroup_TaskBody{Req: req.(*types.ReconfigureDVPortgroup_Task)}
		},
	},
	"ReconfigureDvs_Task": {
		accepts: isDVS,
		body: func(req interface{}) interface{} {
			return &methods.ReconfigureDvs_TaskBody{Req: req.(*types.ReconfigureDvs_Task)}
		},
	},
	"EnableNetworkResourceManagement": {
		accepts: isDVS,
		body: func(req interface{}) interface{} {
			return &methods.EnableNetworkResourceManagementBody{Req: req.(*types.EnableNetworkResourceManagement)}
		},
	},
	"FetchDVPorts": {
		accepts: isDVS,
		body: func(req interface{}) interface{} {
			return &methods.FetchDVPortsBody{Req: req.(*types.FetchDVPorts)}
		},
	},
	"UpdatePortGroup": {
		accepts: func(kind string) bool { return kind == "HostNetworkSystem" },
		body: func(req interface{}) interface{} {
			return &methods.UpdatePortGroupBody{Req: req.(*types.UpdatePortGroup)}
		},
	},
	"UpdateVirtualSwitch": {
		accepts: func(kind string) bool { return kind == "HostNetworkSystem" },
		body: func(req interface{}) interface{} {
			return &methods.UpdateVirtualSwitchBody{Req: req.(*types.UpdateVirtualSwitch)}
		},
	},
	"ReconfigureComputeResource_Task": {
		accepts: func(kind string) bool { return kind == "ClusterComputeResource" },
		body: func(req interface{}) interface{} {
			return &methods.ReconfigureComputeResource_TaskBody{Req: req.(*types.ReconfigureComputeResource_Task)}
		},
	},
	// Not in the public WSDL: the request type is declared in esxcli.go.
	"RetrieveManagedMethodExecuter": {
		accepts: func(kind string) bool { return kind == "HostSystem" },
		body: func(req interface{}) interface{} {
			return &retrieveManagedMethodExecuterBody{Req: req.(*retrieveManagedMethodExecuterRequest)}
		},
	},
}

// frontHandler receives every /sdk request and passes it to the simulator's SOAP
// handler, re-addressing the routed methods first.
type frontHandler struct {
	ext *Extensions
	svc *simulator.Service
}

func (h *frontHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		recordVersion(r)
		body, err := ioutil.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		body = h.route(body)
		r.Body = ioutil.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))

		if name := lowercaseMethod(body); name != "" {
			rw := &renamingWriter{ResponseWriter: w, status: http.StatusOK}
			defer rw.finish(name)
			w = rw
		}
	}

	// The simulator selects its registry by the request path.
	inner := new(http.Request)
	*inner = *r
	u := *r.URL
	u.Path = internalSDK
	inner.URL = &u
	h.svc.ServeSDK(w, inner)
}

// lowercaseMethods are the implemented vim25 methods whose names start with a lowercase
// letter. The simulator finds their Go methods (it capitalises the first letter), but names
// the response element after the Go type of the result (FetchSoftwarePackagesResponse),
// while vim25 clients expect the method name plus "Response" (fetchSoftwarePackagesResponse)
// and find no result otherwise. The front handler renames the element in the response.
var lowercaseMethods = []string{"fetchSoftwarePackages"}

// lowercaseMethod returns the name of the called method when it is one of
// lowercaseMethods, otherwise "".
func lowercaseMethod(body []byte) string {
	for _, name := range lowercaseMethods {
		if !bytes.Contains(body, []byte(name)) {
			continue
		}
		if method, err := simulator.UnmarshalBody(typeFunc, body); err == nil && method.Name == name {
			return name
		}
	}
	return ""
}

// renamingWriter buffers a SOAP response so that finish can rename the response element
// of a lowercase method before it is sent.
type renamingWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (w *renamingWriter) WriteHeader(status int) { w.status = status }

func (w *renamingWriter) Write(b []byte) (int, error) { return w.buf.Write(b) }

func (w *renamingWriter) finish(method string) {
	out := w.buf.Bytes()
	goName := strings.ToUpper(method[:1]) + method[1:] + "Response"
	wireName := method + "Response"
	out = bytes.Replace(out, []byte("<"+goName+">"), []byte("<"+wireName+">"), 1)
	out = bytes.Replace(out, []byte("<"+goName+" "), []byte("<"+wireName+" "), 1)
	out = bytes.Replace(out, []byte("</"+goName+">"), []byte("</"+wireName+">"), 1)
	w.ResponseWriter.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(out)
}

// route returns the request body, re-addressed to an extension object when the call is
// one of routedMethods on an existing object of the right type.
func (h *frontHandler) route(body []byte) []byte {
	candidate := false
	for name := range routedMethods {
		if bytes.Contains(body, []byte(name)) {
			candidate = true
			break
		}
	}
	if !candidate {
		return body
	}

	method, err := simulator.UnmarshalBody(typeFunc, body)
	if err != nil {
		return body // the simulator answers with its own fault
	}
	route, ok := routedMethods[method.Name]
	if !ok || !route.accepts(method.This.Type) || simulator.Map.Get(method.This) == nil {
		return body
	}

	var proxy types.ManagedObjectReference
	switch {
	case method.This.Type == "VirtualMachine":
		proxy = h.ext.vmProxy(method.This).Self
	case method.This.Type == "CustomFieldsManager":
		proxy = h.ext.fieldsProxy(method.This).Self
	case method.This.Type == "HostSystem":
		proxy = h.ext.hostProxy(method.This).Self
	case method.This.Type == "HostNetworkSystem":
		proxy = h.ext.networkProxy(method.This).Self
	case method.This.Type == "DistributedVirtualPortgroup":
		proxy = h.ext.portgroupProxy(method.This).Self
	case method.This.Type == "ClusterComputeResource":
		proxy = h.ext.clusterProxy(method.This).Self
	default:
		proxy = h.ext.dvsProxy(method.This).Self
	}
	reflect.ValueOf(method.Body).Elem().FieldByName("This").Set(reflect.ValueOf(proxy))

	out, err := xml.Marshal(soap.Envelope{Body: route.body(method.Body)})
	if err != nil {
		return body
	}
	return append([]byte(xml.Header), out...)
}

var vim25Types = types.TypeFunc()

// typeFunc resolves vim25 type names, also when a client qualifies them with a prefix.
func typeFunc(name string) (reflect.Type, bool) {
	if t, ok := vim25Types(name); ok {
		return t, ok
	}
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return vim25Types(name[i+1:])
	}
	return nil, false
}
