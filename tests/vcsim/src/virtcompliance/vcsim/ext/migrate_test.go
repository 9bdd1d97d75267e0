package ext

import (
	"testing"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// clusterVM returns a VM in the first cluster, its host and another host of that cluster.
func clusterVM(s *sim) (vm, from, to types.ManagedObjectReference) {
	s.t.Helper()
	clusters := s.refs("ClusterComputeResource")
	var c mo.ClusterComputeResource
	s.retrieve(clusters[0], &c, "host", "resourcePool")
	var pool mo.ResourcePool
	s.retrieve(*c.ResourcePool, &pool, "vm")
	if len(pool.Vm) == 0 {
		s.t.Fatal("the cluster has no VM")
	}
	vm = pool.Vm[0]
	var v mo.VirtualMachine
	s.retrieve(vm, &v, "runtime.host")
	from = *v.Runtime.Host
	for _, h := range c.Host {
		if h != from {
			return vm, from, h
		}
	}
	s.t.Fatal("the cluster has a single host")
	return
}

func TestMigrateVMWithinCluster(t *testing.T) {
	s := start(t, nil)
	vm, from, to := clusterVM(s)

	var before mo.VirtualMachine
	s.retrieve(vm, &before, "resourcePool")

	res, err := methods.MigrateVM_Task(s.ctx, s.c, &types.MigrateVM_Task{
		This: vm, Host: &to, Priority: types.VirtualMachineMovePriorityDefaultPriority,
	})
	if err != nil {
		t.Fatalf("MigrateVM_Task: %v", err)
	}
	if err := s.wait(res.Returnval); err != nil {
		t.Fatalf("migration task failed: %v", err)
	}
	var task mo.Task
	s.retrieve(res.Returnval, &task, "info")
	if task.Info.State != types.TaskInfoStateSuccess || task.Info.Entity == nil || *task.Info.Entity != vm {
		t.Errorf("task info = state %s entity %v", task.Info.State, task.Info.Entity)
	}

	var after mo.VirtualMachine
	s.retrieve(vm, &after, "runtime.host", "summary.runtime.host", "resourcePool")
	if *after.Runtime.Host != to || after.Summary.Runtime.Host == nil || *after.Summary.Runtime.Host != to {
		t.Errorf("runtime.host = %v, summary.runtime.host = %v, want %v", after.Runtime.Host, after.Summary.Runtime.Host, to)
	}
	if *after.ResourcePool != *before.ResourcePool {
		t.Errorf("the pool changed from %v to %v within the cluster", before.ResourcePool, after.ResourcePool)
	}
	if containsRef(s.host(from, "vm").Vm, vm) {
		t.Errorf("the old host %s still lists %s", from, vm)
	}
	if !containsRef(s.host(to, "vm").Vm, vm) {
		t.Errorf("the new host %s does not list %s", to, vm)
	}

	// With state given, the VM must be in that state.
	res, err = methods.MigrateVM_Task(s.ctx, s.c, &types.MigrateVM_Task{
		This: vm, Host: &from, Priority: types.VirtualMachineMovePriorityDefaultPriority, State: types.VirtualMachinePowerStatePoweredOff,
	})
	if err != nil {
		t.Fatalf("MigrateVM_Task: %v", err)
	}
	expectFault(t, s.wait(res.Returnval), new(types.InvalidPowerState))
	s.retrieve(vm, &after, "runtime.host")
	if *after.Runtime.Host != to || !containsRef(s.host(to, "vm").Vm, vm) {
		t.Error("a failed migration moved the VM")
	}
}

func TestMigrateVMToStandaloneHostMovesPool(t *testing.T) {
	s := start(t, nil)
	vm, from, _ := clusterVM(s)

	var standalone mo.ComputeResource
	for _, ref := range s.refs("ComputeResource") {
		if ref.Type == "ComputeResource" {
			s.retrieve(ref, &standalone, "host", "resourcePool")
		}
	}
	if len(standalone.Host) == 0 {
		t.Fatal("the model has no standalone host")
	}
	target := standalone.Host[0]
	var before mo.VirtualMachine
	s.retrieve(vm, &before, "resourcePool")

	res, err := methods.MigrateVM_Task(s.ctx, s.c, &types.MigrateVM_Task{This: vm, Host: &target, Priority: types.VirtualMachineMovePriorityHighPriority})
	if err != nil {
		t.Fatalf("MigrateVM_Task: %v", err)
	}
	if err := s.wait(res.Returnval); err != nil {
		t.Fatalf("migration failed: %v", err)
	}
	var after mo.VirtualMachine
	s.retrieve(vm, &after, "runtime.host", "resourcePool")
	if *after.Runtime.Host != target || *after.ResourcePool != *standalone.ResourcePool {
		t.Errorf("after migration host %v pool %v, want %v %v", after.Runtime.Host, after.ResourcePool, target, standalone.ResourcePool)
	}
	var oldPool, newPool mo.ResourcePool
	s.retrieve(*before.ResourcePool, &oldPool, "vm")
	s.retrieve(*standalone.ResourcePool, &newPool, "vm")
	if containsRef(oldPool.Vm, vm) || !containsRef(newPool.Vm, vm) {
		t.Errorf("pool vm lists not updated: old %v new %v", oldPool.Vm, newPool.Vm)
	}
	if containsRef(s.host(from, "vm").Vm, vm) || !containsRef(s.host(target, "vm").Vm, vm) {
		t.Error("host vm lists not updated")
	}

	// An explicit pool of another compute resource than the host's is rejected.
	clusters := s.refs("ClusterComputeResource")
	var c mo.ClusterComputeResource
	s.retrieve(clusters[0], &c, "resourcePool")
	res, err = methods.MigrateVM_Task(s.ctx, s.c, &types.MigrateVM_Task{This: vm, Host: &target, Pool: c.ResourcePool, Priority: types.VirtualMachineMovePriorityDefaultPriority})
	if err != nil {
		t.Fatalf("MigrateVM_Task: %v", err)
	}
	expectFault(t, s.wait(res.Returnval), new(types.InvalidArgument))
}

func TestMigrateVMPoolOnlyPicksHost(t *testing.T) {
	s := start(t, nil)
	clusters := s.refs("ClusterComputeResource")
	var c mo.ClusterComputeResource
	s.retrieve(clusters[0], &c, "host", "resourcePool")

	// A VM on the standalone host, moved into the cluster by pool only.
	var vm types.ManagedObjectReference
	for _, ref := range s.refs("ComputeResource") {
		if ref.Type == "ComputeResource" {
			var cr mo.ComputeResource
			s.retrieve(ref, &cr, "host")
			vm = s.host(cr.Host[0], "vm").Vm[0]
		}
	}
	res, err := methods.MigrateVM_Task(s.ctx, s.c, &types.MigrateVM_Task{This: vm, Pool: c.ResourcePool, Priority: types.VirtualMachineMovePriorityDefaultPriority})
	if err != nil {
		t.Fatalf("MigrateVM_Task: %v", err)
	}
	if err := s.wait(res.Returnval); err != nil {
		t.Fatalf("migration failed: %v", err)
	}
	var after mo.VirtualMachine
	s.retrieve(vm, &after, "runtime.host", "resourcePool")
	if !containsRef(c.Host, *after.Runtime.Host) || *after.ResourcePool != *c.ResourcePool {
		t.Errorf("after migration host %v pool %v", after.Runtime.Host, after.ResourcePool)
	}
	if !containsRef(s.host(*after.Runtime.Host, "vm").Vm, vm) {
		t.Error("the chosen host does not list the VM")
	}
}

func TestMigrateVMFaults(t *testing.T) {
	s := start(t, nil)
	vm, _, _ := clusterVM(s)

	missing := types.ManagedObjectReference{Type: "HostSystem", Value: "host-does-not-exist"}
	_, err := methods.MigrateVM_Task(s.ctx, s.c, &types.MigrateVM_Task{This: vm, Host: &missing, Priority: types.VirtualMachineMovePriorityDefaultPriority})
	expectFault(t, err, new(types.ManagedObjectNotFound))

	datastore := s.refs("Datastore")[0]
	_, err = methods.MigrateVM_Task(s.ctx, s.c, &types.MigrateVM_Task{This: vm, Host: &datastore, Priority: types.VirtualMachineMovePriorityDefaultPriority})
	expectFault(t, err, new(types.InvalidArgument))

	_, err = methods.MigrateVM_Task(s.ctx, s.c, &types.MigrateVM_Task{This: vm, Priority: types.VirtualMachineMovePriorityDefaultPriority})
	expectFault(t, err, new(types.InvalidArgument))

	noVM := types.ManagedObjectReference{Type: "VirtualMachine", Value: "vm-does-not-exist"}
	_, err = methods.MigrateVM_Task(s.ctx, s.c, &types.MigrateVM_Task{This: noVM, Host: &missing, Priority: types.VirtualMachineMovePriorityDefaultPriority})
	expectFault(t, err, new(types.ManagedObjectNotFound))
}
