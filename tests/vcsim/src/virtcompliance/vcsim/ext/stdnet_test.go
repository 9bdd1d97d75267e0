package ext

import (
	"reflect"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func portgroupOf(t *testing.T, info *types.HostNetworkInfo, name string) types.HostPortGroup {
	t.Helper()
	if info == nil {
		t.Fatal("no network info")
	}
	for _, pg := range info.Portgroup {
		if pg.Spec.Name == name {
			return pg
		}
	}
	t.Fatalf("portgroup %s not found", name)
	return types.HostPortGroup{}
}

func vswitchOf(t *testing.T, info *types.HostNetworkInfo, name string) types.HostVirtualSwitch {
	t.Helper()
	if info == nil {
		t.Fatal("no network info")
	}
	for _, vs := range info.Vswitch {
		if vs.Name == name {
			return vs
		}
	}
	t.Fatalf("vSwitch %s not found", name)
	return types.HostVirtualSwitch{}
}

func boolp(p *bool) interface{} {
	if p == nil {
		return nil
	}
	return *p
}

// networkSystem returns a host's network system and its networkInfo.
func (s *sim) networkSystem(host types.ManagedObjectReference) (*object.HostNetworkSystem, *types.HostNetworkInfo) {
	s.t.Helper()
	ref := *s.host(host, "configManager.networkSystem").ConfigManager.NetworkSystem
	var ns mo.HostNetworkSystem
	s.retrieve(ref, &ns, "networkInfo")
	return object.NewHostNetworkSystem(s.c, ref), ns.NetworkInfo
}

func TestStandardNetworkInfoMatchesHostConfig(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	_, info := s.networkSystem(a)
	cfg := s.host(a, "config.network").Config.Network
	if !reflect.DeepEqual(info.Portgroup, cfg.Portgroup) {
		t.Error("networkInfo.portgroup differs from config.network.portgroup")
	}
	if got, want := vswitchOf(t, info, "vSwitch0").Spec, vswitchOf(t, cfg, "vSwitch0").Spec; !reflect.DeepEqual(got, want) {
		t.Errorf("networkInfo vSwitch0 spec = %+v, want %+v", got, want)
	}
}

func TestUpdatePortGroupSecurityPolicy(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	ns, _ := s.networkSystem(a)
	before := portgroupOf(t, s.host(a, "config.network").Config.Network, "VM Network")

	spec := before.Spec
	spec.Policy.Security = &types.HostNetworkSecurityPolicy{
		AllowPromiscuous: types.NewBool(true),
		MacChanges:       types.NewBool(false),
		// ForgedTransmits nil: inherited from the vSwitch (true).
	}
	if err := ns.UpdatePortGroup(s.ctx, "VM Network", spec); err != nil {
		t.Fatalf("UpdatePortGroup: %v", err)
	}

	cfg := s.host(a, "config.network").Config.Network
	after := portgroupOf(t, cfg, "VM Network")
	sec := after.Spec.Policy.Security
	if sec == nil || boolp(sec.AllowPromiscuous) != true || boolp(sec.MacChanges) != false || sec.ForgedTransmits != nil {
		t.Fatalf("spec.policy.security = %+v, want promiscuous true, mac false, forged inherited", sec)
	}
	// Nothing else changed in the spec.
	want := before.Spec
	want.Policy.Security = sec
	if !reflect.DeepEqual(after.Spec, want) {
		t.Errorf("spec = %+v, want %+v", after.Spec, want)
	}
	// The computed policy takes the unset field from the vSwitch.
	cs := after.ComputedPolicy.Security
	if boolp(cs.AllowPromiscuous) != true || boolp(cs.MacChanges) != false || boolp(cs.ForgedTransmits) != true {
		t.Errorf("computedPolicy.security = %+v, want true/false/true (forged from vSwitch0)", cs)
	}
	if !reflect.DeepEqual(after.ComputedPolicy.NicTeaming, before.ComputedPolicy.NicTeaming) {
		t.Error("computedPolicy.nicTeaming changed")
	}
	// Other portgroups and the vSwitch are untouched.
	if got := portgroupOf(t, cfg, "Management Network"); !reflect.DeepEqual(got.Spec.Policy.Security, &types.HostNetworkSecurityPolicy{}) {
		t.Errorf("Management Network security = %+v, want all inherited", got.Spec.Policy.Security)
	}
	// The network system reports the same.
	_, info := s.networkSystem(a)
	if !reflect.DeepEqual(info.Portgroup, cfg.Portgroup) {
		t.Error("networkInfo.portgroup differs from config.network.portgroup after the update")
	}
	// The other host is untouched.
	other := portgroupOf(t, s.host(b, "config.network").Config.Network, "VM Network")
	if other.Spec.Policy.Security.AllowPromiscuous != nil {
		t.Error("the update changed another host")
	}

	// A spec with no security policy inherits all of it.
	spec.Policy.Security = nil
	if err := ns.UpdatePortGroup(s.ctx, "VM Network", spec); err != nil {
		t.Fatalf("UpdatePortGroup: %v", err)
	}
	after = portgroupOf(t, s.host(a, "config.network").Config.Network, "VM Network")
	if after.Spec.Policy.Security != nil && after.Spec.Policy.Security.AllowPromiscuous != nil {
		t.Errorf("spec.policy.security = %+v, want inherited", after.Spec.Policy.Security)
	}
	if cs := after.ComputedPolicy.Security; boolp(cs.AllowPromiscuous) != false || boolp(cs.MacChanges) != true {
		t.Errorf("computedPolicy.security = %+v, want vSwitch0's (false/true/true)", cs)
	}
}

func TestUpdatePortGroupFaults(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	ns, _ := s.networkSystem(a)
	spec := portgroupOf(t, s.host(a, "config.network").Config.Network, "VM Network").Spec

	expectFault(t, ns.UpdatePortGroup(s.ctx, "No Such Network", types.HostPortGroupSpec{Name: "No Such Network", VswitchName: "vSwitch0"}), new(types.NotFound))

	bad := spec
	bad.VswitchName = "vSwitch9"
	expectFault(t, ns.UpdatePortGroup(s.ctx, "VM Network", bad), new(types.NotFound))

	bad = spec
	bad.VlanId = 4096
	expectFault(t, ns.UpdatePortGroup(s.ctx, "VM Network", bad), new(types.InvalidArgument))

	bad = spec
	bad.Name = "Renamed"
	expectFault(t, ns.UpdatePortGroup(s.ctx, "VM Network", bad), new(types.InvalidArgument))

	if got := portgroupOf(t, s.host(a, "config.network").Config.Network, "VM Network").Spec; !reflect.DeepEqual(got, spec) {
		t.Errorf("a refused update changed the spec: %+v", got)
	}

	expectFault(t, ns.UpdateVirtualSwitch(s.ctx, "vSwitch9", types.HostVirtualSwitchSpec{NumPorts: 128}), new(types.NotFound))
}

func TestUpdateVirtualSwitchSecurityPolicy(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	ns, _ := s.networkSystem(a)
	before := vswitchOf(t, s.host(a, "config.network").Config.Network, "vSwitch0")

	spec := before.Spec
	policy := *spec.Policy
	policy.Security = &types.HostNetworkSecurityPolicy{
		AllowPromiscuous: types.NewBool(true),
		MacChanges:       types.NewBool(false),
		ForgedTransmits:  types.NewBool(false),
	}
	spec.Policy = &policy
	if err := ns.UpdateVirtualSwitch(s.ctx, "vSwitch0", spec); err != nil {
		t.Fatalf("UpdateVirtualSwitch: %v", err)
	}

	cfg := s.host(a, "config.network").Config.Network
	after := vswitchOf(t, cfg, "vSwitch0")
	if sec := after.Spec.Policy.Security; boolp(sec.AllowPromiscuous) != true || boolp(sec.MacChanges) != false || boolp(sec.ForgedTransmits) != false {
		t.Errorf("vSwitch0 spec.policy.security = %+v", sec)
	}
	if !reflect.DeepEqual(after.Spec.Policy.NicTeaming, before.Spec.Policy.NicTeaming) || after.Spec.NumPorts != before.Spec.NumPorts {
		t.Error("UpdateVirtualSwitch changed more than the security policy")
	}
	// Portgroups inheriting from the vSwitch follow it.
	if cs := portgroupOf(t, cfg, "VM Network").ComputedPolicy.Security; boolp(cs.AllowPromiscuous) != true || boolp(cs.ForgedTransmits) != false {
		t.Errorf("VM Network computedPolicy.security = %+v, want the vSwitch's", cs)
	}
	_, info := s.networkSystem(a)
	if !reflect.DeepEqual(vswitchOf(t, info, "vSwitch0").Spec, after.Spec) {
		t.Error("networkInfo vSwitch0 spec differs from config.network")
	}
	if !reflect.DeepEqual(info.Portgroup, cfg.Portgroup) {
		t.Error("networkInfo.portgroup differs from config.network.portgroup")
	}
}
