package lab

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/client"
	"github.com/honeyvault/honeyvault/internal/coverage"
)

// addNewcomers creates the vaults a new team made after the planting
// (vaultTemplate.newcomer): the planter never saw them, honeyvault's own
// discovery does, so the lab shows a vault that is not covered next to
// the covered ones.
func (l *Lab) addNewcomers(plans []vaultTemplate) error {
	if err := buildNewcomers(l.emu, plans, l.auditDest); err != nil {
		return err
	}
	for i := range l.vaults {
		v := &l.vaults[i]
		if v.ID != "" {
			continue
		}
		v.ID = l.vaultID(v.Name)
		v.Notes = append(v.Notes, "a new team created this vault after the planting: honeyvault discovers it, with no decoy yet")
		if v.noDiagnostics {
			v.Notes = append(v.Notes, "it has no diagnostic setting either: after a deploy, `honeyvault azure connect --lab DIR --vault "+v.Name+"` sends its audit log to honeyvault")
		}
	}
	return nil
}

// awaitCoverage waits until honeyvault has discovered every vault of the
// lab and, unless nothing is ingested, stored a record of every vault
// with decoys (the planter's), then keeps its coverage for the summary:
// the lab is ready when its console tells the story it will keep telling.
func (l *Lab) awaitCoverage(ctx context.Context) error {
	hv, err := client.New(l.url, l.adminToken)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultWait)
	defer cancel()
	var last string
	for {
		list, err := hv.ListVaults(ctx)
		if err == nil {
			if last = l.unsettled(list); last == "" {
				l.coverage = list.Coverage
				l.applyCoverage(list.Vaults)
				return nil
			}
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("lab: honeyvault did not assess the estate's coverage: %s", last)
		case <-time.After(pollEvery):
		}
	}
}

// unsettled says what honeyvault does not know yet of the estate, "" when
// nothing.
func (l *Lab) unsettled(list api.VaultList) string {
	seen := map[string]api.Vault{}
	for _, v := range list.Vaults {
		seen[strings.ToLower(v.Name)] = v
	}
	for _, v := range l.vaults {
		got, ok := seen[strings.ToLower(v.Name)]
		switch {
		case !ok:
			return fmt.Sprintf("vault %s is not discovered", v.Name)
		case len(v.Decoys) > 0 && got.LastRecord == nil && !l.opts.noIngest:
			return fmt.Sprintf("no record of vault %s has been stored", v.Name)
		}
	}
	byID := map[string]api.Vault{}
	for _, v := range list.Vaults {
		byID[strings.ToLower(v.ID)] = v
	}
	for _, s := range l.stores {
		got, ok := byID[strings.ToLower(s.ID)]
		switch {
		case !ok:
			return fmt.Sprintf("store %s is not in the inventory", s.Name)
		case len(s.Decoys) > 0 && got.LastRecord == nil && !l.opts.noIngest:
			return fmt.Sprintf("no record of store %s has been stored", s.Name)
		}
	}
	return ""
}

// applyCoverage copies honeyvault's assessment of each vault into l.vaults.
func (l *Lab) applyCoverage(vaults []api.Vault) {
	byName := map[string]api.Coverage{}
	for _, v := range vaults {
		byName[strings.ToLower(v.Name)] = v.Coverage
	}
	byID := map[string]api.Coverage{}
	for _, v := range vaults {
		byID[strings.ToLower(v.ID)] = v.Coverage
	}
	for i := range l.stores {
		c := byID[strings.ToLower(l.stores[i].ID)]
		l.stores[i].Coverage = c.State
		if len(c.Reasons) > 0 {
			l.stores[i].Why = c.Reasons[0]
		}
	}
	for i := range l.vaults {
		c := byName[strings.ToLower(l.vaults[i].Name)]
		l.vaults[i].Coverage = c.State
		if len(c.Reasons) > 0 {
			l.vaults[i].Why = c.Reasons[0]
		}
	}
}

// Coverage is honeyvault's headline for the lab's estate as Start left it,
// "6 of 7 vaults covered".
func (l *Lab) Coverage() string {
	c := coverage.Count{Total: l.coverage.Total, Covered: l.coverage.Covered, AtRisk: l.coverage.AtRisk, NotCovered: l.coverage.NotCovered}
	return c.String()
}
