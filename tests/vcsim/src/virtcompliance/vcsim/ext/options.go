package ext

import (
	"reflect"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// optionManager is one host's advanced settings (host.configManager.advancedOption).
// Its setting is the source of truth; every change is copied to the host's config.option.
type optionManager struct {
	mo.OptionManager

	host types.ManagedObjectReference
}

func (o *optionManager) find(key string) *types.OptionValue {
	for _, opt := range o.Setting {
		if v := opt.GetOptionValue(); v.Key == key {
			return v
		}
	}
	return nil
}

// QueryOptions returns every option for an empty name, the subtree for a name ending in
// '.', and otherwise the option of exactly that name; InvalidName when nothing matches.
func (o *optionManager) QueryOptions(req *types.QueryOptions) soap.HasFault {
	body := new(methods.QueryOptionsBody)
	var res []types.BaseOptionValue
	for _, opt := range o.Setting {
		key := opt.GetOptionValue().Key
		switch {
		case req.Name == "",
			strings.HasSuffix(req.Name, ".") && strings.HasPrefix(key, req.Name),
			key == req.Name:
			res = append(res, opt)
		}
	}
	if len(res) == 0 {
		body.Fault_ = fault("The name '"+req.Name+"' is invalid.", &types.InvalidName{Name: req.Name})
		return body
	}
	body.Res = &types.QueryOptionsResponse{Returnval: cloneOptions(res)}
	return body
}

// UpdateOptions sets existing options (converting integers to the option's own integer
// type, rejecting values of another kind) and stores options with unknown keys as given.
// The whole request is validated before anything changes.
func (o *optionManager) UpdateOptions(ctx *simulator.Context, req *types.UpdateOptions) soap.HasFault {
	body := new(methods.UpdateOptionsBody)

	type change struct {
		existing *types.OptionValue
		key      string
		value    interface{}
	}
	var changes []change
	for _, cv := range req.ChangedValue {
		v := cv.GetOptionValue()
		if v.Key == "" {
			body.Fault_ = fault("The name '' is invalid.", &types.InvalidName{Name: v.Key})
			return body
		}
		if v.Value == nil {
			body.Fault_ = invalidArgument(v.Key)
			return body
		}
		existing := o.find(v.Key)
		value := v.Value
		if existing != nil && existing.Value != nil {
			converted, ok := convertOptionValue(existing.Value, v.Value)
			if !ok {
				body.Fault_ = invalidArgument(v.Key)
				return body
			}
			value = converted
		}
		changes = append(changes, change{existing, v.Key, value})
	}

	for _, c := range changes {
		if c.existing != nil {
			c.existing.Value = c.value
			continue
		}
		if again := o.find(c.key); again != nil { // the same new key twice in one request
			again.Value = c.value
			continue
		}
		o.Setting = append(o.Setting, &types.OptionValue{Key: c.key, Value: c.value})
	}

	simulator.Map.Update(o, []types.PropertyChange{{Name: "setting", Val: o.Setting}})
	publishHost(ctx, o.host, types.PropertyChange{Name: "config.option", Val: cloneOptions(o.Setting)})

	body.Res = new(types.UpdateOptionsResponse)
	return body
}

// store sets options to the given values (adding those that do not exist) and publishes the
// change like UpdateOptions; for settings written by other host interfaces (esxcli). The
// caller holds the manager's lock.
func (o *optionManager) store(ctx *simulator.Context, values ...types.OptionValue) {
	for _, v := range values {
		if existing := o.find(v.Key); existing != nil {
			existing.Value = v.Value
			continue
		}
		o.Setting = append(o.Setting, &types.OptionValue{Key: v.Key, Value: v.Value})
	}
	simulator.Map.Update(o, []types.PropertyChange{{Name: "setting", Val: o.Setting}})
	publishHost(ctx, o.host, types.PropertyChange{Name: "config.option", Val: cloneOptions(o.Setting)})
}

// convertOptionValue returns value as the type of current when both are integers, value
// itself when both have the same kind, and false otherwise.
func convertOptionValue(current, value interface{}) (interface{}, bool) {
	cv, vv := reflect.ValueOf(current), reflect.ValueOf(value)
	switch {
	case isInteger(cv.Kind()) && isInteger(vv.Kind()):
		var n int64
		if isUnsigned(vv.Kind()) {
			n = int64(vv.Uint())
		} else {
			n = vv.Int()
		}
		out := reflect.New(cv.Type()).Elem()
		if isUnsigned(cv.Kind()) {
			if n < 0 {
				return nil, false
			}
			out.SetUint(uint64(n))
			if out.Uint() != uint64(n) {
				return nil, false
			}
		} else {
			out.SetInt(n)
			if out.Int() != n {
				return nil, false // does not fit
			}
		}
		return out.Interface(), true
	case cv.Kind() == vv.Kind():
		return value, true
	}
	return nil, false
}

func isInteger(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return isUnsigned(k)
}

func isUnsigned(k reflect.Kind) bool {
	switch k {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}
