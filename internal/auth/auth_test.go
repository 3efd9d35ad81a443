package auth

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAuthenticateBootstrapTokens(t *testing.T) {
	a := &Authenticator{}
	a.AddBootstrap("admin-secret-0123456789", Admin)
	a.AddBootstrap("ingest-secret-0123456789", Ingest)
	a.AddBootstrap("", Admin) // unset tokens are ignored, never "empty matches"
	tests := []struct {
		header  string
		role    Role
		wantErr error
	}{
		{"Bearer admin-secret-0123456789", Admin, nil},
		{"bearer ingest-secret-0123456789", Ingest, nil},
		{"Bearer  admin-secret-0123456789 ", Admin, nil},
		{"", "", ErrNoCredentials},
		{"Bearer ", "", ErrNoCredentials},
		{"Basic YWRtaW46eA==", "", ErrNoCredentials},
		{"Bearer admin-secret-012345678", "", ErrBadCredentials},
		{"Bearer admin-secret-0123456789x", "", ErrBadCredentials},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.header != "" {
			r.Header.Set("Authorization", tt.header)
		}
		id, err := a.Identify(r)
		if p := id.Principal; !errors.Is(err, tt.wantErr) || p.Role != tt.role {
			t.Errorf("%q: got %v, %v; want %v, %v", tt.header, id.Principal.Role, err, tt.role, tt.wantErr)
		}
	}
}

func TestRolesGrantPermissions(t *testing.T) {
	tests := []struct {
		role Role
		perm Permission
		want bool
	}{
		{Admin, ManageSettings, true},
		{Admin, ReadDecoys, true},
		{Analyst, ReadDecoys, true},
		{Analyst, ManageSettings, false},
		{Analyst, WriteRecords, false},
		{Owner, ReadDecoys, true},
		{Owner, ReadIncidents, false},
		{Ingest, WriteRecords, true},
		{Ingest, ReadDecoys, false},
		{Ingest, UseConsole, false},
		{Admin, ManageAccess, true},
		{Admin, ReadAudit, true},
		{Analyst, ManageAccess, false},
		{Analyst, ReadAudit, false},
		{Owner, ManageAccess, false},
		{Owner, UseConsole, true},
		{Owner, ManageIncidents, false},
		{"", ReadDecoys, false},
	}
	for _, tt := range tests {
		if got := (Principal{Role: tt.role}).Allows(tt.perm); got != tt.want {
			t.Errorf("%s may %s: got %v; want %v", tt.role, tt.perm, got, tt.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		if got, err := ParseRole(" " + strings.ToUpper(string(r)) + " "); err != nil || got != r {
			t.Errorf("ParseRole(%q): got %q, %v", r, got, err)
		}
	}
	for _, bad := range []string{"", "root", "admins"} {
		if _, err := ParseRole(bad); err == nil {
			t.Errorf("ParseRole(%q) accepted", bad)
		}
	}
}
