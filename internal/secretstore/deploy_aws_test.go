package secretstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/honeyvault/honeyvault/internal/awsemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/secretstore/awssm"
	"github.com/honeyvault/honeyvault/internal/store"
)

// awsEnv is a Secrets Manager emulator in two regions, five real secrets
// in eu-west-1, a SQLite registry and a deployer planting as a user with
// the documented policy.
type awsEnv struct {
	emu     *awsemu.Emulator
	trail   *awsemu.MemorySink
	adminEU *sm.Client
	planter awsemu.Credentials
	store   *store.Store
	d       *secretstore.Deployer
}

func newAWSEnv(t *testing.T) *awsEnv {
	t.Helper()
	ctx := context.Background()
	const account = "111122223333"
	e, err := awsemu.New(awsemu.Options{AccountID: account, Regions: []string{"eu-west-1", "us-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		e.Close(cctx)
	})
	trail := awsemu.NewMemorySink()
	if err := e.AddSink(trail, awsemu.SinkOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.PutUser("admin", awsemu.AllowAll()); err != nil {
		t.Fatal(err)
	}
	if err := e.PutUser("honeyvault", awsemu.Policy{Statements: []awsemu.Statement{
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:ListSecrets"}, Resources: []string{"*"}},
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret"},
			Resources: []string{"arn:aws:secretsmanager:*:" + account + ":secret:*"}},
	}}); err != nil {
		t.Fatal(err)
	}
	admin, _ := e.NewAccessKey("admin")
	planter, err := e.NewAccessKey("honeyvault")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("eu-west-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "")),
		config.WithCustomCABundle(bytes.NewReader(e.CACertPEM())), config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	adminEU := sm.NewFromConfig(cfg, func(o *sm.Options) { o.BaseEndpoint = aws.String(e.URL()) })
	for _, n := range []string{"prod/payments/db_credentials", "prod/payments/stripe_api_key", "prod/payments/sendgrid_api_key",
		"prod/payments/webhook_signing_secret", "prod/orders/slack_bot_token"} {
		if _, err := adminEU.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(n), SecretString: aws.String(`{"k":"real"}`),
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p, err := awssm.New(ctx, awssm.Config{Account: account, Regions: e.Regions(), PrincipalARN: planter.ARN,
		AccessKeyID: planter.AccessKeyID, SecretAccessKey: planter.SecretAccessKey, Endpoint: e.URL(), CACert: e.CACertPEM()})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plant.NewPlanner(plant.Settings{Quantity: plant.Quantity{P: 0.5, Max: 3}})
	if err != nil {
		t.Fatal(err)
	}
	d := &secretstore.Deployer{Provider: p, Store: st, Planner: pl}
	return &awsEnv{emu: e, trail: trail, adminEU: adminEU, planter: planter, store: st, d: d}
}

func TestDeploySecretsManager(t *testing.T) {
	ctx := context.Background()
	env := newAWSEnv(t)
	const account = "111122223333"
	e, trail, adminEU, planter, st, d := env.emu, env.trail, env.adminEU, env.planter, env.store, env.d
	p := d.Provider
	stores, _ := p.Stores(ctx)
	runs, err := d.Deploy(ctx, stores, nil)
	if err != nil {
		t.Fatal(err)
	}
	house := regexp.MustCompile(`^prod/[a-z]+/[a-z0-9]+(-[a-z0-9]+)*$`)
	for _, r := range runs {
		if r.Err != nil || len(r.Planted) == 0 {
			t.Fatalf("%s: err %v, %d planted", r.Store.Name, r.Err, len(r.Planted))
		}
		for _, dec := range r.Planted {
			switch r.Store.ID {
			case "arn:aws:secretsmanager:eu-west-1:" + account:
				if !strings.HasPrefix(dec.Name, "prod/payments/") && !strings.HasPrefix(dec.Name, "prod/orders/") || strings.Contains(dec.Name[5:], "-") {
					t.Errorf("%q: want a snake_case leaf beside the account's secrets", dec.Name)
				}
				v, err := adminEU.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(dec.Name)})
				if err != nil {
					t.Fatal(err)
				}
				var obj map[string]any
				if err := json.Unmarshal([]byte(aws.ToString(v.SecretString)), &obj); err != nil || len(obj) == 0 {
					t.Errorf("%q: SecretString %q: want a JSON object", dec.Name, aws.ToString(v.SecretString))
				}
			default:
				if !house.MatchString(dec.Name) {
					t.Errorf("%q in an empty region: want the house layout prod/{app}/{leaf}", dec.Name)
				}
			}
		}
	}
	all, _ := st.PlantedDecoys(ctx, store.DecoyFilter{})
	for _, pd := range all {
		if pd.Status != registry.Active || pd.Planting.State != store.Planted || pd.Planting.PlantedBy != planter.ARN {
			t.Errorf("decoy %+v %+v: want active, planted by %s", pd.Decoy, pd.Planting, planter.ARN)
		}
	}
	// Retire removes them for good.
	var decoys []registry.Decoy
	for _, pd := range all {
		decoys = append(decoys, pd.Decoy)
	}
	res, err := d.Retire(ctx, decoys, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil || !r.Deleted {
			t.Errorf("retire %q: %+v", r.Decoy.Name, r)
		}
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := e.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range trail.Records() {
		var rec struct {
			EventName    string
			UserIdentity struct{ ARN string }
		}
		json.Unmarshal(r.JSON, &rec)
		if rec.UserIdentity.ARN == planter.ARN && rec.EventName != "ListSecrets" && rec.EventName != "CreateSecret" && rec.EventName != "DeleteSecret" {
			t.Errorf("the planter made a %s call", rec.EventName)
		}
	}
}

func TestReconcileSecretsManager(t *testing.T) {
	ctx := context.Background()
	env := newAWSEnv(t)
	stores, _ := env.d.Provider.Stores(ctx)
	if _, err := env.d.Deploy(ctx, stores[:1], nil); err != nil { // eu-west-1
		t.Fatal(err)
	}
	pds, _ := env.store.PlantedDecoys(ctx, store.DecoyFilter{})
	if len(pds) == 0 {
		t.Fatal("nothing planted")
	}
	// Quiet: nothing to find.
	res, err := env.d.Reconcile(ctx, nil)
	if err != nil || len(res) != 1 || res[0].Err != nil || len(res[0].Findings) != 0 || res[0].Checked != len(pds) {
		t.Fatalf("first reconcile: %v %+v; want every decoy checked, nothing found", err, res)
	}
	// Someone writes a new value into one decoy and schedules its deletion.
	name := pds[0].Name
	if _, err := env.adminEU.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(`{"k":"changed"}`)}); err != nil {
		t.Fatal(err)
	}
	if res, err = env.d.Reconcile(ctx, nil); err != nil || res[0].Err != nil || len(res[0].Findings) != 1 || res[0].Findings[0].Kind != store.FindingNewVersion {
		t.Fatalf("reconcile after a new value: %v %+v; want one new-version finding", err, res)
	}
	if _, err := env.adminEU.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	if res, err = env.d.Reconcile(ctx, nil); err != nil || res[0].Err != nil || len(res[0].Findings) != 1 || res[0].Findings[0].Kind != store.FindingDeleted {
		t.Fatalf("reconcile after a deletion: %v %+v; want one deleted finding", err, res)
	}
	after, _ := env.store.PlantedDecoys(ctx, store.DecoyFilter{})
	for _, pd := range after {
		if want := map[bool]registry.Status{true: registry.Missing, false: registry.Active}[pd.Name == name]; pd.Status != want {
			t.Errorf("%d is %s; want %s", pd.ID, pd.Status, want)
		}
	}
}
