// Package ext adds vim25 behaviour that the govmomi 0.24 simulator lacks, with the
// semantics of a real vCenter, so that every vim25 client (pyVmomi, govmomi, the
// VirtCompliance C# client) observes the same thing:
//
//   - per-host HostFirewallSystem, HostServiceSystem, advanced-option OptionManager and
//     HostAccessManager, each reflected in that host's own config.* properties;
//   - per-host HostImageConfigManager (image acceptance level, fetchSoftwarePackages) and
//     HostPatchManager (UninstallHostPatch_Task removes installed packages);
//   - VirtualMachine.MigrateVM_Task, and ReconfigVM_Task with vim25 extraConfig semantics;
//   - CustomFieldsManager.SetField replacing a value rather than adding a second one;
//   - vCenter's defaults for switch and portgroup settings the simulator leaves unset, and a
//     DistributedVirtualSwitch.ReconfigureDvs_Task that applies them (dvsconfig.go);
//   - DistributedVirtualSwitch.ReconfigureDVPort_Task and a FetchDVPorts that returns
//     per-port settings, configVersion and connectees, with each port's traffic filters kept
//     element by element, own or inherited from the portgroup (dvfilter.go);
//   - HostNetworkSystem.UpdatePortGroup and UpdateVirtualSwitch for standard portgroups and
//     vSwitches, reflected in the host's config.network (stdnet.go);
//   - DistributedVirtualPortgroup.ReconfigureDVPortgroup_Task that merges the spec into the
//     portgroup's config and checks configVersion, instead of replacing the config (portgroup.go);
//   - the CIS REST appliance settings (SSH, time sync, NTP, syslog forwarding, password policy);
//   - ESXCLI through vim25 (HostSystem.RetrieveManagedMethodExecuter and
//     ReflectManagedMethodExecuter.ExecuteSoap), with per-host esxcli settings (esxcli.go);
//   - PropertyCollector.RetrievePropertiesEx paging (options.maxObjects, token),
//     ContinueRetrievePropertiesEx and CancelRetrievePropertiesEx.
//
// Usage: create a simulator.Model, call Install(model), then start the server with
// NewServer(model, listen, tlsConfig) instead of model.Service.NewServer().
//
// How the extensions are wired:
//
// The simulator dispatches a SOAP call by looking up the target object in simulator.Map
// and calling, by reflection, the Go method named after the vim25 method. Objects whose
// Go type the simulator never asserts (host firewall/service/option/access/image/patch
// managers, the PropertyCollector) are simply replaced in or added to simulator.Map as
// extension types.
// VirtualMachine, DistributedVirtualSwitch, DistributedVirtualPortgroup and HostSystem objects
// cannot be replaced, because the simulator type-asserts them in many places, nor can
// HostNetworkSystem, whose simulator methods are kept; calls of the few
// added methods on them are routed by the HTTP front handler to a per-object extension object
// (see dispatch.go).
// The front handler also gives the responses of vim25 methods with lowercase names
// (fetchSoftwarePackages) their vim25 element names.
package ext

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/vmware/govmomi/simulator"
	vapi "github.com/vmware/govmomi/vapi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// internalSDK is the registry path the simulator's own SOAP handler is registered under.
// It is host-qualified so that the ServeMux does not route ordinary client requests to it:
// every /sdk request goes through the extension front handler first.
const internalSDK = "vcsim.internal/sdk"

// proxyType is the managed object type of the per-object extension objects (never
// returned to clients).
const proxyType = "VcsimExtension"

// Extensions is the state of the installed extensions for one simulator model.
type Extensions struct {
	model *simulator.Model

	mu      sync.Mutex // serialises creation of extension proxies
	watcher *hostWatcher
}

// Install adds the extensions to the current simulator.Map. Call it after model.Create()
// and before the server is started.
func Install(model *simulator.Model) (*Extensions, error) {
	if model.Service == nil {
		return nil, fmt.Errorf("vcsim ext: the model has not been created")
	}
	e := &Extensions{model: model}

	registerEsxcliTypes()
	installPropertyCollector()
	advertiseVersion()
	if model.ServiceContent.About.ApiType == "VirtualCenter" {
		settingDefaults()
	}

	for _, obj := range simulator.Map.All("HostSystem") {
		if h, ok := obj.(*simulator.HostSystem); ok {
			extendHost(h)
		}
	}
	// Hosts added later (AddStandaloneHost, ClusterComputeResource.AddHost) are
	// extended as soon as they are registered.
	e.watcher = &hostWatcher{Self: types.ManagedObjectReference{Type: proxyType, Value: "host-watcher"}}
	simulator.Map.AddHandler(e.watcher)

	for _, kind := range []string{"VmwareDistributedVirtualSwitch", "DistributedVirtualSwitch"} {
		for _, obj := range simulator.Map.All(kind) {
			if dvs, ok := obj.(*simulator.DistributedVirtualSwitch); ok {
				switchDefaults(dvs)
			}
			p := e.dvsProxy(obj.Reference())
			simulator.Map.WithLock(p, p.sync)
		}
	}

	return e, nil
}

// NewServer starts the simulator's HTTP server with the extension front handler on /sdk.
// listen is the address (host:port, port 0 picks a free port) and user the accepted
// credentials (nil: any non-empty user name and password). tlsConfig nil means plain HTTP.
func (e *Extensions) NewServer(listen string, user *url.Userinfo, tlsConfig *tls.Config) *simulator.Server {
	svc := e.model.Service
	svc.Listen = &url.URL{Host: listen, User: user}
	svc.TLS = tlsConfig

	// The simulator registers its SOAP handler under Map.Path; move it out of the way and
	// put the front handler on the public paths.
	simulator.Map.Path = internalSDK
	mux := http.NewServeMux()
	front := &frontHandler{ext: e, svc: svc}
	mux.Handle("/sdk", front)
	mux.Handle("/sdk/vimService", front)
	mux.HandleFunc("/sdk/vimServiceVersions.xml", serviceVersions)
	svc.ServeMux = mux

	srv := svc.NewServer()
	// The CIS REST API (/rest: sessions, tag categories, tags, associations) on the same server.
	// Registered here rather than through RegisterEndpoints, whose hook expects the SOAP
	// handler at its default path, which the front handler now owns.
	restPath, restHandler := vapi.New(srv.URL, simulator.Map.OptionManager().Setting)
	mux.Handle(restPath, restHandler) // "/rest/"
	// The appliance settings vCenter controls read (appliance.go), behind the same CIS sessions.
	mux.Handle("/rest/appliance/", newAppliance(restHandler))

	srv.URL.Path = "/sdk"
	// The simulator advertises its own URL as an advanced setting; keep it accurate.
	public := *srv.URL
	public.User = nil
	setting := simulator.Map.OptionManager()
	for _, opt := range setting.Setting {
		if v := opt.GetOptionValue(); v.Key == "vcsim.server.url" {
			v.Value = public.String()
		}
	}
	return srv
}

// hostWatcher is a registry handler that extends HostSystem objects as they are added.
type hostWatcher struct {
	Self types.ManagedObjectReference
}

func (w *hostWatcher) Reference() types.ManagedObjectReference { return w.Self }

func (w *hostWatcher) PutObject(obj mo.Reference) {
	if h, ok := obj.(*simulator.HostSystem); ok {
		extendHost(h)
	}
}

func (w *hostWatcher) UpdateObject(mo.Reference, []types.PropertyChange) {}

func (w *hostWatcher) RemoveObject(types.ManagedObjectReference) {}

func proxyRef(target types.ManagedObjectReference) types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: proxyType, Value: target.Type + ":" + target.Value}
}

func isDVS(kind string) bool {
	return kind == "VmwareDistributedVirtualSwitch" || kind == "DistributedVirtualSwitch"
}

// vmProxy returns the extension object for a VirtualMachine, creating it on first use.
func (e *Extensions) vmProxy(vm types.ManagedObjectReference) *vmExtension {
	e.mu.Lock()
	defer e.mu.Unlock()
	ref := proxyRef(vm)
	if p, ok := simulator.Map.Get(ref).(*vmExtension); ok {
		return p
	}
	p := &vmExtension{target: vm}
	p.Self = ref
	simulator.Map.Put(p)
	return p
}

// dvsProxy returns the extension object (holding the port state) for a switch.
func (e *Extensions) dvsProxy(dvs types.ManagedObjectReference) *dvsExtension {
	e.mu.Lock()
	defer e.mu.Unlock()
	ref := proxyRef(dvs)
	if p, ok := simulator.Map.Get(ref).(*dvsExtension); ok {
		return p
	}
	p := &dvsExtension{target: dvs}
	p.Self = ref
	simulator.Map.Put(p)
	return p
}

func fault(msg string, f types.BaseMethodFault) *soapFault {
	return simulator.Fault(msg, f)
}

// validLockdownMode reports whether mode is one of the HostLockdownMode enum values.
func validLockdownMode(mode types.HostLockdownMode) bool {
	switch mode {
	case types.HostLockdownModeLockdownDisabled, types.HostLockdownModeLockdownNormal, types.HostLockdownModeLockdownStrict:
		return true
	}
	return false
}
