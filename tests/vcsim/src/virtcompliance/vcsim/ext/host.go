package ext

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// extendHost gives a host its own firewall, service, advanced-option, access, image
// configuration and patch managers (replacing the simulator's shared ones or references to
// unregistered objects) and sets the matching config.* properties. It is idempotent.
func extendHost(h *simulator.HostSystem) {
	simulator.Map.WithLock(h, func() {
		if ref := h.ConfigManager.ServiceSystem; ref != nil {
			if _, ok := simulator.Map.Get(*ref).(*serviceSystem); ok {
				return
			}
		}

		fw := &firewallSystem{host: h.Self}
		fw.Self = existingRef(h.ConfigManager.FirewallSystem, "HostFirewallSystem")
		fw.FirewallInfo = newFirewallInfo()

		svc := &serviceSystem{host: h.Self}
		svc.Self = types.ManagedObjectReference{Type: "HostServiceSystem"}
		svc.ServiceInfo = newServiceInfo()

		opt := &optionManager{host: h.Self}
		opt.Self = existingRef(h.ConfigManager.AdvancedOption, "OptionManager")
		opt.Setting = newHostOptions()

		access := &accessManager{host: h.Self}
		access.Self = types.ManagedObjectReference{Type: "HostAccessManager"}
		access.LockdownMode = types.HostLockdownModeLockdownDisabled
		if h.Config != nil && validLockdownMode(h.Config.LockdownMode) {
			access.LockdownMode = h.Config.LockdownMode
		}

		image := &imageConfigManager{host: h.Self}
		image.Self = types.ManagedObjectReference{Type: "HostImageConfigManager"}
		image.acceptance = defaultAcceptanceLevel
		image.packages = newSoftwarePackages()

		// Put replaces the simulator's object when the reference is already registered.
		for _, obj := range []mo.Reference{fw, svc, opt, access, image} {
			simulator.Map.Put(obj)
		}

		patch := &patchManager{host: h.Self, image: image.Self}
		patch.Self = types.ManagedObjectReference{Type: "HostPatchManager"}
		simulator.Map.Put(patch)

		h.ConfigManager.FirewallSystem = refPtr(fw.Self)
		h.ConfigManager.ServiceSystem = refPtr(svc.Self)
		h.ConfigManager.AdvancedOption = refPtr(opt.Self)
		h.ConfigManager.HostAccessManager = refPtr(access.Self)
		h.ConfigManager.ImageConfigManager = refPtr(image.Self)
		h.ConfigManager.PatchManager = refPtr(patch.Self)

		if h.Config == nil {
			h.Config = new(types.HostConfigInfo)
		}
		h.Config.Firewall = cloneFirewallInfo(fw.FirewallInfo)
		h.Config.Service = cloneServiceInfo(&svc.ServiceInfo)
		h.Config.Option = cloneOptions(opt.Setting)
		h.Config.LockdownMode = access.LockdownMode
		h.Config.AdminDisabled = types.NewBool(access.LockdownMode != types.HostLockdownModeLockdownDisabled)

		extendNetworkSystem(h)
	})
}

// existingRef keeps the reference the simulator already handed out for a host manager,
// so clients holding it reach the replacement; otherwise a new one is allocated by Put.
func existingRef(ref *types.ManagedObjectReference, kind string) types.ManagedObjectReference {
	if ref != nil && ref.Type == kind && simulator.Map.Get(*ref) != nil {
		return *ref
	}
	return types.ManagedObjectReference{Type: kind}
}

func refPtr(ref types.ManagedObjectReference) *types.ManagedObjectReference {
	return &ref
}

// hostOf returns the host a manager belongs to (nil once the host is destroyed).
func hostOf(ref types.ManagedObjectReference) *simulator.HostSystem {
	h, _ := simulator.Map.Get(ref).(*simulator.HostSystem)
	return h
}

// publishHost applies changes to the host's properties under the host's lock, so that
// RetrieveProperties and WaitForUpdates clients see them.
func publishHost(ctx *simulator.Context, host types.ManagedObjectReference, changes ...types.PropertyChange) {
	h := hostOf(host)
	if h == nil {
		return
	}
	ctx.WithLock(h, func() {
		simulator.Map.Update(h, changes)
	})
}
