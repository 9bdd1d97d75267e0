package ext

import (
	"bytes"
	"io/ioutil"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// softwareManagers returns a host's imageConfigManager and patchManager references.
func (s *sim) softwareManagers(host types.ManagedObjectReference) (image, patch types.ManagedObjectReference) {
	s.t.Helper()
	h := s.host(host, "configManager.imageConfigManager", "configManager.patchManager")
	if h.ConfigManager.ImageConfigManager == nil || h.ConfigManager.PatchManager == nil {
		s.t.Fatalf("%s: configManager.imageConfigManager %v, patchManager %v", host, h.ConfigManager.ImageConfigManager, h.ConfigManager.PatchManager)
	}
	return *h.ConfigManager.ImageConfigManager, *h.ConfigManager.PatchManager
}

func (s *sim) acceptance(image types.ManagedObjectReference) string {
	s.t.Helper()
	res, err := methods.HostImageConfigGetAcceptance(s.ctx, s.c, &types.HostImageConfigGetAcceptance{This: image})
	if err != nil {
		s.t.Fatalf("HostImageConfigGetAcceptance: %v", err)
	}
	return res.Returnval
}

func (s *sim) packages(image types.ManagedObjectReference) map[string]types.SoftwarePackage {
	s.t.Helper()
	res, err := methods.FetchSoftwarePackages(s.ctx, s.c, &types.FetchSoftwarePackages{This: image})
	if err != nil || res == nil {
		s.t.Fatalf("fetchSoftwarePackages: %v (response %v)", err, res)
	}
	out := make(map[string]types.SoftwarePackage, len(res.Returnval))
	for _, pkg := range res.Returnval {
		if _, dup := out[pkg.Name]; dup {
			s.t.Errorf("package %s listed twice", pkg.Name)
		}
		out[pkg.Name] = pkg
	}
	return out
}

// uninstall calls UninstallHostPatch_Task and returns the task's error.
func (s *sim) uninstall(patch types.ManagedObjectReference, ids ...string) error {
	s.t.Helper()
	res, err := methods.UninstallHostPatch_Task(s.ctx, s.c, &types.UninstallHostPatch_Task{This: patch, BulletinIds: ids})
	if err != nil {
		s.t.Fatalf("UninstallHostPatch_Task %v: %v", ids, err)
	}
	return s.wait(res.Returnval)
}

func TestSoftwareDefaults(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	imageA, patchA := s.softwareManagers(a)
	imageB, patchB := s.softwareManagers(b)
	if imageA == imageB || patchA == patchB {
		t.Fatalf("hosts share managers: image %v %v, patch %v %v", imageA, imageB, patchA, patchB)
	}
	if imageA.Type != "HostImageConfigManager" || patchA.Type != "HostPatchManager" {
		t.Fatalf("manager types %s %s", imageA.Type, patchA.Type)
	}

	for _, image := range []types.ManagedObjectReference{imageA, imageB} {
		if level := s.acceptance(image); level != "partner" {
			t.Errorf("%s acceptance level = %q, want partner", image, level)
		}
		pkgs := s.packages(image)
		if len(pkgs) < 10 {
			t.Errorf("%s has %d packages", image, len(pkgs))
		}
		for _, name := range []string{"esx-base", "esx-ui", "vsan", "vmkusb", "nvme-pcie", "lsi-mr3", "ntg3",
			"vmware-esx-esxcli-nvme-plugin", "tools-light", "cpu-microcode"} {
			pkg, ok := pkgs[name]
			if !ok {
				t.Errorf("%s: package %s is not installed", image, name)
				continue
			}
			if pkg.Vendor != "VMware" || (pkg.AcceptanceLevel != "VMwareCertified" && pkg.AcceptanceLevel != "VMwareAccepted") {
				t.Errorf("%s: vendor %q acceptance %q", name, pkg.Vendor, pkg.AcceptanceLevel)
			}
			if pkg.Version == "" || pkg.Type != "bootbank" || pkg.Summary == "" || pkg.Description == "" ||
				pkg.CreationDate == nil || pkg.MaintenanceModeRequired == nil || pkg.Capability.LiveInstallAllowed == nil {
				t.Errorf("%s is incomplete: %+v", name, pkg)
			}
		}
		ids, ok := pkgs["acme-ids-sensor"]
		if !ok {
			t.Fatalf("%s: acme-ids-sensor is not installed", image)
		}
		if ids.Version != "4.2.0-1" || ids.Vendor != "ACME" || ids.AcceptanceLevel != "PartnerSupported" || ids.Type != "bootbank" {
			t.Errorf("acme-ids-sensor = %+v", ids)
		}
	}
}

func TestAcceptanceLevelPerHost(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	imageA, _ := s.softwareManagers(a)
	imageB, _ := s.softwareManagers(b)

	for _, level := range []types.HostImageAcceptanceLevel{
		types.HostImageAcceptanceLevelVmware_certified, types.HostImageAcceptanceLevelVmware_accepted,
		types.HostImageAcceptanceLevelCommunity, types.HostImageAcceptanceLevelPartner,
		types.HostImageAcceptanceLevelVmware_accepted,
	} {
		if _, err := methods.UpdateHostImageAcceptanceLevel(s.ctx, s.c, &types.UpdateHostImageAcceptanceLevel{This: imageA, NewAcceptanceLevel: string(level)}); err != nil {
			t.Fatalf("UpdateHostImageAcceptanceLevel %s: %v", level, err)
		}
		if got := s.acceptance(imageA); got != string(level) {
			t.Errorf("host A acceptance level = %q, want %q", got, level)
		}
		if got := s.acceptance(imageB); got != "partner" {
			t.Errorf("host B acceptance level changed to %q", got)
		}
	}

	for _, bad := range []string{"", "PartnerSupported", "VMwareCertified", "unsigned"} {
		_, err := methods.UpdateHostImageAcceptanceLevel(s.ctx, s.c, &types.UpdateHostImageAcceptanceLevel{This: imageA, NewAcceptanceLevel: bad})
		if f, ok := expectFault(t, err, new(types.InvalidArgument)).(*types.InvalidArgument); !ok || f.InvalidProperty != "newAcceptanceLevel" {
			t.Errorf("%q: fault %+v", bad, f)
		}
	}
	if got := s.acceptance(imageA); got != "vmware_accepted" {
		t.Errorf("a rejected update changed the level to %q", got)
	}
}

func TestUninstallHostPatchPerHost(t *testing.T) {
	s := start(t, nil)
	a, b := s.twoHosts()
	imageA, patchA := s.softwareManagers(a)
	imageB, _ := s.softwareManagers(b)
	before := len(s.packages(imageA))

	res, err := methods.UninstallHostPatch_Task(s.ctx, s.c, &types.UninstallHostPatch_Task{This: patchA, BulletinIds: []string{"acme-ids-sensor"}})
	if err != nil {
		t.Fatalf("UninstallHostPatch_Task: %v", err)
	}
	if err := s.wait(res.Returnval); err != nil {
		t.Fatalf("the uninstall task failed: %v", err)
	}
	var task mo.Task
	s.retrieve(res.Returnval, &task, "info")
	if task.Info.State != types.TaskInfoStateSuccess || task.Info.Entity == nil || *task.Info.Entity != a {
		t.Errorf("task info: state %s entity %v, want success on %s", task.Info.State, task.Info.Entity, a)
	}

	pkgsA := s.packages(imageA)
	if _, ok := pkgsA["acme-ids-sensor"]; ok || len(pkgsA) != before-1 {
		t.Errorf("host A after uninstall has %d packages (acme-ids-sensor present: %v), want %d", len(pkgsA), ok, before-1)
	}
	if _, ok := pkgsA["esx-base"]; !ok {
		t.Error("host A lost esx-base")
	}
	pkgsB := s.packages(imageB)
	if _, ok := pkgsB["acme-ids-sensor"]; !ok || len(pkgsB) != before {
		t.Errorf("host B changed: %d packages, acme-ids-sensor present: %v", len(pkgsB), ok)
	}

	// Two packages at once.
	if err := s.uninstall(patchA, "tools-light", "ntg3"); err != nil {
		t.Fatalf("uninstalling two packages: %v", err)
	}
	pkgsA = s.packages(imageA)
	if _, ok := pkgsA["tools-light"]; ok || len(pkgsA) != before-3 {
		t.Errorf("host A has %d packages after the second uninstall, want %d", len(pkgsA), before-3)
	}

	// Something that is not installed (any more) fails the task.
	f := expectFault(t, s.uninstall(patchA, "acme-ids-sensor"), new(types.PlatformConfigFault))
	if f.(*types.PlatformConfigFault).Text == "" {
		t.Error("the PlatformConfigFault carries no text")
	}
	expectFault(t, s.uninstall(patchA, "no-such-vib"), new(types.PlatformConfigFault))

	// An uninstall is atomic: with one unknown id, nothing is removed.
	expectFault(t, s.uninstall(patchA, "vsan", "no-such-vib"), new(types.PlatformConfigFault))
	if _, ok := s.packages(imageA)["vsan"]; !ok {
		t.Error("a failed uninstall removed vsan")
	}

	// No ids at all fails the call.
	_, err = methods.UninstallHostPatch_Task(s.ctx, s.c, &types.UninstallHostPatch_Task{This: patchA})
	expectFault(t, err, new(types.InvalidArgument))

	if got := len(s.packages(imageB)); got != before {
		t.Errorf("host B has %d packages, want %d", got, before)
	}
}

func TestSoftwareOnHostsAddedLater(t *testing.T) {
	s := start(t, nil)
	dc, err := find.NewFinder(s.c, true).DefaultDatacenter(s.ctx)
	if err != nil {
		t.Fatalf("finding the datacenter: %v", err)
	}
	folders, err := dc.Folders(s.ctx)
	if err != nil {
		t.Fatalf("datacenter folders: %v", err)
	}
	task, err := folders.HostFolder.AddStandaloneHost(s.ctx, types.HostConnectSpec{HostName: "standalone-added.example.test"}, true, nil, nil)
	if err != nil {
		t.Fatalf("AddStandaloneHost: %v", err)
	}
	info, err := task.WaitForResult(s.ctx, nil)
	if err != nil {
		t.Fatalf("AddStandaloneHost task: %v", err)
	}
	// vSphere returns the new ComputeResource, the simulator the new HostSystem.
	added := info.Result.(types.ManagedObjectReference)
	if added.Type != "HostSystem" {
		var cr mo.ComputeResource
		s.retrieve(added, &cr, "host")
		if len(cr.Host) != 1 {
			t.Fatalf("the new compute resource has hosts %v", cr.Host)
		}
		added = cr.Host[0]
	}

	image, patch := s.softwareManagers(added)
	first, _ := s.twoHosts()
	existing, _ := s.softwareManagers(first)
	if image == existing {
		t.Fatal("the added host shares an image config manager")
	}
	if level := s.acceptance(image); level != "partner" {
		t.Errorf("added host acceptance level = %q", level)
	}
	if _, ok := s.packages(image)["acme-ids-sensor"]; !ok {
		t.Fatal("the added host has no acme-ids-sensor")
	}
	if err := s.uninstall(patch, "acme-ids-sensor"); err != nil {
		t.Fatalf("uninstall on the added host: %v", err)
	}
	if _, ok := s.packages(image)["acme-ids-sensor"]; ok {
		t.Error("acme-ids-sensor still installed on the added host")
	}
}

// The vim25 response element of fetchSoftwarePackages is fetchSoftwarePackagesResponse
// (lowercase, like the method), which pyVmomi and other clients look for.
func TestFetchSoftwarePackagesWireNames(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()
	image, _ := s.softwareManagers(a)

	envelope := `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><fetchSoftwarePackages xmlns="urn:vim25"><_this type="HostImageConfigManager">` + image.Value + `</_this></fetchSoftwarePackages></soapenv:Body>
</soapenv:Envelope>`
	req, err := http.NewRequest(http.MethodPost, s.server.URL.String(), strings.NewReader(envelope))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", "urn:vim25/7.0")
	res, err := s.c.Client.Client.Do(req) // the logged-in client's cookie jar and TLS settings
	if err != nil {
		t.Fatalf("POST fetchSoftwarePackages: %v", err)
	}
	defer res.Body.Close()
	body, err := ioutil.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %s: %s", res.Status, body)
	}
	if !bytes.Contains(body, []byte("<fetchSoftwarePackagesResponse")) || !bytes.Contains(body, []byte("</fetchSoftwarePackagesResponse>")) ||
		bytes.Contains(body, []byte("FetchSoftwarePackagesResponse")) {
		t.Errorf("response element not named fetchSoftwarePackagesResponse: %s", body)
	}
	if !bytes.Contains(body, []byte("<name>acme-ids-sensor</name>")) {
		t.Errorf("acme-ids-sensor missing from the response: %s", body)
	}
	if got := res.Header.Get("Content-Length"); got != "" && got != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %s for a body of %d bytes", got, len(body))
	}

	// A fault of a lowercase method passes through unchanged.
	_, err = methods.FetchSoftwarePackages(s.ctx, s.c, &types.FetchSoftwarePackages{This: types.ManagedObjectReference{Type: "HostImageConfigManager", Value: "no-such-manager"}})
	expectFault(t, err, new(types.ManagedObjectNotFound))
}
