package vault

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/honeyvault/honeyvault/internal/secretstore"
)

// secretOf reads one secret's metadata as a detailed-metadata list gives
// it (the fields of GET {mount}/metadata/{path}); what is missing or
// malformed stays unknown.
func secretOf(name string, m map[string]any) secretstore.Secret {
	s := secretstore.Secret{Name: name}
	if cm, ok := m["custom_metadata"].(map[string]any); ok && len(cm) > 0 {
		s.Tags = make(map[string]string, len(cm))
		for k, v := range cm {
			s.Tags[k] = fmt.Sprint(v)
		}
	}
	s.Created, s.Updated = timeOf(m["created_time"]), timeOf(m["updated_time"])
	if n := intOf(m["current_version"]); n > 0 {
		s.Version = strconv.Itoa(n)
		if vs, ok := m["versions"].(map[string]any); ok {
			if v, ok := vs[s.Version].(map[string]any); ok && (v["destroyed"] == true || !timeOf(v["deletion_time"]).IsZero()) {
				s.Deleted = true
			}
		}
	}
	return s
}

func timeOf(v any) time.Time {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// intOf reads a JSON number as the client decodes it (json.Number).
func intOf(v any) int {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	case float64:
		return int(n)
	}
	return 0
}
