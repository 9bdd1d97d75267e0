package ext

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// The vCenter appliance settings of the CIS REST API (/rest/appliance/...) that vCenter controls
// read, which the govmomi 0.24 REST simulator lacks: SSH access, time synchronisation and NTP
// servers, syslog forwarding, and the local accounts' password policy. Each answers GET with
// {"value": ...} and takes PUT with the vCenter API's own request body, and each needs a CIS
// session, checked with the REST simulator that issued it. The state starts as a new appliance's:
// SSH off, time from NTP, no syslog forwarding, passwords expire after 90 days.

type forwarding struct {
	Hostname string `json:"hostname"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
}

type passwordPolicy struct {
	MaxDays  int `json:"max_days"`
	MinDays  int `json:"min_days"`
	WarnDays int `json:"warn_days"`
}

type appliance struct {
	mu         sync.Mutex
	rest       http.Handler
	ssh        bool
	timesync   string
	ntp        []string
	forwarding []forwarding
	policy     passwordPolicy
}

func newAppliance(rest http.Handler) *appliance {
	return &appliance{rest: rest, timesync: "NTP", ntp: []string{"0.pool.ntp.org"}, forwarding: []forwarding{},
		policy: passwordPolicy{MaxDays: 90, MinDays: 0, WarnDays: 7}}
}

// authorised asks the REST simulator whether the request's session is one it issued.
func (a *appliance) authorised(r *http.Request) bool {
	id := r.Header.Get("vmware-api-session-id")
	if id == "" {
		return false
	}
	probe := httptest.NewRequest(http.MethodPost, "/rest/com/vmware/cis/session?~action=get", nil)
	probe.Header.Set("vmware-api-session-id", id)
	w := httptest.NewRecorder()
	a.rest.ServeHTTP(w, probe)
	return w.Code == http.StatusOK
}

func (a *appliance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !a.authorised(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/rest/appliance/")
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Method == http.MethodGet {
		var value interface{}
		switch path {
		case "access/ssh":
			value = a.ssh
		case "timesync":
			value = a.timesync
		case "ntp":
			value = a.ntp
		case "logging/forwarding":
			value = a.forwarding
		case "local-accounts/global-policy":
			value = a.policy
		default:
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]interface{}{"value": value})
		return
	}
	if r.Method != http.MethodPut {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	var body struct {
		Enabled *bool           `json:"enabled"`
		Mode    string          `json:"mode"`
		Servers []string        `json:"servers"`
		CfgList []forwarding    `json:"cfg_list"`
		Policy  *passwordPolicy `json:"policy"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	switch {
	case path == "access/ssh" && body.Enabled != nil:
		a.ssh = *body.Enabled
	case path == "timesync" && (body.Mode == "NTP" || body.Mode == "HOST" || body.Mode == "DISABLED"):
		a.timesync = body.Mode
	case path == "ntp" && body.Servers != nil:
		a.ntp = body.Servers
	case path == "logging/forwarding" && body.CfgList != nil:
		a.forwarding = body.CfgList
	case path == "local-accounts/global-policy" && body.Policy != nil:
		a.policy = *body.Policy
	default:
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}
