package vaultemu_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/hashicorp/vault/api"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// A Vault with a seeded estate, a reader's policy and token, a file audit
// device, and the unchanged official client reading a secret.
func Example() {
	s, err := vaultemu.New(vaultemu.Options{Mounts: []string{"kv/team-a/"}})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.StartTLS(); err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SeedEstate(1); err != nil { // an estate to hide in
		log.Fatal(err)
	}
	if err := s.Seed("kv/team-a", vaultemu.SecretSeed{
		Path: "apps/payments/db", Versions: []map[string]string{{"username": "payments_app", "password": "hunter2"}},
		CustomMetadata: map[string]string{"owner": "team-payments"},
	}); err != nil {
		log.Fatal(err)
	}
	if err := s.SetPolicy(vaultemu.Policy{Name: "payments-reader", Rules: []vaultemu.PathRule{
		{Path: "kv/team-a/data/apps/payments/*", Capabilities: []string{vaultemu.CapRead}},
	}}); err != nil {
		log.Fatal(err)
	}
	tok, err := s.CreateToken(vaultemu.TokenOptions{DisplayName: "token-payments", Policies: []string{"payments-reader"}})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "vaultemu-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	auditLog := filepath.Join(dir, "vault_audit.log")
	if err := s.EnableFileAudit("file", auditLog, vaultemu.AuditOptions{}); err != nil {
		log.Fatal(err)
	}

	cfg := api.DefaultConfig()
	cfg.Address = s.URL()
	if err := cfg.ConfigureTLS(&api.TLSConfig{CACertBytes: s.CACertPEM()}); err != nil {
		log.Fatal(err)
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		log.Fatal(err)
	}
	c.SetToken(tok.ID)
	if _, err := c.KVv2("kv/team-a").Get(context.Background(), "apps/payments/db"); err != nil {
		log.Fatal(err)
	}

	f, err := os.Open(auditLog)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e vaultemu.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Type, e.Request.Operation, e.Request.Path)
	}
	// Output:
	// request update sys/audit/test
	// request read kv/team-a/data/apps/payments/db
	// response read kv/team-a/data/apps/payments/db
}
