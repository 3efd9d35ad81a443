package awssm_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/honeyvault/honeyvault/internal/awsemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/secretstore/awssm"
)

const euID = "arn:aws:secretsmanager:eu-west-1:" + account

func TestStoresArePerRegion(t *testing.T) {
	e := startEmu(t)
	got, err := e.provider(t, e.planter).Stores(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []secretstore.Store{{ID: euID, Name: account + "/eu-west-1"}, {ID: "arn:aws:secretsmanager:us-east-1:" + account, Name: account + "/us-east-1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Stores = %+v; want %+v", got, want)
	}
}

func TestInventoryListsOnly(t *testing.T) {
	e := startEmu(t)
	names := []string{"prod/payments/db_credentials", "prod/payments/stripe_api_key", "prod/orders/rds_master_password",
		"staging/payments/db_credentials", "Prod/Payments/DB_CREDENTIALS", "prod/orders/old_key", "shared/slack_bot_token"}
	e.seed(t, "eu-west-1", names...)
	e.seed(t, "us-east-1", "prod/other/region_secret")
	// Scheduled for deletion: its name is still taken.
	if _, err := e.client(t, e.admin, "eu-west-1").DeleteSecret(context.Background(), &sm.DeleteSecretInput{SecretId: aws.String("prod/orders/old_key"), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	inv, err := e.provider(t, e.planter).Inventory(context.Background(), euID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range inv {
		got = append(got, s.Name)
		if s.Tags["team"] != "payments" || s.Version == "" || s.Created.IsZero() {
			t.Errorf("%s: tags %v, version %q, created %v: want the listing's", s.Name, s.Tags, s.Version, s.Created)
		}
		if s.Deleted != (s.Name == "prod/orders/old_key") {
			t.Errorf("%s: deleted %v", s.Name, s.Deleted)
		}
	}
	slices.Sort(got)
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Errorf("inventory %v; want %v (every page, this region only, both cases)", got, names)
	}
	for _, r := range e.records(t, e.planter.ARN) {
		if r.EventName != "ListSecrets" {
			t.Errorf("inventory made a %s call: only lists name no secret", r.EventName)
		}
	}
}

func TestCreateAsThePlanter(t *testing.T) {
	e := startEmu(t)
	p := e.provider(t, e.planter)
	fields := plant.Fields{{Name: "username", Value: "payments_app"}, {Name: "password", Value: "pw"}, {Name: "port", Value: 5432}}
	c, err := p.Create(context.Background(), euID, "prod/payments/ledger_db_credentials", fields, map[string]string{"team": "payments", "env": "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Version == "" {
		t.Errorf("created %+v: want the VersionId", c)
	}
	admin := e.client(t, e.admin, "eu-west-1")
	v, err := admin.GetSecretValue(context.Background(), &sm.GetSecretValueInput{SecretId: aws.String("prod/payments/ledger_db_credentials")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(v.SecretString); got != `{"username":"payments_app","password":"pw","port":5432}` {
		t.Errorf("SecretString %s: want the fields as one JSON object, in order", got)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(v.SecretString)), &obj); err != nil {
		t.Fatal(err)
	}
	d, err := admin.DescribeSecret(context.Background(), &sm.DescribeSecretInput{SecretId: aws.String("prod/payments/ledger_db_credentials")})
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tg := range d.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if !reflect.DeepEqual(tags, map[string]string{"team": "payments", "env": "prod"}) {
		t.Errorf("tags %v", tags)
	}
	// CloudTrail names the planter as its allow rule does, by the
	// operation the rule lists.
	pl, _ := p.Planter(context.Background())
	recs := e.records(t, pl.Identity)
	if len(recs) != 1 || !slices.Contains(p.CreateOperations(), recs[0].EventName) || recs[0].ErrorCode != "" {
		t.Errorf("records of %s: %+v; want one CreateSecret", pl.Identity, recs)
	}
}

func TestCreateRefusals(t *testing.T) {
	e := startEmu(t)
	e.seed(t, "eu-west-1", "prod/payments/stripe_api_key")
	ctx := context.Background()
	_, err := e.provider(t, e.planter).Create(ctx, euID, "prod/payments/stripe_api_key", plant.Fields{{Name: "api_key", Value: "decoy"}}, nil)
	if !errors.Is(err, secretstore.ErrConflict) {
		t.Errorf("create over a real secret: %v; want ErrConflict", err)
	}
	v, _ := e.client(t, e.admin, "eu-west-1").GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("prod/payments/stripe_api_key")})
	if aws.ToString(v.SecretString) != `{"password":"real"}` {
		t.Errorf("the real secret changed: %s", aws.ToString(v.SecretString))
	}
	if err := e.PutUser("lister", awsemu.Policy{Statements: plantPolicy().Statements[:1]}); err != nil {
		t.Fatal(err)
	}
	lister, err := e.NewAccessKey("lister")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.provider(t, lister).Create(ctx, euID, "prod/payments/ledger_api_key", plant.Fields{{Name: "api_key", Value: "decoy"}}, nil)
	if !errors.Is(err, secretstore.ErrForbidden) || !secretstore.Definite(err) {
		t.Errorf("create without the permission: %v; want a definite ErrForbidden", err)
	}
	if err != nil && strings.Contains(err.Error(), "ledger") {
		t.Errorf("error %q names the decoy", err)
	}
	if _, err := e.provider(t, e.planter).Create(ctx, "arn:aws:secretsmanager:ap-south-1:"+account, "x", plant.Fields{{Name: "k", Value: "v"}}, nil); err == nil {
		t.Error("create in a region not configured: no error")
	}
}

func TestDeleteAndExists(t *testing.T) {
	e := startEmu(t)
	e.seed(t, "eu-west-1", "prod/a/key", "prod/a/key_old", "Prod/A/Key")
	p := e.provider(t, e.planter)
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		want bool
	}{{"prod/a/key", true}, {"Prod/A/Key", true}, {"prod/a/KEY", false}, {"prod/a/ke", false}, {"prod/b", false}} {
		if got, err := p.Exists(ctx, euID, tt.name); err != nil || got != tt.want {
			t.Errorf("Exists(%q) = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	if err := p.Delete(ctx, euID, "prod/a/key"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := p.Exists(ctx, euID, "prod/a/key"); ok {
		t.Error("deleted secret still listed: want it gone without a recovery window")
	}
	if err := p.Delete(ctx, euID, "prod/a/key"); !errors.Is(err, secretstore.ErrNotFound) {
		t.Errorf("second delete: %v; want ErrNotFound", err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	good := awssm.Config{Account: account, Regions: []string{"eu-west-1"}, PrincipalARN: "arn:aws:iam::" + account + ":user/honeyvault"}
	bad := []func(*awssm.Config){
		func(c *awssm.Config) { c.Account = "12345" },
		func(c *awssm.Config) { c.Regions = nil },
		func(c *awssm.Config) { c.Regions = []string{"Europe"} },
		func(c *awssm.Config) { c.PrincipalARN = "" },
		func(c *awssm.Config) { c.PrincipalARN = "arn:aws:iam::999999999999:user/x" },
		func(c *awssm.Config) { c.AccessKeyID = "AKIA..." },
	}
	for i, f := range bad {
		c := good
		f(&c)
		if _, err := awssm.New(context.Background(), c); err == nil {
			t.Errorf("case %d: New(%+v): no error", i, c)
		}
	}
	good.AccessKeyID, good.SecretAccessKey = "AKIAEXAMPLE", "secret"
	if _, err := awssm.New(context.Background(), good); err != nil {
		t.Errorf("New(%+v): %v", good, err)
	}
}
