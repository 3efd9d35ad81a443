// Package loganalytics sends incidents to a Log Analytics workspace through
// the Logs Ingestion API, with the Azure SDK's ingestion client: one row per
// alert into a data collection rule's stream (a custom table such as
// HoneyvaultIncidents_CL), for teams whose SOC works in Sentinel.
package loganalytics

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Config is one data collection rule's stream and who uploads to it.
type Config struct {
	// Endpoint is the data collection endpoint's logs ingestion URL
	// (https://NAME.REGION-1.ingest.monitor.azure.com), or the rule's own.
	Endpoint string
	// RuleID is the rule's immutable id (dcr- and 32 hex digits), not its
	// ARM id.
	RuleID string
	// Stream is the stream the rule declares, Custom-NAME_CL.
	Stream string
	// Credential signs in; it needs Monitoring Metrics Publisher on the
	// rule.
	Credential azcore.TokenCredential
	// ClientOptions carry the transport and the cloud; a zero Cloud is
	// Azure's public cloud. Retries are the outbox's: the SDK's own are
	// turned off.
	ClientOptions azcore.ClientOptions
}

var (
	ruleIDRE = regexp.MustCompile(`^dcr-[0-9a-f]{32}$`)
	streamRE = regexp.MustCompile(`^(Custom|Microsoft)-[A-Za-z0-9_]{1,100}$`)
)

// Validate reports what is wrong with c, naming the setting.
func (c Config) Validate() error {
	u, err := url.Parse(c.Endpoint)
	switch {
	case c.Endpoint == "":
		return errors.New("loganalytics: endpoint is empty: want the data collection endpoint's logs ingestion URL, https://NAME.REGION-1.ingest.monitor.azure.com")
	case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("loganalytics: endpoint %q is not an https URL without user, query or fragment", c.Endpoint)
	case !ruleIDRE.MatchString(c.RuleID):
		return fmt.Errorf("loganalytics: rule_id %q: want the data collection rule's immutable id, dcr- and 32 lower-case hex digits (az monitor data-collection rule show --query immutableId)", c.RuleID)
	case !streamRE.MatchString(c.Stream):
		return fmt.Errorf("loganalytics: stream %q: want the stream the rule declares, such as Custom-HoneyvaultIncidents_CL", c.Stream)
	case c.Credential == nil:
		return errors.New("loganalytics: no credential to sign in with")
	}
	return nil
}
