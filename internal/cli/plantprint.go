package cli

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/plant"
)

// printPlan writes what would be created where, vault by vault, like
// terraform plan. It names decoys: it is for the operator's terminal.
func printPlan(w io.Writer, runs []*deploy.VaultRun, dryRun bool) {
	decoys, toPlant, covered, unable := 0, 0, 0, 0
	for _, r := range runs {
		switch {
		case r.Err != nil:
			unable++
		case r.Plan != nil && len(r.Plan.Decoys) > 0:
			toPlant++
			decoys += len(r.Plan.Decoys)
		default:
			covered++
		}
	}
	fmt.Fprintln(w, "# honeyvault plan — decoy names below: keep this output private")
	for _, r := range sortedRuns(runs) {
		v := r.Vault
		fmt.Fprintf(w, "\n%s  (subscription %s, %s, %s)\n", v.Name, v.SubscriptionID, v.Model(), v.Location)
		if r.Plan != nil {
			for _, dec := range r.Plan.Decoys {
				fmt.Fprintf(w, "  + %-12s %s  %s\n", dec.Type, dec.Name, describe(dec))
			}
			for _, t := range r.Plan.Covered {
				fmt.Fprintf(w, "  = %-12s covered: an active decoy is there already\n", t)
			}
		}
		if r.Err != nil {
			fmt.Fprintf(w, "  ! cannot plant: %s\n", vaultError(r.Err, "    "))
		}
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
		if g := r.Grant; g != nil {
			fmt.Fprintf(w, "  note: temporary access policy granted (%s); removed when the run ends\n", permNames(g.Added))
		}
	}
	verb := "to create"
	if dryRun {
		verb = "would be created"
	}
	fmt.Fprintf(w, "\nPlan: %d decoys %s in %d vaults; %d vaults covered already; %d vaults cannot be planted.\n", decoys, verb, toPlant, covered, unable)
}

// describe says what a planned decoy will look like, without any value.
func describe(d plant.Decoy) string {
	var parts []string
	switch {
	case d.Value != nil:
		parts = append(parts, d.Value.String())
		if d.ContentType != "" {
			parts = append(parts, "content type "+d.ContentType)
		}
	case d.Key != nil:
		parts = append(parts, d.Key.String())
	case d.Certificate != nil:
		c := d.Certificate
		parts = append(parts, fmt.Sprintf("%s, %s, %d months, %s", c.Subject, c.Key, c.ValidityMonths, c.ContentType))
	}
	if !d.Expires.IsZero() {
		parts = append(parts, "expires "+d.Expires.UTC().Format("2006-01-02"))
	}
	if len(d.Tags) > 0 {
		var tags []string
		for k, v := range d.Tags {
			tags = append(tags, k+"="+v)
		}
		sort.Strings(tags)
		parts = append(parts, "tags "+strings.Join(tags, " "))
	}
	return strings.Join(parts, "; ")
}

// printPlantTable writes the outcome per vault (counts only, no names),
// then each failed vault's error in full.
func printPlantTable(w io.Writer, runs []*deploy.VaultRun) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VAULT\tPLANTED\tCOVERED\tRESULT")
	planted := 0
	for _, r := range sortedRuns(runs) {
		result := "ok"
		switch {
		case r.Err != nil:
			result = "failed"
		case r.Plan != nil && len(r.Plan.Decoys) == 0:
			result = "covered"
		}
		if len(r.Unsettled) > 0 {
			result += fmt.Sprintf(" (%d unsettled)", len(r.Unsettled))
		}
		planted += len(r.Planted)
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.Vault.Name, len(r.Planted), typeNames(r.Covered()), result)
	}
	tw.Flush()
	for _, r := range sortedRuns(runs) {
		if r.Err != nil {
			fmt.Fprintf(w, "\n%s: %s\n", r.Vault.Name, vaultError(r.Err, "  "))
		}
	}
	fmt.Fprintf(w, "\n%d decoys planted in %d vaults.\n", planted, len(runs))
}

// vaultError formats a vault's error; a missing permission gets its fix on
// lines of its own, indented.
func vaultError(err error, indent string) string {
	var pe *deploy.PermissionError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	out := "missing " + pe.Preflight.MissingText()
	for _, f := range pe.Preflight.Fix() {
		out += "\n" + indent + "fix: " + f
	}
	return out
}

func sortedRuns(runs []*deploy.VaultRun) []*deploy.VaultRun {
	out := append([]*deploy.VaultRun(nil), runs...)
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Vault.Name) < strings.ToLower(out[j].Vault.Name) })
	return out
}

func permNames(ps []deploy.Permission) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}
