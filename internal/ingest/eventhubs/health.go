package eventhubs

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// health remembers how the client's last broker connections went. The
// client retries broken connections by itself and a poll just waits, so
// without this a wrong connection string or an unreachable namespace
// would look like a quiet hub.
type health struct {
	mu      sync.Mutex
	lastErr error
	errAt   time.Time
	okAt    time.Time
}

var _ kgo.HookBrokerConnect = (*health)(nil)

// OnBrokerConnect implements kgo.HookBrokerConnect. The connection's
// initialisation includes the SASL exchange, so a refused password shows
// here.
func (h *health) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if err == nil {
		h.okAt = now
		return
	}
	addr := net.JoinHostPort(meta.Host, strconv.Itoa(int(meta.Port)))
	var nerr *net.OpError
	switch {
	case errors.As(err, &nerr) && nerr.Op == "dial":
		h.lastErr = fmt.Errorf("cannot reach broker %s: %w", addr, err)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		// Brokers that refuse a SASL password may just hang up.
		h.lastErr = fmt.Errorf("broker %s closed the connection while connecting (SASL authentication refused? check the connection string): %w", addr, err)
	default:
		h.lastErr = fmt.Errorf("connecting to broker %s: %w", addr, err)
	}
	h.errAt = now
}

// failing returns the last connection error if no connection has
// succeeded since.
func (h *health) failing() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lastErr != nil && h.errAt.After(h.okAt) {
		return h.lastErr
	}
	return nil
}
