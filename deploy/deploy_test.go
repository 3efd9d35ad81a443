// Package deploy_test checks the deployment kit in this directory: the
// systemd unit with systemd-analyze, the Kubernetes manifests and the
// Dockerfile by what they must say.
package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// The unit passes systemd-analyze verify (with ExecStart pointed at a
// freshly built honeyvault) and keeps every hardening setting.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		testenv.Unavailable(t, "systemd-analyze: %v (scripts/setup installs systemd)", err)
	}
	unit, err := os.ReadFile(filepath.Join("systemd", "honeyvault.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n",
		"PrivateDevices=yes", "PrivateTmp=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service",
		"MemoryDenyWriteExecute=yes", "StateDirectory=honeyvault", "--db sqlite:/var/lib/honeyvault/honeyvault.db"} {
		if !bytes.Contains(unit, []byte(want)) {
			t.Errorf("the unit lacks %q", strings.TrimSpace(want))
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "honeyvault")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "./cmd/honeyvault")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "honeyvault.service")
	if err := os.WriteFile(path, bytes.ReplaceAll(unit, []byte("/usr/local/bin/honeyvault"), []byte(bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	// verify reports problems of the unit file by its path; lines about
	// other units (the host's own) are not this unit's.
	var ours []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, path) {
			ours = append(ours, line)
		}
	}
	if err != nil || len(ours) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, strings.Join(ours, "\n"))
	}
}

// The manifests: a Deployment probing /readyz and /healthz, running as
// non-root on a read-only root filesystem with every capability dropped,
// taking its database and tokens from a Secret (no literal secret); a
// Service and a PodDisruptionBudget selecting its pods.
func TestKubernetesManifests(t *testing.T) {
	f, err := os.Open(filepath.Join("kubernetes", "honeyvault.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kinds := map[string]map[string]any{}
	dec := yaml.NewDecoder(f)
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("not YAML: %v", err)
		}
		kinds[doc["kind"].(string)] = doc
	}
	for _, k := range []string{"Deployment", "Service", "PodDisruptionBudget", "ServiceAccount"} {
		if kinds[k] == nil {
			t.Fatalf("no %s", k)
		}
	}
	get := func(v any, path ...any) any {
		for _, p := range path {
			switch k := p.(type) {
			case string:
				v = v.(map[string]any)[k]
			case int:
				v = v.([]any)[k]
			}
		}
		return v
	}
	pod := get(kinds["Deployment"], "spec", "template", "spec")
	c := get(pod, "containers", 0)
	if p := get(c, "readinessProbe", "httpGet", "path"); p != "/readyz" {
		t.Errorf("readiness probe %v", p)
	}
	if p := get(c, "livenessProbe", "httpGet", "path"); p != "/healthz" {
		t.Errorf("liveness probe %v", p)
	}
	if get(c, "securityContext", "readOnlyRootFilesystem") != true || get(c, "securityContext", "allowPrivilegeEscalation") != false ||
		get(c, "securityContext", "capabilities", "drop", 0) != "ALL" || get(pod, "securityContext", "runAsNonRoot") != true {
		t.Errorf("security context %v / %v", get(c, "securityContext"), get(pod, "securityContext"))
	}
	for _, e := range get(c, "env").([]any) {
		env := e.(map[string]any)
		name := env["name"].(string)
		if strings.HasSuffix(name, "_TOKEN") || name == "HONEYVAULT_DB" {
			if env["value"] != nil || get(env, "valueFrom", "secretKeyRef", "name") != "honeyvault" {
				t.Errorf("%s is not taken from the Secret: %v", name, env)
			}
		}
	}
	labels := get(kinds["Deployment"], "spec", "template", "metadata", "labels").(map[string]any)
	for _, sel := range []any{get(kinds["Service"], "spec", "selector"), get(kinds["PodDisruptionBudget"], "spec", "selector", "matchLabels")} {
		for k, v := range sel.(map[string]any) {
			if labels[k] != v {
				t.Errorf("selector %s=%v matches no pod label", k, v)
			}
		}
	}
}

// The Dockerfile builds a static binary in one stage and runs it as the
// non-root user of a distroless image (by default: the bases are build
// arguments, see TestImageBuildsAndRuns).
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if n := strings.Count(s, "\nFROM "); n != 2 {
		t.Errorf("%d stages; want a build stage and a runtime stage", n)
	}
	for _, want := range []string{"CGO_ENABLED=0", "ARG BASE_IMAGE=gcr.io/distroless/static-debian12:nonroot", "FROM ${BASE_IMAGE}\n",
		"FROM ${GO_IMAGE} AS build", "USER nonroot:nonroot", `CMD ["serve"]`,
		"COPY --from=build /out/honeyvault /usr/local/bin/honeyvault"} {
		if !strings.Contains(s, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	gomod, _ := os.ReadFile(filepath.Join(testenv.RepoRoot(), "go.mod"))
	for _, line := range strings.Split(string(gomod), "\n") {
		if v, ok := strings.CutPrefix(line, "go "); ok && !strings.Contains(s, "ARG GO_IMAGE=golang:"+v+"-") {
			t.Errorf("the build stage is not Go %s, go.mod's", v)
		}
	}
}
