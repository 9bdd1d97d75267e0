package ext

import (
	"reflect"
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// A distributed port's filter policy with vim25 semantics (DvsFilterPolicy, DvsFilterConfigSpec).
// The simulator would store whatever a ReconfigureDVPort_Task spec carries; vCenter instead
// keeps the port's filters element by element, each either the port's own (inherited false) or
// its portgroup's (inherited true), and reads a reconfiguration's filterConfig array one of two
// ways:
//
//   - an array of DvsFilterConfig / DvsTrafficFilterConfig replaces the port's own filters
//     with the array's (elements marked inherited are ignored); the portgroup's filters whose
//     key none of them overrides stay, inherited;
//   - an array of DvsFilterConfigSpec / DvsTrafficFilterConfigSpec changes only the filters
//     whose key it names: remove (only the port's own, and not one its portgroup also has: that
//     one can only be inherited again), add (the server assigns the key), edit (inherited true
//     takes the portgroup's filter of that key back; inherited false applies the properties set);
//   - the two kinds mixed in one array are refused.
//
// filterPolicy.inherited true puts the port back on its portgroup's filters.
// A client can therefore take its own filter off a port and leave the others on it.
//
// govmomi 0.24's BaseDvsFilterConfig is implemented by the traffic filter types only, so the
// filters modelled here are DvsTrafficFilterConfig (and its spec): another filter on a port is
// another traffic filter element, with a key of its own.

// filterSpecOperation returns the operation of a spec element, and whether the element is a spec.
func filterSpecOperation(c types.BaseDvsFilterConfig) (string, bool) {
	if s, ok := c.(*types.DvsTrafficFilterConfigSpec); ok {
		return s.Operation, true
	}
	return "", false
}

// filterConfigOf returns the filter a spec element describes, without its operation.
func filterConfigOf(c types.BaseDvsFilterConfig) types.BaseDvsFilterConfig {
	if s, ok := c.(*types.DvsTrafficFilterConfigSpec); ok {
		out := s.DvsTrafficFilterConfig
		return &out
	}
	return c
}

// cloneFilterPolicy deep-copies a filter policy (nil stays nil).
func cloneFilterPolicy(p *types.DvsFilterPolicy) *types.DvsFilterPolicy {
	if p == nil {
		return nil
	}
	s := cloneDVPortSetting(&types.DVPortSetting{FilterPolicy: p})
	return s.GetDVPortSetting().FilterPolicy
}

// inheritedFilters returns copies of the portgroup's filters, each marked inherited, except
// those whose key is in skip.
func inheritedFilters(parent *types.DvsFilterPolicy, skip map[string]bool) []types.BaseDvsFilterConfig {
	var out []types.BaseDvsFilterConfig
	copied := cloneFilterPolicy(parent)
	if copied == nil {
		return nil
	}
	for _, c := range copied.FilterConfig {
		if skip[c.GetDvsFilterConfig().Key] {
			continue
		}
		c.GetDvsFilterConfig().Inherited = true
		out = append(out, c)
	}
	return out
}

// inheritFilterPolicy is the filter policy of a port that takes its portgroup's.
func inheritFilterPolicy(parent *types.DvsFilterPolicy) *types.DvsFilterPolicy {
	return &types.DvsFilterPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}, FilterConfig: inheritedFilters(parent, nil)}
}

func badFilterConfig(property string) types.BaseMethodFault {
	return &types.InvalidArgument{InvalidProperty: "port.setting.filterPolicy.filterConfig" + property}
}

// applyFilterPolicy returns the port's filter policy after a reconfiguration's (spec), given
// its current one and its portgroup's (parent). Inputs are not modified.
func applyFilterPolicy(current, spec, parent *types.DvsFilterPolicy) (*types.DvsFilterPolicy, types.BaseMethodFault) {
	if spec.Inherited {
		return inheritFilterPolicy(parent), nil
	}
	spec = cloneFilterPolicy(spec)
	specs, configs := 0, 0
	for _, c := range spec.FilterConfig {
		if _, ok := filterSpecOperation(c); ok {
			specs++
		} else {
			configs++
		}
	}
	if specs > 0 && configs > 0 {
		return nil, badFilterConfig("")
	}
	parentKeys := make(map[string]types.BaseDvsFilterConfig)
	if parent != nil {
		for _, c := range parent.FilterConfig {
			parentKeys[c.GetDvsFilterConfig().Key] = c
		}
	}

	if specs == 0 {
		var own []types.BaseDvsFilterConfig
		ownKeys := make(map[string]bool)
		for _, c := range spec.FilterConfig {
			if c.GetDvsFilterConfig().Inherited {
				continue
			}
			own = append(own, c)
			ownKeys[c.GetDvsFilterConfig().Key] = true
		}
		return &types.DvsFilterPolicy{FilterConfig: append(inheritedFilters(parent, ownKeys), own...)}, nil
	}

	var list []types.BaseDvsFilterConfig
	if current == nil || current.Inherited {
		list = inheritedFilters(parent, nil)
	} else {
		list = cloneFilterPolicy(current).FilterConfig
	}
	index := func(key string) int {
		for i, c := range list {
			if key != "" && c.GetDvsFilterConfig().Key == key {
				return i
			}
		}
		return -1
	}
	for _, s := range spec.FilterConfig {
		op, _ := filterSpecOperation(s)
		given := filterConfigOf(s)
		key := given.GetDvsFilterConfig().Key
		switch op {
		case string(types.ConfigSpecOperationRemove):
			i := index(key)
			if i < 0 {
				return nil, badFilterConfig(".key")
			}
			if list[i].GetDvsFilterConfig().Inherited || parentKeys[key] != nil {
				// vCenter: "We cannot remove an inherited element."
				return nil, badFilterConfig(".inherited")
			}
			list = append(list[:i], list[i+1:]...)
		case string(types.ConfigSpecOperationAdd):
			if key != "" {
				return nil, badFilterConfig(".key")
			}
			n := len(list)
			for index("filter-"+strconv.Itoa(n)) >= 0 || parentKeys["filter-"+strconv.Itoa(n)] != nil {
				n++
			}
			given.GetDvsFilterConfig().Key = "filter-" + strconv.Itoa(n)
			given.GetDvsFilterConfig().Inherited = false
			list = append(list, given)
		case string(types.ConfigSpecOperationEdit):
			i := index(key)
			if i < 0 {
				return nil, badFilterConfig(".key")
			}
			if given.GetDvsFilterConfig().Inherited {
				from := parentKeys[key]
				if from == nil {
					return nil, badFilterConfig(".inherited")
				}
				list[i] = inheritedFilters(&types.DvsFilterPolicy{FilterConfig: []types.BaseDvsFilterConfig{from}}, nil)[0]
				continue
			}
			if reflect.TypeOf(list[i]) == reflect.TypeOf(given) {
				mergeInto(reflect.ValueOf(list[i]).Elem(), reflect.ValueOf(given).Elem(), false)
			} else {
				list[i] = given
			}
			list[i].GetDvsFilterConfig().Inherited = false
		default:
			return nil, badFilterConfig(".operation")
		}
	}
	return &types.DvsFilterPolicy{FilterConfig: list}, nil
}

// portgroupFilterPolicy returns a copy of the filter policy the portgroup of key gives its ports.
func portgroupFilterPolicy(key string) *types.DvsFilterPolicy {
	pg, ok := simulator.Map.Get(types.ManagedObjectReference{Type: "DistributedVirtualPortgroup", Value: key}).(*simulator.DistributedVirtualPortgroup)
	if !ok {
		return nil
	}
	var policy *types.DvsFilterPolicy
	simulator.Map.WithLock(pg, func() {
		if pg.Config.DefaultPortConfig != nil {
			policy = cloneFilterPolicy(pg.Config.DefaultPortConfig.GetDVPortSetting().FilterPolicy)
		}
	})
	return policy
}
