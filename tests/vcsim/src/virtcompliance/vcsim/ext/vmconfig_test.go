package ext

import (
	"testing"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func reconfigure(s *sim, vm types.ManagedObjectReference, spec types.VirtualMachineConfigSpec) {
	s.t.Helper()
	res, err := methods.ReconfigVM_Task(s.ctx, s.c, &types.ReconfigVM_Task{This: vm, Spec: spec})
	if err != nil {
		s.t.Fatalf("ReconfigVM_Task: %v", err)
	}
	if err := s.wait(res.Returnval); err != nil {
		s.t.Fatalf("reconfiguration failed: %v", err)
	}
}

func extraConfig(s *sim, vm types.ManagedObjectReference) map[string][]string {
	var v mo.VirtualMachine
	s.retrieve(vm, &v, "config.extraConfig")
	out := map[string][]string{}
	for _, o := range v.Config.ExtraConfig {
		ov := o.GetOptionValue()
		text, _ := ov.Value.(string)
		out[ov.Key] = append(out[ov.Key], text)
	}
	return out
}

func TestReconfigureReplacesAndRemovesExtraConfigKeys(t *testing.T) {
	s := start(t, nil)
	vm, _, _ := clusterVM(s)
	set := func(key, value string) types.VirtualMachineConfigSpec {
		return types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{&types.OptionValue{Key: key, Value: value}}}
	}

	reconfigure(s, vm, set("isolation.tools.copy.disable", "FALSE"))
	reconfigure(s, vm, set("isolation.tools.copy.disable", "TRUE"))
	// VMX keys compare case-insensitively: the key keeps its first spelling.
	reconfigure(s, vm, set("Isolation.Tools.Copy.Disable", "FALSE"))
	if got := extraConfig(s, vm)["isolation.tools.copy.disable"]; len(got) != 1 || got[0] != "FALSE" {
		t.Fatalf("after three sets the key has %v, want one value FALSE", got)
	}

	reconfigure(s, vm, set("isolation.tools.copy.disable", ""))
	if got, ok := extraConfig(s, vm)["isolation.tools.copy.disable"]; ok {
		t.Fatalf("an empty value should remove the key, it is %v", got)
	}

	// Other settings of the same spec still apply.
	enable := true
	reconfigure(s, vm, types.VirtualMachineConfigSpec{
		Flags:             &types.VirtualMachineFlagInfo{EnableLogging: &enable},
		ExtraConfig:       []types.BaseOptionValue{&types.OptionValue{Key: "mks.enable3d", Value: "TRUE"}},
		MigrateEncryption: "required",
	})
	var v mo.VirtualMachine
	s.retrieve(vm, &v, "config.flags", "config.migrateEncryption")
	if v.Config.Flags.EnableLogging == nil || !*v.Config.Flags.EnableLogging || v.Config.MigrateEncryption != "required" {
		t.Errorf("flags.enableLogging = %v, migrateEncryption = %q", v.Config.Flags.EnableLogging, v.Config.MigrateEncryption)
	}
	if got := extraConfig(s, vm)["mks.enable3d"]; len(got) != 1 || got[0] != "TRUE" {
		t.Errorf("mks.enable3d = %v", got)
	}
}

func TestSetFieldReplacesTheEntitysValue(t *testing.T) {
	s := start(t, nil)
	vm, _, _ := clusterVM(s)
	fields := s.c.ServiceContent.CustomFieldsManager
	def, err := methods.AddCustomFieldDef(s.ctx, s.c, &types.AddCustomFieldDef{This: *fields, Name: "Owner", MoType: "VirtualMachine"})
	if err != nil {
		t.Fatalf("AddCustomFieldDef: %v", err)
	}
	for _, value := range []string{"team-a", "team-b"} {
		if _, err := methods.SetField(s.ctx, s.c, &types.SetField{This: *fields, Entity: vm, Key: def.Returnval.Key, Value: value}); err != nil {
			t.Fatalf("SetField: %v", err)
		}
	}
	var v mo.VirtualMachine
	s.retrieve(vm, &v, "customValue")
	if len(v.CustomValue) != 1 || v.CustomValue[0].(*types.CustomFieldStringValue).Value != "team-b" {
		t.Fatalf("customValue = %d values, want one: team-b", len(v.CustomValue))
	}
}
