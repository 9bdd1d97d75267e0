package ext

import (
	"testing"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// vmSpec selects the name of every VM through a container view.
func vmSpec(s *sim) types.PropertyFilterSpec {
	s.t.Helper()
	cv, err := view.NewManager(s.c).CreateContainerView(s.ctx, s.c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		s.t.Fatalf("CreateContainerView: %v", err)
	}
	s.t.Cleanup(func() { _ = cv.Destroy(s.ctx) })
	return types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{
			Obj:  cv.Reference(),
			Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{
				Type: "ContainerView", Path: "view", Skip: types.NewBool(false),
			}},
		}},
		PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: []string{"name"}}},
	}
}

func TestRetrievePropertiesExPaging(t *testing.T) {
	s := start(t, func(m *simulator.Model) { m.Machine = 5 }) // 5 per pool and standalone host: 10 VMs
	spec := vmSpec(s)
	pc := s.c.ServiceContent.PropertyCollector
	total := len(s.refs("VirtualMachine"))
	if total != 10 {
		t.Fatalf("the model has %d VMs, want 10", total)
	}

	res, err := methods.RetrievePropertiesEx(s.ctx, s.c, &types.RetrievePropertiesEx{
		This: pc, SpecSet: []types.PropertyFilterSpec{spec}, Options: types.RetrieveOptions{MaxObjects: 3},
	})
	if err != nil {
		t.Fatalf("RetrievePropertiesEx: %v", err)
	}
	seen := map[types.ManagedObjectReference]int{}
	pages := 0
	result := res.Returnval
	for {
		pages++
		if len(result.Objects) == 0 || len(result.Objects) > 3 {
			t.Fatalf("page %d has %d objects, want 1..3", pages, len(result.Objects))
		}
		for _, o := range result.Objects {
			seen[o.Obj]++
			if len(o.PropSet) != 1 || o.PropSet[0].Name != "name" {
				t.Errorf("object %s has properties %+v", o.Obj, o.PropSet)
			}
		}
		if result.Token == "" {
			break
		}
		next, err := methods.ContinueRetrievePropertiesEx(s.ctx, s.c, &types.ContinueRetrievePropertiesEx{This: pc, Token: result.Token})
		if err != nil {
			t.Fatalf("ContinueRetrievePropertiesEx: %v", err)
		}
		used := result.Token
		result = &next.Returnval

		// A token is good for one continuation only.
		_, err = methods.ContinueRetrievePropertiesEx(s.ctx, s.c, &types.ContinueRetrievePropertiesEx{This: pc, Token: used})
		expectFault(t, err, new(types.InvalidArgument))
	}
	if pages != 4 {
		t.Errorf("%d pages for 10 objects of at most 3, want 4", pages)
	}
	if len(seen) != total {
		t.Errorf("%d distinct objects across pages, want %d", len(seen), total)
	}
	for ref, n := range seen {
		if n != 1 {
			t.Errorf("%s returned %d times", ref, n)
		}
	}
}

func TestRetrievePropertiesExWithoutPaging(t *testing.T) {
	s := start(t, nil)
	spec := vmSpec(s)
	pc := s.c.ServiceContent.PropertyCollector
	total := len(s.refs("VirtualMachine"))

	for _, max := range []int32{0, int32(total), int32(total) + 5} {
		res, err := methods.RetrievePropertiesEx(s.ctx, s.c, &types.RetrievePropertiesEx{
			This: pc, SpecSet: []types.PropertyFilterSpec{spec}, Options: types.RetrieveOptions{MaxObjects: max},
		})
		if err != nil {
			t.Fatalf("RetrievePropertiesEx maxObjects=%d: %v", max, err)
		}
		if res.Returnval.Token != "" || len(res.Returnval.Objects) != total {
			t.Errorf("maxObjects=%d: %d objects, token %q; want all %d and no token", max, len(res.Returnval.Objects), res.Returnval.Token, total)
		}
	}

	_, err := methods.RetrievePropertiesEx(s.ctx, s.c, &types.RetrievePropertiesEx{
		This: pc, SpecSet: []types.PropertyFilterSpec{spec}, Options: types.RetrieveOptions{MaxObjects: -1},
	})
	expectFault(t, err, new(types.InvalidArgument))

	_, err = methods.ContinueRetrievePropertiesEx(s.ctx, s.c, &types.ContinueRetrievePropertiesEx{This: pc, Token: "no-such-token"})
	expectFault(t, err, new(types.InvalidArgument))
}

func TestCancelRetrievePropertiesEx(t *testing.T) {
	s := start(t, nil)
	spec := vmSpec(s)
	pc := s.c.ServiceContent.PropertyCollector

	res, err := methods.RetrievePropertiesEx(s.ctx, s.c, &types.RetrievePropertiesEx{
		This: pc, SpecSet: []types.PropertyFilterSpec{spec}, Options: types.RetrieveOptions{MaxObjects: 1},
	})
	if err != nil || res.Returnval.Token == "" {
		t.Fatalf("RetrievePropertiesEx: token %q, %v", res.Returnval.Token, err)
	}
	if _, err := methods.CancelRetrievePropertiesEx(s.ctx, s.c, &types.CancelRetrievePropertiesEx{This: pc, Token: res.Returnval.Token}); err != nil {
		t.Fatalf("CancelRetrievePropertiesEx: %v", err)
	}
	_, err = methods.ContinueRetrievePropertiesEx(s.ctx, s.c, &types.ContinueRetrievePropertiesEx{This: pc, Token: res.Returnval.Token})
	expectFault(t, err, new(types.InvalidArgument))
	_, err = methods.CancelRetrievePropertiesEx(s.ctx, s.c, &types.CancelRetrievePropertiesEx{This: pc, Token: res.Returnval.Token})
	expectFault(t, err, new(types.InvalidArgument))
}

func TestCreatedPropertyCollectorPages(t *testing.T) {
	s := start(t, nil)
	spec := vmSpec(s)
	created, err := methods.CreatePropertyCollector(s.ctx, s.c, &types.CreatePropertyCollector{This: s.c.ServiceContent.PropertyCollector})
	if err != nil {
		t.Fatalf("CreatePropertyCollector: %v", err)
	}
	pc := created.Returnval
	if pc.Type != "PropertyCollector" {
		t.Fatalf("created collector reference %v", pc)
	}
	res, err := methods.RetrievePropertiesEx(s.ctx, s.c, &types.RetrievePropertiesEx{
		This: pc, SpecSet: []types.PropertyFilterSpec{spec}, Options: types.RetrieveOptions{MaxObjects: 2},
	})
	if err != nil || res.Returnval.Token == "" || len(res.Returnval.Objects) != 2 {
		t.Fatalf("paged retrieve on a created collector: %+v, %v", res, err)
	}
	next, err := methods.ContinueRetrievePropertiesEx(s.ctx, s.c, &types.ContinueRetrievePropertiesEx{This: pc, Token: res.Returnval.Token})
	if err != nil || len(next.Returnval.Objects) == 0 {
		t.Fatalf("ContinueRetrievePropertiesEx on a created collector: %v", err)
	}
	if _, err := methods.DestroyPropertyCollector(s.ctx, s.c, &types.DestroyPropertyCollector{This: pc}); err != nil {
		t.Fatalf("DestroyPropertyCollector: %v", err)
	}
}

func TestWaitForUpdatesSeesHostChanges(t *testing.T) {
	// Changes made by the extensions reach WaitForUpdatesEx clients too.
	s := start(t, nil)
	a, _ := s.twoHosts()
	ref := *s.host(a, "configManager.serviceSystem").ConfigManager.ServiceSystem
	pc := s.c.ServiceContent.PropertyCollector

	created, err := methods.CreatePropertyCollector(s.ctx, s.c, &types.CreatePropertyCollector{This: pc})
	if err != nil {
		t.Fatalf("CreatePropertyCollector: %v", err)
	}
	pc = created.Returnval
	_, err = methods.CreateFilter(s.ctx, s.c, &types.CreateFilter{This: pc, Spec: types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: a}},
		PropSet:   []types.PropertySpec{{Type: "HostSystem", PathSet: []string{"config.service"}}},
	}})
	if err != nil {
		t.Fatalf("CreateFilter: %v", err)
	}
	first, err := methods.WaitForUpdatesEx(s.ctx, s.c, &types.WaitForUpdatesEx{This: pc})
	if err != nil || first.Returnval == nil {
		t.Fatalf("initial WaitForUpdatesEx: %v", err)
	}
	if _, err := methods.StartService(s.ctx, s.c, &types.StartService{This: ref, Id: "TSM"}); err != nil {
		t.Fatalf("StartService: %v", err)
	}
	wait := int32(5)
	next, err := methods.WaitForUpdatesEx(s.ctx, s.c, &types.WaitForUpdatesEx{This: pc, Version: first.Returnval.Version, Options: &types.WaitOptions{MaxWaitSeconds: &wait}})
	if err != nil {
		t.Fatalf("WaitForUpdatesEx: %v", err)
	}
	if next.Returnval == nil || len(next.Returnval.FilterSet) == 0 {
		t.Fatal("no update after StartService")
	}
	changed := false
	for _, fs := range next.Returnval.FilterSet {
		for _, o := range fs.ObjectSet {
			for _, c := range o.ChangeSet {
				if o.Obj == a && c.Name == "config.service" {
					changed = true
				}
			}
		}
	}
	if !changed {
		t.Errorf("the update does not carry config.service of %s: %+v", a, next.Returnval.FilterSet)
	}
}
