package web

import (
	"context"
	"net/http"

	"github.com/honeyvault/honeyvault/internal/api"
)

// ClusterStatus says who the replicas are and who holds which lease; the
// app's leader is one.
type ClusterStatus interface {
	Cluster(ctx context.Context) (api.Cluster, error)
}

// cluster is GET /api/v1/cluster.
func (h *handler) cluster(w http.ResponseWriter, r *http.Request) {
	if h.clusterStatus == nil {
		h.apiError(w, r, http.StatusServiceUnavailable, "the cluster status is not available on this server")
		return
	}
	c, err := h.clusterStatus.Cluster(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
