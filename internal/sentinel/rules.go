package sentinel

import (
	"crypto/sha1"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/detect"
)

// Options shape the analytics rules. The zero value is valid: no
// allow-list, the defaults below.
type Options struct {
	// Allow are honeyvault's own identities (object ids, app ids or UPNs,
	// from the config's allow-list) whose accesses do not alert.
	Allow []string
	// Frequency is how often the scheduled rules run and the width of
	// their ingestion-time window; default 5 minutes, as the original.
	Frequency time.Duration
	// Lookback is how late (TimeGenerated before ingestion) a record may
	// arrive and still be seen; default 1 hour.
	Lookback time.Duration
}

// Defaults of Options.
const (
	DefaultFrequency = 5 * time.Minute
	DefaultLookback  = time.Hour
)

func (o Options) withDefaults() Options {
	if o.Frequency <= 0 {
		o.Frequency = DefaultFrequency
	}
	if o.Lookback <= 0 {
		o.Lookback = DefaultLookback
	}
	return o
}

// Validate reports what is wrong with o: Sentinel runs scheduled rules
// every 5 minutes to 14 days over at most 14 days, and a lookback shorter
// than the frequency would drop records.
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case o.Frequency < 5*time.Minute || o.Frequency > 14*24*time.Hour || o.Frequency%time.Minute != 0:
		return fmt.Errorf("sentinel: frequency %v: want whole minutes from 5m to 14 days", o.Frequency)
	case o.Lookback < o.Frequency || o.Lookback > 14*24*time.Hour || o.Lookback%time.Minute != 0:
		return fmt.Errorf("sentinel: lookback %v: want whole minutes from the frequency (%v) to 14 days", o.Lookback, o.Frequency)
	}
	for _, id := range o.Allow {
		if strings.TrimSpace(id) == "" || strings.ContainsAny(id, "\"'\\\n") {
			return fmt.Errorf("sentinel: allow-listed identity %q: want an object id, app id or UPN", id)
		}
	}
	return nil
}

// Rule kinds.
const (
	KindScheduled = "Scheduled"
	KindNRT       = "NRT"
)

// Rule is one analytics rule.
type Rule struct {
	Key         string // stable short name; the rule's ARM id derives from it
	Kind        string // Scheduled or NRT
	DisplayName string
	Description string
	Severity    string // High or Medium
	Query       string
	// Filters are the leading pipelines of Query per table (it embeds them
	// verbatim), in the KQL subset the Key Vault emulator runs.
	Filters map[string]string
	// Activity is set for the rule on AzureActivity (no decoy entity).
	Activity bool
}

// DiagnosticSettingsTitle is the original solution's title of its third
// rule, kept as spelled so that existing automation keyed on it still fires.
const DiagnosticSettingsTitle = "HoneyTokens: KeyVault HoneyTokens diagnostic settings deleted or changed"

// Rules returns the analytics rules for o: a scheduled and an NRT rule for
// high-severity accesses, a scheduled rule for medium ones, and the
// diagnostic-settings rule.
func Rules(o Options) []Rule {
	o = o.withDefaults()
	highCond := "OperationName in~ " + kqlList(highOperations())
	mediumCond := "OperationName !in~ " + kqlList(quietOperations()) + ` and OperationName !endswith "EventGridNotification"`
	high := filters(highCond, o.Allow, o.Frequency)
	highNRT := filters(highCond, o.Allow, 0)
	medium := filters(mediumCond, o.Allow, o.Frequency)
	activity := activityFilter(o.Allow, o.Frequency)
	common := " It reads AzureDiagnostics and AZKVAuditLogs, both identity-claim spellings, failed attempts included; " +
		"decoys come from the HoneyTokens watchlist; a certificate decoy's key and secret count as the certificate."
	return []Rule{
		{
			Key: "access-high", Kind: KindScheduled, Severity: "High",
			DisplayName: "HoneyTokens: KeyVault HoneyToken read, used, copied or restored",
			Description: "A Key Vault decoy was read, used for cryptography, backed up, restored or recovered (operation classes " +
				strings.Join(classNames(detect.High), ", ") + ", and refused sign-ins naming it)." + common +
				" Windows are on ingestion time, so records that arrive late are still seen once.",
			Query: accessQuery(high), Filters: high,
		},
		{
			Key: "access-high-nrt", Kind: KindNRT, Severity: "High",
			DisplayName: "HoneyTokens (NRT): KeyVault HoneyToken read, used, copied or restored",
			Description: "Near-real-time twin of the scheduled high-severity rule, for the fastest incident Sentinel can raise." + common,
			Query:       accessQuery(highNRT), Filters: highNRT,
		},
		{
			Key: "access-medium", Kind: KindScheduled, Severity: "Medium",
			DisplayName: "HoneyTokens: KeyVault HoneyToken looked up, changed or deleted",
			Description: "Any other operation naming a Key Vault decoy (operation classes " +
				strings.Join(classNames(detect.Medium), ", ") + ", and operations honeyvault does not know); " +
				"list calls and Key Vault's own Event Grid notifications excepted." + common +
				" Windows are on ingestion time, so records that arrive late are still seen once.",
			Query: accessQuery(medium), Filters: medium,
		},
		{
			Key: "diagnostic-settings", Kind: KindScheduled, Severity: "High", Activity: true,
			DisplayName: DiagnosticSettingsTitle,
			Description: "A diagnostic setting of a vault holding decoys was deleted (or a deletion was refused) or changed: " +
				"its audit log may no longer reach Sentinel or honeyvault. Windows are on ingestion time.",
			Query:   activityQuery(activity),
			Filters: map[string]string{TableActivity: activity},
		},
	}
}

// ruleID derives a rule's stable GUID from its key, so that deploying a
// new export updates the rules instead of adding copies.
func ruleID(key string) string {
	h := sha1.Sum([]byte("honeyvault/sentinel/" + key))
	h[6] = h[6]&0x0f | 0x50 // version 5 (name-based, SHA-1)
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
