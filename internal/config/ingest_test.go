package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const ingestFile = `
ingest:
  eventhubs:
    - name: eh-prod
      connection_string_env: EH_CONN
      max_version: "2.0"
    - name: kafka-lab
      brokers: [127.0.0.1:9092]
      tls: false
  storage:
    - name: archive
      connection_string_env: ST_CONN
      poll_interval: 1m
    - name: archive-mi
      account_url: https://acct.blob.core.windows.net
  loganalytics:
    - name: law
      workspace_id: 00000000-0000-0000-0000-000000000001
      table: AzureDiagnostics
      overlap: 10m
  files:
    - name: replay
      path: /var/spool/honeyvault
      patterns: ["*.json", "*.gz"]
`

func TestIngestSourcesLoadWithSecretsFromEnv(t *testing.T) {
	env := envOf(map[string]string{
		"EH_CONN": "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0",
		"ST_CONN": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net",
	})
	c, err := Load(newFlags(t, "--config", writeFile(t, ingestFile)), env)
	if err != nil {
		t.Fatal(err)
	}
	in := c.Ingest
	if got, want := len(in.EventHubs)+len(in.Storage)+len(in.LogAnalytics)+len(in.Files), 6; got != want {
		t.Fatalf("got %d sources; want %d", got, want)
	}
	if got, want := in.EventHubs[0].ConnectionString, env("EH_CONN"); got != want {
		t.Errorf("eventhubs connection string: got %q; want it from EH_CONN", got)
	}
	if got, want := in.Storage[0].ConnectionString, env("ST_CONN"); got != want {
		t.Errorf("storage connection string: got %q; want it from ST_CONN", got)
	}
	if got, want := time.Duration(in.LogAnalytics[0].Overlap), 10*time.Minute; got != want {
		t.Errorf("overlap: got %v; want %v", got, want)
	}
	if in.EventHubs[1].TLS == nil || *in.EventHubs[1].TLS {
		t.Errorf("tls: got %v; want explicit false", in.EventHubs[1].TLS)
	}
}

func TestIngestBadSettingsNameTheSetting(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		setting string
		inMsg   string
	}{
		{name: "no name", file: "ingest:\n  files:\n    - path: /x\n", setting: "ingest.files[0].name", inMsg: "required"},
		{name: "bad name", file: "ingest:\n  files:\n    - name: a b\n      path: /x\n", setting: "ingest.files[0].name", inMsg: "letters"},
		{name: "reserved name", file: "ingest:\n  files:\n    - name: HTTP\n      path: /x\n", setting: "ingest.files[0].name", inMsg: "push"},
		{name: "duplicate name", file: "ingest:\n  files:\n    - name: a\n      path: /x\n  loganalytics:\n    - name: a\n      workspace_id: w\n",
			setting: "ingest.files[0].name", inMsg: "already"},
		{name: "no brokers", file: "ingest:\n  eventhubs:\n    - name: eh\n", setting: "ingest.eventhubs[0].brokers", inMsg: "required"},
		{name: "bad broker", file: "ingest:\n  eventhubs:\n    - name: eh\n      brokers: [nohost]\n", setting: "ingest.eventhubs[0].brokers", inMsg: "host:port"},
		{name: "env unset", file: "ingest:\n  eventhubs:\n    - name: eh\n      connection_string_env: EH_CONN\n",
			setting: "ingest.eventhubs[0].connection_string_env", inMsg: "EH_CONN is not set"},
		{name: "both secret and env", file: "ingest:\n  storage:\n    - name: s\n      account_url: https://a\n      account_key: k\n      account_key_env: K\n",
			env: map[string]string{"K": "v"}, setting: "ingest.storage[0].account_key_env", inMsg: "not both"},
		{name: "not a connection string", file: "ingest:\n  eventhubs:\n    - name: eh\n      connection_string: hunter2hunter2\n",
			setting: "ingest.eventhubs[0].connection_string", inMsg: "SharedAccessKey"},
		{name: "bad max version", file: "ingest:\n  eventhubs:\n    - name: eh\n      brokers: [h:1]\n      max_version: latest\n",
			setting: "ingest.eventhubs[0].max_version", inMsg: "Kafka version"},
		{name: "ca file without tls", file: "ingest:\n  eventhubs:\n    - name: eh\n      brokers: [h:1]\n      ca_file: /ca.pem\n",
			setting: "ingest.eventhubs[0].ca_file", inMsg: "TLS is off"},
		{name: "bad start", file: "ingest:\n  eventhubs:\n    - name: eh\n      brokers: [h:1]\n      start: middle\n", setting: "ingest.eventhubs[0].start", inMsg: "earliest"},
		{name: "storage no account", file: "ingest:\n  storage:\n    - name: s\n", setting: "ingest.storage[0].account_url", inMsg: "required"},
		{name: "storage both", file: "ingest:\n  storage:\n    - name: s\n      connection_string: AccountKey=x\n      account_url: https://a\n",
			setting: "ingest.storage[0].connection_string", inMsg: "leave out"},
		{name: "storage fast poll", file: "ingest:\n  storage:\n    - name: s\n      account_url: https://a\n      poll_interval: 1ms\n",
			setting: "ingest.storage[0].poll_interval", inMsg: "at least"},
		{name: "no workspace", file: "ingest:\n  loganalytics:\n    - name: l\n", setting: "ingest.loganalytics[0].workspace_id", inMsg: "required"},
		{name: "bad table", file: "ingest:\n  loganalytics:\n    - name: l\n      workspace_id: w\n      table: Syslog\n", setting: "ingest.loganalytics[0].table", inMsg: "AZKVAuditLogs"},
		{name: "bad cloud", file: "ingest:\n  loganalytics:\n    - name: l\n      workspace_id: w\n      cloud: mars\n", setting: "ingest.loganalytics[0].cloud", inMsg: "mars"},
		{name: "no path", file: "ingest:\n  files:\n    - name: f\n", setting: "ingest.files[0].path", inMsg: "required"},
		{name: "bad pattern", file: "ingest:\n  files:\n    - name: f\n      path: /x\n      patterns: ['[']\n", setting: "ingest.files[0].patterns", inMsg: "syntax"},
		{name: "unknown key", file: "ingest:\n  files:\n    - name: f\n      pth: /x\n", setting: "config", inMsg: "pth"},
		{name: "cloudtrail no bucket", file: "ingest:\n  cloudtrail:\n    - name: ct\n      region: us-east-1\n", setting: "ingest.cloudtrail[0].bucket", inMsg: "bucket name"},
		{name: "cloudtrail bucket URL", file: "ingest:\n  cloudtrail:\n    - name: ct\n      bucket: s3://logs\n      region: us-east-1\n", setting: "ingest.cloudtrail[0].bucket", inMsg: "bucket name"},
		{name: "cloudtrail no region", file: "ingest:\n  cloudtrail:\n    - name: ct\n      bucket: org-trail-logs\n", setting: "ingest.cloudtrail[0].region", inMsg: "us-east-1"},
		{name: "cloudtrail prefix with AWSLogs", file: "ingest:\n  cloudtrail:\n    - name: ct\n      bucket: org-trail-logs\n      region: us-east-1\n      prefix: audit/AWSLogs/\n", setting: "ingest.cloudtrail[0].prefix", inMsg: "without AWSLogs"},
		{name: "cloudtrail key without secret", file: "ingest:\n  cloudtrail:\n    - name: ct\n      bucket: org-trail-logs\n      region: us-east-1\n      access_key_id: AKIAEXAMPLE\n", setting: "ingest.cloudtrail[0].access_key_id", inMsg: "together"},
		{name: "cloudtrail secret env unset", file: "ingest:\n  cloudtrail:\n    - name: ct\n      bucket: org-trail-logs\n      region: us-east-1\n      access_key_id: AKIAEXAMPLE\n      secret_access_key_env: AWS_SECRET\n", setting: "ingest.cloudtrail[0].secret_access_key_env", inMsg: "AWS_SECRET is not set"},
		{name: "cloudtrail bad endpoint", file: "ingest:\n  cloudtrail:\n    - name: ct\n      bucket: org-trail-logs\n      region: us-east-1\n      endpoint_url: s3.local:4568\n", setting: "ingest.cloudtrail[0].endpoint_url", inMsg: "http(s) URL"},
		{name: "cloudtrail fast poll", file: "ingest:\n  cloudtrail:\n    - name: ct\n      bucket: org-trail-logs\n      region: us-east-1\n      poll_interval: 1ms\n", setting: "ingest.cloudtrail[0].poll_interval", inMsg: "at least"},
		{name: "bad file vault cluster", file: "ingest:\n  files:\n    - name: f\n      path: /x\n      vault_cluster: a/b\n", setting: "ingest.files[0].vault_cluster", inMsg: "letters"},
		{name: "vault socket without listen", file: "ingest:\n  vault_sockets:\n    - name: v\n", setting: "ingest.vault_sockets[0].listen", inMsg: "host:port"},
		{name: "vault socket bad allow_from", file: "ingest:\n  vault_sockets:\n    - name: v\n      listen: 127.0.0.1:9090\n      allow_from: [10.0.0.0/33]\n", setting: "ingest.vault_sockets[0].allow_from", inMsg: "10.0.0.0/33"},
		{name: "vault socket bad network", file: "ingest:\n  vault_sockets:\n    - name: v\n      listen: 127.0.0.1:514\n      network: unix\n", setting: "ingest.vault_sockets[0].network", inMsg: "tcp or udp"},
		{name: "vault socket bad cluster", file: "ingest:\n  vault_sockets:\n    - name: v\n      listen: 127.0.0.1:9090\n      vault_cluster: x y\n", setting: "ingest.vault_sockets[0].vault_cluster", inMsg: "letters"},
		{name: "vault socket name taken", file: "ingest:\n  files:\n    - name: v\n      path: /x\n  vault_sockets:\n    - name: V\n      listen: 127.0.0.1:9090\n", setting: "ingest.vault_sockets[0].name", inMsg: "already"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(newFlags(t, "--config", writeFile(t, tt.file)), envOf(tt.env))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v; want a *config.Error", err)
			}
			if got, want := ce.Setting, tt.setting; got != want {
				t.Errorf("setting: got %q; want %q (%v)", got, want, err)
			}
			if !strings.Contains(err.Error(), tt.inMsg) {
				t.Errorf("error %q does not mention %q", err, tt.inMsg)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q echoes a secret", err)
			}
		})
	}
}

// The commented-out ingest example in the example file, uncommented, must
// load: every key it documents is a real one.
func TestExampleIngestSectionLoads(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("..", "..", "honeyvault.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(body), "\n# ingest:\n")
	if i < 0 {
		t.Fatal("example file has no commented ingest section")
	}
	var yaml strings.Builder
	for _, line := range strings.Split(string(body[i+1:]), "\n") {
		if !strings.HasPrefix(line, "#") {
			break
		}
		yaml.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ") + "\n")
	}
	env := envOf(map[string]string{
		"HONEYVAULT_EH_CONNECTION_STRING":      "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=l;SharedAccessKey=k",
		"HONEYVAULT_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k",
	})
	c, err := Load(newFlags(t, "--config", writeFile(t, yaml.String())), env)
	if err != nil {
		t.Fatalf("%v\n%s", err, yaml.String())
	}
	in := c.Ingest
	if len(in.EventHubs) != 2 || len(in.Storage) != 1 || len(in.LogAnalytics) != 1 || len(in.Files) != 2 || len(in.VaultSockets) != 1 || len(in.CloudTrail) != 1 {
		t.Errorf("got %d eventhubs, %d storage, %d loganalytics, %d files, %d vault sockets, %d cloudtrail; want 2, 1, 1, 2, 1, 1",
			len(in.EventHubs), len(in.Storage), len(in.LogAnalytics), len(in.Files), len(in.VaultSockets), len(in.CloudTrail))
	}
	if vs := in.VaultSockets; len(vs) == 1 && (vs[0].VaultCluster != "eu-prod" || len(vs[0].AllowFromPrefixes()) != 2) {
		t.Errorf("vault socket %+v", vs[0])
	}
}
