package kvemu

import (
	"net/url"
	"testing"
)

func TestRouteVault(t *testing.T) {
	tests := []struct {
		method, path      string
		op, name, version string
		wantErr           bool
	}{
		{"GET", "/secrets", "SecretList", "", "", false},
		{"GET", "/secrets/", "SecretList", "", "", false},
		{"GET", "/Secrets/Foo", "SecretGet", "Foo", "", false},
		{"GET", "/secrets/foo/", "SecretGet", "foo", "", false},
		{"GET", "//secrets/foo/0123456789abcdef0123456789abcdef", "SecretGet", "foo", "0123456789abcdef0123456789abcdef", false},
		{"GET", "/secrets/foo/versions", "SecretListVersions", "foo", "", false},
		{"GET", "/secrets/Decoy%2Dname", "SecretGet", "Decoy-name", "", false},
		{"PUT", "/secrets/foo", "SecretSet", "foo", "", false},
		{"PATCH", "/secrets/foo/abc", "SecretUpdate", "foo", "abc", false},
		{"DELETE", "/secrets/foo", "SecretDelete", "foo", "", false},
		{"POST", "/secrets/foo/backup", "SecretBackup", "foo", "", false},
		{"POST", "/secrets/restore", "SecretRestore", "", "", false},
		{"GET", "/deletedsecrets", "SecretListDeleted", "", "", false},
		{"GET", "/deletedsecrets/foo", "SecretGetDeleted", "foo", "", false},
		{"DELETE", "/deletedsecrets/foo", "SecretPurge", "foo", "", false},
		{"POST", "/deletedsecrets/foo/recover", "SecretRecover", "foo", "", false},
		{"POST", "/keys/k/create", "KeyCreate", "k", "", false},
		{"POST", "/keys/k/sign", "KeySign", "k", "", false},
		{"POST", "/keys/k/v1/unwrapkey", "KeyUnwrap", "k", "v1", false},
		{"POST", "/keys/k/v1/wrapkey", "KeyWrap", "k", "v1", false},
		{"GET", "/keys/k/v1", "KeyGet", "k", "v1", false},
		{"POST", "/keys/k/rotate", "KeyRotate", "k", "", false},
		{"GET", "/deletedkeys/k", "KeyGetDeleted", "k", "", false},
		{"POST", "/certificates/c/create", "CertificateCreate", "c", "", false},
		{"GET", "/certificates/c/pending", "CertificatePendingGet", "c", "", false},
		{"GET", "/certificates/c/policy", "CertificatePolicyGet", "c", "", false},
		{"GET", "/certificates/c", "CertificateGet", "c", "", false},
		{"DELETE", "/deletedcertificates/c", "CertificatePurge", "c", "", false},
		{"GET", "/storage", "", "", "", true},
		{"PUT", "/secrets", "", "", "", true},
		{"GET", "/secrets/a/b/c", "", "", "", true},
	}
	for _, tt := range tests {
		u, err := url.Parse("https://v.vault.azure.net" + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		spec, name, version, aerr := routeVault(tt.method, u)
		if tt.wantErr {
			if aerr == nil {
				t.Errorf("%s %s: got %s; want an error", tt.method, tt.path, spec.name)
			}
			continue
		}
		if aerr != nil {
			t.Errorf("%s %s: %v", tt.method, tt.path, aerr)
			continue
		}
		if spec.name != tt.op || name != tt.name || version != tt.version {
			t.Errorf("%s %s: got (%s, %q, %q); want (%s, %q, %q)", tt.method, tt.path, spec.name, name, version, tt.op, tt.name, tt.version)
		}
	}
}
