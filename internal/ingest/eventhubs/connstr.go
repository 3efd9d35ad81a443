package eventhubs

import (
	"errors"
	"net/url"
	"strings"
)

// connString is what honeyvault needs from an Event Hubs connection
// string: Endpoint=sb://NS.servicebus.windows.net/;SharedAccessKeyName=…;
// SharedAccessKey=…[;EntityPath=HUB].
type connString struct {
	host       string // NS.servicebus.windows.net
	entityPath string
}

// parseConnString reads a connection string. Errors never quote it: it
// holds a key.
func parseConnString(s string) (connString, error) {
	var c connString
	var hasKey bool
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "endpoint":
			u, err := url.Parse(v)
			if err != nil || u.Hostname() == "" {
				return c, errors.New("connection string: Endpoint is not a URL (want sb://NAMESPACE.servicebus.windows.net/)")
			}
			c.host = u.Hostname()
		case "entitypath":
			c.entityPath = v
		case "sharedaccesskey", "sharedaccesssignature":
			hasKey = v != ""
		}
	}
	switch {
	case c.host == "":
		return c, errors.New("connection string: no Endpoint=sb://NAMESPACE.servicebus.windows.net/")
	case !hasKey:
		return c, errors.New("connection string: no SharedAccessKey")
	}
	return c, nil
}
