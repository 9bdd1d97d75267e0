package ext

import (
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func serviceOf(t *testing.T, h mo.HostSystem, key string) types.HostService {
	t.Helper()
	if h.Config == nil || h.Config.Service == nil {
		t.Fatal("config.service is not set")
	}
	for _, svc := range h.Config.Service.Service {
		if svc.Key == key {
			return svc
		}
	}
	t.Fatalf("service %s not found", key)
	return types.HostService{}
}

func TestServiceDefaults(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	h := s.host(a, "config.service", "configManager.serviceSystem")
	hb := s.host(b, "configManager.serviceSystem")
	if h.ConfigManager.ServiceSystem == nil || *h.ConfigManager.ServiceSystem == *hb.ConfigManager.ServiceSystem {
		t.Fatalf("hosts must have their own service system: %v %v", h.ConfigManager.ServiceSystem, hb.ConfigManager.ServiceSystem)
	}

	want := map[string]bool{"TSM-SSH": false, "TSM": false, "ntpd": true, "lbtd": true, "vpxa": true, "sfcbd-watchdog": false, "snmpd": false}
	for key, running := range want {
		if svc := serviceOf(t, h, key); svc.Running != running || svc.Label == "" || svc.Policy == "" {
			t.Errorf("service %s = %+v, want running=%v", key, svc, running)
		}
	}
	if svc := serviceOf(t, h, "TSM-SSH"); svc.Policy != "off" {
		t.Errorf("TSM-SSH policy = %s, want off", svc.Policy)
	}

	var ss mo.HostServiceSystem
	s.retrieve(*h.ConfigManager.ServiceSystem, &ss, "serviceInfo")
	if len(ss.ServiceInfo.Service) != len(h.Config.Service.Service) {
		t.Errorf("serviceSystem.serviceInfo has %d services, config.service %d", len(ss.ServiceInfo.Service), len(h.Config.Service.Service))
	}
}

func TestServiceStartStopPolicyPerHost(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	ref := *s.host(a, "configManager.serviceSystem").ConfigManager.ServiceSystem
	svc := object.NewHostServiceSystem(s.c, ref)

	if err := svc.Start(s.ctx, "TSM-SSH"); err != nil {
		t.Fatalf("StartService: %v", err)
	}
	if !serviceOf(t, s.host(a, "config.service"), "TSM-SSH").Running {
		t.Error("TSM-SSH not running on host A after StartService")
	}
	if serviceOf(t, s.host(b, "config.service"), "TSM-SSH").Running {
		t.Error("TSM-SSH running on host B")
	}
	services, err := svc.Service(s.ctx)
	if err != nil {
		t.Fatalf("serviceInfo: %v", err)
	}
	for _, x := range services {
		if x.Key == "TSM-SSH" && !x.Running {
			t.Error("serviceSystem.serviceInfo not updated")
		}
	}

	if err := svc.UpdatePolicy(s.ctx, "TSM-SSH", "on"); err != nil {
		t.Fatalf("UpdateServicePolicy: %v", err)
	}
	if p := serviceOf(t, s.host(a, "config.service"), "TSM-SSH").Policy; p != "on" {
		t.Errorf("policy = %s, want on", p)
	}
	if err := svc.UpdatePolicy(s.ctx, "TSM-SSH", "automatic"); err != nil {
		t.Fatalf("UpdateServicePolicy automatic: %v", err)
	}

	if err := svc.Stop(s.ctx, "ntpd"); err != nil {
		t.Fatalf("StopService: %v", err)
	}
	if serviceOf(t, s.host(a, "config.service"), "ntpd").Running {
		t.Error("ntpd still running after StopService")
	}
	if err := svc.Restart(s.ctx, "ntpd"); err != nil {
		t.Fatalf("RestartService: %v", err)
	}
	if !serviceOf(t, s.host(a, "config.service"), "ntpd").Running {
		t.Error("ntpd not running after RestartService")
	}
	if _, err := methods.RefreshServices(s.ctx, s.c, &types.RefreshServices{This: ref}); err != nil {
		t.Fatalf("RefreshServices: %v", err)
	}

	hb := s.host(b, "config.service")
	if x := serviceOf(t, hb, "TSM-SSH"); x.Policy != "off" || x.Running {
		t.Errorf("host B TSM-SSH changed: %+v", x)
	}
}

func TestServiceFaults(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	svc := object.NewHostServiceSystem(s.c, *s.host(a, "configManager.serviceSystem").ConfigManager.ServiceSystem)

	expectFault(t, svc.Start(s.ctx, "no-such-service"), new(types.NotFound))
	expectFault(t, svc.Stop(s.ctx, "no-such-service"), new(types.NotFound))
	expectFault(t, svc.Restart(s.ctx, "no-such-service"), new(types.NotFound))
	expectFault(t, svc.UpdatePolicy(s.ctx, "no-such-service", "on"), new(types.NotFound))
	expectFault(t, svc.UpdatePolicy(s.ctx, "TSM-SSH", "sometimes"), new(types.InvalidArgument))
}

func optionOf(t *testing.T, opts []types.BaseOptionValue, key string) interface{} {
	t.Helper()
	for _, o := range opts {
		if v := o.GetOptionValue(); v.Key == key {
			return v.Value
		}
	}
	t.Fatalf("option %s not found", key)
	return nil
}

func TestAdvancedOptionsDefaultsAndTypes(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	h := s.host(a, "config.option", "configManager.advancedOption")
	hb := s.host(b, "configManager.advancedOption")
	if *h.ConfigManager.AdvancedOption == *hb.ConfigManager.AdvancedOption {
		t.Fatal("hosts share the advanced option manager")
	}

	want := map[string]interface{}{
		"UserVars.ESXiShellInteractiveTimeOut":    int64(0),
		"UserVars.ESXiShellTimeOut":               int64(0),
		"UserVars.DcuiTimeOut":                    int64(600),
		"Syslog.global.logHost":                   "",
		"Security.AccountLockFailures":            int64(5),
		"Security.AccountUnlockTime":              int64(900),
		"Mem.ShareForceSalting":                   int64(2),
		"Config.HostAgent.plugins.solo.enableMob": false,
		"Net.BlockGuestBPDU":                      int64(1),
	}
	for key, value := range want {
		if got := optionOf(t, h.Config.Option, key); got != value {
			t.Errorf("%s = %#v (%T), want %#v (%T)", key, got, got, value, value)
		}
	}

	m := object.NewOptionManager(s.c, *h.ConfigManager.AdvancedOption)
	sub, err := m.Query(s.ctx, "UserVars.")
	if err != nil {
		t.Fatalf("QueryOptions subtree: %v", err)
	}
	if len(sub) < 4 {
		t.Errorf("UserVars. subtree has %d options", len(sub))
	}
	for _, o := range sub {
		if k := o.GetOptionValue().Key; len(k) < 9 || k[:9] != "UserVars." {
			t.Errorf("subtree query returned %s", k)
		}
	}
	one, err := m.Query(s.ctx, "UserVars.DcuiTimeOut")
	if err != nil || len(one) != 1 || one[0].GetOptionValue().Value != int64(600) {
		t.Errorf("exact query = %v, %v", one, err)
	}
	_, err = m.Query(s.ctx, "No.Such.Option")
	expectFault(t, err, new(types.InvalidName))
}

func TestAdvancedOptionsUpdatePerHost(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	m := object.NewOptionManager(s.c, *s.host(a, "configManager.advancedOption").ConfigManager.AdvancedOption)

	err := m.Update(s.ctx, []types.BaseOptionValue{
		&types.OptionValue{Key: "UserVars.ESXiShellTimeOut", Value: int64(900)},
		&types.OptionValue{Key: "UserVars.DcuiTimeOut", Value: int32(300)}, // converted to the option's long type
		&types.OptionValue{Key: "Syslog.global.logHost", Value: "udp://192.0.2.5:514"},
		&types.OptionValue{Key: "Config.HostAgent.plugins.solo.enableMob", Value: true},
		&types.OptionValue{Key: "Custom.Compliance.Marker", Value: "set-by-test"},
	})
	if err != nil {
		t.Fatalf("UpdateOptions: %v", err)
	}

	opts := s.host(a, "config.option").Config.Option
	for key, value := range map[string]interface{}{
		"UserVars.ESXiShellTimeOut":               int64(900),
		"UserVars.DcuiTimeOut":                    int64(300),
		"Syslog.global.logHost":                   "udp://192.0.2.5:514",
		"Config.HostAgent.plugins.solo.enableMob": true,
		"Custom.Compliance.Marker":                "set-by-test",
	} {
		if got := optionOf(t, opts, key); got != value {
			t.Errorf("host A %s = %#v, want %#v", key, got, value)
		}
	}
	queried, err := m.Query(s.ctx, "Custom.Compliance.Marker")
	if err != nil || len(queried) != 1 {
		t.Fatalf("querying the new option: %v %v", queried, err)
	}

	optsB := s.host(b, "config.option").Config.Option
	if got := optionOf(t, optsB, "UserVars.ESXiShellTimeOut"); got != int64(0) {
		t.Errorf("host B UserVars.ESXiShellTimeOut = %#v", got)
	}
	for _, o := range optsB {
		if o.GetOptionValue().Key == "Custom.Compliance.Marker" {
			t.Error("host B has host A's new option")
		}
	}

	// A value of another kind is rejected and nothing in the request is applied.
	err = m.Update(s.ctx, []types.BaseOptionValue{
		&types.OptionValue{Key: "Security.AccountLockFailures", Value: int64(3)},
		&types.OptionValue{Key: "UserVars.ESXiShellTimeOut", Value: "not a number"},
	})
	expectFault(t, err, new(types.InvalidArgument))
	if got := optionOf(t, s.host(a, "config.option").Config.Option, "Security.AccountLockFailures"); got != int64(5) {
		t.Errorf("a rejected request changed Security.AccountLockFailures to %#v", got)
	}
}

func TestLockdownMode(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	ref := s.host(a, "configManager.hostAccessManager").ConfigManager.HostAccessManager
	if ref == nil {
		t.Fatal("configManager.hostAccessManager is not set")
	}
	h := s.host(a, "config.lockdownMode", "config.adminDisabled")
	if h.Config.LockdownMode != types.HostLockdownModeLockdownDisabled || h.Config.AdminDisabled == nil || *h.Config.AdminDisabled {
		t.Fatalf("default lockdown = %s adminDisabled %v", h.Config.LockdownMode, h.Config.AdminDisabled)
	}

	for _, mode := range []types.HostLockdownMode{types.HostLockdownModeLockdownNormal, types.HostLockdownModeLockdownStrict, types.HostLockdownModeLockdownDisabled} {
		if _, err := methods.ChangeLockdownMode(s.ctx, s.c, &types.ChangeLockdownMode{This: *ref, Mode: mode}); err != nil {
			t.Fatalf("ChangeLockdownMode %s: %v", mode, err)
		}
		h := s.host(a, "config.lockdownMode", "config.adminDisabled")
		disabled := mode != types.HostLockdownModeLockdownDisabled
		if h.Config.LockdownMode != mode || h.Config.AdminDisabled == nil || *h.Config.AdminDisabled != disabled {
			t.Errorf("after %s: lockdownMode %s adminDisabled %v", mode, h.Config.LockdownMode, h.Config.AdminDisabled)
		}
		var am mo.HostAccessManager
		s.retrieve(*ref, &am, "lockdownMode")
		if am.LockdownMode != mode {
			t.Errorf("hostAccessManager.lockdownMode = %s, want %s", am.LockdownMode, mode)
		}
		if mode == types.HostLockdownModeLockdownStrict {
			if hb := s.host(b, "config.lockdownMode"); hb.Config.LockdownMode != types.HostLockdownModeLockdownDisabled {
				t.Errorf("host B lockdown changed to %s", hb.Config.LockdownMode)
			}
		}
	}

	_, err := methods.ChangeLockdownMode(s.ctx, s.c, &types.ChangeLockdownMode{This: *ref, Mode: "lockdownSometimes"})
	expectFault(t, err, new(types.InvalidArgument))

	if _, err := methods.UpdateLockdownExceptions(s.ctx, s.c, &types.UpdateLockdownExceptions{This: *ref, Users: []string{"svc-backup"}}); err != nil {
		t.Fatalf("UpdateLockdownExceptions: %v", err)
	}
	res, err := methods.QueryLockdownExceptions(s.ctx, s.c, &types.QueryLockdownExceptions{This: *ref})
	if err != nil || len(res.Returnval) != 1 || res.Returnval[0] != "svc-backup" {
		t.Errorf("QueryLockdownExceptions = %v, %v", res, err)
	}
}

func TestHostsAddedLaterAreExtended(t *testing.T) {
	s := start(t, nil)
	clusters := s.refs("ClusterComputeResource")
	cluster := object.NewClusterComputeResource(s.c, clusters[0])
	task, err := cluster.AddHost(s.ctx, types.HostConnectSpec{HostName: "added.example.test"}, true, nil, nil)
	if err != nil {
		t.Fatalf("AddHost: %v", err)
	}
	info, err := task.WaitForResult(s.ctx, nil)
	if err != nil {
		t.Fatalf("AddHost task: %v", err)
	}
	ref := info.Result.(types.ManagedObjectReference)

	h := s.host(ref, "config.firewall", "config.service", "config.option", "configManager.serviceSystem", "configManager.hostAccessManager")
	if h.ConfigManager.ServiceSystem == nil || h.ConfigManager.HostAccessManager == nil || h.Config.Service == nil || len(h.Config.Option) == 0 {
		t.Fatalf("the added host was not extended: %+v", h.ConfigManager)
	}
	svc := object.NewHostServiceSystem(s.c, *h.ConfigManager.ServiceSystem)
	if err := svc.Start(s.ctx, "TSM"); err != nil {
		t.Fatalf("StartService on the added host: %v", err)
	}
	if !serviceOf(t, s.host(ref, "config.service"), "TSM").Running {
		t.Error("TSM not running on the added host")
	}
}
