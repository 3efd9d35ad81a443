package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/store"
)

// A storage connection string the planter made, used by the real storage
// client against serve's HTTP listener: the client gets Azure Storage's
// 403 AuthenticationFailed, and the use is exactly one alert naming the
// decoy whose account it signed as — none for any other decoy — notified
// once.
func TestStorageConnectionStringUsedByAStorageClient(t *testing.T) {
	env := newCanaryEnv(t, canaryDBs["sqlite"](t), withListeners)
	hl := env.srv.CanaryAddr(canary.KindHTTP)
	value, err := plant.ValueSpec{Kind: plant.KindStorageConnection}.CanaryValue(nil, canary.KindHTTP, env.tokens[canary.KindHTTP],
		plant.CanaryTargets{HTTPURL: "http://" + hl})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(value, "DefaultEndpointsProtocol=https;AccountName=") || !strings.Contains(value, ";BlobEndpoint=http://"+hl+"/") {
		t.Fatalf("value %q is not a storage connection string pointing at the listener", value)
	}
	c, err := azblob.NewClientFromConnectionString(value, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.NewListContainersPager(nil).NextPage(ctx)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden || !bloberror.HasCode(err, bloberror.AuthenticationFailed) {
		t.Fatalf("listing containers: %v; want 403 AuthenticationFailed", err)
	}
	for _, b := range env.settled(t, 1) {
		for _, k := range []canary.Kind{canary.KindDNS, canary.KindPostgres} {
			if strings.Contains(string(b), env.names[k]) {
				t.Errorf("the notification names another decoy, %s", env.names[k])
			}
		}
	}
	alerts, err := env.srv.Store.ListAlerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Operation != "canary:http" || alerts[0].Token != env.names[canary.KindHTTP] || alerts[0].Caller.IP != "127.0.0.1" {
		t.Fatalf("alerts %+v; want exactly one canary:http alert for %s from 127.0.0.1", alerts, env.names[canary.KindHTTP])
	}
	if ci := alerts[0].Caller.ClientInfo; !strings.Contains(ci, `auth_scheme="SharedKey"`) || strings.Contains(ci, env.tokens[canary.KindHTTP]+":") {
		t.Errorf("client info %q: want the SharedKey scheme, never the signed header", ci)
	}
}
