package ext

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// serviceSystem is one host's HostServiceSystem (host.configManager.serviceSystem).
// Its serviceInfo is the source of truth; every change is copied to the host's
// config.service.
type serviceSystem struct {
	mo.HostServiceSystem

	host types.ManagedObjectReference
}

func (s *serviceSystem) service(id string) *types.HostService {
	for i := range s.ServiceInfo.Service {
		if s.ServiceInfo.Service[i].Key == id {
			return &s.ServiceInfo.Service[i]
		}
	}
	return nil
}

func (s *serviceSystem) publish(ctx *simulator.Context) {
	simulator.Map.Update(s, []types.PropertyChange{{Name: "serviceInfo", Val: s.ServiceInfo}})
	publishHost(ctx, s.host, types.PropertyChange{Name: "config.service", Val: cloneServiceInfo(&s.ServiceInfo)})
}

// setRunning implements StartService/StopService/RestartService.
func (s *serviceSystem) setRunning(ctx *simulator.Context, id string, running bool) *soapFault {
	svc := s.service(id)
	if svc == nil {
		return notFound("service", id)
	}
	svc.Running = running
	s.publish(ctx)
	return nil
}

func (s *serviceSystem) StartService(ctx *simulator.Context, req *types.StartService) soap.HasFault {
	body := new(methods.StartServiceBody)
	if body.Fault_ = s.setRunning(ctx, req.Id, true); body.Fault_ == nil {
		body.Res = new(types.StartServiceResponse)
	}
	return body
}

func (s *serviceSystem) StopService(ctx *simulator.Context, req *types.StopService) soap.HasFault {
	body := new(methods.StopServiceBody)
	if body.Fault_ = s.setRunning(ctx, req.Id, false); body.Fault_ == nil {
		body.Res = new(types.StopServiceResponse)
	}
	return body
}

func (s *serviceSystem) RestartService(ctx *simulator.Context, req *types.RestartService) soap.HasFault {
	body := new(methods.RestartServiceBody)
	if body.Fault_ = s.setRunning(ctx, req.Id, true); body.Fault_ == nil {
		body.Res = new(types.RestartServiceResponse)
	}
	return body
}

func (s *serviceSystem) UpdateServicePolicy(ctx *simulator.Context, req *types.UpdateServicePolicy) soap.HasFault {
	body := new(methods.UpdateServicePolicyBody)
	svc := s.service(req.Id)
	if svc == nil {
		body.Fault_ = notFound("service", req.Id)
		return body
	}
	switch types.HostServicePolicy(req.Policy) {
	case types.HostServicePolicyOn, types.HostServicePolicyOff, types.HostServicePolicyAutomatic:
	default:
		body.Fault_ = invalidArgument("policy")
		return body
	}
	svc.Policy = req.Policy
	s.publish(ctx)
	body.Res = new(types.UpdateServicePolicyResponse)
	return body
}

func (s *serviceSystem) RefreshServices(ctx *simulator.Context, req *types.RefreshServices) soap.HasFault {
	s.publish(ctx)
	return &methods.RefreshServicesBody{Res: new(types.RefreshServicesResponse)}
}
