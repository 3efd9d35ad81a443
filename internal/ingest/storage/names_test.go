package storage

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestBlobOrderFollowsRollOver(t *testing.T) {
	in := []string{
		"v/h=09/m=00/PT1H.json",
		"v/h=08/m=00/PT1H_10.json",
		"v/h=08/m=00/PT1H_2.json",
		"v/h=08/m=00/PT1H.json",
		"v/h=08/m=00/PT1H_1.json",
		"v/h=08/m=00/notes.txt",
	}
	want := []string{
		"v/h=08/m=00/PT1H.json",
		"v/h=08/m=00/PT1H_1.json",
		"v/h=08/m=00/PT1H_2.json",
		"v/h=08/m=00/PT1H_10.json",
		"v/h=08/m=00/notes.txt",
		"v/h=09/m=00/PT1H.json",
	}
	got := slices.Clone(in)
	slices.SortFunc(got, blobOrder)
	if !slices.Equal(got, want) {
		t.Errorf("got %q; want %q", got, want)
	}
}

func TestAccountName(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "https://acct.blob.core.windows.net", want: "acct"},
		{in: "https://acct.blob.core.chinacloudapi.cn/", want: "acct"},
		{in: "http://127.0.0.1:10000/devstoreaccount1", want: "devstoreaccount1"},
		{in: "http://localhost:10000/devstoreaccount1/", want: "devstoreaccount1"},
		{in: "not a url", wantErr: true},
		{in: "http://127.0.0.1:10000", wantErr: true},
	}
	for _, tt := range tests {
		got, err := accountName(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("accountName(%q): got error %v; want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("accountName(%q): got %q; want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzBlobOrder(f *testing.F) {
	f.Add("a/PT1H.json", "a/PT1H_1.json")
	f.Add("PT1H_999999999.json", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, back := blobOrder(a, b), blobOrder(b, a); got != -back {
			t.Errorf("blobOrder(%q, %q) = %d but blobOrder(b, a) = %d", a, b, got, back)
		}
		if blobOrder(a, a) != 0 {
			t.Errorf("blobOrder(%q, itself) != 0", a)
		}
	})
}

func TestRedactHidesSASSignatures(t *testing.T) {
	err := errors.New(`Get "https://acct.blob.core.windows.net/insights-logs-auditevent?comp=list&sv=2022-11-02&sig=c2VjcmV0JTJGc2ln&se=2027": dial tcp: refused`)
	got := redact(err)
	if strings.Contains(got.Error(), "c2VjcmV0") || !strings.Contains(got.Error(), "sig=REDACTED&se=2027") {
		t.Errorf("got %q; want the signature hidden and the rest kept", got)
	}
	if !errors.Is(got, err) {
		t.Error("redacted error does not unwrap to the original")
	}
	plain := errors.New("no signature here")
	if redact(plain) != plain {
		t.Error("an error without a signature was rewrapped")
	}
}
