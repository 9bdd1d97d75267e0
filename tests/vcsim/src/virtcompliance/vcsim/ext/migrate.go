package ext

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// vmExtension carries the VirtualMachine methods the simulator lacks. The front handler
// routes calls on a VM to it (see dispatch.go).
type vmExtension struct {
	mo.ExtensibleManagedObject

	target types.ManagedObjectReference
}

func poolMO(obj mo.Reference) *mo.ResourcePool {
	switch p := obj.(type) {
	case *simulator.ResourcePool:
		return &p.ResourcePool
	case *simulator.VirtualApp:
		return &p.VirtualApp.ResourcePool
	}
	return nil
}

func computeResourceMO(obj mo.Reference) *mo.ComputeResource {
	switch c := obj.(type) {
	case *mo.ComputeResource:
		return c
	case *simulator.ClusterComputeResource:
		return &c.ClusterComputeResource.ComputeResource
	}
	return nil
}

func containsRef(refs []types.ManagedObjectReference, ref types.ManagedObjectReference) bool {
	for _, r := range refs {
		if r == ref {
			return true
		}
	}
	return false
}

func withoutRef(refs []types.ManagedObjectReference, ref types.ManagedObjectReference) []types.ManagedObjectReference {
	out := make([]types.ManagedObjectReference, 0, len(refs))
	for _, r := range refs {
		if r != ref {
			out = append(out, r)
		}
	}
	return out
}

func withRef(refs []types.ManagedObjectReference, ref types.ManagedObjectReference) []types.ManagedObjectReference {
	if containsRef(refs, ref) {
		return refs
	}
	return append(append([]types.ManagedObjectReference(nil), refs...), ref)
}

// MigrateVMTask moves the VM to another host and/or resource pool (a vMotion without
// storage change): runtime.host, resourcePool and the hosts' and pools' vm lists follow.
func (x *vmExtension) MigrateVMTask(ctx *simulator.Context, req *types.MigrateVM_Task) soap.HasFault {
	body := new(methods.MigrateVM_TaskBody)

	vm, ok := simulator.Map.Get(x.target).(*simulator.VirtualMachine)
	if !ok {
		body.Fault_ = fault("The object has already been deleted or has not been completely created", &types.ManagedObjectNotFound{Obj: x.target})
		return body
	}

	// References that do not exist fail the call itself, as the vim25 SOAP layer does.
	var host *simulator.HostSystem
	if req.Host != nil {
		obj := simulator.Map.Get(*req.Host)
		if obj == nil {
			body.Fault_ = fault("The object has already been deleted or has not been completely created", &types.ManagedObjectNotFound{Obj: *req.Host})
			return body
		}
		if host, ok = obj.(*simulator.HostSystem); !ok {
			body.Fault_ = invalidArgument("host")
			return body
		}
	}
	var pool mo.Reference
	if req.Pool != nil {
		pool = simulator.Map.Get(*req.Pool)
		if pool == nil {
			body.Fault_ = fault("The object has already been deleted or has not been completely created", &types.ManagedObjectNotFound{Obj: *req.Pool})
			return body
		}
		if poolMO(pool) == nil {
			body.Fault_ = invalidArgument("pool")
			return body
		}
	}
	if host == nil && pool == nil {
		body.Fault_ = invalidArgument("host")
		return body
	}

	task := simulator.CreateTask(vm, "migrateVm", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return migrate(ctx, vm, host, pool, req.State)
	})
	body.Res = &types.MigrateVM_TaskResponse{Returnval: task.Run()}
	return body
}

func migrate(ctx *simulator.Context, vm *simulator.VirtualMachine, host *simulator.HostSystem, pool mo.Reference, state types.VirtualMachinePowerState) (types.AnyType, types.BaseMethodFault) {
	var srcHost, srcPool *types.ManagedObjectReference
	var power types.VirtualMachinePowerState
	var datastores []types.ManagedObjectReference
	ctx.WithLock(vm, func() {
		srcHost, srcPool = vm.Runtime.Host, vm.ResourcePool
		power = vm.Runtime.PowerState
		datastores = append(datastores, vm.Datastore...)
	})

	if state != "" && state != power {
		return nil, &types.InvalidPowerState{RequestedState: state, ExistingState: power}
	}

	// Without a pool, the VM keeps its pool when the host is in the pool's cluster and
	// otherwise moves to the root pool of the host's cluster or standalone host.
	if pool == nil {
		cr := computeResourceMO(simulator.Map.Get(*host.Parent))
		if cr == nil || cr.ResourcePool == nil {
			return nil, &types.InvalidArgument{InvalidProperty: "host"}
		}
		pool = simulator.Map.Get(*cr.ResourcePool)
		if srcPool != nil {
			if current := poolMO(simulator.Map.Get(*srcPool)); current != nil && current.Owner == cr.Self {
				pool = simulator.Map.Get(*srcPool)
			}
		}
	}
	dstPool := poolMO(pool)
	owner := computeResourceMO(simulator.Map.Get(dstPool.Owner))
	if owner == nil {
		return nil, &types.InvalidArgument{InvalidProperty: "pool"}
	}

	// Without a host, a host of the pool's cluster is chosen (as DRS would).
	if host == nil {
		if srcHost != nil && containsRef(owner.Host, *srcHost) {
			host = hostOf(*srcHost)
		}
		for _, ref := range owner.Host {
			if host != nil {
				break
			}
			if h := hostOf(ref); h != nil && h.Runtime.ConnectionState == types.HostSystemConnectionStateConnected && !h.Runtime.InMaintenanceMode {
				host = h
			}
		}
		if host == nil {
			return nil, &types.InvalidArgument{InvalidProperty: "host"}
		}
	}

	if !containsRef(owner.Host, host.Self) {
		return nil, &types.InvalidArgument{InvalidProperty: "host"}
	}
	var hostState types.HostSystemConnectionState
	var maintenance bool
	var hostDatastores []types.ManagedObjectReference
	ctx.WithLock(host, func() {
		hostState, maintenance = host.Runtime.ConnectionState, host.Runtime.InMaintenanceMode
		hostDatastores = append(hostDatastores, host.Datastore...)
	})
	if hostState != types.HostSystemConnectionStateConnected {
		return nil, &types.HostNotConnected{}
	}
	if maintenance {
		return nil, &types.InvalidState{}
	}
	for _, ds := range datastores {
		if !containsRef(hostDatastores, ds) {
			ds := ds
			return nil, &types.DatastoreNotWritableOnHost{
				InvalidDatastore: types.InvalidDatastore{Datastore: &ds},
				Host:             host.Self,
			}
		}
	}

	dstHost := host.Self
	dstPoolRef := dstPool.Self

	if srcHost == nil || *srcHost != dstHost {
		if srcHost != nil {
			if old := hostOf(*srcHost); old != nil {
				ctx.WithLock(old, func() {
					simulator.Map.Update(old, []types.PropertyChange{{Name: "vm", Val: withoutRef(old.Vm, vm.Self)}})
				})
			}
		}
		ctx.WithLock(host, func() {
			simulator.Map.Update(host, []types.PropertyChange{{Name: "vm", Val: withRef(host.Vm, vm.Self)}})
		})
	}

	if srcPool == nil || *srcPool != dstPoolRef {
		if srcPool != nil {
			if old := simulator.Map.Get(*srcPool); poolMO(old) != nil {
				ctx.WithLock(old, func() {
					simulator.Map.Update(old, []types.PropertyChange{{Name: "vm", Val: withoutRef(poolMO(old).Vm, vm.Self)}})
				})
			}
		}
		ctx.WithLock(pool, func() {
			simulator.Map.Update(pool, []types.PropertyChange{{Name: "vm", Val: withRef(dstPool.Vm, vm.Self)}})
		})
	}

	ctx.WithLock(vm, func() {
		simulator.Map.Update(vm, []types.PropertyChange{
			{Name: "runtime.host", Val: dstHost},
			{Name: "summary.runtime.host", Val: dstHost},
			{Name: "resourcePool", Val: dstPoolRef},
		})
	})
	return nil, nil
}
