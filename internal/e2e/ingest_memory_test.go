package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// memoryBudget is what README.md ("Pushing records over HTTP") promises
// `serve` stays within whatever ingest clients send, with the default
// settings and a small registry.
const memoryBudget = 200 << 20

// Eight gzip bombs at once — bodies of at most a few hundred KB that expand
// a thousandfold, past what a body may decompress to (256 MiB), or into
// tens of thousands of records, or into large ones — keep the server's
// resident memory within its documented budget: bodies are read as
// streams and stored in bounded chunks, eight requests at most are served
// at once and four of them at most larger than one chunk (429 with
// Retry-After for the rest). Before, each body was decompressed
// whole into memory and then parsed whole (613 MB for one 2 MB bomb in the
// hostile run, 4.4 GB for eight).
func TestIngestMemoryStaysWithinBudgetUnderGzipBombs(t *testing.T) {
	bombs := gzipBombs(t)
	eachDB(t, func(t *testing.T, dsn string) {
		srv := startServer(t, dsn, "HONEYVAULT_LOG_LEVEL=warn")
		var (
			mu       sync.Mutex
			finished int // requests answered with something other than 429
			changed  = sync.NewCond(&mu)
			refused  int
		)
		var wg sync.WaitGroup
		for _, b := range bombs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					seen := finished
					mu.Unlock()
					start := time.Now()
					code, retryAfter, msg := postGzip(t, srv, b.body)
					if code != http.StatusTooManyRequests {
						t.Logf("%s: %d in %v", b.name, code, time.Since(start))
						if code != b.code {
							t.Errorf("%s: got %d %s; want %d", b.name, code, msg, b.code)
						}
						mu.Lock()
						finished++
						changed.Broadcast()
						mu.Unlock()
						return
					}
					if n, err := strconv.Atoi(retryAfter); err != nil || n < 1 {
						t.Errorf("%s: 429 with Retry-After %q", b.name, retryAfter)
					}
					// Retry once another request has been answered: a
					// slot is free then (the test is the only client).
					mu.Lock()
					refused++
					for finished == seen {
						changed.Wait()
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		hwm := peakRSS(t, srv)
		t.Logf("resident high-water mark %.1f MB after %d bombs (%d refused with 429 and sent again)", float64(hwm)/(1<<20), len(bombs), refused)
		if hwm > memoryBudget {
			t.Errorf("resident memory peaked at %.1f MB; the documented budget is %d MB", float64(hwm)/(1<<20), memoryBudget>>20)
		}
		// Still serving.
		if code, msg := ingest(t, srv, record(decoys[0], "after-bombs", "after-bombs-corr")); code != http.StatusAccepted {
			t.Errorf("ingest after the bombs: %d %s", code, msg)
		}
	})
}

type bomb struct {
	name string
	body []byte
	code int // the answer once served
}

var bombCache struct {
	once  sync.Once
	bombs []bomb
}

// gzipBombs are: zeros, and two endless strings inside a record, all
// decompressing past the bound; three times one record 20,000 times (13 MB
// that parse into 20,000 events); twice a 512 KB record 40 times (20 MB of
// large events). The last five are larger than a chunk: one more than may
// be stored at once.
func gzipBombs(t *testing.T) []bomb {
	bombCache.once.Do(func() {
		const past = 300 << 20
		rec := record("ordinary-secret", "bomber", "bomb-corr") + "\n"
		large := strings.Replace(record("ordinary-secret", "bomber", "bomb-large"), `"clientInfo":"`, `"clientInfo":"`+strings.Repeat("x", 512<<10), 1) + "\n"
		kinds := []struct {
			name   string
			n      int
			prefix string
			unit   string
			size   int64
			code   int
		}{
			{"zeros", 1, "", "\x00", past, http.StatusBadRequest},
			{"endless string", 2, `{"records":[{"time":"`, "x", past, http.StatusRequestEntityTooLarge},
			{"one record 20,000 times", 3, "", rec, int64(20_000 * len(rec)), http.StatusAccepted},
			{"a 512 KB record 40 times", 2, "", large, int64(40 * len(large)), http.StatusAccepted},
		}
		for _, k := range kinds {
			body := gzipRepeated(k.prefix, k.unit, k.size)
			for i := range k.n {
				bombCache.bombs = append(bombCache.bombs, bomb{name: fmt.Sprintf("%s #%d", k.name, i+1), body: body, code: k.code})
			}
		}
	})
	return bombCache.bombs
}

// gzipRepeated is a gzip stream of prefix followed by unit repeated to
// size bytes in all, made of concatenated gzip members (read as one
// stream) so that it is quick to build: one member of about 1 MiB, sent
// again and again.
func gzipRepeated(prefix, unit string, size int64) []byte {
	member := func(s string) []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		io.WriteString(zw, s)
		zw.Close()
		return b.Bytes()
	}
	per := max(1, (1<<20)/len(unit))
	block := strings.Repeat(unit, per)
	out := member(prefix)
	rep := member(block)
	for n := int64(0); n+int64(len(block)) <= size; n += int64(len(block)) {
		out = append(out, rep...)
	}
	return out
}

func postGzip(t *testing.T, s *testenv.Serve, body []byte) (code int, retryAfter, msg string) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/ingest/azure-keyvault", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("ingest: %v", err)
		return 0, "", ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// peakRSS reads the server process's resident high-water mark (VmHWM).
func peakRSS(t *testing.T, s *testenv.Serve) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.PID()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM: %v", err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}
