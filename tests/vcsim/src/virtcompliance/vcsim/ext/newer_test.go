package ext

import (
	"bytes"
	"io/ioutil"
	"net/http"
	"strings"
	"testing"
)

// retrieveRaw posts RetrievePropertiesEx for one host's config.firewall and
// capability.uefiSecureBoot over the logged-in client's session, naming API version.
func (s *sim) retrieveRaw(host, version string) []byte {
	s.t.Helper()
	envelope := `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">` + s.c.ServiceContent.PropertyCollector.Value + `</_this>
<specSet><propSet><type>HostSystem</type><pathSet>config.firewall</pathSet><pathSet>capability.uefiSecureBoot</pathSet></propSet>
<objectSet><obj type="HostSystem">` + host + `</obj></objectSet></specSet><options/></RetrievePropertiesEx>
</soapenv:Body></soapenv:Envelope>`
	req, err := http.NewRequest(http.MethodPost, s.server.URL.String(), strings.NewReader(envelope))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", "urn:vim25/"+version)
	res, err := s.c.Client.Client.Do(req)
	if err != nil {
		s.t.Fatalf("POST RetrievePropertiesEx: %v", err)
	}
	defer res.Body.Close()
	body, err := ioutil.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		s.t.Fatalf("RetrievePropertiesEx: %v %s %s", err, res.Status, body)
	}
	return body
}

// A client naming 8.0.2.0 gets ipListUserConfigurable, false for the rulesets ESXi owns
// and true for the others; one naming 7.0 gets Secure Boot but not the 8.0 U2 field; one
// naming 6.7 (the types of pyVmomi 6.7.1) gets neither, so it can still read the host.
func TestNewerFieldsFollowTheRequestedVersion(t *testing.T) {
	s := start(t, nil)
	a, _ := s.twoHosts()

	body := s.retrieveRaw(a.Value, "8.0.2.0")
	if !bytes.Contains(body, []byte("<name>capability.uefiSecureBoot</name>")) || !bytes.Contains(body, []byte(">true</val>")) {
		t.Errorf("8.0.2.0 response lacks uefiSecureBoot true: %s", body)
	}
	ruleset := func(b []byte, key string) string {
		i := bytes.Index(b, []byte("<key>"+key+"</key>"))
		if i < 0 {
			t.Fatalf("no ruleset %s in %s", key, b)
		}
		end := bytes.Index(b[i:], []byte("</ruleset>"))
		return string(b[i : i+end])
	}
	if r := ruleset(body, "vMotion"); !strings.Contains(r, "<ipListUserConfigurable>false</ipListUserConfigurable>") {
		t.Errorf("vMotion is ESXi's own ruleset: %s", r)
	}
	if r := ruleset(body, "sshServer"); !strings.Contains(r, "<ipListUserConfigurable>true</ipListUserConfigurable>") {
		t.Errorf("a user restricts sshServer: %s", r)
	}

	body = s.retrieveRaw(a.Value, "7.0")
	if bytes.Contains(body, []byte("ipListUserConfigurable")) {
		t.Error("a 7.0 client was sent the 8.0 U2 field")
	}
	if !bytes.Contains(body, []byte("<name>capability.uefiSecureBoot</name>")) {
		t.Error("a 7.0 client was not sent uefiSecureBoot")
	}

	body = s.retrieveRaw(a.Value, "6.7")
	if bytes.Contains(body, []byte("ipListUserConfigurable")) || bytes.Contains(body, []byte(">true</val>")) {
		t.Errorf("a 6.7 client was sent newer fields: %s", body)
	}
}

// The service versions document lists 8.0.2.0 and the older versions clients name.
func TestServiceVersionsListTheVersionsServed(t *testing.T) {
	s := start(t, nil)
	u := *s.server.URL
	u.Path = "/sdk/vimServiceVersions.xml"
	res, err := s.c.Client.Client.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := ioutil.ReadAll(res.Body)
	for _, want := range []string{"<version>8.0.2.0</version>", "<version>6.7.1</version>", "<version>7.0.0.0</version>"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("vimServiceVersions.xml lacks %s: %s", want, body)
		}
	}
	if s.c.ServiceContent.About.ApiVersion != "8.0.2.0" {
		t.Errorf("about.apiVersion %q", s.c.ServiceContent.About.ApiVersion)
	}
}
