package ext

import (
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *sim) clusterConfig(ref types.ManagedObjectReference) *types.ClusterConfigInfoEx {
	s.t.Helper()
	var c mo.ClusterComputeResource
	s.retrieve(ref, &c, "configurationEx")
	return c.ConfigurationEx.(*types.ClusterConfigInfoEx)
}

func (s *sim) reconfigureCluster(ref types.ManagedObjectReference, spec *types.ClusterConfigSpecEx, modify bool) error {
	s.t.Helper()
	task, err := object.NewClusterComputeResource(s.c, ref).Reconfigure(s.ctx, spec, modify)
	if err != nil {
		return err
	}
	return task.Wait(s.ctx)
}

func TestClusterReconfigureWithModifyChangesOnlyWhatIsSet(t *testing.T) {
	s := start(t, nil)
	ref := s.refs("ClusterComputeResource")[0]
	before := s.clusterConfig(ref)

	// HA off, then DRS off: each change keeps the other and every other member.
	if err := s.reconfigureCluster(ref, &types.ClusterConfigSpecEx{DasConfig: &types.ClusterDasConfigInfo{Enabled: types.NewBool(false)}}, true); err != nil {
		t.Fatalf("turning HA off: %v", err)
	}
	if err := s.reconfigureCluster(ref, &types.ClusterConfigSpecEx{DrsConfig: &types.ClusterDrsConfigInfo{Enabled: types.NewBool(false)}}, true); err != nil {
		t.Fatalf("turning DRS off: %v", err)
	}
	after := s.clusterConfig(ref)
	if boolp(after.DasConfig.Enabled) != false || boolp(after.DrsConfig.Enabled) != false {
		t.Fatalf("HA %v, DRS %v; want both off", boolp(after.DasConfig.Enabled), boolp(after.DrsConfig.Enabled))
	}
	if after.DrsConfig.DefaultVmBehavior != before.DrsConfig.DefaultVmBehavior {
		t.Errorf("DRS behaviour %q, want %q kept", after.DrsConfig.DefaultVmBehavior, before.DrsConfig.DefaultVmBehavior)
	}

	// On again in one spec.
	if err := s.reconfigureCluster(ref, &types.ClusterConfigSpecEx{
		DasConfig: &types.ClusterDasConfigInfo{Enabled: types.NewBool(true)},
		DrsConfig: &types.ClusterDrsConfigInfo{Enabled: types.NewBool(true)},
	}, true); err != nil {
		t.Fatalf("turning both on: %v", err)
	}
	on := s.clusterConfig(ref)
	if boolp(on.DasConfig.Enabled) != true || boolp(on.DrsConfig.Enabled) != true {
		t.Fatalf("HA %v, DRS %v; want both on", boolp(on.DasConfig.Enabled), boolp(on.DrsConfig.Enabled))
	}

	// Without modify the spec replaces the configuration: DRS unset is the default (off).
	if err := s.reconfigureCluster(ref, &types.ClusterConfigSpecEx{DasConfig: &types.ClusterDasConfigInfo{Enabled: types.NewBool(true)}}, false); err != nil {
		t.Fatalf("replacing the configuration: %v", err)
	}
	if replaced := s.clusterConfig(ref); replaced.DrsConfig.Enabled != nil && *replaced.DrsConfig.Enabled {
		t.Error("a replacing spec without drsConfig left DRS on")
	}
}
