// Command start measures serve's start on a registry already imported
// (bench/scale): it builds the server exactly as `honeyvault serve` does
// (app.New with serve's flags: discovery, heartbeats and the diagnostics
// check off, as in bench/scale/run.sh) and stops before listening, which
// is where serve becomes ready. It prints the wall time, the CPU time
// (user and system) the process used, its resident set and high-water
// mark, and the Go heap after a collection; with -cpuprofile and
// -memprofile it writes pprof profiles of the start.
//
//	go run ./bench/scale/start -db DSN [-cpuprofile F] [-memprofile F] [-- SERVE FLAGS]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/honeyvault/honeyvault/internal/app"
	"github.com/honeyvault/honeyvault/internal/config"
)

func main() {
	dsn := flag.String("db", "", "database (sqlite:FILE or a PostgreSQL URL)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the start to this file")
	memProfile := flag.String("memprofile", "", "write a heap profile taken when the start ends")
	flag.Parse()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	config.AddFlags(fs)
	args := append([]string{"--db", *dsn, "--inventory-interval", "off", "--heartbeat-interval", "off",
		"--diagnostics-interval", "off"}, flag.Args()...)
	if err := fs.Parse(args); err != nil {
		log.Fatal(err)
	}
	cfg, err := config.Load(fs, os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
	}
	start := time.Now()
	srv, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		log.Fatal(err)
	}
	wall := time.Since(start)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	rss, hwm := status("VmRSS"), status("VmHWM")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
	fmt.Printf("start: %.2f s wall, %.2f s CPU, VmRSS %d MB, VmHWM %d MB, heap after GC %d MB (Go sys %d MB)\n",
		wall.Seconds(), cpu.Seconds(), rss, hwm, ms.HeapAlloc>>20, ms.Sys>>20)
	srv.Store.Close()
}

// status returns a field of /proc/self/status in MB (0 if unknown).
func status(field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			var kb int
			fmt.Sscan(rest, &kb)
			return kb / 1024
		}
	}
	return 0
}
