package vaultemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

func TestSocketAuditStreamsOverTCP(t *testing.T) {
	s, root := start(t, vaultemu.Options{Mounts: []string{"kv/team-a/"}})
	ctx := context.Background()
	col := newTCPCollector(t)
	if err := s.Seed("kv/team-a", vaultemu.SecretSeed{Path: "apps/payments/db", Versions: []map[string]string{{"password": "p1"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableSocketAudit("socket", "tcp", col.ln.Addr().String(), vaultemu.AuditOptions{ClearAccessor: true, ElideListResponses: true, Prefix: "vault: "}); err != nil {
		t.Fatal(err)
	}
	probe := decodeLine(t, col.next(t), "vault: ")
	if get(probe, "request", "path") != "sys/audit/test" || get(probe, "request", "operation") != "update" {
		t.Errorf("first line %v; want the probe", probe)
	}
	self, err := root.Auth().Token().LookupSelf()
	if err != nil {
		t.Fatal(err)
	}
	col.next(t) // lookup-self's request entry
	col.next(t) // and its response entry

	if _, err := root.KVv2("kv/team-a").Get(ctx, "apps/payments/db"); err != nil {
		t.Fatal(err)
	}
	req, resp := decodeLine(t, col.next(t), "vault: "), decodeLine(t, col.next(t), "vault: ")
	if req["type"] != "request" || resp["type"] != "response" || get(req, "request", "id") != get(resp, "request", "id") {
		t.Fatalf("lines %v / %v; want a request and its response", req, resp)
	}
	for k, want := range map[string]any{
		"request.path": "kv/team-a/data/apps/payments/db", "request.operation": "read", "request.mount_point": "kv/team-a/",
		"auth.accessor": self.Data["accessor"], "request.client_token_accessor": self.Data["accessor"],
	} {
		if got := get(resp, strings.Split(k, ".")...); got != want {
			t.Errorf("%s = %v; want %v (accessors in clear with hmac_accessor=false)", k, got, want)
		}
	}
	h, err := root.Sys().AuditHash("socket", "p1")
	if err != nil {
		t.Fatal(err)
	}
	if got := get(resp, "response", "data", "data", "password"); got != h {
		t.Errorf("password %v; want %v", got, h)
	}
	col.next(t) // audit-hash's request entry
	col.next(t) // and its response entry

	if _, err := root.Logical().List("kv/team-a/metadata/apps/payments"); err != nil {
		t.Fatal(err)
	}
	col.next(t)
	list := decodeLine(t, col.next(t), "vault: ")
	if got := get(list, "response", "data", "keys"); got != float64(1) {
		t.Errorf("elided list keys %v; want the count 1", got)
	}
}

// A socket device whose collector drops the connection dials again and
// goes on streaming on the new connection.
func TestSocketAuditReconnects(t *testing.T) {
	s, root := start(t, vaultemu.Options{})
	col := newTCPCollector(t)
	if err := s.EnableSocketAudit("socket", "tcp", col.ln.Addr().String(), vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	col.next(t)
	<-col.conns
	closeAccepted(col) // the collector restarts: its side of the connection is gone
	// Writes into the dead connection may land in the kernel's buffer
	// before one fails; keep calling until the device has redialled and a
	// line arrives on the new connection.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := root.Sys().ListMounts(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-col.conns:
			line := col.next(t)
			if !strings.Contains(line, `"path":"sys/mounts"`) {
				t.Errorf("line after reconnect %q; want a sys/mounts entry", line)
			}
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the socket device never reconnected")
		}
	}
}

func TestNoWorkingAuditDeviceRefusesRequests(t *testing.T) {
	s, root := start(t, vaultemu.Options{})
	ctx := context.Background()
	col := newTCPCollector(t)
	if err := s.EnableSocketAudit("socket", "tcp", col.ln.Addr().String(), vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	col.next(t) // the probe
	<-col.conns // its connection is in the accepted list: closeAccepted closes it
	col.ln.Close()
	closeAccepted(col)
	// Wait until the device notices: the first writes after the peer
	// went away may still land in the kernel's buffer.
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := root.KVv2("secret").Get(ctx, "nothing")
		if statusOf(err) == http.StatusInternalServerError {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("requests still served without a working audit device: %v", err)
		}
	}
	_, err := root.KVv2("secret").Put(ctx, "apps/x", map[string]any{"v": "1"})
	var re *api.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusInternalServerError || !reflect.DeepEqual(re.Errors, []string{"internal error"}) {
		t.Fatalf("write without audit: %v; want 500 internal error", err)
	}
	if got := s.Paths("secret"); len(got) != 0 {
		t.Errorf("an unaudited write stored %v", got)
	}
	// With a file device beside it, requests are served again.
	if err := s.EnableFileAudit("file", t.TempDir()+"/a.log", vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.KVv2("secret").Put(ctx, "apps/x", map[string]any{"v": "1"}); err != nil {
		t.Errorf("write with one working device: %v", err)
	}
}

func TestSocketAuditOverUDP(t *testing.T) {
	s, _ := start(t, vaultemu.Options{})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if err := s.EnableSocketAudit("udp", "udp", pc.LocalAddr().String(), vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65536)
	pc.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	if err := json.Unmarshal(buf[:n], &e); err != nil || get(e, "request", "path") != "sys/audit/test" || buf[n-1] != '\n' {
		t.Errorf("datagram %q: %v; want the probe and its newline", buf[:n], err)
	}
}
