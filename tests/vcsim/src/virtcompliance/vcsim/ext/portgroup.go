package ext

import (
	"reflect"
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Distributed portgroup reconfiguration with vim25 semantics. The simulator's
// ReconfigureDVPortgroup_Task replaces the portgroup's whole config with the spec, so a spec
// that sets one policy wipes the name, numPorts, policy and the other port settings. vCenter
// instead applies the fields that are set and keeps the others, merges defaultPortConfig
// policy by policy (as ReconfigureDvs_Task merges the switch's, with the same mergePortSetting),
// refuses a stale configVersion and increments configVersion on success.

// portgroupExtension carries the portgroup methods the simulator lacks or gets wrong (the front
// handler routes calls on the portgroup to it). A DistributedVirtualPortgroup cannot be
// replaced in simulator.Map: the simulator type-asserts it in many places.
type portgroupExtension struct {
	mo.ExtensibleManagedObject

	target types.ManagedObjectReference
}

// portgroupProxy returns the extension object for a distributed portgroup, creating it on first use.
func (e *Extensions) portgroupProxy(pg types.ManagedObjectReference) *portgroupExtension {
	e.mu.Lock()
	defer e.mu.Unlock()
	ref := proxyRef(pg)
	if p, ok := simulator.Map.Get(ref).(*portgroupExtension); ok {
		return p
	}
	p := &portgroupExtension{target: pg}
	p.Self = ref
	simulator.Map.Put(p)
	return p
}

// nextConfigVersion returns the configVersion after v (a string of an integer; none counts as 0).
func nextConfigVersion(v string) string {
	n, _ := strconv.Atoi(v)
	return strconv.Itoa(n + 1)
}

// portgroupTypes are the values of DistributedVirtualPortgroupPortgroupType.
var portgroupTypes = map[string]bool{
	string(types.DistributedVirtualPortgroupPortgroupTypeEarlyBinding): true,
	string(types.DistributedVirtualPortgroupPortgroupTypeLateBinding):  true,
	string(types.DistributedVirtualPortgroupPortgroupTypeEphemeral):    true,
}

// ReconfigureDVPortgroupTask applies a DVPortgroupConfigSpec as vCenter does. Faults are the
// task's error, as vCenter reports them: ConcurrentAccess when configVersion is given and is not
// the current one, DuplicateName when the new name is taken in the portgroup's folder,
// InvalidArgument for an unknown type or a negative numPorts. A failed task changes nothing.
func (p *portgroupExtension) ReconfigureDVPortgroupTask(ctx *simulator.Context, req *types.ReconfigureDVPortgroup_Task) soap.HasFault {
	body := new(methods.ReconfigureDVPortgroup_TaskBody)
	pg, ok := simulator.Map.Get(p.target).(*simulator.DistributedVirtualPortgroup)
	if !ok {
		body.Fault_ = fault("The object has already been deleted or has not been completely created", &types.ManagedObjectNotFound{Obj: p.target})
		return body
	}
	spec := req.Spec
	var failure types.BaseMethodFault
	task := simulator.CreateTask(pg, "reconfigureDvPortgroup", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		failure = reconfigurePortgroup(ctx, pg, &spec)
		return nil, failure
	})
	body.Res = &types.ReconfigureDVPortgroup_TaskResponse{Returnval: task.Run()}
	if failure != nil {
		// The simulator's task message is the fault's Go type name; vCenter's says what went
		// wrong. Set before the task is returned, so the client reads only this one.
		simulator.Map.Update(task, []types.PropertyChange{{Name: "info.error", Val: types.LocalizedMethodFault{
			Fault: failure, LocalizedMessage: portgroupFaultMessage(failure),
		}}})
	}
	return body
}

// portgroupFaultMessage is vCenter's localized message for a fault of ReconfigureDVPortgroupTask.
func portgroupFaultMessage(f types.BaseMethodFault) string {
	switch f := f.(type) {
	case *types.ConcurrentAccess:
		return "Cannot complete operation due to concurrent modification by another operation."
	case *types.DuplicateName:
		return "The name '" + f.Name + "' already exists."
	case *types.InvalidArgument:
		return "A specified parameter was not correct: " + f.InvalidProperty
	}
	return reflect.TypeOf(f).Elem().Name()
}

func reconfigurePortgroup(ctx *simulator.Context, pg *simulator.DistributedVirtualPortgroup, spec *types.DVPortgroupConfigSpec) types.BaseMethodFault {
	var failure types.BaseMethodFault
	var oldName string
	var dvsRef *types.ManagedObjectReference
	renamed := false

	ctx.WithLock(pg, func() {
		current := pg.Config
		if spec.ConfigVersion != "" && spec.ConfigVersion != current.ConfigVersion {
			failure = &types.ConcurrentAccess{}
			return
		}
		if spec.Type != "" && !portgroupTypes[spec.Type] {
			failure = &types.InvalidArgument{InvalidProperty: "type"}
			return
		}
		if spec.NumPorts < 0 {
			failure = &types.InvalidArgument{InvalidProperty: "numPorts"}
			return
		}
		renamed = spec.Name != "" && spec.Name != pg.Name
		if renamed && pg.Parent != nil {
			// The simulator's AddDVPortgroup_Task checks names in the switch's folder; a rename
			// checks the portgroup's own folder the same way.
			if folder, ok := simulator.Map.Get(*pg.Parent).(*simulator.Folder); ok {
				if other := simulator.Map.FindByName(spec.Name, folder.ChildEntity); other != nil && other.Reference() != pg.Self {
					failure = &types.DuplicateName{Name: spec.Name, Object: other.Reference()}
					return
				}
			}
		}

		next := applyPortgroupSpec(current, spec)
		changes := []types.PropertyChange{{Name: "config", Val: next}}
		if renamed {
			oldName = pg.Name
			changes = append(changes, types.PropertyChange{Name: "name", Val: spec.Name})
		}
		dvsRef = current.DistributedVirtualSwitch
		simulator.Map.Update(pg, changes)
	})
	if failure != nil || !renamed || dvsRef == nil {
		return failure
	}

	// The switch lists its portgroups' names (summary.portgroupName; the simulator's Destroy_Task
	// removes the portgroup's current name from it). Updated after the portgroup's lock is
	// released: the simulator takes a switch's lock before its portgroups'.
	if dvs, ok := simulator.Map.Get(*dvsRef).(*simulator.DistributedVirtualSwitch); ok {
		ctx.WithLock(dvs, func() {
			names := append([]string(nil), dvs.Summary.PortgroupName...)
			for i, name := range names {
				if name == oldName {
					names[i] = spec.Name
					simulator.Map.Update(dvs, []types.PropertyChange{{Name: "summary.portgroupName", Val: names}})
					break
				}
			}
		})
	}
	return nil
}

// applyPortgroupSpec returns the portgroup config after spec, with vim25 semantics: every
// top-level field the spec sets replaces the current value and the unset ones (empty strings,
// numPorts 0, nil pointers, slices and policies) keep it; defaultPortConfig is merged into the
// current settings policy by policy with mergePortSetting, the merge ReconfigureDvs_Task applies
// to the switch's default port config; configVersion is incremented. current is not modified.
func applyPortgroupSpec(current types.DVPortgroupConfigInfo, spec *types.DVPortgroupConfigSpec) types.DVPortgroupConfigInfo {
	next := current
	fields := *spec
	fields.ConfigVersion = ""
	fields.DefaultPortConfig = nil
	// DVPortgroupConfigSpec has no struct-pointer fields, so mergeInto replaces every set field
	// of next (it never merges into, and so never modifies, an object next shares with current).
	mergeInto(reflect.ValueOf(&next).Elem(), reflect.ValueOf(&fields).Elem(), false)
	if spec.DefaultPortConfig != nil {
		next.DefaultPortConfig = mergePortSetting(current.DefaultPortConfig, spec.DefaultPortConfig)
	}
	next.ConfigVersion = nextConfigVersion(current.ConfigVersion)
	return next
}
