package ext

import (
	"reflect"
	"testing"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func rulesetOf(t *testing.T, info *types.HostFirewallInfo, key string) types.HostFirewallRuleset {
	t.Helper()
	if info == nil {
		t.Fatal("config.firewall is not set")
	}
	for _, rs := range info.Ruleset {
		if rs.Key == key {
			return rs
		}
	}
	t.Fatalf("ruleset %s not found", key)
	return types.HostFirewallRuleset{}
}

func TestFirewallDefaults(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	h := s.host(a, "config.firewall", "configManager.firewallSystem")

	policy := h.Config.Firewall.DefaultPolicy
	if policy.IncomingBlocked == nil || !*policy.IncomingBlocked || policy.OutgoingBlocked == nil || !*policy.OutgoingBlocked {
		t.Errorf("default policy = %+v, want incoming and outgoing blocked", policy)
	}
	for _, key := range []string{"sshServer", "sshClient", "ntpClient", "syslog", "httpClient", "CIMHttpServer", "webAccess", "vSphereClient", "dhcp", "dns"} {
		rs := rulesetOf(t, h.Config.Firewall, key)
		if rs.Label == "" || len(rs.Rule) == 0 || rs.AllowedHosts == nil || !rs.AllowedHosts.AllIp {
			t.Errorf("ruleset %s is incomplete: %+v", key, rs)
		}
	}
	if rulesetOf(t, h.Config.Firewall, "sshServer").Enabled != true || rulesetOf(t, h.Config.Firewall, "syslog").Enabled != false {
		t.Error("sshServer should be enabled and syslog disabled by default")
	}

	// The firewall system reports the same information.
	var fw mo.HostFirewallSystem
	s.retrieve(*h.ConfigManager.FirewallSystem, &fw, "firewallInfo")
	if !reflect.DeepEqual(fw.FirewallInfo, h.Config.Firewall) {
		t.Error("firewallSystem.firewallInfo differs from the host's config.firewall")
	}
}

func TestFirewallUpdateRulesetIsPerHost(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	fwA := *s.host(a, "configManager.firewallSystem").ConfigManager.FirewallSystem
	fwB := *s.host(b, "configManager.firewallSystem").ConfigManager.FirewallSystem
	if fwA == fwB {
		t.Fatalf("hosts %s and %s share the firewall system %s", a, b, fwA)
	}

	spec := types.HostFirewallRulesetRulesetSpec{AllowedHosts: types.HostFirewallRulesetIpList{
		AllIp:     false,
		IpAddress: []string{"192.0.2.10", "2001:db8::1"},
		IpNetwork: []types.HostFirewallRulesetIpNetwork{{Network: "198.51.100.0", PrefixLength: 24}},
	}}
	if _, err := methods.UpdateRuleset(s.ctx, s.c, &types.UpdateRuleset{This: fwA, Id: "sshServer", Spec: spec}); err != nil {
		t.Fatalf("UpdateRuleset: %v", err)
	}

	got := rulesetOf(t, s.host(a, "config.firewall").Config.Firewall, "sshServer").AllowedHosts
	if got == nil || got.AllIp || !reflect.DeepEqual(got.IpAddress, spec.AllowedHosts.IpAddress) || !reflect.DeepEqual(got.IpNetwork, spec.AllowedHosts.IpNetwork) {
		t.Errorf("host A sshServer allowedHosts = %+v, want %+v", got, spec.AllowedHosts)
	}
	var fw mo.HostFirewallSystem
	s.retrieve(fwA, &fw, "firewallInfo")
	if rs := rulesetOf(t, fw.FirewallInfo, "sshServer"); rs.AllowedHosts == nil || rs.AllowedHosts.AllIp {
		t.Errorf("host A firewallSystem.firewallInfo not updated: %+v", rs.AllowedHosts)
	}

	other := rulesetOf(t, s.host(b, "config.firewall").Config.Firewall, "sshServer").AllowedHosts
	if other == nil || !other.AllIp || len(other.IpAddress) != 0 || len(other.IpNetwork) != 0 {
		t.Errorf("host B sshServer allowedHosts changed: %+v", other)
	}

	// Back to all addresses.
	all := types.HostFirewallRulesetRulesetSpec{AllowedHosts: types.HostFirewallRulesetIpList{AllIp: true}}
	if _, err := methods.UpdateRuleset(s.ctx, s.c, &types.UpdateRuleset{This: fwA, Id: "sshServer", Spec: all}); err != nil {
		t.Fatalf("UpdateRuleset allIp: %v", err)
	}
	got = rulesetOf(t, s.host(a, "config.firewall").Config.Firewall, "sshServer").AllowedHosts
	if got == nil || !got.AllIp || len(got.IpAddress) != 0 {
		t.Errorf("after allIp: %+v", got)
	}
}

func TestFirewallUpdateRulesetFaults(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	fw := *s.host(a, "configManager.firewallSystem").ConfigManager.FirewallSystem

	_, err := methods.UpdateRuleset(s.ctx, s.c, &types.UpdateRuleset{This: fw, Id: "noSuchRuleset"})
	expectFault(t, err, new(types.NotFound))

	for _, list := range []types.HostFirewallRulesetIpList{
		{IpAddress: []string{"300.1.1.1"}},
		{IpNetwork: []types.HostFirewallRulesetIpNetwork{{Network: "10.0.0.0", PrefixLength: 33}}},
		{IpNetwork: []types.HostFirewallRulesetIpNetwork{{Network: "not-an-address", PrefixLength: 8}}},
	} {
		_, err := methods.UpdateRuleset(s.ctx, s.c, &types.UpdateRuleset{This: fw, Id: "sshServer", Spec: types.HostFirewallRulesetRulesetSpec{AllowedHosts: list}})
		expectFault(t, err, new(types.InvalidArgument))
	}
	if rs := rulesetOf(t, s.host(a, "config.firewall").Config.Firewall, "sshServer"); !rs.AllowedHosts.AllIp {
		t.Error("a rejected update changed the ruleset")
	}
}

func TestFirewallEnableDisableAndDefaultPolicy(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	fw := *s.host(a, "configManager.firewallSystem").ConfigManager.FirewallSystem

	if _, err := methods.EnableRuleset(s.ctx, s.c, &types.EnableRuleset{This: fw, Id: "syslog"}); err != nil {
		t.Fatalf("EnableRuleset: %v", err)
	}
	if _, err := methods.DisableRuleset(s.ctx, s.c, &types.DisableRuleset{This: fw, Id: "sshServer"}); err != nil {
		t.Fatalf("DisableRuleset: %v", err)
	}
	info := s.host(a, "config.firewall").Config.Firewall
	if !rulesetOf(t, info, "syslog").Enabled || rulesetOf(t, info, "sshServer").Enabled {
		t.Error("host A: syslog should be enabled and sshServer disabled")
	}
	infoB := s.host(b, "config.firewall").Config.Firewall
	if rulesetOf(t, infoB, "syslog").Enabled || !rulesetOf(t, infoB, "sshServer").Enabled {
		t.Error("host B changed")
	}

	_, err := methods.EnableRuleset(s.ctx, s.c, &types.EnableRuleset{This: fw, Id: "nope"})
	expectFault(t, err, new(types.NotFound))
	_, err = methods.DisableRuleset(s.ctx, s.c, &types.DisableRuleset{This: fw, Id: "vSphereClient"})
	expectFault(t, err, new(types.HostConfigFault))

	_, err = methods.UpdateDefaultPolicy(s.ctx, s.c, &types.UpdateDefaultPolicy{This: fw, DefaultPolicy: types.HostFirewallDefaultPolicy{
		IncomingBlocked: types.NewBool(false),
	}})
	if err != nil {
		t.Fatalf("UpdateDefaultPolicy: %v", err)
	}
	policy := s.host(a, "config.firewall").Config.Firewall.DefaultPolicy
	if policy.IncomingBlocked == nil || *policy.IncomingBlocked || policy.OutgoingBlocked == nil || !*policy.OutgoingBlocked {
		t.Errorf("host A default policy = incoming %v outgoing %v, want false/true", policy.IncomingBlocked, policy.OutgoingBlocked)
	}
	if p := s.host(b, "config.firewall").Config.Firewall.DefaultPolicy; !*p.IncomingBlocked {
		t.Error("host B default policy changed")
	}

	if _, err := methods.RefreshFirewall(s.ctx, s.c, &types.RefreshFirewall{This: fw}); err != nil {
		t.Fatalf("RefreshFirewall: %v", err)
	}
}
