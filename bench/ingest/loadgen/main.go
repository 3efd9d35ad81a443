// Command loadgen posts Key Vault audit records to a honeyvault server's
// ingest endpoint from its own process, as a forwarder would, and reports
// the sustained rate. Every record is unique; each batch is retried until it
// is acknowledged, so at the end the server must hold exactly -records
// events. Used by bench/ingest/run.sh.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honeyvault/honeyvault/internal/ingest/loadrecord"
)

func main() {
	urlList := flag.String("url", "http://127.0.0.1:8080/api/v1/ingest/azure-keyvault", "ingest endpoint; several, comma-separated, share the senders round-robin (one server per replica)")
	token := flag.String("token", os.Getenv("HONEYVAULT_INGEST_TOKEN"), "ingest bearer token")
	records := flag.Int("records", 1_000_000, "records to send in all")
	batch := flag.Int("batch", 500, "records per request")
	conc := flag.Int("concurrency", 8, "requests in flight")
	rate := flag.Int("rate", 0, "records per second to aim at (0: as fast as the server takes them)")
	wal := flag.String("wal", "", "SQLite WAL file to watch: report its largest size during the run")
	flag.Parse()
	urls := strings.Split(*urlList, ",")

	// Bodies are built before the clock starts: a real forwarder runs on
	// another machine, and its formatting work must not be charged to the
	// server on these two shared cores.
	bodies := make(map[int][]byte)
	for start := 0; start < *records; start += *batch {
		var b bytes.Buffer
		for i := start; i < min(start+*batch, *records); i++ {
			loadrecord.Write(&b, i)
		}
		bodies[start] = b.Bytes()
	}

	batches := make(chan int)
	go func() {
		interval := time.Duration(0)
		if *rate > 0 {
			interval = time.Duration(float64(time.Second) * float64(*batch) / float64(*rate))
		}
		next := time.Now()
		for start := 0; start < *records; start += *batch {
			if interval > 0 {
				time.Sleep(time.Until(next))
				next = next.Add(interval)
			}
			batches <- start
		}
		close(batches)
	}()

	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}
	var sent, retries atomic.Int64
	var wg sync.WaitGroup
	stopWatch, walMax := watchSize(*wal)
	begin := time.Now()
	for sender := range *conc {
		url := urls[sender%len(urls)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range batches {
				n := min(*batch, *records-start)
				for !post(client, url, *token, bodies[start]) {
					retries.Add(1)
					time.Sleep(100 * time.Millisecond)
				}
				sent.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	stopWatch()
	fmt.Printf("records=%d seconds=%.2f rate=%.0f records/s retries=%d batch=%d concurrency=%d servers=%d",
		sent.Load(), elapsed.Seconds(), float64(sent.Load())/elapsed.Seconds(), retries.Load(), *batch, *conc, len(urls))
	if *wal != "" {
		fmt.Printf(" wal_max_mb=%.1f", float64(walMax.Load())/(1<<20))
	}
	fmt.Println()
}

// watchSize samples the size of file path every 10 ms until stop is called
// and keeps the largest it saw: the WAL's high-water mark while the server
// ingests. A sampled maximum can miss a peak shorter than the interval, so
// the sampling is frequent; the file's size only grows between checkpoints.
func watchSize(path string) (stop func(), peak *atomic.Int64) {
	peak = new(atomic.Int64)
	if path == "" {
		return func() {}, peak
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if fi, err := os.Stat(path); err == nil && fi.Size() > peak.Load() {
				peak.Store(fi.Size())
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }, peak
}

func post(c *http.Client, url, token string, body []byte) bool {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := c.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		fmt.Fprintln(os.Stderr, "loadgen: status", resp.StatusCode)
		return false
	}
	return true
}
