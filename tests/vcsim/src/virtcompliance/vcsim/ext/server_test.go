package ext

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func TestLoginIsEnforced(t *testing.T) {
	s := start(t, nil)

	for _, user := range []*url.Userinfo{
		url.UserPassword(testUser, "wrong"),
		url.UserPassword("someone-else", testPassword),
	} {
		soapClient := soap.NewClient(s.server.URL, true)
		c, err := vim25.NewClient(s.ctx, soapClient)
		if err != nil {
			t.Fatalf("vim25.NewClient: %v", err)
		}
		err = session.NewManager(c).Login(s.ctx, user)
		expectFault(t, err, new(types.InvalidLogin))
	}

	// Before login, methods other than login and retrieval are refused.
	soapClient := soap.NewClient(s.server.URL, true)
	c, err := vim25.NewClient(s.ctx, soapClient)
	if err != nil {
		t.Fatalf("vim25.NewClient: %v", err)
	}
	a, _ := s.twoHosts()
	fw := *s.host(a, "configManager.firewallSystem").ConfigManager.FirewallSystem
	_, err = methods.EnableRuleset(s.ctx, c, &types.EnableRuleset{This: fw, Id: "syslog"})
	expectFault(t, err, new(types.NotAuthenticated))

	// The routed methods are refused before login as well.
	vm, _, to := clusterVM(s)
	_, err = methods.MigrateVM_Task(s.ctx, c, &types.MigrateVM_Task{This: vm, Host: &to, Priority: types.VirtualMachineMovePriorityDefaultPriority})
	expectFault(t, err, new(types.NotAuthenticated))
	_, err = methods.ContinueRetrievePropertiesEx(s.ctx, c, &types.ContinueRetrievePropertiesEx{This: c.ServiceContent.PropertyCollector, Token: "x"})
	expectFault(t, err, new(types.NotAuthenticated))
}

func TestVimServicePathAndVersions(t *testing.T) {
	s := start(t, nil)

	u := *s.server.URL
	u.Path = "/sdk/vimService"
	c, err := govmomi.NewClient(context.Background(), s2u(&u, testUser, testPassword), true)
	if err != nil {
		t.Fatalf("logging in on /sdk/vimService: %v", err)
	}
	defer func() { _ = c.Logout(context.Background()) }()
	a, _ := s.twoHosts()
	svc := object.NewHostServiceSystem(c.Client, *s.host(a, "configManager.serviceSystem").ConfigManager.ServiceSystem)
	if err := svc.Start(s.ctx, "TSM"); err != nil {
		t.Fatalf("StartService via /sdk/vimService: %v", err)
	}

	versions := *s.server.URL
	versions.Path = "/sdk/vimServiceVersions.xml"
	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := httpClient.Get(versions.String())
	if err != nil {
		t.Fatalf("GET %s: %v", versions.String(), err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET vimServiceVersions.xml: %s", res.Status)
	}

	// The simulator's own URL setting names the public endpoint.
	m := object.NewOptionManager(s.c, *s.c.ServiceContent.Setting)
	opts, err := m.Query(s.ctx, "vcsim.server.url")
	if err != nil || len(opts) != 1 {
		t.Fatalf("vcsim.server.url: %v %v", opts, err)
	}
	if got := opts[0].GetOptionValue().Value.(string); !strings.HasSuffix(got, "/sdk") || !strings.Contains(got, s.server.URL.Host) {
		t.Errorf("vcsim.server.url = %s", got)
	}
}
