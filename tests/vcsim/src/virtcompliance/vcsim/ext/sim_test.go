package ext

import (
	"context"
	"crypto/tls"
	"errors"
	"net/url"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// sim is a running simulator with the extensions and a logged-in govmomi client.
// The simulator keeps its inventory in a package-level registry, so tests in this
// package must not run in parallel.
type sim struct {
	t      *testing.T
	ctx    context.Context
	model  *simulator.Model
	server *simulator.Server
	client *govmomi.Client
	c      *vim25.Client
}

const (
	testUser     = "tester"
	testPassword = "s3cret!"
)

// start creates a VPX model (adjusted by configure), installs the extensions, serves it
// over HTTPS on 127.0.0.1 and logs in. Everything is stopped when the test ends, also
// when it fails.
func start(t *testing.T, configure func(*simulator.Model)) *sim {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)

	model := simulator.VPX()
	if configure != nil {
		configure(model)
	}
	if err := model.Create(); err != nil {
		t.Fatalf("creating the model: %v", err)
	}
	t.Cleanup(model.Remove)

	e, err := Install(model)
	if err != nil {
		t.Fatalf("installing the extensions: %v", err)
	}
	server := e.NewServer("127.0.0.1:0", url.UserPassword(testUser, testPassword), new(tls.Config))
	t.Cleanup(server.Close)

	if host := server.URL.Hostname(); host != "127.0.0.1" {
		t.Fatalf("the server listens on %s, want 127.0.0.1", host)
	}
	if server.URL.Path != "/sdk" {
		t.Fatalf("the server URL path is %q, want /sdk", server.URL.Path)
	}

	client, err := govmomi.NewClient(ctx, s2u(server.URL, testUser, testPassword), true)
	if err != nil {
		t.Fatalf("logging in: %v", err)
	}
	t.Cleanup(func() { _ = client.Logout(context.Background()) })

	return &sim{t: t, ctx: ctx, model: model, server: server, client: client, c: client.Client}
}

func s2u(u *url.URL, user, password string) *url.URL {
	out := *u
	out.User = url.UserPassword(user, password)
	return &out
}

// refs returns the references of all objects of a type, sorted by value.
func (s *sim) refs(kind string) []types.ManagedObjectReference {
	s.t.Helper()
	cv, err := view.NewManager(s.c).CreateContainerView(s.ctx, s.c.ServiceContent.RootFolder, []string{kind}, true)
	if err != nil {
		s.t.Fatalf("creating a view of %s: %v", kind, err)
	}
	defer func() { _ = cv.Destroy(s.ctx) }()
	refs, err := cv.Find(s.ctx, []string{kind}, nil)
	if err != nil {
		s.t.Fatalf("listing %s: %v", kind, err)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Value < refs[j].Value })
	return refs
}

// retrieve loads the given properties of ref into dst (a pointer to an mo type).
func (s *sim) retrieve(ref types.ManagedObjectReference, dst interface{}, props ...string) {
	s.t.Helper()
	if err := property.DefaultCollector(s.c).RetrieveOne(s.ctx, ref, props, dst); err != nil {
		s.t.Fatalf("retrieving %v of %s: %v", props, ref, err)
	}
}

func (s *sim) host(ref types.ManagedObjectReference, props ...string) mo.HostSystem {
	s.t.Helper()
	var h mo.HostSystem
	s.retrieve(ref, &h, props...)
	return h
}

// twoHosts returns two hosts of the same cluster.
func (s *sim) twoHosts() (types.ManagedObjectReference, types.ManagedObjectReference) {
	s.t.Helper()
	clusters := s.refs("ClusterComputeResource")
	if len(clusters) == 0 {
		s.t.Fatal("the model has no cluster")
	}
	var c mo.ClusterComputeResource
	s.retrieve(clusters[0], &c, "host")
	if len(c.Host) < 2 {
		s.t.Fatalf("need two hosts in %s, have %d", clusters[0], len(c.Host))
	}
	return c.Host[0], c.Host[1]
}

// wait waits for a task and returns its error (carrying the task's fault, if any).
func (s *sim) wait(ref types.ManagedObjectReference) error {
	s.t.Helper()
	_, err := task.Wait(s.ctx, ref, property.DefaultCollector(s.c), nil)
	return err
}

// faultOf returns the vim25 fault carried by a method or task error, or nil.
func faultOf(err error) types.BaseMethodFault {
	if err == nil {
		return nil
	}
	if soap.IsSoapFault(err) {
		detail := soap.ToSoapFault(err).VimFault()
		if f, ok := detail.(types.BaseMethodFault); ok {
			return f
		}
		// The decoder yields fault values; the vim25 fault interfaces are on pointers.
		if detail != nil {
			v := reflect.New(reflect.TypeOf(detail))
			v.Elem().Set(reflect.ValueOf(detail))
			if f, ok := v.Interface().(types.BaseMethodFault); ok {
				return f
			}
		}
	}
	if soap.IsVimFault(err) {
		return soap.ToVimFault(err)
	}
	var te task.Error
	if errors.As(err, &te) {
		return te.Fault()
	}
	return nil
}

// expectFault fails the test unless err carries a fault of the same type as want.
func expectFault(t *testing.T, err error, want types.BaseMethodFault) types.BaseMethodFault {
	t.Helper()
	got := faultOf(err)
	if got == nil {
		t.Fatalf("want a %T fault, got error %v", want, err)
	}
	if reflect.TypeOf(got) != reflect.TypeOf(want) {
		t.Fatalf("want a %T fault, got %T (%v)", want, got, err)
	}
	return got
}
