package vaultemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
)

// defaultMaxRequestSize is Vault's default max_request_size (32 MiB).
const defaultMaxRequestSize = 32 << 20

// parseBody reads a request body as Vault does: empty means no data,
// otherwise exactly one JSON object. Numbers stay json.Number so that
// integers pass through exactly (and stay numbers in audit entries).
func parseBody(b []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("failed to parse JSON input: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("failed to parse JSON input: unexpected data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("failed to parse JSON input: the body must be a JSON object")
	}
	return m, nil
}

// queryData turns a GET's query parameters into request data, as Vault
// does: one value stays a string, several a list. "list" only selects
// the operation and is dropped.
func queryData(q url.Values) map[string]any {
	var out map[string]any
	for k, vs := range q {
		if k == "list" || len(vs) == 0 {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		if len(vs) == 1 {
			out[k] = vs[0]
			continue
		}
		l := make([]any, len(vs))
		for i, v := range vs {
			l[i] = v
		}
		out[k] = l
	}
	return out
}
