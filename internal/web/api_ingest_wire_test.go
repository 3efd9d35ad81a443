package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/honeyvault/honeyvault/internal/api"
)

// TestIngestAnswersAreWireTypes: every answer of the ingest endpoint and
// of GET /api/v1/ingest/status decodes into its type of package api with no
// field left over, and keeps the bytes it had when it was a map literal
// (keys in alphabetical order), so clients of the older answers see no change.
func TestIngestAnswersAreWireTypes(t *testing.T) {
	srv, _ := newIngestServer(t)
	url := srv.URL + "/api/v1/ingest/azure-keyvault"
	malformed := `{"time":"x","operationName":"SecretGet"}`
	tests := []struct {
		name string
		body string
		code int
		into any
		want string // the answer, exactly
	}{
		{"stored", auditRecord(1), http.StatusAccepted, &api.IngestResult{},
			`{"accepted":1,"dead_lettered":0,"duplicates":0,"errors":[]}`},
		{"stored again, one malformed", auditRecord(1) + "\n" + malformed + "\n", http.StatusAccepted, &api.IngestResult{}, ""},
		{"no record", `{"records":[]}`, http.StatusBadRequest, &api.IngestRefusal{}, `{"error":"no records in body","errors":[]}`},
		{"no valid record", malformed + "\n", http.StatusBadRequest, &api.IngestRefusal{}, ""},
		{"too large", string(bytes.Repeat([]byte(" "), MaxIngestBody+1)), http.StatusRequestEntityTooLarge, &api.Error{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", url, bytes.NewReader([]byte(tt.body)))
			req.Header.Set("Authorization", "Bearer "+ingestToken)
			raw := roundTrip(t, req, tt.code)
			decodeStrict(t, raw, tt.into)
			if tt.want != "" && string(raw) != tt.want+"\n" {
				t.Errorf("got %s; want %s", raw, tt.want)
			}
			assertSortedKeys(t, raw)
		})
	}
	t.Run("status", func(t *testing.T) {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/ingest/status", nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		var st api.IngestStatus
		decodeStrict(t, roundTrip(t, req, http.StatusOK), &st)
		if st.Events != 1 || st.DeadLetters["http"] != 1 || st.Sources == nil {
			t.Errorf("status: %+v; want 1 event, 1 dead letter from http, sources []", st)
		}
	})
}

// roundTrip sends req and returns its body, failing unless it answers code.
func roundTrip(t *testing.T, req *http.Request, code int) []byte {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != code {
		t.Fatalf("got %d %s; want %d", resp.StatusCode, raw, code)
	}
	return raw
}

// decodeStrict decodes raw into v, refusing fields v does not have.
func decodeStrict(t *testing.T, raw []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s does not decode into %T: %v", raw, v, err)
	}
}

// assertSortedKeys checks that raw's keys are in the order encoding a map
// writes them, alphabetical (the records in "errors" were structs already).
func assertSortedKeys(t *testing.T, raw []byte) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(m)
	if string(again)+"\n" != string(raw) {
		t.Errorf("answer %s; as a map literal it was %s", raw, again)
	}
}
