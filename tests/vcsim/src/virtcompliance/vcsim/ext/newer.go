package ext

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Newer vim25 fields that govmomi 0.24's types lack, served as a vCenter serves them: only
// to a client whose requests name an API version that has them (the SOAPAction header,
// "urn:vim25/8.0.2.0"). An older client (pyVmomi 6.7.1 asks for 6.7.1) never receives a
// field its own type definitions do not know, so it can still read the object.
//
//   - HostFirewallRuleset.ipListUserConfigurable (vSphere 8.0 U2): whether a user may
//     restrict the ruleset's allowed addresses;
//   - HostCapability.uefiSecureBoot (vSphere 7.0): served as true, the simulator's hosts
//     booting with Secure Boot as a current server does;
//   - VirtualMachineConfigInfo.ftEncryptionMode (vSphere 7.0 U2): ftEncryptionOpportunistic.

// apiVersion is the newest version whose fields the extensions serve; the server reports
// it as about.apiVersion, as a vCenter 8.0 U2 does, and lists the versions it also speaks.
const apiVersion = "8.0.2.0"

// priorVersions are the versions a vCenter 8.0 U2 also accepts, newest first: a client
// (pyVmomi 6.7.1) names the newest one it knows.
var priorVersions = []string{"8.0.1.0", "8.0.0.0", "7.0.3.0", "7.0.2.0", "7.0.1.0", "7.0.0.0", "6.7.3", "6.7.2", "6.7.1", "6.7", "6.5", "6.0", "5.5"}

func advertiseVersion() {
	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	si.Content.About.ApiVersion = apiVersion
}

// serviceVersions answers /sdk/vimServiceVersions.xml, which clients read to pick a version.
func serviceVersions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/xml")
	var b strings.Builder
	b.WriteString(xml.Header + "<namespaces version=\"1.0\">\n <namespace>\n  <name>urn:vim25</name>\n  <version>" + apiVersion + "</version>\n  <priorVersions>\n")
	for _, v := range priorVersions {
		b.WriteString("   <version>" + v + "</version>\n")
	}
	b.WriteString("  </priorVersions>\n </namespace>\n</namespaces>\n")
	_, _ = w.Write([]byte(b.String()))
}

// sessionVersions remembers, per session cookie, the API version its last request named.
var sessionVersions sync.Map

// recordVersion notes the version a request names, for the session it belongs to.
func recordVersion(r *http.Request) {
	cookie, err := r.Cookie(soap.SessionCookieName)
	if err != nil {
		return
	}
	action := strings.Trim(r.Header.Get("SOAPAction"), `"`)
	if !strings.HasPrefix(action, "urn:vim25/") {
		return
	}
	sessionVersions.Store(cookie.Value, strings.TrimPrefix(action, "urn:vim25/"))
}

// atLeast reports whether the session's requests name version want or a later one.
func atLeast(ctx *simulator.Context, want string) bool {
	if ctx.Session == nil {
		return false
	}
	v, ok := sessionVersions.Load(ctx.Session.Key)
	return ok && compareVersions(v.(string), want) >= 0
}

// compareVersions compares dotted versions numerically ("8.0.2.0" > "7.0" > "6.7.1").
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// HostFirewallInfo is vim25's HostFirewallInfo with the 8.0 U2 ruleset field. The Go type
// names are the vim25 type names: the encoder writes them as the xsi:type.
type HostFirewallInfo struct {
	types.DynamicData

	DefaultPolicy types.HostFirewallDefaultPolicy `xml:"defaultPolicy"`
	Ruleset       []HostFirewallRuleset           `xml:"ruleset,omitempty"`
}

// HostFirewallRuleset is vim25's HostFirewallRuleset with ipListUserConfigurable, which
// comes after the 0.24 fields in the vim25 type.
type HostFirewallRuleset struct {
	types.HostFirewallRuleset

	IpListUserConfigurable *bool `xml:"ipListUserConfigurable,omitempty"`
}

// withNewerFields rewrites host properties of a result for a client whose version has them.
func withNewerFields(ctx *simulator.Context, specs []types.PropertyFilterSpec, objects []types.ObjectContent) {
	if atLeast(ctx, "7.0.2.0") {
		withFtEncryptionMode(objects)
	}
	firewall, secureBoot := atLeast(ctx, "8.0.2.0"), atLeast(ctx, "7.0")
	if !firewall && !secureBoot {
		return
	}
	// 0.24 leaves out a path under its nil HostCapability altogether: add it where it was asked for.
	askedSecureBoot := false
	for _, spec := range specs {
		for _, ps := range spec.PropSet {
			if ps.Type != "HostSystem" {
				continue
			}
			for _, path := range ps.PathSet {
				askedSecureBoot = askedSecureBoot || path == "capability.uefiSecureBoot" || path == "capability"
			}
		}
	}
	for i := range objects {
		o := &objects[i]
		if o.Obj.Type != "HostSystem" {
			continue
		}
		for j := range o.PropSet {
			p := &o.PropSet[j]
			switch {
			case firewall && p.Name == "config.firewall":
				if info, ok := p.Val.(types.HostFirewallInfo); ok {
					p.Val = newerFirewallInfo(info)
				} else if info, ok := p.Val.(*types.HostFirewallInfo); ok && info != nil {
					p.Val = newerFirewallInfo(*info)
				}
			case secureBoot && p.Name == "capability.uefiSecureBoot":
				p.Val = true
			case secureBoot && p.Name == "capability":
				// The whole HostCapability: 0.24 has none for its hosts; the field is served by path only.
			}
		}
		if secureBoot && askedSecureBoot {
			// 0.24's HostCapability has no such field: it answered "not found" for the path, or nothing.
			kept := o.MissingSet[:0]
			for _, m := range o.MissingSet {
				if m.Path != "capability.uefiSecureBoot" {
					kept = append(kept, m)
				}
			}
			o.MissingSet = kept
			found := false
			for _, p := range o.PropSet {
				found = found || p.Name == "capability.uefiSecureBoot"
			}
			if !found {
				o.PropSet = append(o.PropSet, types.DynamicProperty{Name: "capability.uefiSecureBoot", Val: true})
			}
		}
	}
}

func newerFirewallInfo(info types.HostFirewallInfo) HostFirewallInfo {
	out := HostFirewallInfo{DefaultPolicy: info.DefaultPolicy}
	for _, rs := range info.Ruleset {
		out.Ruleset = append(out.Ruleset, HostFirewallRuleset{
			HostFirewallRuleset:    rs,
			IpListUserConfigurable: types.NewBool(!systemOwnedRulesets[rs.Key]),
		})
	}
	return out
}

// withFtEncryptionMode serves VirtualMachineConfigInfo.ftEncryptionMode (vSphere 7.0 U2), which
// 0.24's types lack, where a client asked for the path: the value a VM has until someone
// changes it, ftEncryptionOpportunistic. (0.24 cannot decode a spec that sets it, so it stays that.)
func withFtEncryptionMode(objects []types.ObjectContent) {
	const path = "config.ftEncryptionMode"
	for i := range objects {
		o := &objects[i]
		if o.Obj.Type != "VirtualMachine" {
			continue
		}
		asked := false
		kept := o.MissingSet[:0]
		for _, m := range o.MissingSet {
			if m.Path == path {
				asked = true
				continue
			}
			kept = append(kept, m)
		}
		o.MissingSet = kept
		if asked {
			o.PropSet = append(o.PropSet, types.DynamicProperty{Name: path, Val: "ftEncryptionOpportunistic"})
		}
	}
}
