package lab

import (
	"net"
	"strings"
	"testing"
)

// Connect refuses what it cannot plant into, saying why, before anything
// signs in.
func TestConnectErrors(t *testing.T) {
	l := startLab(t, Options{Vaults: 1})
	older, stale := t.TempDir(), t.TempDir()
	st := *l.state
	st.Planter = nil // a lab started by a binary without plant --lab
	if err := writeState(older, &st); err != nil {
		t.Fatal(err)
	}
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone.Close()
	st = *l.state
	st.Emulator = gone.Addr().String() // a lab killed with -9
	if err := writeState(stale, &st); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, want string
	}{
		{"no lab", t.TempDir(), "no lab is running"},
		{"older lab", older, "restart it with this binary"},
		{"stale state", stale, "does not answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt, err := Connect(testContext(t), tt.dir)
			if err == nil {
				tgt.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v; want %q", err, tt.want)
			}
		})
	}
	tgt, err := Connect(testContext(t), l.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	if want, _ := DSN(l.Dir()); tgt.DSN != want || tgt.Overrides.Credential == nil || tgt.Overrides.ClientOptions == nil {
		t.Errorf("target %+v", tgt)
	}
}
