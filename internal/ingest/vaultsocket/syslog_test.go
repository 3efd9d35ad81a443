package vaultsocket

import (
	"context"
	"net"
	"testing"

	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/store"
)

// syslogForms are one entry as a syslog relay sends it: RFC 5424 (with
// and without a byte-order mark before the message), RFC 3164, and
// Vault's socket device's own form.
func syslogForms(conn int) []string {
	return []string{
		"<110>1 2026-12-04T01:00:00.000Z vault-1 vault 812 - - " + entry(conn, 1),
		"<110>1 2026-12-04T01:00:00.000Z vault-1 vault 812 - [meta sequenceId=\"7\"] \xef\xbb\xbf" + entry(conn, 2),
		"<38>Dec  4 01:00:00 vault-1 vault[812]: " + entry(conn, 3),
		entry(conn, 4) + "\n",
	}
}

func TestUDPDatagramsAndSyslogMessages(t *testing.T) {
	env := ingesttest.New(t)
	_, addr := start(t, env, Config{Network: "udp", VaultCluster: "prod"}, nil)
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, m := range syslogForms(5) {
		if _, err := c.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	ingesttest.Eventually(t, waitFor, "4 entries stored", func() bool { return env.Events() == 4 })
	evs, err := env.Store.ListEvents(context.Background(), store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Event.VaultID != "vault://prod/secret" || e.Event.ObjectName == "" {
			t.Errorf("entry read as %+v", e.Event)
		}
	}
	if dl := env.DeadLetters(); len(dl) != 0 {
		t.Errorf("dead letters %+v", dl)
	}
}

// TestTCPSyslogRelay reads a relay's newline-framed syslog over TCP.
func TestTCPSyslogRelay(t *testing.T) {
	env := ingesttest.New(t)
	_, addr := start(t, env, Config{}, nil)
	c := dial(t, addr)
	forms := syslogForms(6)
	send(t, c, forms[:3]...)
	ingesttest.Eventually(t, waitFor, "3 entries stored", func() bool { return env.Events() == 3 })
	if dl := env.DeadLetters(); len(dl) != 0 {
		t.Errorf("dead letters %+v", dl)
	}
}
