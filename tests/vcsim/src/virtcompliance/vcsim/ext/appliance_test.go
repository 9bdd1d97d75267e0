package ext

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"testing"
)

// rest calls the CIS REST API of the test server; it returns the status and the decoded "value".
func rest(s *sim, method, path, session string, body interface{}) (int, interface{}) {
	s.t.Helper()
	u := *s.server.URL
	u.Path = "/rest/" + path
	u.User = nil
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, u.String(), bytes.NewReader(data))
	if session != "" {
		req.Header.Set("vmware-api-session-id", session)
	} else if path == "com/vmware/cis/session" {
		req.SetBasicAuth(testUser, testPassword)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the test server's own certificate
	res, err := client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var out struct {
		Value interface{} `json:"value"`
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.Value
}

func TestApplianceSettingsNeedASessionAndKeepWhatIsPut(t *testing.T) {
	s := start(t, nil)
	if status, _ := rest(s, http.MethodGet, "appliance/access/ssh", "", nil); status != http.StatusUnauthorized {
		t.Fatalf("without a session: HTTP %d, want 401", status)
	}
	if status, _ := rest(s, http.MethodGet, "appliance/access/ssh", "not-a-session", nil); status != http.StatusUnauthorized {
		t.Fatalf("with a session the server did not issue: HTTP %d, want 401", status)
	}
	_, id := rest(s, http.MethodPost, "com/vmware/cis/session", "", nil)
	session, _ := id.(string)
	if session == "" {
		t.Fatal("no CIS session")
	}
	if _, v := rest(s, http.MethodGet, "appliance/access/ssh", session, nil); v != false {
		t.Errorf("a new appliance has SSH %v, want false", v)
	}
	if _, v := rest(s, http.MethodGet, "appliance/timesync", session, nil); v != "NTP" {
		t.Errorf("timesync %v, want NTP", v)
	}
	if status, _ := rest(s, http.MethodPut, "appliance/access/ssh", session, map[string]bool{"enabled": true}); status != http.StatusOK {
		t.Fatalf("PUT ssh: HTTP %d", status)
	}
	if _, v := rest(s, http.MethodGet, "appliance/access/ssh", session, nil); v != true {
		t.Errorf("after PUT, SSH %v, want true", v)
	}
	if status, _ := rest(s, http.MethodPut, "appliance/timesync", session, map[string]string{"mode": "SOMETIMES"}); status != http.StatusBadRequest {
		t.Errorf("a time sync mode the API does not have: HTTP %d, want 400", status)
	}
	if _, v := rest(s, http.MethodGet, "appliance/no-such-setting", session, nil); v != nil {
		t.Errorf("an unknown setting answered %v", v)
	}
}
