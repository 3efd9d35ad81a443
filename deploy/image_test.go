package deploy_test

import (
	"debug/elf"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// containers runs buildah and podman on a storage of the test's own (vfs,
// which needs no kernel overlay support), so that the test neither reads
// nor leaves images in the machine's store.
type containers struct {
	t       *testing.T
	storage []string
}

func newContainers(t *testing.T) *containers {
	for _, tool := range []string{"buildah", "podman", "runc", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Unavailable(t, "%s: %v (scripts/setup installs buildah, podman, runc and busybox-static)", tool, err)
		}
	}
	if os.Geteuid() != 0 {
		testenv.Unavailable(t, "building and running an image here needs root (no rootless user namespaces)")
	}
	dir := t.TempDir()
	return &containers{t: t, storage: []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"), "--storage-driver", "vfs"}}
}

// run runs tool with the test's storage and returns its trimmed output.
func (c *containers) run(tool string, args ...string) string {
	c.t.Helper()
	out, err := c.try(tool, args...)
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return out
}

func (c *containers) try(tool string, args ...string) (string, error) {
	flags := append([]string{}, c.storage...)
	if tool == "podman" {
		// runc and cgroupfs: this sandbox's cgroups are in hybrid mode,
		// which crun (podman's default runtime) refuses.
		flags = append(flags, "--runtime", "runc", "--cgroup-manager", "cgroupfs")
	}
	out, err := exec.Command(tool, append(flags, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// standIn commits an image built from nothing by fill, which writes the
// image's files under the mounted root.
func (c *containers) standIn(name string, fill func(root string), env ...string) {
	c.t.Helper()
	ctr := c.run("buildah", "from", "scratch")
	defer c.try("buildah", "rm", ctr)
	fill(c.run("buildah", "mount", ctr))
	args := []string{"config"}
	for _, e := range env {
		args = append(args, "--env", e)
	}
	c.run("buildah", append(args, ctr)...)
	c.run("buildah", "commit", "-q", ctr, name)
}

func write(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp %s: %v\n%s", from, err, out)
	}
}

// The Dockerfile as shipped builds here and its image runs: a static
// binary, as the non-root user, on a read-only root filesystem, state on
// the /data volume, ready on /readyz, and it stops cleanly on SIGTERM.
//
// This machine reaches no image registry, so the two bases are local
// stand-ins of the same shape, passed as the Dockerfile's GO_IMAGE and
// BASE_IMAGE arguments: Go (this toolchain) with a shell, and an empty
// root with distroless's users (nonroot is 65532) and CA certificates.
// The build reads Go modules from this machine's module cache.
func TestImageBuildsAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a container image: minutes")
	}
	c := newContainers(t)
	busybox, _ := exec.LookPath("busybox")
	c.standIn("localhost/honeyvault-test/golang:stand-in", func(root string) {
		copyTree(t, runtime.GOROOT(), filepath.Join(root, "usr/local/go"))
		copyTree(t, busybox, filepath.Join(root, "bin/busybox"))
		if err := os.Symlink("busybox", filepath.Join(root, "bin/sh")); err != nil {
			t.Fatal(err)
		}
		copyTree(t, "/etc/ssl/certs", filepath.Join(root, "etc/ssl/certs"))
		if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o1777); err != nil {
			t.Fatal(err)
		}
	}, "PATH=/usr/local/go/bin:/bin", "GOPATH=/go", "GOTOOLCHAIN=local")
	c.standIn("localhost/honeyvault-test/static:stand-in", func(root string) {
		write(t, filepath.Join(root, "etc/passwd"), "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n", 0o644)
		write(t, filepath.Join(root, "etc/group"), "root:x:0:\nnonroot:x:65532:\n", 0o644)
		copyTree(t, "/etc/ssl/certs", filepath.Join(root, "etc/ssl/certs"))
		if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o1777); err != nil {
			t.Fatal(err)
		}
	})

	goenv := func(name string) string {
		out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "env", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	const image = "localhost/honeyvault:test"
	c.run("buildah", "bud", "--isolation", "chroot", "--network", "host",
		"-v", goenv("GOMODCACHE")+":/go/pkg/mod", "-v", goenv("GOCACHE")+":/root/.cache/go-build",
		"--build-arg", "GO_IMAGE=localhost/honeyvault-test/golang:stand-in",
		"--build-arg", "BASE_IMAGE=localhost/honeyvault-test/static:stand-in",
		"-f", filepath.Join(testenv.RepoRoot(), "deploy", "Dockerfile"), "-t", image, testenv.RepoRoot())

	if user := c.run("podman", "image", "inspect", "--format", "{{.Config.User}}", image); user != "nonroot:nonroot" {
		t.Errorf("the image runs as %q; want nonroot:nonroot", user)
	}
	checkStatic(t, c, image)

	data := t.TempDir()
	if err := os.Chown(data, 65532, 65532); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctr := c.run("podman", "run", "-d", "--network", "host", "--read-only",
		"--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096", // no raising limits: no CAP_SYS_RESOURCE here
		"-e", "HONEYVAULT_LISTEN="+addr, "-v", data+":/data", image)
	t.Cleanup(func() { c.try("podman", "rm", "-f", ctr) })
	waitReady(t, c, ctr, "http://"+addr)

	pid := c.run("podman", "inspect", "--format", "{{.State.Pid}}", ctr)
	status, err := os.ReadFile(filepath.Join("/proc", pid, "status"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "\nUid:\t65532\t65532\t65532\t65532\n") {
		t.Errorf("the container's process is not uid 65532:\n%s", status)
	}
	if ro := c.run("podman", "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", ctr); ro != "true" {
		t.Errorf("read-only root filesystem: %s", ro)
	}
	if _, err := os.Stat(filepath.Join(data, "honeyvault.db")); err != nil {
		t.Errorf("no SQLite database on the /data volume: %v", err)
	}

	c.run("podman", "stop", "--time", "60", ctr)
	if code := c.run("podman", "inspect", "--format", "{{.State.ExitCode}}", ctr); code != "0" {
		t.Errorf("serve exited %s on SIGTERM; want 0\n%s", code, c.run("podman", "logs", ctr))
	}
}

// checkStatic asserts the image's binary needs no dynamic loader: the
// base holds no libc.
func checkStatic(t *testing.T, c *containers, image string) {
	t.Helper()
	ctr := c.run("buildah", "from", image)
	defer c.try("buildah", "rm", ctr)
	f, err := elf.Open(filepath.Join(c.run("buildah", "mount", ctr), "usr/local/bin/honeyvault"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the image's honeyvault is dynamically linked")
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// waitReady waits for /healthz and /readyz to answer 200, failing early
// with the container's log if it stops.
func waitReady(t *testing.T, c *containers, ctr, base string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ok := true
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(base + path)
			if err != nil {
				ok = false
				break
			}
			resp.Body.Close()
			ok = ok && resp.StatusCode == http.StatusOK
		}
		if ok {
			return
		}
		if state := c.run("podman", "inspect", "--format", "{{.State.Status}}", ctr); state != "running" {
			t.Fatalf("the container is %s:\n%s", state, c.run("podman", "logs", ctr))
		}
		if time.Now().After(deadline) {
			t.Fatal(fmt.Sprintf("not ready within 2 minutes:\n%s", c.run("podman", "logs", ctr)))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
