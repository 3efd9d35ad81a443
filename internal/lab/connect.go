package lab

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Target is a running lab as the plant, retire and reconcile verbs reach it
// from another process (`honeyvault plant --lab DIR`): the lab's database
// and its emulator, signed in as the lab's planter. Close it when done.
type Target struct {
	// DSN is the lab's database, which its running honeyvault serves.
	DSN string
	// Overrides point the planting code at the emulator as the planter.
	Overrides deploy.Overrides
	// Destinations are the ARM ids of where the lab's honeyvault reads
	// audit logs: what azure connect --lab wires vaults to.
	Destinations []string

	dir       string
	server    string
	transport *http.Transport
}

// Connect reaches the lab running in dir through its state file.
func Connect(ctx context.Context, dir string) (*Target, error) {
	st, err := readState(dir)
	if err != nil {
		return nil, err
	}
	if st.Planter == nil || st.Planter.ClientSecret == "" {
		return nil, fmt.Errorf("lab: the lab in %s does not let another process plant (an older honeyvault started it): restart it with this binary", dir)
	}
	if err := reachable(ctx, st.Emulator); err != nil {
		return nil, fmt.Errorf("lab: the lab in %s does not answer (%v): it has stopped; start it again with `honeyvault lab`", dir, err)
	}
	dsn, err := DSN(dir)
	if err != nil {
		return nil, err
	}
	tr, err := emulatorTransport(st)
	if err != nil {
		return nil, err
	}
	co := azcore.ClientOptions{Transport: &http.Client{Transport: tr}, Cloud: cloud.AzurePublic}
	cred, err := azidentity.NewClientSecretCredential(st.TenantID, st.Planter.ClientID, st.Planter.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: co})
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	abs, _ := filepath.Abs(dir) // DSN has checked it
	return &Target{DSN: dsn, Overrides: deploy.Overrides{Credential: cred, ClientOptions: &co}, Destinations: st.Destinations,
		dir: abs, server: st.Server, transport: tr}, nil
}

// Close releases the connections to the emulator.
func (t *Target) Close() { t.transport.CloseIdleConnections() }

// settleWait bounds how long Settle waits for the lab's honeyvault.
const settleWait = 30 * time.Second

// Settle makes the registry's present state the running lab's: it waits
// until the lab's honeyvault watches every change committed so far (its
// registry sync has started since), so that a decoy just planted alerts
// from the first access, and it rewrites the state file's decoys so that
// `lab attack` plays against the new ones.
func (t *Target) Settle(ctx context.Context) error {
	committed := time.Now()
	if err := t.waitSynced(ctx, committed); err != nil {
		return err
	}
	st, err := store.Open(ctx, t.DSN)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	defer st.Close()
	decoys, err := st.ListDecoys(ctx, store.DecoyFilter{Status: registry.Active})
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	s, err := readState(t.dir)
	if err != nil {
		return err
	}
	for i := range s.Vaults {
		v := &s.Vaults[i]
		var mine []registry.Decoy
		for _, d := range decoys {
			if strings.EqualFold(strings.TrimRight(d.VaultID, "/"), strings.TrimRight(v.ID, "/")) {
				mine = append(mine, d)
			}
		}
		// The canary each value carries, for lab attack's step 5.
		kinds, err := canaryKinds(ctx, st, mine)
		if err != nil {
			return err
		}
		v.Decoys = v.Decoys[:0]
		for _, d := range mine {
			v.Decoys = append(v.Decoys, stateDecoy{Name: d.Name, Type: d.Type, Canary: kinds[strings.ToLower(d.Name)]})
		}
		slices.SortFunc(v.Decoys, func(a, b stateDecoy) int { return strings.Compare(string(a.Type)+a.Name, string(b.Type)+b.Name) })
	}
	// The Vault mounts' and Secrets Manager regions' decoys, for step 6.
	for i := range s.Stores {
		ss := &s.Stores[i]
		ss.Decoys = ss.Decoys[:0]
		for _, d := range decoys {
			if registry.VaultKey(d.VaultID) == registry.VaultKey(ss.ID) {
				ss.Decoys = append(ss.Decoys, d.Name)
			}
		}
		slices.Sort(ss.Decoys)
	}
	return writeState(t.dir, s)
}

// syncedMetric is the server's gauge of up to when registry changes are
// watched.
const syncedMetric = "honeyvault_detection_synced_timestamp_seconds"

// waitSynced polls the lab's /metrics until its registry sync has started
// after committed.
func (t *Target) waitSynced(ctx context.Context, committed time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, settleWait)
	defer cancel()
	want := float64(committed.UnixNano()) / 1e9
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	for {
		got, err := scrapeGauge(ctx, c, t.server+"/metrics", syncedMetric)
		if err == nil && got > want {
			return nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("its registry sync has not run since")
			}
			return fmt.Errorf("lab: the lab's honeyvault at %s has not picked up the change within %s: %w", t.server, settleWait, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// scrapeGauge reads one gauge without labels from a Prometheus endpoint.
func scrapeGauge(ctx context.Context, c *http.Client, url, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return 0, fmt.Errorf("%s answered %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", url, err)
	}
	mf, ok := families[name]
	if !ok || len(mf.GetMetric()) != 1 || mf.GetMetric()[0].GetGauge() == nil {
		return 0, fmt.Errorf("%s has no gauge %s", url, name)
	}
	return mf.GetMetric()[0].GetGauge().GetValue(), nil
}
