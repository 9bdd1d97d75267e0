package ext

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Cluster reconfiguration with vim25 semantics for DRS and HA. The simulator's
// ReconfigureComputeResource_Task applies rules, groups and VM overrides but ignores
// drsConfig and dasConfig, so a client that turns DRS or HA on sees nothing change. vCenter, with
// modify set, applies the members of the spec that are set and keeps the others; with modify
// unset the spec replaces the configuration (unset members take their defaults). Both are done
// here, after the simulator's own handling of the rest of the spec succeeded.

// clusterExtension carries the cluster methods the simulator gets wrong (the front handler
// routes calls on the cluster to it).
type clusterExtension struct {
	mo.ExtensibleManagedObject

	target types.ManagedObjectReference
}

// clusterProxy returns the extension object for a cluster, creating it on first use.
func (e *Extensions) clusterProxy(cluster types.ManagedObjectReference) *clusterExtension {
	e.mu.Lock()
	defer e.mu.Unlock()
	ref := proxyRef(cluster)
	if p, ok := simulator.Map.Get(ref).(*clusterExtension); ok {
		return p
	}
	p := &clusterExtension{target: cluster}
	p.Self = ref
	simulator.Map.Put(p)
	return p
}

// ReconfigureComputeResourceTask hands the spec to the simulator, then applies its DRS and HA
// configuration as vCenter does. A spec that is not a ClusterConfigSpecEx is the simulator's
// InvalidArgument, as before.
func (c *clusterExtension) ReconfigureComputeResourceTask(ctx *simulator.Context, req *types.ReconfigureComputeResource_Task) soap.HasFault {
	cluster, ok := simulator.Map.Get(c.target).(*simulator.ClusterComputeResource)
	if !ok {
		body := new(methods.ReconfigureComputeResource_TaskBody)
		body.Fault_ = fault("The object has already been deleted or has not been completely created", &types.ManagedObjectNotFound{Obj: c.target})
		return body
	}
	res := cluster.ReconfigureComputeResourceTask(&types.ReconfigureComputeResource_Task{This: c.target, Spec: req.Spec, Modify: req.Modify})
	body, ok := res.(*methods.ReconfigureComputeResource_TaskBody)
	if !ok || body.Res == nil {
		return res
	}
	spec, isEx := req.Spec.(*types.ClusterConfigSpecEx)
	if task, ok := simulator.Map.Get(body.Res.Returnval).(*simulator.Task); !ok || task.Info.State != types.TaskInfoStateSuccess || !isEx {
		return res
	}
	ctx.WithLock(cluster, func() {
		config, ok := cluster.ConfigurationEx.(*types.ClusterConfigInfoEx)
		if !ok {
			return
		}
		if spec.DrsConfig != nil || !req.Modify {
			config.DrsConfig = mergeDrs(config.DrsConfig, spec.DrsConfig, req.Modify)
		}
		if spec.DasConfig != nil || !req.Modify {
			config.DasConfig = mergeDas(config.DasConfig, spec.DasConfig, req.Modify)
		}
	})
	simulator.Map.Update(cluster, []types.PropertyChange{{Name: "configurationEx", Val: cluster.ConfigurationEx}})
	return res
}

// mergeDrs applies a DRS spec: with modify, only the members it sets; without, the spec whole.
func mergeDrs(current types.ClusterDrsConfigInfo, spec *types.ClusterDrsConfigInfo, modify bool) types.ClusterDrsConfigInfo {
	if spec == nil {
		return types.ClusterDrsConfigInfo{}
	}
	if !modify {
		return *spec
	}
	if spec.Enabled != nil {
		current.Enabled = spec.Enabled
	}
	if spec.EnableVmBehaviorOverrides != nil {
		current.EnableVmBehaviorOverrides = spec.EnableVmBehaviorOverrides
	}
	if spec.DefaultVmBehavior != "" {
		current.DefaultVmBehavior = spec.DefaultVmBehavior
	}
	if spec.VmotionRate != 0 {
		current.VmotionRate = spec.VmotionRate
	}
	if spec.Option != nil {
		current.Option = spec.Option
	}
	return current
}

// mergeDas applies an HA spec: with modify, only the members it sets; without, the spec whole.
func mergeDas(current types.ClusterDasConfigInfo, spec *types.ClusterDasConfigInfo, modify bool) types.ClusterDasConfigInfo {
	if spec == nil {
		return types.ClusterDasConfigInfo{}
	}
	if !modify {
		return *spec
	}
	if spec.Enabled != nil {
		current.Enabled = spec.Enabled
	}
	if spec.VmMonitoring != "" {
		current.VmMonitoring = spec.VmMonitoring
	}
	if spec.HostMonitoring != "" {
		current.HostMonitoring = spec.HostMonitoring
	}
	if spec.FailoverLevel != 0 {
		current.FailoverLevel = spec.FailoverLevel
	}
	if spec.AdmissionControlEnabled != nil {
		current.AdmissionControlEnabled = spec.AdmissionControlEnabled
	}
	if spec.AdmissionControlPolicy != nil {
		current.AdmissionControlPolicy = spec.AdmissionControlPolicy
	}
	if spec.Option != nil {
		current.Option = spec.Option
	}
	return current
}
