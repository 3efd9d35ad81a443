package lab

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// receiver is the selftest's webhook endpoint: it records the incidents
// honeyvault's webhook notifications name, checking each body's signature.
type receiver struct {
	secret string
	srv    *http.Server
	url    string
	done   chan struct{}

	mu        sync.Mutex
	incidents map[int64]bool // incident id → every message about it was signed correctly
	changed   chan struct{}  // closed and replaced on every message
}

func newReceiver(secret string) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{secret: secret, url: "http://" + ln.Addr().String() + "/honeyvault", done: make(chan struct{}),
		incidents: map[int64]bool{}, changed: make(chan struct{})}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(r.done)
		r.srv.Serve(ln)
	}()
	return r, nil
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var msg struct {
		Incident struct {
			ID int64 `json:"id"`
		} `json:"incident"`
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.Incident.ID == 0 {
		http.Error(w, "not a honeyvault incident", http.StatusBadRequest)
		return
	}
	mac := hmac.New(sha256.New, []byte(r.secret))
	mac.Write(body)
	signed := hmac.Equal([]byte(req.Header.Get("X-Honeyvault-Signature")), []byte("sha256="+hex.EncodeToString(mac.Sum(nil))))
	r.mu.Lock()
	prev, seen := r.incidents[msg.Incident.ID]
	r.incidents[msg.Incident.ID] = signed && (prev || !seen)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// wait waits until a message named each incident of ids, or deadline, and
// returns for each id whether one came (and whether all were signed).
func (r *receiver) wait(ctx context.Context, ids []int64, deadline time.Time) (got, signed map[int64]bool) {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for {
		r.mu.Lock()
		got, signed = map[int64]bool{}, map[int64]bool{}
		all := true
		for _, id := range ids {
			s, ok := r.incidents[id]
			got[id], signed[id] = ok, s
			all = all && ok
		}
		ch := r.changed
		r.mu.Unlock()
		if all {
			return got, signed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return got, signed
		}
	}
}

func (r *receiver) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := r.srv.Shutdown(ctx)
	<-r.done
	if errors.Is(err, context.DeadlineExceeded) {
		return r.srv.Close()
	}
	return err
}
