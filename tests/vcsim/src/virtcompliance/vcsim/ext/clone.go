package ext

import (
	"bytes"

	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

// deepCopy copies src into dst through the vim25 XML encoding, so interface-typed fields
// keep their concrete types (xsi:type) and nothing is shared between the two.
func deepCopy(src, dst interface{}) {
	b, err := xml.Marshal(src)
	if err != nil {
		panic(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.TypeFunc = typeFunc
	if err := dec.Decode(dst); err != nil {
		panic(err)
	}
}

type portSettingHolder struct {
	Setting types.BaseDVPortSetting `xml:"setting,omitempty,typeattr"`
}

func cloneDVPortSetting(s types.BaseDVPortSetting) types.BaseDVPortSetting {
	if s == nil {
		return nil
	}
	var out portSettingHolder
	deepCopy(&portSettingHolder{Setting: s}, &out)
	return out.Setting
}

type optionsHolder struct {
	Option []types.BaseOptionValue `xml:"option,omitempty,typeattr"`
}

func cloneOptions(in []types.BaseOptionValue) []types.BaseOptionValue {
	var out optionsHolder
	deepCopy(&optionsHolder{Option: in}, &out)
	return out.Option
}

func cloneFirewallInfo(in *types.HostFirewallInfo) *types.HostFirewallInfo {
	out := new(types.HostFirewallInfo)
	deepCopy(in, out)
	return out
}

func cloneServiceInfo(in *types.HostServiceInfo) *types.HostServiceInfo {
	out := new(types.HostServiceInfo)
	deepCopy(in, out)
	return out
}

type deviceHolder struct {
	Device types.BaseVirtualDevice `xml:"device,omitempty,typeattr"`
}

func cloneDevice(d types.BaseVirtualDevice) types.BaseVirtualDevice {
	var out deviceHolder
	deepCopy(&deviceHolder{Device: d}, &out)
	return out.Device
}

type packagesHolder struct {
	Package []types.SoftwarePackage `xml:"package,omitempty"`
}

func clonePackages(in []types.SoftwarePackage) []types.SoftwarePackage {
	var out packagesHolder
	deepCopy(&packagesHolder{Package: in}, &out)
	return out.Package
}
