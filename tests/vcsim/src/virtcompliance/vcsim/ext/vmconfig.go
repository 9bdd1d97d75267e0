package ext

import (
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// ReconfigVMTask is VirtualMachine.ReconfigVM_Task with vim25's extraConfig semantics, which
// the simulator lacks (it appends every option, so a key set twice has two values and an
// empty value removes nothing): a key already set (VMX keys compare case-insensitively) is
// replaced, an empty value removes the key. The rest of the spec goes to the simulator's own
// reconfiguration; the options are applied only when that succeeded, as one change. The
// simulator also ignores migrateEncryption (vSphere 6.7): it is applied here, with its enum
// checked as vim25 checks it.
func (x *vmExtension) ReconfigVMTask(ctx *simulator.Context, req *types.ReconfigVM_Task) soap.HasFault {
	vm, ok := simulator.Map.Get(x.target).(*simulator.VirtualMachine)
	if !ok {
		body := new(methods.ReconfigVM_TaskBody)
		body.Fault_ = fault("The object has already been deleted or has not been completely created", &types.ManagedObjectNotFound{Obj: x.target})
		return body
	}
	extra := req.Spec.ExtraConfig
	encryption := req.Spec.MigrateEncryption
	switch encryption {
	case "", "disabled", "opportunistic", "required":
	default:
		body := new(methods.ReconfigVM_TaskBody)
		body.Fault_ = fault("A specified parameter was not correct: spec.migrateEncryption", &types.InvalidArgument{InvalidProperty: "spec.migrateEncryption"})
		return body
	}
	spec := req.Spec
	spec.ExtraConfig = nil
	spec.MigrateEncryption = ""
	res := vm.ReconfigVMTask(ctx, &types.ReconfigVM_Task{This: x.target, Spec: spec})
	body, ok := res.(*methods.ReconfigVM_TaskBody)
	if !ok || body.Res == nil || len(extra) == 0 && encryption == "" {
		return res
	}
	if task, ok := simulator.Map.Get(body.Res.Returnval).(*simulator.Task); !ok || task.Info.State != types.TaskInfoStateSuccess {
		return res
	}
	var changes []types.PropertyChange
	ctx.WithLock(vm, func() {
		if len(extra) > 0 {
			vm.Config.ExtraConfig = mergeExtraConfig(vm.Config.ExtraConfig, extra)
			changes = append(changes, types.PropertyChange{Name: "config.extraConfig", Val: vm.Config.ExtraConfig})
		}
		if encryption != "" {
			vm.Config.MigrateEncryption = encryption
			changes = append(changes, types.PropertyChange{Name: "config.migrateEncryption", Val: encryption})
		}
	})
	simulator.Map.Update(vm, changes)
	return res
}

// mergeExtraConfig applies options to a VM's extraConfig: set or replace each key, remove the
// keys given an empty value.
func mergeExtraConfig(current, changes []types.BaseOptionValue) []types.BaseOptionValue {
	out := append([]types.BaseOptionValue(nil), current...)
	for _, c := range changes {
		change := c.GetOptionValue()
		text, isText := change.Value.(string)
		remove := change.Value == nil || isText && text == ""
		index := -1
		for i, o := range out {
			if strings.EqualFold(o.GetOptionValue().Key, change.Key) {
				index = i
				break
			}
		}
		switch {
		case remove && index >= 0:
			out = append(out[:index], out[index+1:]...)
		case remove:
			// Removing a key the VM does not have changes nothing.
		case index >= 0:
			out[index] = &types.OptionValue{Key: out[index].GetOptionValue().Key, Value: change.Value}
		default:
			out = append(out, &types.OptionValue{Key: change.Key, Value: change.Value})
		}
	}
	return out
}

// fieldsExtension is the extension object that SetField calls on the CustomFieldsManager are
// routed to (the simulator type-asserts its CustomFieldsManager, so it cannot be replaced). It
// gives SetField vim25's semantics: setting a field an entity already has replaces its value,
// where the simulator appends a second value with the same key.
type fieldsExtension struct {
	mo.ExtensibleManagedObject
}

func (x *fieldsExtension) SetField(ctx *simulator.Context, req *types.SetField) soap.HasFault {
	res := simulator.Map.CustomFieldsManager().SetField(ctx, req)
	if body, ok := res.(*methods.SetFieldBody); !ok || body.Fault_ != nil {
		return res
	}
	obj := simulator.Map.Get(req.Entity)
	e, ok := obj.(mo.Entity)
	if !ok {
		return res
	}
	entity := e.Entity()
	ctx.WithLock(obj, func() {
		entity.CustomValue = lastPerKey(entity.CustomValue)
		entity.Value = lastPerKey(entity.Value)
	})
	return res
}

// lastPerKey keeps one value per custom field key: the last one set, in the place of the first.
func lastPerKey(values []types.BaseCustomFieldValue) []types.BaseCustomFieldValue {
	last := make(map[int32]types.BaseCustomFieldValue, len(values))
	for _, v := range values {
		last[v.GetCustomFieldValue().Key] = v
	}
	out := make([]types.BaseCustomFieldValue, 0, len(last))
	seen := make(map[int32]bool, len(last))
	for _, v := range values {
		key := v.GetCustomFieldValue().Key
		if !seen[key] {
			seen[key] = true
			out = append(out, last[key])
		}
	}
	return out
}

// fieldsProxy returns the extension object for the CustomFieldsManager, creating it on first use.
func (e *Extensions) fieldsProxy(target types.ManagedObjectReference) *fieldsExtension {
	e.mu.Lock()
	defer e.mu.Unlock()
	ref := proxyRef(target)
	if p, ok := simulator.Map.Get(ref).(*fieldsExtension); ok {
		return p
	}
	p := &fieldsExtension{}
	p.Self = ref
	simulator.Map.Put(p)
	return p
}
