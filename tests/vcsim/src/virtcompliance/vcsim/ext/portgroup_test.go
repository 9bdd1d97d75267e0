package ext

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// vmPortgroup returns the portgroup of the first switch that the VMs' adapters are connected to
// (the model's DC0_DVPG0; the switch's other portgroup is its uplink portgroup).
func vmPortgroup(s *sim) *object.DistributedVirtualPortgroup {
	s.t.Helper()
	dvs := dvSwitch(s)
	ports := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{Connected: types.NewBool(true)})
	if len(ports) == 0 {
		s.t.Fatal("no VM adapter is connected to the switch")
	}
	var sw mo.DistributedVirtualSwitch
	s.retrieve(dvs.Reference(), &sw, "portgroup")
	for _, ref := range sw.Portgroup {
		var pg mo.DistributedVirtualPortgroup
		s.retrieve(ref, &pg, "key")
		if pg.Key == ports[0].PortgroupKey {
			return object.NewDistributedVirtualPortgroup(s.c, ref)
		}
	}
	s.t.Fatalf("no portgroup of the switch has key %s", ports[0].PortgroupKey)
	return nil
}

func portgroupState(s *sim, pg *object.DistributedVirtualPortgroup) mo.DistributedVirtualPortgroup {
	s.t.Helper()
	var out mo.DistributedVirtualPortgroup
	s.retrieve(pg.Reference(), &out, "name", "config")
	return out
}

func portSetting(t *testing.T, config types.DVPortgroupConfigInfo) *types.VMwareDVSPortSetting {
	t.Helper()
	setting, ok := config.DefaultPortConfig.(*types.VMwareDVSPortSetting)
	if !ok {
		t.Fatalf("defaultPortConfig = %#v, want a VMwareDVSPortSetting", config.DefaultPortConfig)
	}
	return setting
}

// reconfigurePG calls ReconfigureDVPortgroup_Task, which must return a task, and returns the task's error.
func reconfigurePG(s *sim, pg *object.DistributedVirtualPortgroup, spec types.DVPortgroupConfigSpec) error {
	s.t.Helper()
	tk, err := pg.Reconfigure(s.ctx, spec)
	if err != nil {
		s.t.Fatalf("ReconfigureDVPortgroup_Task: %v", err)
	}
	return tk.Wait(s.ctx)
}

// sameExcept fails unless after equals before once the given policy of the default port
// config and configVersion are taken from before.
func sameExcept(t *testing.T, before, after types.DVPortgroupConfigInfo, policy string) {
	t.Helper()
	b, a := *portSetting(t, before), *portSetting(t, after)
	field := reflect.ValueOf(&a).Elem().FieldByName(policy)
	field.Set(reflect.ValueOf(b).FieldByName(policy))
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the default port config changed beyond %s:\nbefore %+v\nafter  %+v", policy, b, a)
	}
	rest := after
	rest.DefaultPortConfig = before.DefaultPortConfig
	rest.ConfigVersion = before.ConfigVersion
	if !reflect.DeepEqual(rest, before) {
		t.Errorf("the portgroup config changed beyond defaultPortConfig:\nbefore %+v\nafter  %+v", before, rest)
	}
}

func wantVersion(t *testing.T, before, after types.DVPortgroupConfigInfo, increments int) {
	t.Helper()
	n, err := strconv.Atoi(before.ConfigVersion)
	if err != nil {
		t.Fatalf("configVersion %q is not an integer", before.ConfigVersion)
	}
	if want := strconv.Itoa(n + increments); after.ConfigVersion != want {
		t.Errorf("configVersion %s, want %s", after.ConfigVersion, want)
	}
}

func TestReconfigureDVPortgroupMergesSecurityPolicy(t *testing.T) {
	s := start(t, nil)
	pg := vmPortgroup(s)
	initial := portgroupState(s, pg)
	if initial.Config.ConfigVersion != "0" {
		t.Errorf("a new portgroup's configVersion is %q, want 0", initial.Config.ConfigVersion)
	}
	// The model's portgroup has no ports; give it some, so that keeping numPorts means something.
	if err := reconfigurePG(s, pg, types.DVPortgroupConfigSpec{ConfigVersion: "0", NumPorts: 8, Description: "lab"}); err != nil {
		t.Fatalf("setting numPorts: %v", err)
	}
	before := portgroupState(s, pg)
	setting := portSetting(t, before.Config)
	if setting.Vlan == nil || setting.UplinkTeamingPolicy == nil || before.Config.Policy == nil || before.Config.NumPorts == 0 {
		t.Fatalf("the portgroup lacks the settings this test checks are kept: %+v", before.Config)
	}

	// Only configVersion and one property of the security policy.
	err := reconfigurePG(s, pg, types.DVPortgroupConfigSpec{
		ConfigVersion: before.Config.ConfigVersion,
		DefaultPortConfig: &types.VMwareDVSPortSetting{SecurityPolicy: &types.DVSSecurityPolicy{
			AllowPromiscuous: boolPolicy(false),
		}},
	})
	if err != nil {
		t.Fatalf("reconfiguring with the current configVersion: %v", err)
	}
	after := portgroupState(s, pg)
	sec := portSetting(t, after.Config).SecurityPolicy
	if sec == nil || sec.AllowPromiscuous == nil || sec.AllowPromiscuous.Value == nil || *sec.AllowPromiscuous.Value {
		t.Fatalf("security policy = %+v, want allowPromiscuous false", sec)
	}
	sameExcept(t, before.Config, after.Config, "SecurityPolicy")
	if after.Name != before.Name || after.Config.Name != before.Name {
		t.Errorf("name %q, config.name %q, want %q", after.Name, after.Config.Name, before.Name)
	}
	wantVersion(t, before.Config, after.Config, 1)

	// Without configVersion the spec applies too, merged into the security policy just set.
	err = reconfigurePG(s, pg, types.DVPortgroupConfigSpec{
		DefaultPortConfig: &types.VMwareDVSPortSetting{SecurityPolicy: &types.DVSSecurityPolicy{
			MacChanges: boolPolicy(true),
		}},
	})
	if err != nil {
		t.Fatalf("reconfiguring without configVersion: %v", err)
	}
	final := portgroupState(s, pg)
	sec = portSetting(t, final.Config).SecurityPolicy
	if sec == nil || sec.AllowPromiscuous == nil || *sec.AllowPromiscuous.Value || sec.MacChanges == nil || !*sec.MacChanges.Value {
		t.Errorf("security policy = %+v, want allowPromiscuous false (kept) and macChanges true", sec)
	}
	sameExcept(t, before.Config, final.Config, "SecurityPolicy")
	wantVersion(t, before.Config, final.Config, 2)
}

func TestReconfigureDVPortgroupStaleVersionIsConcurrentAccess(t *testing.T) {
	s := start(t, nil)
	pg := vmPortgroup(s)
	before := portgroupState(s, pg)
	err := reconfigurePG(s, pg, types.DVPortgroupConfigSpec{
		ConfigVersion: before.Config.ConfigVersion,
		Description:   "first",
	})
	if err != nil {
		t.Fatalf("first reconfiguration: %v", err)
	}
	current := portgroupState(s, pg)

	// The version read before the first change is stale now: the task fails and changes nothing.
	err = reconfigurePG(s, pg, types.DVPortgroupConfigSpec{
		ConfigVersion: before.Config.ConfigVersion,
		Name:          "renamed-by-a-stale-client",
		NumPorts:      99,
		DefaultPortConfig: &types.VMwareDVSPortSetting{SecurityPolicy: &types.DVSSecurityPolicy{
			AllowPromiscuous: boolPolicy(true),
		}},
	})
	expectFault(t, err, new(types.ConcurrentAccess))
	var te task.Error
	if !errors.As(err, &te) || !strings.Contains(te.LocalizedMessage, "concurrent modification") {
		t.Errorf("the task's error is %v, want vCenter's message about a concurrent modification", err)
	}
	after := portgroupState(s, pg)
	if !reflect.DeepEqual(after, current) {
		t.Errorf("a rejected reconfiguration changed the portgroup:\nbefore %+v\nafter  %+v", current, after)
	}

	// Any configVersion other than the current one, also a future one.
	next, _ := strconv.Atoi(current.Config.ConfigVersion)
	err = reconfigurePG(s, pg, types.DVPortgroupConfigSpec{ConfigVersion: strconv.Itoa(next + 1), Description: "future"})
	expectFault(t, err, new(types.ConcurrentAccess))
	if got := portgroupState(s, pg); got.Config.Description != "first" || got.Config.ConfigVersion != current.Config.ConfigVersion {
		t.Errorf("description %q configVersion %s after a rejected reconfiguration", got.Config.Description, got.Config.ConfigVersion)
	}
}

func TestReconfigureDVPortgroupMergesMacManagementPolicy(t *testing.T) {
	s := start(t, nil)
	pg := vmPortgroup(s)
	before := portgroupState(s, pg)

	err := reconfigurePG(s, pg, types.DVPortgroupConfigSpec{
		ConfigVersion: before.Config.ConfigVersion,
		DefaultPortConfig: &types.VMwareDVSPortSetting{MacManagementPolicy: &types.DVSMacManagementPolicy{
			AllowPromiscuous: types.NewBool(false),
			MacChanges:       types.NewBool(false),
			ForgedTransmits:  types.NewBool(false),
			MacLearningPolicy: &types.DVSMacLearningPolicy{
				Enabled: true, AllowUnicastFlooding: types.NewBool(true), LimitPolicy: "allow",
			},
		}},
	})
	if err != nil {
		t.Fatalf("setting MAC learning: %v", err)
	}
	learned := portgroupState(s, pg)
	mac := portSetting(t, learned.Config).MacManagementPolicy
	if mac == nil || mac.MacLearningPolicy == nil || !mac.MacLearningPolicy.Enabled || mac.MacLearningPolicy.LimitPolicy != "allow" {
		t.Fatalf("MAC management policy = %+v, want MAC learning on", mac)
	}
	sameExcept(t, before.Config, learned.Config, "MacManagementPolicy")
	wantVersion(t, before.Config, learned.Config, 1)

	// One property of the MAC management policy: the rest of it, MAC learning included, stays.
	err = reconfigurePG(s, pg, types.DVPortgroupConfigSpec{
		ConfigVersion: learned.Config.ConfigVersion,
		DefaultPortConfig: &types.VMwareDVSPortSetting{MacManagementPolicy: &types.DVSMacManagementPolicy{
			ForgedTransmits: types.NewBool(true),
		}},
	})
	if err != nil {
		t.Fatalf("changing forged transmits: %v", err)
	}
	final := portgroupState(s, pg)
	mac = portSetting(t, final.Config).MacManagementPolicy
	if mac == nil || mac.ForgedTransmits == nil || !*mac.ForgedTransmits || mac.AllowPromiscuous == nil || *mac.AllowPromiscuous ||
		mac.MacLearningPolicy == nil || !mac.MacLearningPolicy.Enabled {
		t.Errorf("MAC management policy = %+v, want forged transmits on and the rest kept", mac)
	}
	sameExcept(t, learned.Config, final.Config, "MacManagementPolicy")
	wantVersion(t, before.Config, final.Config, 2)
}

func TestReconfigureDVPortgroupReplacesSetTopLevelFields(t *testing.T) {
	s := start(t, nil)
	pg := vmPortgroup(s)
	before := portgroupState(s, pg)

	policy := &types.VMwareDVSPortgroupPolicy{
		DVPortgroupPolicy:   types.DVPortgroupPolicy{BlockOverrideAllowed: true},
		VlanOverrideAllowed: true,
	}
	err := reconfigurePG(s, pg, types.DVPortgroupConfigSpec{
		ConfigVersion:  before.Config.ConfigVersion,
		NumPorts:       before.Config.NumPorts + 4,
		Description:    "compliance lab",
		PortNameFormat: "<portIndex>",
		AutoExpand:     types.NewBool(false),
		Policy:         policy,
	})
	if err != nil {
		t.Fatalf("reconfiguring: %v", err)
	}
	after := portgroupState(s, pg)
	if after.Config.NumPorts != before.Config.NumPorts+4 || after.Config.Description != "compliance lab" ||
		after.Config.PortNameFormat != "<portIndex>" || after.Config.AutoExpand == nil || *after.Config.AutoExpand {
		t.Errorf("config = %+v, want the new numPorts, description, portNameFormat and autoExpand", after.Config)
	}
	if got, ok := after.Config.Policy.(*types.VMwareDVSPortgroupPolicy); !ok || !reflect.DeepEqual(got, policy) {
		t.Errorf("policy = %#v, want the spec's (replaced, not merged)", after.Config.Policy)
	}
	rest := after.Config
	rest.NumPorts, rest.Description, rest.PortNameFormat, rest.AutoExpand, rest.Policy, rest.ConfigVersion =
		before.Config.NumPorts, before.Config.Description, before.Config.PortNameFormat, before.Config.AutoExpand, before.Config.Policy, before.Config.ConfigVersion
	if !reflect.DeepEqual(rest, before.Config) {
		t.Errorf("fields the spec did not set changed:\nbefore %+v\nafter  %+v", before.Config, rest)
	}
	wantVersion(t, before.Config, after.Config, 1)

	// The switch creates the ports of the larger numPorts.
	var keys mo.DistributedVirtualPortgroup
	fetch(s, dvSwitch(s), nil)
	s.retrieve(pg.Reference(), &keys, "portKeys")
	if len(keys.PortKeys) < int(after.Config.NumPorts) {
		t.Errorf("%d port keys for numPorts %d", len(keys.PortKeys), after.Config.NumPorts)
	}

	// Unknown type, negative numPorts.
	for _, spec := range []types.DVPortgroupConfigSpec{{Type: "anyBinding"}, {NumPorts: -1}} {
		expectFault(t, reconfigurePG(s, pg, spec), new(types.InvalidArgument))
	}
	if got := portgroupState(s, pg); !reflect.DeepEqual(got, after) {
		t.Errorf("a rejected reconfiguration changed the portgroup")
	}
}

func TestReconfigureDVPortgroupRenameKeepsTheSwitchsNames(t *testing.T) {
	s := start(t, nil)
	dvs := dvSwitch(s)
	tk, err := dvs.AddPortgroup(s.ctx, []types.DVPortgroupConfigSpec{{Name: "pg-old", NumPorts: 2, Type: "earlyBinding"}})
	if err != nil {
		t.Fatalf("AddPortgroup: %v", err)
	}
	if err := tk.Wait(s.ctx); err != nil {
		t.Fatalf("AddPortgroup task: %v", err)
	}
	names := func() []string {
		var sw mo.DistributedVirtualSwitch
		s.retrieve(dvs.Reference(), &sw, "summary")
		return sw.Summary.PortgroupName
	}
	has := func(list []string, name string) bool {
		for _, n := range list {
			if n == name {
				return true
			}
		}
		return false
	}
	var pg *object.DistributedVirtualPortgroup
	var sw mo.DistributedVirtualSwitch
	s.retrieve(dvs.Reference(), &sw, "portgroup")
	for _, ref := range sw.Portgroup {
		var p mo.DistributedVirtualPortgroup
		s.retrieve(ref, &p, "name")
		if p.Name == "pg-old" {
			pg = object.NewDistributedVirtualPortgroup(s.c, ref)
		}
	}
	if pg == nil {
		t.Fatal("the new portgroup is not on the switch")
	}
	before := portgroupState(s, pg)
	count := len(names())

	if err := reconfigurePG(s, pg, types.DVPortgroupConfigSpec{Name: "pg-new"}); err != nil {
		t.Fatalf("renaming: %v", err)
	}
	after := portgroupState(s, pg)
	if after.Name != "pg-new" || after.Config.Name != "pg-new" {
		t.Errorf("name %q, config.name %q, want pg-new", after.Name, after.Config.Name)
	}
	if list := names(); len(list) != count || !has(list, "pg-new") || has(list, "pg-old") {
		t.Errorf("summary.portgroupName = %v, want pg-new in place of pg-old", list)
	}
	if after.Config.NumPorts != before.Config.NumPorts || after.Config.Type != before.Config.Type {
		t.Errorf("a rename changed numPorts or type: %+v", after.Config)
	}

	// A name another portgroup of the folder has is refused.
	other := portgroupState(s, vmPortgroup(s))
	err = reconfigurePG(s, pg, types.DVPortgroupConfigSpec{Name: other.Name, Description: "dup"})
	if f, ok := expectFault(t, err, new(types.DuplicateName)).(*types.DuplicateName); ok && f.Name != other.Name {
		t.Errorf("DuplicateName names %q, want %q", f.Name, other.Name)
	}
	if got := portgroupState(s, pg); !reflect.DeepEqual(got, after) {
		t.Errorf("a refused rename changed the portgroup")
	}

	// The simulator's Destroy_Task removes the portgroup's current name from the switch.
	tk, err = pg.Destroy(s.ctx)
	if err != nil {
		t.Fatalf("Destroy_Task: %v", err)
	}
	if err := tk.Wait(s.ctx); err != nil {
		t.Fatalf("Destroy task: %v", err)
	}
	if list := names(); len(list) != count-1 || has(list, "pg-new") || has(list, "pg-old") {
		t.Errorf("summary.portgroupName after Destroy = %v", list)
	}
}
