package ext

import (
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// dvsExtension holds the ports of one distributed switch and carries the switch methods
// the simulator lacks (the front handler routes calls on the switch to it).
//
// Port model: every VM network adapter backed by one of the switch's portgroups is
// connected to a port of that portgroup (its backing.port.portKey is set to the port's
// key); a portgroup with numPorts N has at least N ports. Port keys are unique per switch
// ("0", "1", ...) and the portgroups' portKeys list them.
type dvsExtension struct {
	mo.ExtensibleManagedObject

	target types.ManagedObjectReference
	ports  []*types.DistributedVirtualPort // sorted by key number
	next   int
}

type portgroupInfo struct {
	obj      *simulator.DistributedVirtualPortgroup
	key      string
	numPorts int
	setting  types.BaseDVPortSetting
}

func (d *dvsExtension) port(key string) *types.DistributedVirtualPort {
	for _, p := range d.ports {
		if p.Key == key {
			return p
		}
	}
	return nil
}

func (d *dvsExtension) newPort(uuid string, pg *portgroupInfo) *types.DistributedVirtualPort {
	p := &types.DistributedVirtualPort{
		Key:          strconv.Itoa(d.next),
		DvsUuid:      uuid,
		PortgroupKey: pg.key,
		Config: types.DVPortConfigInfo{
			Setting:       cloneDVPortSetting(pg.setting),
			ConfigVersion: "0",
		},
		LastStatusChange: time.Now().UTC(),
		HostLocalPort:    types.NewBool(false),
	}
	// A new port has no filter of its own: it takes its portgroup's (dvfilter.go).
	if s := p.Config.Setting; s != nil && s.GetDVPortSetting().FilterPolicy != nil {
		s.GetDVPortSetting().FilterPolicy = inheritFilterPolicy(s.GetDVPortSetting().FilterPolicy)
	}
	d.next++
	d.ports = append(d.ports, p)
	return p
}

// sync brings the port list in line with the switch's portgroups and the VMs' adapters.
// The caller holds the lock of d.
func (d *dvsExtension) sync() {
	dvs, ok := simulator.Map.Get(d.target).(*simulator.DistributedVirtualSwitch)
	if !ok {
		return
	}
	var uuid string
	var pgRefs []types.ManagedObjectReference
	simulator.Map.WithLock(dvs, func() {
		uuid = dvs.Uuid
		pgRefs = append(pgRefs, dvs.Portgroup...)
	})

	pgs := make(map[string]*portgroupInfo)
	var order []*portgroupInfo
	for _, ref := range pgRefs {
		pg, ok := simulator.Map.Get(ref).(*simulator.DistributedVirtualPortgroup)
		if !ok {
			continue
		}
		info := &portgroupInfo{obj: pg}
		simulator.Map.WithLock(pg, func() {
			info.key = pg.Key
			info.numPorts = int(pg.Config.NumPorts)
			info.setting = cloneDVPortSetting(pg.Config.DefaultPortConfig)
		})
		pgs[info.key] = info
		order = append(order, info)
	}

	// Ports of removed portgroups go away.
	kept := d.ports[:0]
	for _, p := range d.ports {
		if pgs[p.PortgroupKey] != nil {
			kept = append(kept, p)
		}
	}
	d.ports = kept

	claimed := make(map[string]bool)
	connectee := func(p *types.DistributedVirtualPort, vm types.ManagedObjectReference, nic string) bool {
		c := p.Connectee
		return c != nil && c.ConnectedEntity != nil && *c.ConnectedEntity == vm && c.NicKey == nic
	}

	// The simulator's model builder gives the VMs of one pool the same adapter object;
	// an adapter seen on a second VM is replaced by a copy so each VM has its own port.
	owners := make(map[types.BaseVirtualDevice]types.ManagedObjectReference)

	for _, obj := range simulator.Map.All("VirtualMachine") {
		vm, ok := obj.(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		simulator.Map.WithLock(vm, func() {
			if vm.Config == nil {
				return
			}
			for i, dev := range vm.Config.Hardware.Device {
				if _, ok := dev.(types.BaseVirtualEthernetCard); !ok {
					continue
				}
				if owner, seen := owners[dev]; seen && owner != vm.Self {
					dev = cloneDevice(dev)
					vm.Config.Hardware.Device[i] = dev
				}
				owners[dev] = vm.Self
				card := dev.(types.BaseVirtualEthernetCard)
				nic := card.GetVirtualEthernetCard()
				b, ok := nic.Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo)
				if !ok || (b.Port.SwitchUuid != "" && b.Port.SwitchUuid != uuid) {
					continue
				}
				pg := pgs[b.Port.PortgroupKey]
				if pg == nil {
					continue
				}
				nicKey := strconv.Itoa(int(nic.Key))

				var port *types.DistributedVirtualPort
				if p := d.port(b.Port.PortKey); p != nil && p.PortgroupKey == pg.key && !claimed[p.Key] {
					port = p
				}
				for _, p := range d.ports {
					if port == nil && p.PortgroupKey == pg.key && !claimed[p.Key] && connectee(p, vm.Self, nicKey) {
						port = p
					}
				}
				for _, p := range d.ports {
					if port == nil && p.PortgroupKey == pg.key && !claimed[p.Key] && p.Connectee == nil {
						port = p
					}
				}
				if port == nil {
					port = d.newPort(uuid, pg)
				}
				claimed[port.Key] = true
				if !connectee(port, vm.Self, nicKey) {
					self := vm.Self
					port.Connectee = &types.DistributedVirtualSwitchPortConnectee{
						ConnectedEntity: &self,
						NicKey:          nicKey,
						Type:            "vmVnic",
					}
					port.LastStatusChange = time.Now().UTC()
				}
				if b.Port.PortKey != port.Key || b.Port.SwitchUuid == "" {
					// The simulator may share one backing object between adapters, so
					// the adapter gets its own copy rather than a modified shared one.
					own := *b
					own.Port.PortKey = port.Key
					own.Port.SwitchUuid = uuid
					nic.Backing = &own
				}
			}
		})
	}

	for _, p := range d.ports {
		if !claimed[p.Key] && p.Connectee != nil {
			p.Connectee = nil
			p.LastStatusChange = time.Now().UTC()
		}
	}

	for _, pg := range order {
		count := 0
		for _, p := range d.ports {
			if p.PortgroupKey == pg.key {
				count++
			}
		}
		for ; count < pg.numPorts; count++ {
			d.newPort(uuid, pg)
		}
	}

	sort.SliceStable(d.ports, func(i, j int) bool {
		a, _ := strconv.Atoi(d.ports[i].Key)
		b, _ := strconv.Atoi(d.ports[j].Key)
		return a < b
	})

	for _, pg := range order {
		var keys []string
		for _, p := range d.ports {
			if p.PortgroupKey == pg.key {
				keys = append(keys, p.Key)
			}
		}
		pg := pg
		simulator.Map.WithLock(pg.obj, func() {
			if !reflect.DeepEqual(pg.obj.PortKeys, keys) {
				simulator.Map.Update(pg.obj, []types.PropertyChange{{Name: "portKeys", Val: keys}})
			}
		})
	}
}

// portMatches applies a DistributedVirtualSwitchPortCriteria to a port.
func portMatches(c *types.DistributedVirtualSwitchPortCriteria, p *types.DistributedVirtualPort) bool {
	if c == nil {
		return true
	}
	contains := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	if len(c.PortKey) > 0 && !contains(c.PortKey, p.Key) {
		return false
	}
	inside := c.Inside == nil || *c.Inside
	if len(c.PortgroupKey) > 0 {
		if contains(c.PortgroupKey, p.PortgroupKey) != inside {
			return false
		}
	} else if c.Inside != nil && (p.PortgroupKey != "") != inside {
		return false
	}
	if (c.UplinkPort != nil && *c.UplinkPort) || (c.NsxPort != nil && *c.NsxPort) {
		return false // the simulated switch has neither uplink nor NSX ports
	}

	connected := p.Connectee != nil && p.Connectee.ConnectedEntity != nil
	if c.Connected != nil && *c.Connected != connected {
		return false
	}
	var vm *simulator.VirtualMachine
	if connected {
		vm, _ = simulator.Map.Get(*p.Connectee.ConnectedEntity).(*simulator.VirtualMachine)
	}
	var power types.VirtualMachinePowerState
	var host *types.ManagedObjectReference
	if vm != nil {
		simulator.Map.WithLock(vm, func() {
			power = vm.Runtime.PowerState
			if vm.Runtime.Host != nil {
				h := *vm.Runtime.Host
				host = &h
			}
		})
	}
	if c.Active != nil && *c.Active != (power == types.VirtualMachinePowerStatePoweredOn) {
		return false
	}
	if len(c.Host) > 0 && (host == nil || !containsRef(c.Host, *host)) {
		return false
	}
	return true
}

func copyPort(p *types.DistributedVirtualPort) types.DistributedVirtualPort {
	out := *p
	out.Config.Setting = cloneDVPortSetting(p.Config.Setting)
	out.Config.Scope = append([]types.ManagedObjectReference(nil), p.Config.Scope...)
	if p.Connectee != nil {
		c := *p.Connectee
		out.Connectee = &c
	}
	return out
}

// FetchDVPorts returns the switch's ports (filtered by the criteria) with their stored
// settings, configVersion and connectee.
func (d *dvsExtension) FetchDVPorts(req *types.FetchDVPorts) soap.HasFault {
	d.sync()
	res := &types.FetchDVPortsResponse{}
	for _, p := range d.ports {
		if portMatches(req.Criteria, p) {
			res.Returnval = append(res.Returnval, copyPort(p))
		}
	}
	return &methods.FetchDVPortsBody{Res: res}
}

// ReconfigureDVPortTask edits ports. Each spec must name an existing port and carry the
// port's current configVersion (ConcurrentAccess otherwise); settings are merged into the
// port's settings, the filter policy element by element (dvfilter.go), and configVersion is
// incremented. Nothing changes unless every spec is valid.
func (d *dvsExtension) ReconfigureDVPortTask(req *types.ReconfigureDVPort_Task) soap.HasFault {
	d.sync()
	dvs := simulator.Map.Get(d.target)
	task := simulator.CreateTask(dvs, "reconfigureDVPort", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		seen := make(map[string]bool)
		filters := make(map[string]*types.DvsFilterPolicy)
		for _, spec := range req.Port {
			if spec.Operation != string(types.ConfigSpecOperationEdit) {
				return nil, &types.NotSupported{}
			}
			p := d.port(spec.Key)
			if p == nil {
				return nil, &types.NotFound{}
			}
			if seen[spec.Key] {
				return nil, &types.InvalidArgument{InvalidProperty: "port"}
			}
			seen[spec.Key] = true
			if spec.ConfigVersion == "" {
				return nil, &types.InvalidArgument{InvalidProperty: "port.configVersion"}
			}
			if spec.ConfigVersion != p.Config.ConfigVersion {
				return nil, &types.ConcurrentAccess{}
			}
			if faultPortVM(p) {
				return nil, &types.DvsFault{}
			}
			if spec.Setting != nil && spec.Setting.GetDVPortSetting().FilterPolicy != nil {
				var current *types.DvsFilterPolicy
				if p.Config.Setting != nil {
					current = p.Config.Setting.GetDVPortSetting().FilterPolicy
				}
				next, failure := applyFilterPolicy(current, spec.Setting.GetDVPortSetting().FilterPolicy, portgroupFilterPolicy(p.PortgroupKey))
				if failure != nil {
					return nil, failure
				}
				filters[spec.Key] = next
			}
		}
		for _, spec := range req.Port {
			p := d.port(spec.Key)
			if spec.Setting != nil {
				rest := cloneDVPortSetting(spec.Setting)
				rest.GetDVPortSetting().FilterPolicy = nil
				p.Config.Setting = mergePortSetting(p.Config.Setting, rest)
				if next, ok := filters[spec.Key]; ok {
					p.Config.Setting.GetDVPortSetting().FilterPolicy = next
				}
			}
			if spec.Name != "" {
				p.Config.Name = spec.Name
			}
			if spec.Description != "" {
				p.Config.Description = spec.Description
			}
			if spec.Scope != nil {
				p.Config.Scope = append([]types.ManagedObjectReference(nil), spec.Scope...)
			}
			p.Config.ConfigVersion = nextConfigVersion(p.Config.ConfigVersion)
		}
		return nil, nil
	})
	return &methods.ReconfigureDVPort_TaskBody{
		Res: &types.ReconfigureDVPort_TaskResponse{Returnval: task.Run()},
	}
}

// mergePortSetting applies the properties set in spec to a copy of current: unset (nil)
// properties keep their current value, composite policies are merged property by
// property, and the result has the more specific of the two setting types.
func mergePortSetting(current, spec types.BaseDVPortSetting) types.BaseDVPortSetting {
	if current == nil {
		return cloneDVPortSetting(spec)
	}
	ct, st := reflect.TypeOf(current).Elem(), reflect.TypeOf(spec).Elem()
	var result reflect.Value
	switch {
	case ct == st || embeds(ct, st):
		result = reflect.ValueOf(cloneDVPortSetting(current))
	case embeds(st, ct):
		result = reflect.New(st)
		mergeInto(result.Elem(), reflect.ValueOf(cloneDVPortSetting(current)).Elem(), true)
	default:
		return cloneDVPortSetting(spec)
	}
	mergeInto(result.Elem(), reflect.ValueOf(cloneDVPortSetting(spec)).Elem(), false)
	return result.Interface().(types.BaseDVPortSetting)
}

// embeds reports whether struct type outer embeds inner (at any depth).
func embeds(outer, inner reflect.Type) bool {
	for i := 0; i < outer.NumField(); i++ {
		f := outer.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && (f.Type == inner || embeds(f.Type, inner)) {
			return true
		}
	}
	return false
}

// composite reports whether a policy struct is made of other policies (and is therefore
// merged property by property rather than replaced).
func composite(t reflect.Type) bool {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.Anonymous && f.Type.Kind() == reflect.Ptr && f.Type.Elem().Kind() == reflect.Struct {
			return true
		}
	}
	return false
}

func mergeInto(dst, src reflect.Value, copyScalars bool) {
	for i := 0; i < src.NumField(); i++ {
		f := src.Type().Field(i)
		sv := src.Field(i)
		if f.Anonymous {
			mergeInto(dst, sv, copyScalars)
			continue
		}
		dv := dst.FieldByName(f.Name)
		if !dv.IsValid() || !dv.CanSet() || dv.Type() != sv.Type() {
			continue
		}
		switch sv.Kind() {
		case reflect.Ptr:
			if sv.IsNil() {
				continue
			}
			if sv.Elem().Kind() == reflect.Struct && composite(sv.Elem().Type()) && !dv.IsNil() {
				mergeInto(dv.Elem(), sv.Elem(), true)
			} else {
				dv.Set(sv)
			}
		case reflect.Interface, reflect.Slice, reflect.Map:
			if !sv.IsNil() {
				dv.Set(sv)
			}
		default:
			if copyScalars || !sv.IsZero() {
				dv.Set(sv)
			}
		}
	}
}

// FaultPortVMs names VMs whose ports refuse reconfiguration (a test hook, set by the launcher's
// -fault-dvport-vm): a client's handling of one failed port among several can then be tested.
var FaultPortVMs = map[string]bool{}

func faultPortVM(p *types.DistributedVirtualPort) bool {
	if len(FaultPortVMs) == 0 || p.Connectee == nil || p.Connectee.ConnectedEntity == nil {
		return false
	}
	vm, ok := simulator.Map.Get(*p.Connectee.ConnectedEntity).(*simulator.VirtualMachine)
	return ok && FaultPortVMs[vm.Name]
}
