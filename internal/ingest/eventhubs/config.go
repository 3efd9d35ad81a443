package eventhubs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/honeyvault/honeyvault/internal/config"
)

// FromConfig maps the configuration to a Config: TLS on by default with a
// connection string, the CA file loaded, the Kafka version cap parsed.
func FromConfig(c config.EventHubsSource) (Config, error) {
	cfg := Config{Name: c.Name, Brokers: c.Brokers, ConnectionString: c.ConnectionString, Topic: c.Topic, Group: c.Group,
		StartLatest: c.Start == "latest"}
	useTLS := c.ConnectionString != ""
	if c.TLS != nil {
		useTLS = *c.TLS
	}
	if useTLS {
		cfg.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
		if c.CAFile != "" {
			pem, err := os.ReadFile(c.CAFile)
			if err != nil {
				return Config{}, fmt.Errorf("ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return Config{}, fmt.Errorf("ca_file: no PEM certificate in %s", c.CAFile)
			}
			cfg.TLS.RootCAs = pool
		}
	} else if c.CAFile != "" {
		return Config{}, errors.New("ca_file: set, but TLS is off")
	}
	if c.MaxVersion != "" {
		if cfg.MaxVersions = kversion.FromString(c.MaxVersion); cfg.MaxVersions == nil {
			return Config{}, fmt.Errorf("max_version: %q is not a Kafka version", c.MaxVersion)
		}
	}
	if d := time.Duration(c.SessionTimeout); d > 0 {
		// Heartbeats must come well within the session: three a session,
		// as Kafka's defaults do (3s in 10s), never more than the default.
		// A rebalance waits as long for members to rejoin: a replica
		// killed while another's session ended would otherwise hold the
		// partitions of both up for the default minute.
		cfg.Opts = append(cfg.Opts, kgo.SessionTimeout(d), kgo.HeartbeatInterval(min(d/3, 3*time.Second)), kgo.RebalanceTimeout(d))
	}
	return cfg, nil
}
