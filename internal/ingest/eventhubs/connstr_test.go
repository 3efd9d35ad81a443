package eventhubs

import (
	"strings"
	"testing"
)

func TestParseConnString(t *testing.T) {
	tests := []struct {
		in                 string
		wantHost, wantPath string
		wantErr            bool
	}{
		{in: "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=l;SharedAccessKey=k==", wantHost: "ns.servicebus.windows.net"},
		{in: "endpoint=sb://ns.servicebus.chinacloudapi.cn/; sharedaccesskeyname=l; sharedaccesskey=k; entitypath=hub", wantHost: "ns.servicebus.chinacloudapi.cn", wantPath: "hub"},
		{in: "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=x&sig=y", wantHost: "ns.servicebus.windows.net"},
		{in: "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=l", wantErr: true},
		{in: "SharedAccessKey=k", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseConnString(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseConnString(%q): got error %v; want error %v", tt.in, err, tt.wantErr)
		}
		if err != nil || tt.wantErr {
			continue
		}
		if got.host != tt.wantHost || got.entityPath != tt.wantPath {
			t.Errorf("parseConnString(%q): got %+v; want host %q, path %q", tt.in, got, tt.wantHost, tt.wantPath)
		}
	}
}

func FuzzParseConnString(f *testing.F) {
	f.Add("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=l;SharedAccessKey=k;EntityPath=hub")
	f.Add("Endpoint=%zz;SharedAccessKey=secret-key")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseConnString(s)
		if err != nil {
			if strings.Contains(err.Error(), "secret-key") {
				t.Errorf("error %q quotes the key", err)
			}
			return
		}
		if c.host == "" {
			t.Errorf("no error but no host for %q", s)
		}
	})
}
