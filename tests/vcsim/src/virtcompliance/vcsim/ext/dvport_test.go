package ext

import (
	"strconv"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func dvSwitch(s *sim) *object.DistributedVirtualSwitch {
	s.t.Helper()
	refs := s.refs("DistributedVirtualSwitch")
	if len(refs) == 0 {
		s.t.Fatal("the model has no distributed switch")
	}
	return object.NewDistributedVirtualSwitch(s.c, refs[0])
}

func fetch(s *sim, dvs *object.DistributedVirtualSwitch, criteria *types.DistributedVirtualSwitchPortCriteria) []types.DistributedVirtualPort {
	s.t.Helper()
	ports, err := dvs.FetchDVPorts(s.ctx, criteria)
	if err != nil {
		s.t.Fatalf("FetchDVPorts: %v", err)
	}
	return ports
}

func TestFetchDVPortsConnectsVMAdapters(t *testing.T) {
	s := start(t, nil)
	dvs := dvSwitch(s)
	var sw mo.DistributedVirtualSwitch
	s.retrieve(dvs.Reference(), &sw, "uuid", "portgroup")

	ports := fetch(s, dvs, nil)
	vms := s.refs("VirtualMachine")
	if len(ports) != len(vms) {
		t.Fatalf("%d ports for %d VMs with one adapter each", len(ports), len(vms))
	}

	seen := map[string]bool{}
	for _, p := range ports {
		if seen[p.Key] {
			t.Errorf("duplicate port key %s", p.Key)
		}
		seen[p.Key] = true
		if p.DvsUuid != sw.Uuid || p.PortgroupKey == "" || p.Config.ConfigVersion == "" || p.Config.Setting == nil {
			t.Errorf("incomplete port %+v", p)
		}
		if p.Connectee == nil || p.Connectee.ConnectedEntity == nil || p.Connectee.Type != "vmVnic" || p.Connectee.NicKey == "" {
			t.Fatalf("port %s has no VM connectee: %+v", p.Key, p.Connectee)
		}

		// The VM's adapter backing names the same port.
		var vm mo.VirtualMachine
		s.retrieve(*p.Connectee.ConnectedEntity, &vm, "config.hardware.device")
		found := false
		for _, dev := range vm.Config.Hardware.Device {
			nic, ok := dev.(types.BaseVirtualEthernetCard)
			if !ok || strconv.Itoa(int(nic.GetVirtualEthernetCard().Key)) != p.Connectee.NicKey {
				continue
			}
			b := nic.GetVirtualEthernetCard().Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo)
			found = b.Port.PortKey == p.Key && b.Port.PortgroupKey == p.PortgroupKey
		}
		if !found {
			t.Errorf("the adapter of %s does not name port %s", p.Connectee.ConnectedEntity, p.Key)
		}
	}

	var pg mo.DistributedVirtualPortgroup
	for _, ref := range sw.Portgroup {
		var candidate mo.DistributedVirtualPortgroup
		s.retrieve(ref, &candidate, "key", "portKeys")
		if candidate.Key == ports[0].PortgroupKey {
			pg = candidate
		}
	}
	if len(pg.PortKeys) != len(ports) {
		t.Errorf("portgroup portKeys = %v, want the %d port keys", pg.PortKeys, len(ports))
	}

	// Criteria.
	one := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{PortKey: []string{ports[1].Key}})
	if len(one) != 1 || one[0].Key != ports[1].Key {
		t.Errorf("portKey criteria returned %d ports", len(one))
	}
	if got := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{Connected: types.NewBool(false)}); len(got) != 0 {
		t.Errorf("connected=false returned %d ports", len(got))
	}
	if got := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{PortgroupKey: []string{pg.Key}, Inside: types.NewBool(true)}); len(got) != len(ports) {
		t.Errorf("inside the portgroup: %d ports", len(got))
	}
	if got := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{PortgroupKey: []string{pg.Key}, Inside: types.NewBool(false)}); len(got) != 0 {
		t.Errorf("outside the portgroup: %d ports", len(got))
	}
	if got := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{UplinkPort: types.NewBool(true)}); len(got) != 0 {
		t.Errorf("uplink ports: %d", len(got))
	}
}

func filterSetting(ruleKey string) *types.VMwareDVSPortSetting {
	return &types.VMwareDVSPortSetting{
		DVPortSetting: types.DVPortSetting{
			FilterPolicy: &types.DvsFilterPolicy{
				FilterConfig: []types.BaseDvsFilterConfig{&types.DvsTrafficFilterConfig{
					DvsFilterConfig: types.DvsFilterConfig{Key: "filter-1", AgentName: "dvfilter-generic-vmware"},
					TrafficRuleset: &types.DvsTrafficRuleset{
						Key:     ruleKey,
						Enabled: types.NewBool(true),
						Rules: []types.DvsTrafficRule{{
							Key:         "rule-1",
							Description: "drop telnet",
							Sequence:    10,
							Direction:   "both",
							Action:      &types.DvsDropNetworkRuleAction{},
						}},
					},
				}},
			},
		},
	}
}

func TestReconfigureDVPortStoresSettingsAndChecksVersion(t *testing.T) {
	s := start(t, nil)
	dvs := dvSwitch(s)
	ports := fetch(s, dvs, nil)
	port, other := ports[0], ports[1]
	version := port.Config.ConfigVersion

	task, err := dvs.ReconfigureDVPort(s.ctx, []types.DVPortConfigSpec{{
		Operation:     string(types.ConfigSpecOperationEdit),
		Key:           port.Key,
		ConfigVersion: version,
		Name:          "compliance-port",
		Setting:       filterSetting("ruleset-1"),
	}})
	if err != nil {
		t.Fatalf("ReconfigureDVPort_Task: %v", err)
	}
	if err := task.Wait(s.ctx); err != nil {
		t.Fatalf("ReconfigureDVPort task: %v", err)
	}

	got := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{PortKey: []string{port.Key}})[0]
	n, _ := strconv.Atoi(version)
	if got.Config.ConfigVersion != strconv.Itoa(n+1) || got.Config.Name != "compliance-port" {
		t.Errorf("configVersion %s name %q, want %d and the new name", got.Config.ConfigVersion, got.Config.Name, n+1)
	}
	setting, ok := got.Config.Setting.(*types.VMwareDVSPortSetting)
	if !ok || setting.FilterPolicy == nil || len(setting.FilterPolicy.FilterConfig) != 1 {
		t.Fatalf("stored setting = %#v", got.Config.Setting)
	}
	traffic, ok := setting.FilterPolicy.FilterConfig[0].(*types.DvsTrafficFilterConfig)
	if !ok || traffic.TrafficRuleset == nil || traffic.TrafficRuleset.Key != "ruleset-1" || len(traffic.TrafficRuleset.Rules) != 1 {
		t.Fatalf("stored filter = %#v", setting.FilterPolicy.FilterConfig[0])
	}
	if _, ok := traffic.TrafficRuleset.Rules[0].Action.(*types.DvsDropNetworkRuleAction); !ok {
		t.Errorf("rule action = %T", traffic.TrafficRuleset.Rules[0].Action)
	}
	// Properties not in the spec keep their values (merge, not replace).
	if setting.UplinkTeamingPolicy == nil {
		t.Error("the teaming policy inherited from the portgroup was lost")
	}
	if got.Connectee == nil || got.Connectee.ConnectedEntity == nil {
		t.Error("the port lost its connectee")
	}

	// The other port is untouched.
	o := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{PortKey: []string{other.Key}})[0]
	if o.Config.ConfigVersion != other.Config.ConfigVersion || o.Config.Setting.GetDVPortSetting().FilterPolicy != nil {
		t.Error("another port changed")
	}

	// A stale configVersion is a concurrent modification.
	task, err = dvs.ReconfigureDVPort(s.ctx, []types.DVPortConfigSpec{{
		Operation: "edit", Key: port.Key, ConfigVersion: version, Setting: filterSetting("ruleset-2"),
	}})
	if err != nil {
		t.Fatalf("ReconfigureDVPort_Task: %v", err)
	}
	expectFault(t, task.Wait(s.ctx), new(types.ConcurrentAccess))
	again := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{PortKey: []string{port.Key}})[0]
	if again.Config.ConfigVersion != got.Config.ConfigVersion {
		t.Error("a rejected reconfiguration changed the port")
	}

	// With the current version it succeeds, and a partial setting is merged.
	task, err = dvs.ReconfigureDVPort(s.ctx, []types.DVPortConfigSpec{{
		Operation: "edit", Key: port.Key, ConfigVersion: got.Config.ConfigVersion,
		Setting: &types.VMwareDVSPortSetting{SecurityPolicy: &types.DVSSecurityPolicy{
			AllowPromiscuous: &types.BoolPolicy{Value: types.NewBool(false)},
		}},
	}})
	if err != nil {
		t.Fatalf("ReconfigureDVPort_Task: %v", err)
	}
	if err := task.Wait(s.ctx); err != nil {
		t.Fatalf("second reconfiguration: %v", err)
	}
	final := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{PortKey: []string{port.Key}})[0]
	fs := final.Config.Setting.(*types.VMwareDVSPortSetting)
	if fs.FilterPolicy == nil || fs.SecurityPolicy == nil || fs.SecurityPolicy.AllowPromiscuous == nil || *fs.SecurityPolicy.AllowPromiscuous.Value {
		t.Errorf("merged setting = filter %v security %+v", fs.FilterPolicy, fs.SecurityPolicy)
	}
}

func TestReconfigureDVPortFaults(t *testing.T) {
	s := start(t, nil)
	dvs := dvSwitch(s)
	port := fetch(s, dvs, nil)[0]

	for _, c := range []struct {
		spec types.DVPortConfigSpec
		want types.BaseMethodFault
	}{
		{types.DVPortConfigSpec{Operation: "edit", Key: "99999", ConfigVersion: "0"}, new(types.NotFound)},
		{types.DVPortConfigSpec{Operation: "edit", Key: port.Key}, new(types.InvalidArgument)},
		{types.DVPortConfigSpec{Operation: "edit", Key: port.Key, ConfigVersion: "42"}, new(types.ConcurrentAccess)},
		{types.DVPortConfigSpec{Operation: "remove", Key: port.Key, ConfigVersion: port.Config.ConfigVersion}, new(types.NotSupported)},
	} {
		task, err := dvs.ReconfigureDVPort(s.ctx, []types.DVPortConfigSpec{c.spec})
		if err != nil {
			t.Fatalf("ReconfigureDVPort_Task: %v", err)
		}
		expectFault(t, task.Wait(s.ctx), c.want)
	}
}

func TestDVPortsFollowNewPortgroupsAndVMs(t *testing.T) {
	s := start(t, nil)
	dvs := dvSwitch(s)
	before := len(fetch(s, dvs, nil))

	task, err := dvs.AddPortgroup(s.ctx, []types.DVPortgroupConfigSpec{{Name: "static-8", NumPorts: 8, Type: "earlyBinding"}})
	if err != nil {
		t.Fatalf("AddPortgroup: %v", err)
	}
	if err := task.Wait(s.ctx); err != nil {
		t.Fatalf("AddPortgroup task: %v", err)
	}
	ports := fetch(s, dvs, nil)
	if len(ports) != before+8 {
		t.Fatalf("%d ports after adding a portgroup with 8 ports to %d", len(ports), before)
	}
	free := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{Connected: types.NewBool(false)})
	if len(free) != 8 {
		t.Errorf("%d unconnected ports, want 8", len(free))
	}
	keys := map[string]bool{}
	for _, p := range ports {
		if keys[p.Key] {
			t.Errorf("duplicate port key %s", p.Key)
		}
		keys[p.Key] = true
	}
}

func TestReconfigureDVPortFaultHook(t *testing.T) {
	s := start(t, nil)
	dvs := dvSwitch(s)
	ports := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{Connected: types.NewBool(true)})
	if len(ports) < 2 {
		t.Fatalf("%d connected ports, want at least 2", len(ports))
	}
	vm := simulator.Map.Get(*ports[0].Connectee.ConnectedEntity).(*simulator.VirtualMachine)
	FaultPortVMs[vm.Name] = true
	defer delete(FaultPortVMs, vm.Name)

	spec := func(p types.DistributedVirtualPort) []types.DVPortConfigSpec {
		return []types.DVPortConfigSpec{{Operation: "edit", Key: p.Key, ConfigVersion: p.Config.ConfigVersion, Description: "hook"}}
	}
	task, err := dvs.ReconfigureDVPort(s.ctx, spec(ports[0]))
	if err != nil {
		t.Fatalf("ReconfigureDVPort_Task: %v", err)
	}
	expectFault(t, task.Wait(s.ctx), new(types.DvsFault))
	// Another VM's port is not affected.
	other := ports[len(ports)-1]
	if *other.Connectee.ConnectedEntity == *ports[0].Connectee.ConnectedEntity {
		t.Skip("every connected port belongs to one VM in this model")
	}
	task, err = dvs.ReconfigureDVPort(s.ctx, spec(other))
	if err != nil {
		t.Fatalf("ReconfigureDVPort_Task: %v", err)
	}
	if err := task.Wait(s.ctx); err != nil {
		t.Fatalf("another VM's port: %v", err)
	}
}
