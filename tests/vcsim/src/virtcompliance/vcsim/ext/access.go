package ext

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// accessManager is one host's HostAccessManager (host.configManager.hostAccessManager).
// The lockdown mode is mirrored to the host's config.lockdownMode and config.adminDisabled.
type accessManager struct {
	mo.HostAccessManager

	host        types.ManagedObjectReference
	exceptions  []string
	systemUsers []string
}

func (a *accessManager) ChangeLockdownMode(ctx *simulator.Context, req *types.ChangeLockdownMode) soap.HasFault {
	body := new(methods.ChangeLockdownModeBody)
	if !validLockdownMode(req.Mode) {
		body.Fault_ = invalidArgument("mode")
		return body
	}
	simulator.Map.Update(a, []types.PropertyChange{{Name: "lockdownMode", Val: req.Mode}})
	publishHost(ctx, a.host,
		types.PropertyChange{Name: "config.lockdownMode", Val: req.Mode},
		types.PropertyChange{Name: "config.adminDisabled", Val: req.Mode != types.HostLockdownModeLockdownDisabled},
	)
	body.Res = new(types.ChangeLockdownModeResponse)
	return body
}

func (a *accessManager) QueryLockdownExceptions(req *types.QueryLockdownExceptions) soap.HasFault {
	return &methods.QueryLockdownExceptionsBody{
		Res: &types.QueryLockdownExceptionsResponse{Returnval: append([]string(nil), a.exceptions...)},
	}
}

func (a *accessManager) UpdateLockdownExceptions(req *types.UpdateLockdownExceptions) soap.HasFault {
	a.exceptions = append([]string(nil), req.Users...)
	return &methods.UpdateLockdownExceptionsBody{Res: new(types.UpdateLockdownExceptionsResponse)}
}

func (a *accessManager) QuerySystemUsers(req *types.QuerySystemUsers) soap.HasFault {
	return &methods.QuerySystemUsersBody{
		Res: &types.QuerySystemUsersResponse{Returnval: append([]string(nil), a.systemUsers...)},
	}
}

func (a *accessManager) UpdateSystemUsers(req *types.UpdateSystemUsers) soap.HasFault {
	a.systemUsers = append([]string(nil), req.Users...)
	return &methods.UpdateSystemUsersBody{Res: new(types.UpdateSystemUsersResponse)}
}
