package kvemu

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// HTTPClient returns a client ready for the Azure SDK: its dialer sends
// every emulated host (vaults, ARM, login, mounted services) to the
// emulator's listener and it trusts the emulator's CA. A vault name the
// estate does not hold fails to resolve, as in Azure's DNS. Other hosts fail
// too: tests never leave the machine. Call it after Start; all clients share
// one transport.
func (e *Emulator) HTTPClient() *http.Client {
	e.lnMu.Lock()
	defer e.lnMu.Unlock()
	if e.transport == nil {
		addr := ""
		if e.ln != nil {
			addr = e.ln.Addr().String()
		}
		d := &net.Dialer{Timeout: 5 * time.Second}
		e.transport = &http.Transport{
			DialContext: func(ctx context.Context, network, hostport string) (net.Conn, error) {
				host, _, err := net.SplitHostPort(hostport)
				if err != nil {
					host = hostport
				}
				if addr == "" || !e.resolves(host) {
					return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
				}
				return d.DialContext(ctx, "tcp", addr)
			},
			TLSClientConfig:     &tls.Config{RootCAs: e.ca.Pool, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		}
	}
	// One transport for all clients: connections are pooled per vault host.
	return &http.Client{Transport: e.transport}
}

// resolves reports whether host would resolve to the emulator: a vault of
// the estate, an ARM or login host, a mounted host, or the loopback address.
func (e *Emulator) resolves(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if name, _, ok := splitVaultHost(host); ok {
		_, found := e.lookupVault(name)
		return found
	}
	switch host {
	case "management.azure.com", "management.chinacloudapi.cn", "management.usgovcloudapi.net",
		"login.microsoftonline.com", "localhost", "127.0.0.1":
		return true
	}
	return e.mounted(host) != nil
}

// ClientOptions returns azcore.ClientOptions for the data-plane clients
// (azsecrets, azkeys, azcertificates): the emulator's transport, and retry
// delays short enough for tests. Callers may change the copy.
func (e *Emulator) ClientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{
		Transport: e.HTTPClient(),
		Retry: policy.RetryOptions{
			RetryDelay:    5 * time.Millisecond,
			MaxRetryDelay: 200 * time.Millisecond,
		},
	}
}

// Cloud is the cloud configuration that points ARM clients at the emulator.
// The host names are Azure's own; HTTPClient sends them to the emulator.
func (e *Emulator) Cloud() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: "https://login.microsoftonline.com/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {
				Audience: "https://management.azure.com/",
				Endpoint: "https://management.azure.com",
			},
		},
	}
}

// ARMClientOptions returns options for armkeyvault, armresources and other
// ARM clients: the emulator's cloud, transport and short retry delays.
func (e *Emulator) ARMClientOptions() *arm.ClientOptions {
	co := e.ClientOptions()
	co.Cloud = e.Cloud()
	return &arm.ClientOptions{ClientOptions: co}
}
