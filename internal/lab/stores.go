package lab

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/honeyvault/honeyvault/internal/awsemu"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// The lab's estate beyond Azure: a HashiCorp Vault server with two KV v2
// mounts, and an AWS account's Secrets Manager in two regions.
const (
	// vaultCluster is the operator's name for the Vault server: the store
	// ids the planter records (vault://{cluster}/{mount}) and the socket
	// source's vault_cluster must agree, since Vault's entries do not say
	// which server wrote them.
	vaultCluster = "vault-contoso"
	// vaultEstateSeed picks the mounts' layouts (vaultemu.SeedEstate).
	vaultEstateSeed = 7
	// vaultSocketSource is the name of serve's Vault socket source.
	vaultSocketSource = "vault-contoso-audit"
	// awsAccount is the lab's AWS account (AWS's documentation account).
	awsAccount = "111122223333"

	vaultCAFile = "vaultemu-ca.pem"
	awsCAFile   = "awsemu-ca.pem"
)

var (
	// vaultMounts are the Vault server's KV v2 mounts.
	vaultMounts = []string{"secret/", "kv/platform/"}
	// awsRegions are the regions the account uses; the planter plants
	// into each.
	awsRegions = []string{"eu-west-1", "us-east-1"}

	// vaultPlanter is honeyvault's token on the Vault server: display
	// name and entity as Vault's audit entries name them.
	vaultPlanter = vaultemu.TokenOptions{DisplayName: "token-honeyvault-planter", EntityID: "5d3b9e2a-7c41-4f08-b6d2-1e9a0c4f7b35"}
	// awsPlanterUser is honeyvault's IAM user.
	awsPlanterUser = "honeyvault-planter"
	// awsReaderRole is the role whose sessions the outsiders' stolen
	// credentials are: a deployment role that may read the account's secrets.
	awsReaderRole = "ci-deploy"
)

// awsEstate are the account's real secrets, by region: the planter's
// decoys blend into their layout.
var awsEstate = map[string][]string{
	"eu-west-1": {"prod/payments/db_credentials", "prod/payments/stripe_api_key", "prod/payments/webhook_signing_secret",
		"prod/orders/db_credentials", "prod/orders/slack_bot_token"},
	"us-east-1": {"prod/search/opensearch_credentials", "prod/search/algolia_api_key", "staging/search/opensearch_credentials"},
}

// vaultEntity is an outsider's Vault entity id, made from its Azure object
// id so that each identity is one entity.
func vaultEntity(o outsider) string { return "ent-" + o.Identity.ObjectID }

// startStores starts the Vault and AWS emulators with their estates and
// identities: the planter's token and IAM user hold exactly the policies
// the README documents; every outsider gets a Vault token that may read
// every secret and a session of a role that may read every secret. Seeding
// writes no audit entry or CloudTrail record.
func (l *Lab) startStores() error {
	v, err := vaultemu.New(vaultemu.Options{Mounts: vaultMounts, ClusterName: vaultCluster, Logger: l.log.With("component", "vaultemu")})
	if err != nil {
		return err
	}
	l.vaultEmu = v
	if err := v.StartTLS(); err != nil {
		return err
	}
	if l.vaultSeeded, err = v.SeedEstate(vaultEstateSeed); err != nil {
		return err
	}
	var policies, readers []string
	for _, m := range v.Mounts() {
		m = strings.TrimSuffix(m, "/")
		name := "honeyvault-" + strings.ReplaceAll(m, "/", "-")
		// README "HashiCorp Vault / OpenBao": what the planter's token needs.
		if err := v.SetPolicy(vaultemu.Policy{Name: name, Rules: []vaultemu.PathRule{
			{Path: "sys/mounts", Capabilities: []string{vaultemu.CapRead}},
			{Path: m + "/metadata/*", Capabilities: []string{vaultemu.CapList, vaultemu.CapRead, vaultemu.CapCreate, vaultemu.CapUpdate, vaultemu.CapDelete}},
			{Path: m + "/data/*", Capabilities: []string{vaultemu.CapCreate}},
			{Path: "auth/token/lookup-self", Capabilities: []string{vaultemu.CapRead}},
		}}); err != nil {
			return err
		}
		policies = append(policies, name)
		reader := "deploy-read-" + strings.ReplaceAll(m, "/", "-")
		if err := v.SetPolicy(vaultemu.Policy{Name: reader, Rules: []vaultemu.PathRule{
			{Path: m + "/data/*", Capabilities: []string{vaultemu.CapRead}},
			{Path: m + "/metadata/*", Capabilities: []string{vaultemu.CapList}},
		}}); err != nil {
			return err
		}
		readers = append(readers, reader)
	}
	po := vaultPlanter
	po.Policies = policies
	tok, err := v.CreateToken(po)
	if err != nil {
		return err
	}
	l.vaultPlanterToken = tok.ID
	l.state.Planter.VaultToken, l.state.Planter.VaultEntity = tok.ID, vaultPlanter.EntityID

	a, err := awsemu.New(awsemu.Options{AccountID: awsAccount, Regions: awsRegions, Logger: l.log.With("component", "awsemu")})
	if err != nil {
		return err
	}
	l.awsEmu = a
	if err := a.Start(); err != nil {
		return err
	}
	if err := l.seedAWS(); err != nil {
		return err
	}
	// README "AWS Secrets Manager": what the planter's principal needs.
	if err := a.PutUser(awsPlanterUser, awsemu.Policy{Statements: []awsemu.Statement{
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:ListSecrets"}, Resources: []string{"*"}},
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret"},
			Resources: []string{"arn:aws:secretsmanager:*:" + awsAccount + ":secret:*"}},
	}}); err != nil {
		return err
	}
	if l.awsPlanter, err = a.NewAccessKey(awsPlanterUser); err != nil {
		return err
	}
	l.state.Planter.AWS = &stateAWSCredentials{AccessKeyID: l.awsPlanter.AccessKeyID, SecretAccessKey: l.awsPlanter.SecretAccessKey, ARN: l.awsPlanter.ARN}
	if err := a.PutRole(awsReaderRole, awsemu.Policy{Statements: []awsemu.Statement{
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:ListSecrets"}, Resources: []string{"*"}},
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			Resources: []string{"arn:aws:secretsmanager:*:" + awsAccount + ":secret:*"}},
	}}); err != nil {
		return err
	}

	for i, o := range outsiders {
		vt, err := v.CreateToken(vaultemu.TokenOptions{DisplayName: o.VaultName, Policies: readers, EntityID: vaultEntity(o)})
		if err != nil {
			return err
		}
		creds, err := a.AssumeRole(awsReaderRole, o.AWSSession)
		if err != nil {
			return err
		}
		id := &l.state.Identities[i]
		id.VaultToken, id.VaultEntity = vt.ID, vaultEntity(o)
		id.AWS = &stateAWSCredentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken, ARN: creds.ARN}
	}
	l.state.Vault = &stateVaultServer{Address: v.URL(), Cluster: vaultCluster}
	l.state.AWS = &stateAWSAccount{Endpoint: a.URL(), Account: awsAccount, Regions: awsRegions}
	return nil
}

// seedAWS creates the account's real secrets as its administrator, before
// any trail sink exists: the lab starts from a quiet account.
func (l *Lab) seedAWS() error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultWait)
	defer cancel()
	const admin = "contoso-admin"
	if err := l.awsEmu.PutUser(admin, awsemu.AllowAll()); err != nil {
		return err
	}
	creds, err := l.awsEmu.NewAccessKey(admin)
	if err != nil {
		return err
	}
	for _, region := range awsRegions {
		c, err := secretsManagerClient(ctx, l.awsEmu.URL(), l.awsEmu.CACertPEM(), region, creds)
		if err != nil {
			return err
		}
		for _, name := range awsEstate[region] {
			app := strings.Split(name, "/")[1]
			_, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(name),
				SecretString: aws.String(`{"username":"` + app + `_app","password":"` + strings.Repeat("x", 4) + app + `-Lab-2026"}`),
				Tags:         []smtypes.Tag{{Key: aws.String("team"), Value: aws.String(app)}, {Key: aws.String("managed-by"), Value: aws.String("terraform")}}})
			if err != nil {
				return fmt.Errorf("lab: seeding Secrets Manager: %w", err)
			}
		}
	}
	return nil
}

// addTrailSink sends the account's CloudTrail records to honeyvault the
// way an EventBridge rule with an API destination does: every management
// event, reads included (the rule state
// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS), posted to the
// aws-cloudtrail ingest endpoint with the ingest token as the
// connection's API key.
func (l *Lab) addTrailSink() error {
	return l.awsEmu.AddSink(&awsemu.EventBridgeSink{
		URL: l.url + "/api/v1/ingest/aws-cloudtrail", APIKeyName: "Authorization", APIKeyValue: "Bearer " + l.ingestToken,
		AllManagementEvents: true, Client: &http.Client{Transport: l.sinkHTTP, Timeout: 30 * time.Second},
	}, awsemu.SinkOptions{})
}

// writeStoreCAs writes the Vault and AWS emulators' CAs beside the Key
// Vault emulator's, for lab attack in another process.
func (l *Lab) writeStoreCAs() error {
	for _, f := range []struct {
		name string
		pem  []byte
		dst  *string
	}{{vaultCAFile, l.vaultEmu.CACertPEM(), &l.state.Vault.CAFile}, {awsCAFile, l.awsEmu.CACertPEM(), &l.state.AWS.CAFile}} {
		path := filepath.Join(l.dir, f.name)
		if err := os.WriteFile(path, f.pem, 0o644); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		*f.dst = path
	}
	return nil
}

// secretsManagerClient is the unchanged aws-sdk-go-v2 client for one
// region of the emulator at endpoint, trusting caPEM, signing with creds.
func secretsManagerClient(ctx context.Context, endpoint string, caPEM []byte, region string, creds awsemu.Credentials) (*sm.Client, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(region),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)),
		awsconfig.WithCustomCABundle(bytes.NewReader(caPEM)),
		// The user's own AWS configuration has no say in the lab.
		awsconfig.WithSharedConfigFiles([]string{}), awsconfig.WithSharedCredentialsFiles([]string{}),
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("lab: AWS SDK: %w", err)
	}
	return sm.NewFromConfig(cfg, func(o *sm.Options) { o.BaseEndpoint = aws.String(endpoint) }), nil
}
