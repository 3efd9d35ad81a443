package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Inventory runs vault discovery for the console; the app's inventory is
// one.
type Inventory interface {
	// Discover runs discovery now (after any run under way) and reports it.
	Discover(ctx context.Context) (DiscoveryReport, error)
	// Status is the latest run's report; zero before the first.
	Status() DiscoveryReport
}

// DiscoveryReport is one discovery run.
type DiscoveryReport struct {
	Started, Finished   time.Time
	Running             bool // a run is under way (Started and the rest are the previous run's)
	Subscriptions       int  // subscriptions tried
	FailedSubscriptions int  // of which could not be listed
	Result              store.DiscoveryResult
	Errors              []string // of the run as a whole: sign-in, listing subscriptions
}

func apiDiscovery(r DiscoveryReport) api.DiscoveryReport {
	return api.DiscoveryReport{
		Started: r.Started, Finished: r.Finished, Subscriptions: r.Subscriptions, FailedSubscriptions: r.FailedSubscriptions,
		Seen: r.Result.Seen, New: r.Result.New, Back: r.Result.Back, Gone: r.Result.Gone, Errors: nonNil(r.Errors),
	}
}

// discoverVaults is POST /api/v1/vaults/discover: run discovery now and
// answer with its report. What Azure refused is in the report (200); a
// server without discovery answers 503.
func (h *handler) discoverVaults(w http.ResponseWriter, r *http.Request) {
	if h.inventory == nil {
		h.apiError(w, r, http.StatusServiceUnavailable, "vault discovery is not configured on this server")
		return
	}
	rep, err := h.discover(r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiDiscovery(rep))
}

// discover runs discovery now for r's caller and records the run in the
// audit trail: the API's and the console's "discover now" alike.
func (h *handler) discover(r *http.Request) (DiscoveryReport, error) {
	rep, err := h.inventory.Discover(r.Context())
	if err != nil {
		return rep, err
	}
	h.audit(r, "vaults.discover", "inventory", discoveryDetail(rep))
	return rep, nil
}

// discoveryDetail is a run in the audit trail's words.
func discoveryDetail(rep DiscoveryReport) string {
	return fmt.Sprintf("%d vaults seen, %d new, %d gone, %d back; %d of %d subscriptions failed",
		rep.Result.Seen, rep.Result.New, rep.Result.Gone, rep.Result.Back, rep.FailedSubscriptions, rep.Subscriptions)
}
