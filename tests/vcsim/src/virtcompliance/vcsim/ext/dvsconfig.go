package ext

import (
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Distributed switch and portgroup settings with vCenter's defaults and vim25 semantics. The
// simulator creates switches without Network I/O Control, discovery protocol or NetFlow settings
// and portgroups without a policy, where vCenter always reports them; and its
// ReconfigureDvs_Task applies host membership only. Here a switch gets vCenter's defaults for a
// new switch (NIOC on, CDP listen, no NetFlow collector, security policy reject) and a portgroup
// the defaults of a new portgroup (only blocking may be overridden, ports reset at disconnect,
// configVersion 0), and ReconfigureDvs_Task also applies the default port config (merged, as
// vim25 merges it, with the mergePortSetting that ReconfigureDVPort_Task and
// ReconfigureDVPortgroup_Task use too), the discovery protocol, NetFlow and port mirroring
// sessions, checking the config version. Portgroup reconfiguration is in portgroup.go.

func boolPolicy(v bool) *types.BoolPolicy { return &types.BoolPolicy{Value: types.NewBool(v)} }

// switchDefaults fills in what vCenter reports for a new switch and its portgroups, where the simulator left it unset.
func switchDefaults(dvs *simulator.DistributedVirtualSwitch) {
	info, ok := dvs.Config.(*types.VMwareDVSConfigInfo)
	if !ok {
		return
	}
	if info.NetworkResourceManagementEnabled == nil {
		info.NetworkResourceManagementEnabled = types.NewBool(true)
	}
	if info.LinkDiscoveryProtocolConfig == nil {
		info.LinkDiscoveryProtocolConfig = &types.LinkDiscoveryProtocolConfig{Protocol: "cdp", Operation: "listen"}
	}
	if info.IpfixConfig == nil {
		info.IpfixConfig = &types.VMwareIpfixConfig{ActiveFlowTimeout: 60, IdleFlowTimeout: 15, SamplingRate: 4096}
	}
	setting, _ := info.DefaultPortConfig.(*types.VMwareDVSPortSetting)
	if setting == nil {
		setting = &types.VMwareDVSPortSetting{}
		info.DefaultPortConfig = setting
	}
	if setting.SecurityPolicy == nil {
		setting.SecurityPolicy = &types.DVSSecurityPolicy{AllowPromiscuous: boolPolicy(false), MacChanges: boolPolicy(false), ForgedTransmits: boolPolicy(false)}
	}
	if setting.IpfixEnabled == nil {
		setting.IpfixEnabled = boolPolicy(false)
	}
	for _, ref := range dvs.Portgroup {
		pg, ok := simulator.Map.Get(ref).(*simulator.DistributedVirtualPortgroup)
		if !ok {
			continue
		}
		if pg.Config.ConfigVersion == "" {
			pg.Config.ConfigVersion = "0"
		}
		if pg.Config.Policy == nil {
			pg.Config.Policy = &types.VMwareDVSPortgroupPolicy{
				DVPortgroupPolicy: types.DVPortgroupPolicy{
					BlockOverrideAllowed: true, PortConfigResetAtDisconnect: true,
				},
			}
		}
	}
}

// ReconfigureDvsTask applies the switch settings the simulator ignores, then hands host membership to the simulator.
func (d *dvsExtension) ReconfigureDvsTask(ctx *simulator.Context, req *types.ReconfigureDvs_Task) soap.HasFault {
	body := new(methods.ReconfigureDvs_TaskBody)
	dvs, ok := simulator.Map.Get(d.target).(*simulator.DistributedVirtualSwitch)
	if !ok {
		body.Fault_ = fault("The object has already been deleted or has not been completely created", &types.ManagedObjectNotFound{Obj: d.target})
		return body
	}
	spec := req.Spec.GetDVSConfigSpec()
	info := dvs.Config.GetDVSConfigInfo()
	if spec.ConfigVersion != info.ConfigVersion {
		body.Fault_ = fault("Cannot complete operation due to concurrent modification by another operation.", &types.ConcurrentAccess{})
		return body
	}
	res := dvs.ReconfigureDvsTask(req)
	inner, ok := res.(*methods.ReconfigureDvs_TaskBody)
	if !ok || inner.Res == nil {
		return res
	}
	if task, ok := simulator.Map.Get(inner.Res.Returnval).(*simulator.Task); !ok || task.Info.State != types.TaskInfoStateSuccess {
		return res
	}
	ctx.WithLock(dvs, func() {
		if spec.DefaultPortConfig != nil {
			info.DefaultPortConfig = mergePortSetting(info.DefaultPortConfig, spec.DefaultPortConfig)
		}
		if v, ok := req.Spec.(*types.VMwareDVSConfigSpec); ok {
			if vinfo, ok := dvs.Config.(*types.VMwareDVSConfigInfo); ok {
				if v.LinkDiscoveryProtocolConfig != nil {
					vinfo.LinkDiscoveryProtocolConfig = v.LinkDiscoveryProtocolConfig
				}
				if v.IpfixConfig != nil {
					vinfo.IpfixConfig = v.IpfixConfig
				}
				for _, s := range v.VspanConfigSpec {
					vinfo.VspanSession = applyVspan(vinfo.VspanSession, s)
				}
			}
		}
		info.ConfigVersion = nextConfigVersion(info.ConfigVersion)
	})
	simulator.Map.Update(dvs, []types.PropertyChange{{Name: "config", Val: dvs.Config}})
	return res
}

// applyVspan adds, edits or removes one port mirroring session, by key (a new one gets the next key).
func applyVspan(sessions []types.VMwareVspanSession, s types.VMwareDVSVspanConfigSpec) []types.VMwareVspanSession {
	out := append([]types.VMwareVspanSession(nil), sessions...)
	index := -1
	for i, x := range out {
		if x.Key != "" && x.Key == s.VspanSession.Key {
			index = i
		}
	}
	switch types.ConfigSpecOperation(s.Operation) {
	case types.ConfigSpecOperationAdd:
		session := s.VspanSession
		if session.Key == "" {
			session.Key = "session-" + strconv.Itoa(len(out)+1)
		}
		out = append(out, session)
	case types.ConfigSpecOperationEdit:
		if index >= 0 {
			out[index] = s.VspanSession
		}
	case types.ConfigSpecOperationRemove:
		if index >= 0 {
			out = append(out[:index], out[index+1:]...)
		}
	}
	return out
}

// EnableNetworkResourceManagement turns Network I/O Control on or off.
func (d *dvsExtension) EnableNetworkResourceManagement(ctx *simulator.Context, req *types.EnableNetworkResourceManagement) soap.HasFault {
	body := new(methods.EnableNetworkResourceManagementBody)
	dvs, ok := simulator.Map.Get(d.target).(*simulator.DistributedVirtualSwitch)
	if !ok {
		body.Fault_ = fault("The object has already been deleted or has not been completely created", &types.ManagedObjectNotFound{Obj: d.target})
		return body
	}
	ctx.WithLock(dvs, func() {
		dvs.Config.GetDVSConfigInfo().NetworkResourceManagementEnabled = types.NewBool(req.Enable)
	})
	simulator.Map.Update(dvs, []types.PropertyChange{{Name: "config", Val: dvs.Config}})
	body.Res = &types.EnableNetworkResourceManagementResponse{}
	return body
}

// vcenterDefaults are settings every vCenter 8 reports that the simulator's setting manager
// lacks, with their defaults; vCenter controls read them.
var vcenterDefaults = []types.OptionValue{
	{Key: "config.log.level", Value: "info"},
	{Key: "vpxd.event.syslog.enabled", Value: "true"},
	{Key: "VirtualCenter.VimPasswordExpirationInDays", Value: "30"},
	{Key: "config.vpxd.hostPasswordLength", Value: "32"},
	{Key: "task.maxAge", Value: "30"},
	{Key: "task.maxAgeEnabled", Value: "true"},
	{Key: "mail.smtp.server", Value: ""},
}

// settingDefaults adds vcenterDefaults to the vCenter setting manager, keeping values it already has.
func settingDefaults() {
	ref := simulator.Map.Get(simulator.Map.Get(types.ManagedObjectReference{Type: "ServiceInstance", Value: "ServiceInstance"}).(*simulator.ServiceInstance).Content.Setting.Reference())
	m, ok := ref.(*simulator.OptionManager)
	if !ok {
		return
	}
	for _, d := range vcenterDefaults {
		found := false
		for _, o := range m.Setting {
			if o.GetOptionValue().Key == d.Key {
				found = true
				break
			}
		}
		if !found {
			v := d
			m.Setting = append(m.Setting, &v)
		}
	}
}
