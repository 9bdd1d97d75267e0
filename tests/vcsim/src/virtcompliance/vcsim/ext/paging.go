package ext

import (
	"sync"

	"github.com/google/uuid"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// maxPendingResults bounds the unfinished paged results a collector keeps; the oldest
// are dropped first (as a server would expire them).
const maxPendingResults = 1000

// propertyCollector adds RetrievePropertiesEx paging to the simulator's collector:
// options.maxObjects limits a result, whose remainder is returned page by page by
// ContinueRetrievePropertiesEx (token), or discarded by CancelRetrievePropertiesEx.
//
// The simulator gives every logged-in client its own instance of the registered collector
// type (created by reflection, so the zero value must work); a token therefore belongs to
// one login.
type propertyCollector struct {
	simulator.PropertyCollector // must stay the first field (the simulator digs the mo type out of it)

	pagesMu sync.Mutex
	pages   map[string]*pendingResult
	order   []string
}

type pendingResult struct {
	objects    []types.ObjectContent
	maxObjects int
}

func installPropertyCollector() {
	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	pc := &propertyCollector{}
	pc.Self = si.Content.PropertyCollector
	simulator.Map.Put(pc)
}

// page cuts objects to at most max entries and keeps the rest under a new token.
func (pc *propertyCollector) page(objects []types.ObjectContent, max int) types.RetrieveResult {
	if max <= 0 || len(objects) <= max {
		return types.RetrieveResult{Objects: objects}
	}
	token := uuid.New().String()
	pc.pagesMu.Lock()
	defer pc.pagesMu.Unlock()
	if pc.pages == nil {
		pc.pages = make(map[string]*pendingResult)
	}
	for len(pc.order) >= maxPendingResults {
		delete(pc.pages, pc.order[0])
		pc.order = pc.order[1:]
	}
	pc.pages[token] = &pendingResult{objects: objects[max:], maxObjects: max}
	pc.order = append(pc.order, token)
	return types.RetrieveResult{Token: token, Objects: objects[:max:max]}
}

func (pc *propertyCollector) take(token string) *pendingResult {
	pc.pagesMu.Lock()
	defer pc.pagesMu.Unlock()
	p := pc.pages[token]
	if p != nil {
		delete(pc.pages, token)
		for i, t := range pc.order {
			if t == token {
				pc.order = append(pc.order[:i], pc.order[i+1:]...)
				break
			}
		}
	}
	return p
}

func (pc *propertyCollector) RetrievePropertiesEx(ctx *simulator.Context, req *types.RetrievePropertiesEx) soap.HasFault {
	if req.Options.MaxObjects < 0 {
		return &methods.RetrievePropertiesExBody{Fault_: invalidArgument("options.maxObjects")}
	}
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, vmwareSwitchSpecs(req))
	body, ok := res.(*methods.RetrievePropertiesExBody)
	if !ok || body.Fault_ != nil || body.Res == nil || body.Res.Returnval == nil {
		return res
	}
	withNewerFields(ctx, req.SpecSet, body.Res.Returnval.Objects)
	result := pc.page(body.Res.Returnval.Objects, int(req.Options.MaxObjects))
	body.Res.Returnval = &result
	return body
}

func (pc *propertyCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, req *types.ContinueRetrievePropertiesEx) soap.HasFault {
	body := new(methods.ContinueRetrievePropertiesExBody)
	pending := pc.take(req.Token)
	if pending == nil {
		body.Fault_ = invalidArgument("token")
		return body
	}
	body.Res = &types.ContinueRetrievePropertiesExResponse{Returnval: pc.page(pending.objects, pending.maxObjects)}
	return body
}

func (pc *propertyCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, req *types.CancelRetrievePropertiesEx) soap.HasFault {
	body := new(methods.CancelRetrievePropertiesExBody)
	if pc.take(req.Token) == nil {
		body.Fault_ = invalidArgument("token")
		return body
	}
	body.Res = new(types.CancelRetrievePropertiesExResponse)
	return body
}

// CreatePropertyCollector creates collectors of this type, so they page too.
func (pc *propertyCollector) CreatePropertyCollector(ctx *simulator.Context, req *types.CreatePropertyCollector) soap.HasFault {
	c := &propertyCollector{}
	c.Self.Type = "PropertyCollector"
	return &methods.CreatePropertyCollectorBody{
		Res: &types.CreatePropertyCollectorResponse{Returnval: ctx.Session.Put(c).Reference()},
	}
}

// vmwareSwitchSpecs lets property sets of type VmwareDistributedVirtualSwitch apply to the
// simulator's switches. vCenter's own switches are VmwareDistributedVirtualSwitch objects, and
// a client asks for their VMware-only properties (config.ipfixConfig, ...) under that type; the
// simulator registers every switch as a DistributedVirtualSwitch (with a VMware config), so such
// a property set would match nothing. Requests without one are passed on unchanged.
func vmwareSwitchSpecs(req *types.RetrievePropertiesEx) *types.RetrievePropertiesEx {
	changed := false
	specs := make([]types.PropertyFilterSpec, len(req.SpecSet))
	for i, spec := range req.SpecSet {
		specs[i] = spec
		props := make([]types.PropertySpec, len(spec.PropSet))
		for j, p := range spec.PropSet {
			props[j] = p
			if p.Type == "VmwareDistributedVirtualSwitch" {
				props[j].Type = "DistributedVirtualSwitch"
				changed = true
			}
		}
		specs[i].PropSet = props
	}
	if !changed {
		return req
	}
	out := *req
	out.SpecSet = specs
	return &out
}
