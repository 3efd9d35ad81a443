package web

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// recentIncidents and recentRecords are how many of a vault's incidents
// and audit records its page lists.
const (
	recentIncidents = 10
	recentRecords   = 15
)

// vaultRecord is one of the vault's newest audit records.
type vaultRecord struct {
	Time               timeView
	Operation, Object  string
	Caller, IP, Result string
}

type vaultDecoy struct {
	ID                            int64
	Name, Type, Status, CreatedBy string
	Created                       timeView
	Canary                        canary.Kind // "" when the value is plain
}

type vaultIncident struct {
	ID                      int64
	Link                    string
	Title, Severity, Status string
	Caller                  string
	LastSeen                timeView
}

type vaultView struct {
	Vault         store.Vault
	State         stateView
	Reasons       []string
	Model         string
	Tags          []string // "key=value", sorted
	FirstSeen     timeView
	LastSeen      timeView
	GoneAt        timeView
	LastRecord    timeView
	Activity      sparkline // records per hour over the last 24 hours
	Decoys        []vaultDecoy
	Incidents     []vaultIncident
	Records       []vaultRecord
	ShowIncidents bool // the viewer may read incidents
	// CanDeploy shows Plan deploy and, with Retirable decoys, Plan retire
	// (Key Vaults only: the other providers plant with honeyvault plant).
	CanDeploy    bool
	Retirable    int
	PortalURL    string // "" outside Azure
	Subscription string
	// Provider names the kind of store for people ("HashiCorp Vault");
	// Azure says whether it is a Key Vault, whose Azure-only facts
	// (resource group, permission model, soft delete) the page shows.
	Provider string
	Azure    bool
	// AuditPath is the diagnostics check's latest outcome; nil: not checked.
	AuditPath *auditPathView
	// Runs are the deploys and retires kept that include the vault (for
	// a viewer who may deploy), auto-planting's among them.
	Runs []vaultRun
}

// auditPathView is what the vault page says of the diagnostics check.
type auditPathView struct {
	OK          bool
	Reason, Fix string
	Checked     timeView
}

// vaultPage is GET /vaults/{id...}: one vault, why it has its state, its
// decoys and its recent incidents. A vault outside the viewer's scope is
// not found, as one that does not exist.
func (h *handler) vaultPage(w http.ResponseWriter, r *http.Request) {
	id, ok := vaultIDFromPath(r)
	if !ok {
		h.pageError(w, r, http.StatusNotFound, "There is no such vault: the address is not a key vault's resource id.")
		return
	}
	a, decoys, err := h.assessVault(r, id)
	if errors.Is(err, store.ErrNotFound) {
		h.pageError(w, r, http.StatusNotFound, "No such vault in your scope. It may not have been discovered yet.")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	now := h.now()
	v := vaultView{
		Vault: a.Vault, State: viewState(a.Coverage.State), Reasons: a.Coverage.Reasons, Model: "access policies",
		FirstSeen: viewTime(a.FirstSeen, now), LastSeen: viewTime(a.LastSeen, now), GoneAt: viewTime(a.GoneAt, now),
		LastRecord: viewTime(a.LastRecord, now), PortalURL: "https://portal.azure.com/#resource" + a.ID,
		Subscription: a.SubscriptionName,
	}
	if p := registry.ProviderOf(a.ID); p != registry.AzureKeyVault {
		v.PortalURL, v.Provider = "", p.Label()
	} else {
		v.Provider, v.Azure = p.Label(), true
	}
	if v.Subscription == "" {
		v.Subscription = a.SubscriptionID
	}
	if ap := a.AuditPath; ap != nil {
		v.AuditPath = &auditPathView{OK: ap.OK(), Reason: ap.Reason, Fix: ap.Fix, Checked: viewTime(ap.CheckedAt, now)}
	}
	if a.RBAC {
		v.Model = "Azure RBAC"
	}
	for k, val := range a.Tags {
		v.Tags = append(v.Tags, k+"="+val)
	}
	slices.Sort(v.Tags)
	kinds, err := h.canaryKinds(r.Context(), decoys)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, d := range decoys {
		if d.Status != registry.Retired {
			v.Retirable++
		}
		v.Decoys = append(v.Decoys, vaultDecoy{ID: d.ID, Name: d.Name, Type: string(d.Type), Status: string(d.Status), CreatedBy: d.CreatedBy,
			Created: viewTime(d.CreatedAt, now), Canary: kinds[d.ID]})
	}
	// Newest first, retired last.
	slices.SortStableFunc(v.Decoys, func(x, y vaultDecoy) int {
		if (x.Status == string(registry.Retired)) != (y.Status == string(registry.Retired)) {
			if x.Status == string(registry.Retired) {
				return 1
			}
			return -1
		}
		return strings.Compare(y.Created.ISO, x.Created.ISO)
	})
	events, err := h.store.ListEvents(r.Context(), store.EventFilter{VaultName: a.Name, Newest: true, Limit: recentRecords})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	perHour, err := h.store.EventsPerHour(r.Context(), a.Name, sparkStart(now))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v.Activity = drawSparkline(perHour, now)
	for _, se := range events {
		e := se.Event
		rec := vaultRecord{Time: viewTime(e.Time, now), Operation: e.Operation, IP: e.Caller.IP,
			Caller: cmp.Or(e.Caller.UPN, e.Caller.ObjectID, e.Caller.AppID), Result: strconv.Itoa(e.HTTPStatus)}
		if e.ObjectName != "" {
			rec.Object = string(e.ObjectType) + " " + e.ObjectName
		}
		v.Records = append(v.Records, rec)
	}
	p := principalFrom(r.Context())
	v.CanDeploy = h.deployments != nil && p.Allows(auth.ManageDecoys) && a.GoneAt.IsZero() && v.Azure
	if p.Allows(auth.ManageDecoys) {
		v.Runs = h.vaultRuns(p, a.ID, now)
	}
	if p.Allows(auth.ReadIncidents) {
		v.ShowIncidents = true
		ins, err := h.store.ListIncidents(r.Context(), store.IncidentFilter{Vault: a.ID, Limit: recentIncidents})
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		for _, in := range ins {
			v.Incidents = append(v.Incidents, vaultIncident{ID: in.ID, Link: incidentLink(in.ID), Title: in.Title, Severity: in.Severity, Status: in.Status,
				Caller: in.CallerKey, LastSeen: viewTime(in.LastSeen, now)})
		}
	}
	h.render(w, r, http.StatusOK, "vault", a.Name, v)
}

// incidentLink is the console page of incident id.
func incidentLink(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) }
