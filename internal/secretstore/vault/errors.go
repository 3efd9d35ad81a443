package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/honeyvault/honeyvault/internal/secretstore"
)

// wrap says what failed, marking a refusal with the secretstore error of
// its kind. Vault's messages name paths, so only the status and Vault's
// error words are kept, never the request URL (a decoy's path must not
// reach a log above debug).
func wrap(what string, err error) error {
	var re *vaultapi.ResponseError
	if !errors.As(err, &re) {
		return fmt.Errorf("vault: %s: %w", what, pathless(err))
	}
	msg := strings.Join(re.Errors, "; ")
	var kind error
	switch re.StatusCode {
	case http.StatusForbidden:
		kind = secretstore.ErrForbidden
	case http.StatusNotFound:
		kind = secretstore.ErrNotFound
	case http.StatusBadRequest:
		kind = secretstore.ErrInvalid
		if strings.Contains(msg, "check-and-set") {
			kind = secretstore.ErrConflict
		}
	case http.StatusConflict, http.StatusPreconditionFailed:
		kind = secretstore.ErrConflict
	case http.StatusTooManyRequests:
		kind = secretstore.ErrThrottled
	case http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		kind = secretstore.ErrInvalid
	}
	if kind == nil {
		return fmt.Errorf("vault: %s: HTTP %d: %s", what, re.StatusCode, msg)
	}
	return fmt.Errorf("vault: %s: HTTP %d: %s: %w", what, re.StatusCode, msg, kind)
}

// unclear wraps err without marking it a refusal.
func unclear(err error) error {
	var re *vaultapi.ResponseError
	if errors.As(err, &re) {
		return fmt.Errorf("HTTP %d: %s", re.StatusCode, strings.Join(re.Errors, "; "))
	}
	return pathless(err)
}

// pathless is a transport error without the request's URL, which names
// the path: the network's words and context's errors are what matter.
func pathless(err error) error {
	var ue *url.Error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("request not answered: %w", contextErr(err))
	case errors.As(err, &ue):
		return fmt.Errorf("%s request failed: %w", ue.Op, ue.Err)
	}
	if errors.Is(err, vaultapi.ErrSecretNotFound) {
		return errors.New("Vault's answer had no body")
	}
	return errors.New("request failed")
}

func contextErr(err error) error {
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	return context.DeadlineExceeded
}

func sortStores(s []secretstore.Store) {
	sort.Slice(s, func(i, j int) bool { return s[i].ID < s[j].ID })
}

func isNotFound(err error) bool  { return errors.Is(err, secretstore.ErrNotFound) }
func isForbidden(err error) bool { return errors.Is(err, secretstore.ErrForbidden) }
