package lab

import (
	"fmt"
	"io"
	"strings"

	"github.com/honeyvault/honeyvault/internal/coverage"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// WriteSummary tells the user what runs and what to try: the vaults with
// their planted decoys (the lab's terminal is the operator's own, so the
// decoys may be named there) and, where honeyvault does not call a vault
// covered, why; honeyvault's address and the console's coverage headline,
// a token to sign in with and the commands of the next steps. prog is how the user runs honeyvault
// ("./bin/honeyvault").
func (l *Lab) WriteSummary(w io.Writer, prog string) {
	fmt.Fprintln(w, "\nhoneyvault lab is running: an emulated Azure Key Vault estate, a HashiCorp Vault server and an AWS account, with honeyvault watching them.")
	sub := ""
	for _, v := range l.vaults {
		if v.SubscriptionID != sub {
			sub = v.SubscriptionID
			fmt.Fprintf(w, "\nsubscription %s (%s)\n", v.Subscription, v.SubscriptionID)
		}
		fmt.Fprintf(w, "  %-24s %-16s %d existing objects, names in %s style\n", v.Name, v.Model(), v.Existing, v.Style)
		if len(v.Decoys) == 0 && v.Coverage == "" {
			fmt.Fprintln(w, "      no decoy planted")
		}
		for i, d := range v.Decoys {
			label := "decoys:"
			if i > 0 {
				label = ""
			}
			fmt.Fprintf(w, "      %-8s %-12s %s\n", label, d.Type, d.Name)
		}
		for _, n := range v.Notes {
			fmt.Fprintf(w, "      note:    %s\n", n)
		}
		// Only what needs doing: the console line below counts the rest.
		if v.Coverage != "" && v.Coverage != string(coverage.Covered) {
			fmt.Fprintf(w, "      %-8s %s: %s\n", "state:", coverage.State(v.Coverage).Label(), v.Why)
		}
	}
	l.writeStores(w)
	fmt.Fprintln(w, "\nEvery vault's diagnostic setting streams its audit log to honeyvault's ingest endpoint.")
	if l.vaultEmu != nil && !l.opts.noIngest {
		fmt.Fprintln(w, "Vault's socket audit device streams to honeyvault's Vault socket source; the AWS account's CloudTrail events")
		fmt.Fprintln(w, "(reads included) reach POST /api/v1/ingest/aws-cloudtrail through an EventBridge API destination.")
	}
	if c := l.canaryCfg; c.HTTP.Listen != "" {
		fmt.Fprintf(w, "Every decoy secret's value is a canary: listeners at %s (HTTP), %s (DNS, zone %s), %s (PostgreSQL).\n",
			c.HTTP.PublicURL, c.DNS.Listen, c.DNS.Zone, c.Postgres.Listen)
	}
	if n := len(l.opts.NotifyWebhooks); n > 0 {
		fmt.Fprintf(w, "Incidents are also sent to %d webhook(s).\n", n)
	}
	fmt.Fprintf(w, "\nhoneyvault:    %s   (REST API; console sign-in at %s/login with HONEYVAULT_TOKEN below)\n", l.url, l.url)
	fmt.Fprintf(w, "console:       %s/vaults — %s\n", l.url, l.Coverage())
	dirFlag := ""
	if l.opts.Dir != DefaultDir {
		dirFlag = " --dir " + shellQuote(l.opts.Dir)
	}
	attack, list := prog+" lab attack"+dirFlag, prog+" incidents list"
	plantMore := prog + " plant --lab " + shellQuote(l.opts.Dir) + " --all --types certificate --grant-temporary"
	width := max(len(attack), len(list)) + 3
	fmt.Fprintln(w, "\nTry, in another terminal:")
	fmt.Fprintf(w, "  %-*s# an outside identity reads decoys with the Azure SDK, the Vault client and the AWS SDK\n", width, attack)
	fmt.Fprintf(w, "  %s\n  %-*s# plant more decoys into this lab as its planter\n", plantMore, width, "")
	// The one place the token is shown: the user needs it to sign in. It is
	// a bootstrap admin token that lives as long as the lab.
	fmt.Fprintf(w, "  export HONEYVAULT_ADDR=%s HONEYVAULT_TOKEN=%s\n", l.url, l.adminToken)
	fmt.Fprintf(w, "  %-*s# then: incidents show ID\n", width, list)
	fmt.Fprintf(w, "\nCtrl-C stops the lab. Everything it wrote is in %s (rm -rf it to clean up).\n", l.dir)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeStores lists the Vault server's mounts and the AWS account's
// regions with their decoys, as WriteSummary lists the Key Vaults.
func (l *Lab) writeStores(w io.Writer) {
	group := ""
	for _, s := range l.stores {
		if s.Group != group {
			group = s.Group
			switch s.Provider {
			case registry.HashiCorpVault:
				fmt.Fprintf(w, "\nHashiCorp Vault %s at %s (KV v2 mounts)\n", group, l.vaultEmu.URL())
			default:
				fmt.Fprintf(w, "\nAWS Secrets Manager %s at %s\n", group, l.awsEmu.URL())
			}
		}
		fmt.Fprintf(w, "  %-41s %d existing secrets\n", s.Name, s.Existing)
		for i, d := range s.Decoys {
			label := "decoys:"
			if i > 0 {
				label = ""
			}
			fmt.Fprintf(w, "      %-8s %-12s %s\n", label, d.Type, d.Name)
		}
		if s.Coverage != "" && s.Coverage != string(coverage.Covered) {
			fmt.Fprintf(w, "      %-8s %s: %s\n", "state:", coverage.State(s.Coverage).Label(), s.Why)
		}
	}
}
