// Command pervault measures the scheduled per-vault work of serve on a
// registry already imported (bench/scale): one phase per run, so that the
// process's high-water mark (VmHWM) is that phase's alone.
//
//	go run ./bench/scale/pervault -db DSN -phase beat|check|vaults
//
// beat sends one heartbeat round through internal/health's Monitor to a
// sender that answers at once (Key Vault's part is not measured: no Azure
// here); check judges the beats stored so far (none due yet, so it reads
// them and opens nothing); vaults lists the vaults the diagnostics check
// looks at, 1,000 at a time through store.DecoyVaultsAfter, or all at once
// through store.DecoyVaults with -all. It prints seconds, VmHWM and what
// the phase counted.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/health"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func main() {
	dsn := flag.String("db", "", "database (sqlite:FILE or a PostgreSQL URL)")
	phase := flag.String("phase", "beat", "beat, check or vaults")
	all := flag.Bool("all", false, "vaults: list them all at once (store.DecoyVaults)")
	flag.Parse()
	ctx := context.Background()
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	m := &health.Monitor{Store: st, Gaps: incident.NewGapRecorder(nil), SLA: time.Hour, Every: 5 * time.Minute,
		Send: health.SenderFunc(func(context.Context, health.Vault, string) error { return nil })}
	start := time.Now()
	var what string
	switch *phase {
	case "beat":
		r, err := m.Beat(ctx)
		if err != nil {
			log.Fatal(err)
		}
		what = fmt.Sprintf("%d heartbeats sent", r.Sent)
	case "check":
		r, err := m.Check(ctx)
		if err != nil {
			log.Fatal(err)
		}
		what = fmt.Sprintf("%d gaps opened", r.Opened)
	case "vaults":
		n := 0
		if *all {
			ids, err := st.DecoyVaults(ctx)
			if err != nil {
				log.Fatal(err)
			}
			n = len(ids)
		} else {
			n, err = countPages(ctx, st)
			if err != nil {
				log.Fatal(err)
			}
		}
		what = fmt.Sprintf("%d vaults", n)
	default:
		log.Fatalf("pervault: unknown phase %q", *phase)
	}
	fmt.Printf("%s: %.2f s, VmHWM %d MB, %s\n", *phase, time.Since(start).Seconds(), hwmMB(), what)
}

// countPages walks the diagnostics check's pages of vaults.
func countPages(ctx context.Context, st *store.Store) (int, error) {
	n := 0
	for after := ""; ; {
		page, err := st.DecoyVaultsAfter(ctx, after, 1000, registry.Active, registry.Missing)
		if err != nil || len(page) == 0 {
			return n, err
		}
		n += len(page)
		after = page[len(page)-1].Key
	}
}

// hwmMB is the process's resident high-water mark in MB.
func hwmMB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			fmt.Sscan(rest, &kb)
			return kb / 1024
		}
	}
	return 0
}
