package ext

import (
	"reflect"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Standard switches and portgroups: HostNetworkSystem.UpdatePortGroup and UpdateVirtualSwitch,
// which the simulator lacks, with vim25 semantics. The spec given replaces the portgroup's or
// the vSwitch's spec as a whole (it is not merged); in a portgroup's policy a nil sub-policy or
// a nil (zero) field means "inherit from the vSwitch", and the portgroup's computedPolicy is
// the vSwitch's policy with the portgroup's set fields applied.
//
// The host's config.network is what clients read; the network system's networkInfo holds
// the same switches and portgroups (extendNetworkSystem makes it a copy of config.network at
// start, keeping the simulator's vSwitch portgroup lists of names, which its own
// AddPortGroup/RemovePortGroup search). Each update is applied to both and published on both.
// Portgroups and vSwitches added with the simulator's AddPortGroup/AddVirtualSwitch exist in
// networkInfo only; an update of one of them changes networkInfo only.

// networkExtension carries the HostNetworkSystem methods the simulator lacks (the front
// handler routes calls on the network system to it). The simulator's HostNetworkSystem keeps
// its own methods (AddPortGroup, ...), so it is not replaced.
type networkExtension struct {
	mo.ExtensibleManagedObject

	target types.ManagedObjectReference
}

// networkProxy returns the extension object for a host network system, creating it on first use.
func (e *Extensions) networkProxy(ns types.ManagedObjectReference) *networkExtension {
	e.mu.Lock()
	defer e.mu.Unlock()
	ref := proxyRef(ns)
	if p, ok := simulator.Map.Get(ref).(*networkExtension); ok {
		return p
	}
	p := &networkExtension{target: ns}
	p.Self = ref
	simulator.Map.Put(p)
	return p
}

// extendNetworkSystem gives the host's network system a networkInfo consistent with the host's
// config.network (the simulator starts it with a bare vSwitch0 sharing the host's portgroup
// slice). Called by extendHost with the host locked.
func extendNetworkSystem(h *simulator.HostSystem) {
	if h.ConfigManager.NetworkSystem == nil || h.Config == nil || h.Config.Network == nil {
		return
	}
	ns, ok := simulator.Map.Get(*h.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem)
	if !ok || ns.NetworkInfo == nil {
		return
	}
	simulator.Map.WithLock(ns, func() {
		info := cloneNetworkInfo(ns.NetworkInfo)
		cfg := cloneNetworkInfo(h.Config.Network)
		for i := range info.Vswitch {
			vs := &info.Vswitch[i]
			if c := findVswitch(cfg, vs.Name); c != nil {
				names := vs.Portgroup
				*vs = *c
				vs.Portgroup = names
			}
		}
		info.Portgroup = cfg.Portgroup
		ns.NetworkInfo = info
	})
}

func cloneNetworkInfo(in *types.HostNetworkInfo) *types.HostNetworkInfo {
	out := new(types.HostNetworkInfo)
	deepCopy(in, out)
	return out
}

func findVswitch(info *types.HostNetworkInfo, name string) *types.HostVirtualSwitch {
	if info == nil {
		return nil
	}
	for i := range info.Vswitch {
		if info.Vswitch[i].Name == name {
			return &info.Vswitch[i]
		}
	}
	return nil
}

func findPortGroup(info *types.HostNetworkInfo, name string) *types.HostPortGroup {
	if info == nil {
		return nil
	}
	for i := range info.Portgroup {
		if info.Portgroup[i].Spec.Name == name {
			return &info.Portgroup[i]
		}
	}
	return nil
}

// computedPolicy is the vSwitch's policy with the portgroup's set fields applied.
func computedPolicy(pg types.HostNetworkPolicy, vswitch *types.HostNetworkPolicy) types.HostNetworkPolicy {
	var out, own types.HostNetworkPolicy
	if vswitch != nil {
		deepCopy(vswitch, &out)
	}
	deepCopy(&pg, &own)
	overlay(reflect.ValueOf(&out).Elem(), reflect.ValueOf(own))
	return out
}

// overlay sets in dst the fields that are set in src (non-nil pointers, non-empty slices,
// non-zero values), field by field into nested policy structs.
func overlay(dst, src reflect.Value) {
	for i := 0; i < src.NumField(); i++ {
		sv, dv := src.Field(i), dst.Field(i)
		if !dv.CanSet() {
			continue
		}
		switch sv.Kind() {
		case reflect.Ptr:
			if sv.IsNil() {
				continue
			}
			if sv.Elem().Kind() == reflect.Struct {
				if dv.IsNil() {
					dv.Set(reflect.New(sv.Elem().Type()))
				}
				overlay(dv.Elem(), sv.Elem())
			} else {
				dv.Set(sv)
			}
		case reflect.Struct:
			overlay(dv, sv)
		case reflect.Slice, reflect.Interface, reflect.Map:
			if !sv.IsNil() && (sv.Kind() != reflect.Slice || sv.Len() > 0) {
				dv.Set(sv)
			}
		default:
			if !sv.IsZero() {
				dv.Set(sv)
			}
		}
	}
}

// recompute refreshes the computedPolicy of the portgroups on a vSwitch.
func recompute(info *types.HostNetworkInfo, vswitch string) {
	vs := findVswitch(info, vswitch)
	if vs == nil {
		return
	}
	for i := range info.Portgroup {
		if pg := &info.Portgroup[i]; pg.Spec.VswitchName == vswitch {
			pg.Vswitch = vs.Key
			pg.ComputedPolicy = computedPolicy(pg.Spec.Policy, vs.Spec.Policy)
		}
	}
}

// applyPortGroup gives the portgroup pgName the spec, moving it to another vSwitch if the
// spec names one.
func applyPortGroup(info *types.HostNetworkInfo, pgName string, spec types.HostPortGroupSpec) {
	pg := findPortGroup(info, pgName)
	if pg == nil {
		return
	}
	from := pg.Spec.VswitchName
	pg.Spec = types.HostPortGroupSpec{}
	deepCopy(&spec, &pg.Spec)
	if from != spec.VswitchName {
		entry := pg.Key
		if old := findVswitch(info, from); old != nil {
			kept := old.Portgroup[:0:0]
			for _, p := range old.Portgroup {
				switch p {
				case pg.Key:
				case pgName:
					entry = pgName // this list names portgroups (simulator's networkInfo)
				default:
					kept = append(kept, p)
				}
			}
			old.Portgroup = kept
		}
		if to := findVswitch(info, spec.VswitchName); to != nil {
			to.Portgroup = append(to.Portgroup, entry)
		}
	}
	recompute(info, spec.VswitchName)
}

// applyVirtualSwitch gives the vSwitch the spec and refreshes its portgroups' computed policies.
func applyVirtualSwitch(info *types.HostNetworkInfo, name string, spec types.HostVirtualSwitchSpec) {
	vs := findVswitch(info, name)
	if vs == nil {
		return
	}
	vs.Spec = types.HostVirtualSwitchSpec{}
	deepCopy(&spec, &vs.Spec)
	if spec.Mtu != 0 {
		vs.Mtu = spec.Mtu
	}
	if bond, ok := spec.Bridge.(*types.HostVirtualSwitchBondBridge); ok {
		vs.Pnic = nil
		for _, nic := range bond.NicDevice {
			vs.Pnic = append(vs.Pnic, "key-vim.host.PhysicalNic-"+nic)
		}
	}
	recompute(info, name)
}

// update runs change on copies of the host's config.network and the network system's
// networkInfo (both locked) and publishes them, unless check returns a fault.
func (n *networkExtension) update(ctx *simulator.Context, check func(cfg, info *types.HostNetworkInfo) *soapFault, change func(*types.HostNetworkInfo)) *soapFault {
	ns, ok := simulator.Map.Get(n.target).(*simulator.HostNetworkSystem)
	if !ok || ns.Host == nil {
		return fault("The object has already been deleted or has not been completely created", &types.ManagedObjectNotFound{Obj: n.target})
	}
	h := hostOf(ns.Host.Self)
	if h == nil {
		return fault("The object has already been deleted or has not been completely created", &types.ManagedObjectNotFound{Obj: ns.Host.Self})
	}
	var failure *soapFault
	ctx.WithLock(h, func() {
		ctx.WithLock(ns, func() {
			var cfg *types.HostNetworkInfo
			if h.Config != nil && h.Config.Network != nil {
				cfg = cloneNetworkInfo(h.Config.Network)
			}
			info := cloneNetworkInfo(ns.NetworkInfo)
			if failure = check(cfg, info); failure != nil {
				return
			}
			change(info)
			simulator.Map.Update(ns, []types.PropertyChange{{Name: "networkInfo", Val: info}})
			if cfg != nil {
				change(cfg)
				simulator.Map.Update(h, []types.PropertyChange{{Name: "config.network", Val: cfg}})
			}
		})
	})
	return failure
}

// UpdatePortGroup replaces the spec of the standard portgroup pgName. Faults: NotFound for an
// unknown portgroup or vSwitch; InvalidArgument for a vlanId outside 0..4095 and for a rename
// (a spec.name other than pgName), which is refused here because the portgroup's Network
// object, key and vSwitch entries would have to be renamed with it.
func (n *networkExtension) UpdatePortGroup(ctx *simulator.Context, req *types.UpdatePortGroup) soap.HasFault {
	body := new(methods.UpdatePortGroupBody)
	spec := req.Portgrp
	body.Fault_ = n.update(ctx, func(cfg, info *types.HostNetworkInfo) *soapFault {
		if findPortGroup(cfg, req.PgName) == nil && findPortGroup(info, req.PgName) == nil {
			return notFound("portgroup", req.PgName)
		}
		if spec.Name != req.PgName {
			return invalidArgument("portgrp.name")
		}
		if spec.VlanId < 0 || spec.VlanId > 4095 {
			return invalidArgument("portgrp.vlanId")
		}
		if findVswitch(cfg, spec.VswitchName) == nil && findVswitch(info, spec.VswitchName) == nil {
			return notFound("vSwitch", spec.VswitchName)
		}
		return nil
	}, func(info *types.HostNetworkInfo) {
		applyPortGroup(info, req.PgName, spec)
	})
	if body.Fault_ == nil {
		body.Res = new(types.UpdatePortGroupResponse)
	}
	return body
}

// UpdateVirtualSwitch replaces the spec of the standard vSwitch vswitchName (numPorts, bridge,
// policy, mtu). Faults: NotFound for an unknown vSwitch; InvalidArgument for a negative
// numPorts or an mtu outside 1280..9000 (0 keeps the default).
func (n *networkExtension) UpdateVirtualSwitch(ctx *simulator.Context, req *types.UpdateVirtualSwitch) soap.HasFault {
	body := new(methods.UpdateVirtualSwitchBody)
	spec := req.Spec
	body.Fault_ = n.update(ctx, func(cfg, info *types.HostNetworkInfo) *soapFault {
		if findVswitch(cfg, req.VswitchName) == nil && findVswitch(info, req.VswitchName) == nil {
			return notFound("vSwitch", req.VswitchName)
		}
		if spec.NumPorts < 0 {
			return invalidArgument("spec.numPorts")
		}
		if spec.Mtu != 0 && (spec.Mtu < 1280 || spec.Mtu > 9000) {
			return invalidArgument("spec.mtu")
		}
		return nil
	}, func(info *types.HostNetworkInfo) {
		applyVirtualSwitch(info, req.VswitchName, spec)
	})
	if body.Fault_ == nil {
		body.Res = new(types.UpdateVirtualSwitchResponse)
	}
	return body
}
