package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
)

// FuzzClassify: any request classifies without error, and a create's body
// is left whole for the request.
func FuzzClassify(f *testing.F) {
	f.Add("POST", "/keys/k/create", `{"kty":"RSA-HSM"}`)
	f.Add("POST", "/certificates/c/create", `{"policy":{"key_props":{"kty":"EC-HSM"}}}`)
	f.Add("PUT", "/secrets/s", `{"value":"x"}`)
	f.Add("GET", "/secrets", "")
	f.Add("POST", "/keys/k/create", `{"kty":`)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n") {
			return
		}
		req, err := runtime.NewRequest(context.Background(), method, "https://kv.vault.azure.net/"+strings.TrimLeft(path, "/"))
		if err != nil {
			return
		}
		if body != "" {
			if err := req.SetBody(streaming.NopCloser(strings.NewReader(body)), "application/json"); err != nil {
				return
			}
		}
		c := classify(req)
		if c < classOther || c >= numClasses {
			t.Fatalf("class %d", c)
		}
		if body != "" {
			if got := readAll(t, req.Body()); got != body {
				t.Errorf("body after classify: %q; want %q", got, body)
			}
		}
	})
}

func FuzzParseSelectors(f *testing.F) {
	f.Add("kv-orders-prod")
	f.Add("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv")
	f.Add("not a vault!")
	f.Add("/")
	f.Fuzz(func(t *testing.T, s string) {
		ids, names, err := ParseSelectors([]string{s})
		if err == nil && len(ids)+len(names) != 1 {
			t.Errorf("ParseSelectors(%q) = %v, %v", s, ids, names)
		}
	})
}
