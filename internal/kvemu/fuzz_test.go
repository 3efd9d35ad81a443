package kvemu

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzParseToken(f *testing.F) {
	e, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := e.Token(admin, "https://vault.azure.net")
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..")
	f.Add(good[:len(good)-2] + "xx")
	now := time.Now()
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := e.parseToken(tok, now)
		if err == nil && (c.OID == "" || c.TID == "" || c.Audience == "") {
			t.Fatalf("accepted a token without oid, tid or aud: %q", tok)
		}
	})
}

func FuzzRouteVault(f *testing.F) {
	for _, s := range []string{"/secrets", "/secrets/x/", "/secrets/x/versions", "/keys/k//sign", "/keys/k/0123/encrypt",
		"/deletedsecrets/a/recover", "/certificates/c/pending", "/%zz", "/secrets/a%2Fb", "//", ""} {
		f.Add("GET", s)
		f.Add("POST", s)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		u, err := url.Parse("https://v.vault.azure.net" + path)
		if err != nil {
			return
		}
		spec, name, _, aerr := routeVault(method, u)
		if (spec == nil) == (aerr == nil) {
			t.Fatalf("route %s %q: spec %v, err %v", method, path, spec, aerr)
		}
		if spec != nil && strings.Contains(name, "/") && objectNameRE.MatchString(name) {
			t.Fatalf("name %q with a slash passed validation", name)
		}
	})
}

func FuzzParseSubject(f *testing.F) {
	f.Add("CN=app.contoso.com, O=Contoso, C=US")
	f.Add("CN=")
	f.Add("E=a@b.c,CN=x,OU=y,L=z,S=w")
	f.Add(",,,")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSubject(s)
		if err != nil {
			return
		}
		// Every attribute had a value, so a CN attribute's value came through.
		for _, part := range strings.Split(s, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			if strings.EqualFold(strings.TrimSpace(k), "CN") && n.CommonName == "" {
				t.Fatalf("subject %q: CN %q lost", s, v)
			}
		}
	})
}

// FuzzDataPlane drives the whole data-plane handler with arbitrary
// methods, paths and bodies as an authorised caller: nothing may panic,
// every answer is JSON (or empty) with a sane status, and every request
// leaves exactly one well-formed audit record.
func FuzzDataPlane(f *testing.F) {
	seeds := []struct{ method, path, body string }{
		{"PUT", "/secrets/s1?api-version=7.4", `{"value":"v","tags":{"a":"b"}}`},
		{"PUT", "/secrets/s1?api-version=7.4", `{"value":1}`},
		{"PATCH", "/secrets/s1/?api-version=7.4", `{"attributes":{"enabled":false,"exp":1,"nbf":2}}`},
		{"POST", "/keys/k1/create?api-version=7.4", `{"kty":"EC","crv":"P-384"}`},
		{"POST", "/keys/k1/sign?api-version=7.4", `{"alg":"ES384","value":"AAAA"}`},
		{"POST", "/keys/k1/verify?api-version=7.4", `{"alg":"ES384","digest":"AA","value":"AA=="}`},
		{"POST", "/keys/k1/encrypt?api-version=7.4", `{"alg":"RSA-OAEP","value":"AQID"}`},
		{"POST", "/secrets/restore?api-version=7.4", `{"value":"S1ZFTVUxAAAA"}`},
		{"POST", "/certificates/c1/create?api-version=7.4", `{"policy":{"x509_props":{"subject":"CN=x"},"key_props":{"kty":"EC"}}}`},
		{"GET", "/secrets?api-version=7.4&maxresults=1&$skiptoken=%%%", ""},
		{"GET", "/secrets?api-version=7.4&maxresults=0", ""},
		{"DELETE", "/deletedsecrets/s1?api-version=7.4", ""},
		{"GET", "/secrets/s1", ""},
		{"PUT", "/keys/imp?api-version=7.4", `{"key":{"kty":"EC","crv":"P-256","d":"AQ"}}`},
		{"PUT", "/keys/imp?api-version=7.4", `{"key":{"kty":"RSA","n":"AQ","e":"AQAB","d":"AQ","p":"Aw","q":"BQ"}}`},
		{"POST", "/certificates/ci/import?api-version=7.4", `{"value":"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}`},
		{"POST", "/certificates/ci/import?api-version=7.4", `{"value":"MIIB","pwd":"x"}`},
		{"POST", "/certificates/restore?api-version=7.4", `{"value":""}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, []byte(s.body))
	}
	e, err := New(Options{PageSize: 1})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := e.CreateVault(VaultSpec{SubscriptionID: testSub, ResourceGroup: testRG, Name: apVault, AccessPolicies: []AccessPolicy{{ObjectID: admin.ObjectID,
		Permissions: Permissions{Keys: []string{"all"}, Secrets: []string{"all"}, Certificates: []string{"all"}}}}}); err != nil {
		f.Fatal(err)
	}
	sink := NewMemorySink(0)
	if err := e.RegisterDestination(logsStorage, sink, DeliveryOptions{}); err != nil {
		f.Fatal(err)
	}
	if err := e.SetDiagnosticSetting(apVault, DiagnosticSetting{Name: "d", StorageAccountID: logsStorage, Logs: []LogSettings{{Category: "AuditEvent", Enabled: true}}}); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	tok, _ := e.Token(admin, "https://vault.azure.net")
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n#") || method == "" || strings.ContainsAny(method, " \r\n/") {
			return
		}
		req, err := http.NewRequest(method, "https://kv-app-prod.vault.azure.net"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.RequestURI = path
		w := httptest.NewRecorder()
		before := len(sink.Records())
		e.ServeHTTP(w, req)
		if w.Code < 200 || w.Code > 599 {
			t.Fatalf("status %d", w.Code)
		}
		if w.Body.Len() > 0 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: body is not JSON: %q", method, path, w.Body.String())
		}
		if err := e.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		recs := sink.Records()
		if len(recs) != before+1 {
			t.Fatalf("%s %s left %d audit records", method, path, len(recs)-before)
		}
		var a AuditRecord
		if err := json.Unmarshal(recs[len(recs)-1].JSON, &a); err != nil || a.Properties.HTTPStatusCode != w.Code {
			t.Fatalf("audit record %s: %v", recs[len(recs)-1].JSON, err)
		}
		if w.Code >= 300 && a.Properties.ID != "" {
			t.Fatalf("failed request's record carries properties.id %q", a.Properties.ID)
		}
	})
}
