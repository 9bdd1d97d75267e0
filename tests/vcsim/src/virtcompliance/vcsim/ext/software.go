package ext

import (
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// imageConfigManager is one host's HostImageConfigManager
// (host.configManager.imageConfigManager). It holds the host's image acceptance level and
// its installed software packages (VIBs); the host's patch manager removes packages from
// the same list. HostImageConfigManager has no properties, so nothing is published.
type imageConfigManager struct {
	mo.HostImageConfigManager

	host       types.ManagedObjectReference
	acceptance types.HostImageAcceptanceLevel
	packages   []types.SoftwarePackage
}

// validAcceptanceLevel reports whether level is one of the HostImageAcceptanceLevel enum values.
func validAcceptanceLevel(level types.HostImageAcceptanceLevel) bool {
	switch level {
	case types.HostImageAcceptanceLevelVmware_certified, types.HostImageAcceptanceLevelVmware_accepted,
		types.HostImageAcceptanceLevelPartner, types.HostImageAcceptanceLevelCommunity:
		return true
	}
	return false
}

func (m *imageConfigManager) HostImageConfigGetAcceptance(req *types.HostImageConfigGetAcceptance) soap.HasFault {
	return &methods.HostImageConfigGetAcceptanceBody{
		Res: &types.HostImageConfigGetAcceptanceResponse{Returnval: string(m.acceptance)},
	}
}

// UpdateHostImageAcceptanceLevel sets the acceptance level; a value outside the
// HostImageAcceptanceLevel enum is InvalidArgument. Installed packages are not checked
// against the new level.
func (m *imageConfigManager) UpdateHostImageAcceptanceLevel(req *types.UpdateHostImageAcceptanceLevel) soap.HasFault {
	body := new(methods.UpdateHostImageAcceptanceLevelBody)
	level := types.HostImageAcceptanceLevel(req.NewAcceptanceLevel)
	if !validAcceptanceLevel(level) {
		body.Fault_ = invalidArgument("newAcceptanceLevel")
		return body
	}
	m.acceptance = level
	body.Res = new(types.UpdateHostImageAcceptanceLevelResponse)
	return body
}

// FetchSoftwarePackages implements the vim25 method fetchSoftwarePackages (the simulator
// capitalises the first letter of a method name to find its Go method).
func (m *imageConfigManager) FetchSoftwarePackages(req *types.FetchSoftwarePackages) soap.HasFault {
	return &methods.FetchSoftwarePackagesBody{
		Res: &types.FetchSoftwarePackagesResponse{Returnval: clonePackages(m.packages)},
	}
}

// patchManager is one host's HostPatchManager (host.configManager.patchManager). It
// changes the package list of the host's imageConfigManager.
type patchManager struct {
	mo.HostPatchManager

	host  types.ManagedObjectReference
	image types.ManagedObjectReference
}

// UninstallHostPatchTask removes the packages named in bulletinIds from the host. As on
// ESXi, an uninstall is atomic: when any id is not installed nothing is removed and the
// task fails. An empty list fails the call itself with InvalidArgument.
//
// The fault for an id that is not installed is PlatformConfigFault: the vim25 reference
// declares only InvalidState, TaskInProgress and PlatformConfigFault for
// UninstallHostPatch_Task, and documents PlatformConfigFault as the fault for any error
// during the operation, with the details as text (ESXi reports the esxupdate error there).
// NotFound is not declared for this method, so strict vim25 clients would not expect it.
func (p *patchManager) UninstallHostPatchTask(ctx *simulator.Context, req *types.UninstallHostPatch_Task) soap.HasFault {
	if len(req.BulletinIds) == 0 {
		return &methods.UninstallHostPatch_TaskBody{Fault_: invalidArgument("bulletinIds")}
	}
	var entity mo.Reference = p
	if h := hostOf(p.host); h != nil {
		entity = h
	}
	task := simulator.CreateTask(entity, "uninstallHostPatch", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		img, ok := simulator.Map.Get(p.image).(*imageConfigManager)
		if !ok {
			return nil, &types.InvalidState{}
		}
		var fault types.BaseMethodFault
		ctx.WithLock(img, func() {
			fault = img.uninstall(req.BulletinIds)
		})
		return nil, fault
	})
	// The description ESXi's task manager lists for HostPatchManager.Uninstall.
	task.Info.DescriptionId = "host.PatchManager.Uninstall"
	return &methods.UninstallHostPatch_TaskBody{
		Res: &types.UninstallHostPatch_TaskResponse{Returnval: task.Run()},
	}
}

// uninstall removes the named packages, or none when one of them is not installed. The
// caller holds the manager's lock.
func (m *imageConfigManager) uninstall(names []string) types.BaseMethodFault {
	remove := make(map[string]bool, len(names))
	for _, name := range names {
		if !m.installed(name) {
			return &types.PlatformConfigFault{
				Text: fmt.Sprintf("[NoMatchError] No VIB matching VIB search specification '%s'.", name),
			}
		}
		remove[name] = true
	}
	kept := make([]types.SoftwarePackage, 0, len(m.packages))
	for _, pkg := range m.packages {
		if !remove[pkg.Name] {
			kept = append(kept, pkg)
		}
	}
	m.packages = kept
	return nil
}

func (m *imageConfigManager) installed(name string) bool {
	for _, pkg := range m.packages {
		if pkg.Name == name {
			return true
		}
	}
	return false
}
