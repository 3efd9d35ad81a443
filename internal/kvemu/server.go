package kvemu

import (
	"net"
	"net/http"
	"strings"
)

// ServeHTTP routes a request by its Host: a vault host goes to the data
// plane, an ARM host to the management plane, a mounted host to its
// service.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	if name, suffix, ok := splitVaultHost(host); ok {
		e.serveVault(w, r, name, suffix)
		return
	}
	switch host {
	case "management.azure.com", "management.chinacloudapi.cn", "management.usgovcloudapi.net":
		e.serveARM(w, r)
		return
	case "login.microsoftonline.com":
		e.serveLogin(w, r)
		return
	}
	if m := e.mounted(host); m != nil {
		m.h.ServeHTTP(w, r)
		return
	}
	writeError(w, &apiError{status: http.StatusNotFound, code: "HostNotFound", message: "kvemu serves no host " + host})
}

// writeJSON answers status with a JSON body (none when body is nil).
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	if body != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	if body != nil {
		_, _ = w.Write(body)
	}
}

func writeError(w http.ResponseWriter, err *apiError) {
	for k, vs := range err.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	writeJSON(w, err.status, err.body())
}
