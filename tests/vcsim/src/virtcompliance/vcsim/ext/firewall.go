package ext

import (
	"fmt"
	"net"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// firewallSystem is one host's HostFirewallSystem (host.configManager.firewallSystem).
// Its firewallInfo is the source of truth; every change is copied to the host's
// config.firewall.
type firewallSystem struct {
	mo.HostFirewallSystem

	host types.ManagedObjectReference
}

func (f *firewallSystem) ruleset(id string) *types.HostFirewallRuleset {
	for i := range f.FirewallInfo.Ruleset {
		if f.FirewallInfo.Ruleset[i].Key == id {
			return &f.FirewallInfo.Ruleset[i]
		}
	}
	return nil
}

func (f *firewallSystem) publish(ctx *simulator.Context) {
	simulator.Map.Update(f, []types.PropertyChange{{Name: "firewallInfo", Val: f.FirewallInfo}})
	publishHost(ctx, f.host, types.PropertyChange{Name: "config.firewall", Val: cloneFirewallInfo(f.FirewallInfo)})
}

func notFound(what, id string) *soapFault {
	return fault(fmt.Sprintf("The object or item referred to could not be found: %s '%s'.", what, id), new(types.NotFound))
}

func invalidArgument(property string) *soapFault {
	return fault("A specified parameter was not correct: "+property, &types.InvalidArgument{InvalidProperty: property})
}

func (f *firewallSystem) UpdateDefaultPolicy(ctx *simulator.Context, req *types.UpdateDefaultPolicy) soap.HasFault {
	body := new(methods.UpdateDefaultPolicyBody)
	policy := &f.FirewallInfo.DefaultPolicy
	if req.DefaultPolicy.IncomingBlocked != nil {
		policy.IncomingBlocked = types.NewBool(*req.DefaultPolicy.IncomingBlocked)
	}
	if req.DefaultPolicy.OutgoingBlocked != nil {
		policy.OutgoingBlocked = types.NewBool(*req.DefaultPolicy.OutgoingBlocked)
	}
	f.publish(ctx)
	body.Res = new(types.UpdateDefaultPolicyResponse)
	return body
}

// validAllowedHosts checks the addresses and networks of a ruleset IP list.
func validAllowedHosts(list *types.HostFirewallRulesetIpList) *soapFault {
	for _, ip := range list.IpAddress {
		if net.ParseIP(ip) == nil {
			return invalidArgument("spec.allowedHosts.ipAddress")
		}
	}
	for _, n := range list.IpNetwork {
		ip := net.ParseIP(n.Network)
		max := int32(128)
		if ip != nil && ip.To4() != nil {
			max = 32
		}
		if ip == nil || n.PrefixLength < 0 || n.PrefixLength > max {
			return invalidArgument("spec.allowedHosts.ipNetwork")
		}
	}
	return nil
}

func (f *firewallSystem) UpdateRuleset(ctx *simulator.Context, req *types.UpdateRuleset) soap.HasFault {
	body := new(methods.UpdateRulesetBody)
	rs := f.ruleset(req.Id)
	if rs == nil {
		body.Fault_ = notFound("ruleset", req.Id)
		return body
	}
	allowed := req.Spec.AllowedHosts
	if err := validAllowedHosts(&allowed); err != nil {
		body.Fault_ = err
		return body
	}
	rs.AllowedHosts = &types.HostFirewallRulesetIpList{
		IpAddress: append([]string(nil), allowed.IpAddress...),
		IpNetwork: append([]types.HostFirewallRulesetIpNetwork(nil), allowed.IpNetwork...),
		AllIp:     allowed.AllIp,
	}
	f.publish(ctx)
	body.Res = new(types.UpdateRulesetResponse)
	return body
}

func (f *firewallSystem) EnableRuleset(ctx *simulator.Context, req *types.EnableRuleset) soap.HasFault {
	body := new(methods.EnableRulesetBody)
	rs := f.ruleset(req.Id)
	if rs == nil {
		body.Fault_ = notFound("ruleset", req.Id)
		return body
	}
	rs.Enabled = true
	f.publish(ctx)
	body.Res = new(types.EnableRulesetResponse)
	return body
}

func (f *firewallSystem) DisableRuleset(ctx *simulator.Context, req *types.DisableRuleset) soap.HasFault {
	body := new(methods.DisableRulesetBody)
	rs := f.ruleset(req.Id)
	if rs == nil {
		body.Fault_ = notFound("ruleset", req.Id)
		return body
	}
	if rs.Required {
		body.Fault_ = fault(fmt.Sprintf("Ruleset '%s' is required and cannot be disabled.", req.Id), new(types.HostConfigFault))
		return body
	}
	rs.Enabled = false
	f.publish(ctx)
	body.Res = new(types.DisableRulesetResponse)
	return body
}

func (f *firewallSystem) RefreshFirewall(ctx *simulator.Context, req *types.RefreshFirewall) soap.HasFault {
	f.publish(ctx)
	return &methods.RefreshFirewallBody{Res: new(types.RefreshFirewallResponse)}
}
