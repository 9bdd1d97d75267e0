package ext

import (
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// trafficFilter is a traffic filter element with one drop rule described by rule.
func trafficFilter(key, rule string) *types.DvsTrafficFilterConfig {
	return &types.DvsTrafficFilterConfig{
		DvsFilterConfig: types.DvsFilterConfig{Key: key, AgentName: "dvfilter-generic-vmware", OnFailure: "failOpen"},
		TrafficRuleset: &types.DvsTrafficRuleset{
			Enabled: types.NewBool(true),
			Rules:   []types.DvsTrafficRule{{Description: rule, Sequence: 10, Direction: "both", Action: &types.DvsDropNetworkRuleAction{}}},
		},
	}
}

func filterSpec(operation, key string, inherited bool) *types.DvsTrafficFilterConfigSpec {
	return &types.DvsTrafficFilterConfigSpec{
		DvsTrafficFilterConfig: types.DvsTrafficFilterConfig{DvsFilterConfig: types.DvsFilterConfig{
			InheritablePolicy: types.InheritablePolicy{Inherited: inherited}, Key: key,
		}},
		Operation: operation,
	}
}

func withFilters(policy types.DvsFilterPolicy) *types.VMwareDVSPortSetting {
	return &types.VMwareDVSPortSetting{DVPortSetting: types.DVPortSetting{FilterPolicy: &policy}}
}

// reconfigurePort writes a filter policy to the port at its current configVersion and returns the task's error.
func reconfigurePort(s *sim, dvs *object.DistributedVirtualSwitch, key string, policy types.DvsFilterPolicy) error {
	s.t.Helper()
	port := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{PortKey: []string{key}})[0]
	task, err := dvs.ReconfigureDVPort(s.ctx, []types.DVPortConfigSpec{{
		Operation: "edit", Key: key, ConfigVersion: port.Config.ConfigVersion, Setting: withFilters(policy),
	}})
	if err != nil {
		s.t.Fatalf("ReconfigureDVPort_Task: %v", err)
	}
	return task.Wait(s.ctx)
}

// filtersOf returns the port's configVersion and its filter elements as "key:rule" (own) or "key:rule (inherited)".
func filtersOf(s *sim, dvs *object.DistributedVirtualSwitch, key string) (string, bool, []string) {
	s.t.Helper()
	port := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{PortKey: []string{key}})[0]
	policy := port.Config.Setting.GetDVPortSetting().FilterPolicy
	if policy == nil {
		return port.Config.ConfigVersion, true, nil
	}
	var out []string
	for _, c := range policy.FilterConfig {
		f := c.GetDvsFilterConfig()
		text := f.Key + ":"
		if t, ok := c.(*types.DvsTrafficFilterConfig); ok && t.TrafficRuleset != nil && len(t.TrafficRuleset.Rules) > 0 {
			text += t.TrafficRuleset.Rules[0].Description
		}
		if f.Inherited {
			text += " (inherited)"
		}
		out = append(out, text)
	}
	return port.Config.ConfigVersion, policy.Inherited, out
}

func sameList(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPortFilterSpecsChangeOnlyTheFilterTheyName(t *testing.T) {
	s := start(t, nil)
	dvs := dvSwitch(s)
	port := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{Connected: types.NewBool(true)})[0].Key

	// An array of filters replaces the port's own filters.
	if err := reconfigurePort(s, dvs, port, types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{
		trafficFilter("ours", "lab-fw/admin-ssh"), trafficFilter("theirs", "ids/mirror"),
	}}); err != nil {
		t.Fatalf("writing two filters: %v", err)
	}
	before, _, filters := filtersOf(s, dvs, port)
	if !sameList(filters, []string{"ours:lab-fw/admin-ssh", "theirs:ids/mirror"}) {
		t.Fatalf("filters = %v", filters)
	}

	// A spec that removes one filter leaves the other as it was.
	if err := reconfigurePort(s, dvs, port, types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{filterSpec("remove", "ours", false)}}); err != nil {
		t.Fatalf("removing one filter: %v", err)
	}
	after, inherited, filters := filtersOf(s, dvs, port)
	if inherited || !sameList(filters, []string{"theirs:ids/mirror"}) {
		t.Errorf("after the removal: inherited %v, filters %v", inherited, filters)
	}
	if after != nextConfigVersion(before) {
		t.Errorf("configVersion %s after %s", after, before)
	}

	// Refused, and nothing changes: a key the port does not have, an unknown operation, specs mixed with filters.
	for name, policy := range map[string]types.DvsFilterPolicy{
		"unknown key":       {FilterConfig: []types.BaseDvsFilterConfig{filterSpec("remove", "nosuch", false)}},
		"unknown operation": {FilterConfig: []types.BaseDvsFilterConfig{filterSpec("replace", "theirs", false)}},
		"mixed":             {FilterConfig: []types.BaseDvsFilterConfig{filterSpec("remove", "theirs", false), trafficFilter("x", "x/y")}},
		"add with a key":    {FilterConfig: []types.BaseDvsFilterConfig{filterSpec("add", "mine", false)}},
	} {
		expectFault(t, reconfigurePort(s, dvs, port, policy), new(types.InvalidArgument))
		if version, _, filters := filtersOf(s, dvs, port); version != after || !sameList(filters, []string{"theirs:ids/mirror"}) {
			t.Errorf("%s: a refused reconfiguration changed the port: %s %v", name, version, filters)
		}
	}

	// add: the server assigns the key; edit with inherited false changes the properties given.
	added := filterSpec("add", "", false)
	added.TrafficRuleset = trafficFilter("", "new/rule").TrafficRuleset
	if err := reconfigurePort(s, dvs, port, types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{added}}); err != nil {
		t.Fatalf("adding a filter: %v", err)
	}
	_, _, filters = filtersOf(s, dvs, port)
	if len(filters) != 2 || filters[0] != "theirs:ids/mirror" || filters[1] == ":new/rule" {
		t.Errorf("after an add: %v (the new filter needs a key of its own)", filters)
	}
	edit := filterSpec("edit", "theirs", false)
	edit.TrafficRuleset = trafficFilter("", "ids/mirror-v2").TrafficRuleset
	if err := reconfigurePort(s, dvs, port, types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{edit}}); err != nil {
		t.Fatalf("editing a filter: %v", err)
	}
	if _, _, filters = filtersOf(s, dvs, port); filters[0] != "theirs:ids/mirror-v2" {
		t.Errorf("after an edit: %v", filters)
	}
}

func TestPortFilterOfThePortgroupIsInheritedAgainNotRemoved(t *testing.T) {
	s := start(t, nil)
	dvs := dvSwitch(s)
	pg := vmPortgroup(s)
	if err := reconfigurePG(s, pg, types.DVPortgroupConfigSpec{DefaultPortConfig: withFilters(types.DvsFilterPolicy{
		FilterConfig: []types.BaseDvsFilterConfig{trafficFilter("shared", "portgroup/rule")},
	})}); err != nil {
		t.Fatalf("giving the portgroup a filter: %v", err)
	}
	port := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{Connected: types.NewBool(true)})[0].Key

	// The port's own filter of the same key overrides the portgroup's; another one sits beside it.
	if err := reconfigurePort(s, dvs, port, types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{
		trafficFilter("shared", "lab-fw/admin-ssh"), trafficFilter("theirs", "ids/mirror"),
	}}); err != nil {
		t.Fatalf("writing the port's filters: %v", err)
	}
	if _, _, filters := filtersOf(s, dvs, port); !sameList(filters, []string{"shared:lab-fw/admin-ssh", "theirs:ids/mirror"}) {
		t.Fatalf("filters = %v", filters)
	}

	// A filter the portgroup also has cannot be removed from the port, only inherited again.
	expectFault(t, reconfigurePort(s, dvs, port, types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{filterSpec("remove", "shared", false)}}), new(types.InvalidArgument))
	if err := reconfigurePort(s, dvs, port, types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{filterSpec("edit", "shared", true)}}); err != nil {
		t.Fatalf("inheriting the portgroup's filter again: %v", err)
	}
	if _, inherited, filters := filtersOf(s, dvs, port); inherited || !sameList(filters, []string{"shared:portgroup/rule (inherited)", "theirs:ids/mirror"}) {
		t.Errorf("after inheriting one filter: inherited %v, filters %v", inherited, filters)
	}
	// An inherited filter cannot be removed either; edit inherited needs the portgroup to have the key.
	expectFault(t, reconfigurePort(s, dvs, port, types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{filterSpec("remove", "shared", false)}}), new(types.InvalidArgument))
	expectFault(t, reconfigurePort(s, dvs, port, types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{filterSpec("edit", "theirs", true)}}), new(types.InvalidArgument))

	// The whole policy inherited: only the portgroup's filters, marked inherited.
	if err := reconfigurePort(s, dvs, port, types.DvsFilterPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}}); err != nil {
		t.Fatalf("inheriting the whole policy: %v", err)
	}
	if _, inherited, filters := filtersOf(s, dvs, port); !inherited || !sameList(filters, []string{"shared:portgroup/rule (inherited)"}) {
		t.Errorf("after inheriting the policy: inherited %v, filters %v", inherited, filters)
	}
}

func TestNewPortsInheritTheirPortgroupsFilter(t *testing.T) {
	s := start(t, nil)
	dvs := dvSwitch(s)
	pg := vmPortgroup(s)
	if err := reconfigurePG(s, pg, types.DVPortgroupConfigSpec{
		NumPorts:          int32(len(fetch(s, dvs, nil)) + 4),
		DefaultPortConfig: withFilters(types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{trafficFilter("shared", "portgroup/rule")}}),
	}); err != nil {
		t.Fatalf("reconfiguring the portgroup: %v", err)
	}
	free := fetch(s, dvs, &types.DistributedVirtualSwitchPortCriteria{Connected: types.NewBool(false)})
	if len(free) == 0 {
		t.Fatal("no new port was created")
	}
	if _, inherited, filters := filtersOf(s, dvs, free[len(free)-1].Key); !inherited || !sameList(filters, []string{"shared:portgroup/rule (inherited)"}) {
		t.Errorf("a new port's filters: inherited %v, %v", inherited, filters)
	}
}
