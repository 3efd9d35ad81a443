package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestReconcileSettings(t *testing.T) {
	c, err := Load(newFlags(t), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if every, err := c.Reconcile.Every(); every != time.Hour || err != nil {
		t.Errorf("default: %v, %v; want 1h", every, err)
	}
	c, err = Load(newFlags(t, "--reconcile-interval", "30m"), envOf(map[string]string{"HONEYVAULT_RECONCILE_INTERVAL": "2h"}))
	if err != nil {
		t.Fatal(err)
	}
	if every, _ := c.Reconcile.Every(); every != 30*time.Minute {
		t.Errorf("flag over env: got %+v", c.Reconcile)
	}
	c, err = Load(newFlags(t), envOf(map[string]string{"HONEYVAULT_RECONCILE_INTERVAL": "Off"}))
	if err != nil {
		t.Fatal(err)
	}
	if every, err := c.Reconcile.Every(); every != 0 || err != nil {
		t.Errorf("off: %v, %v", every, err)
	}
	for _, tc := range []struct{ value, inMsg string }{
		{"hourly", "off"},
		{"5s", "at least 1m"},
		{"-1h", "at least 1m"},
	} {
		_, err := Load(newFlags(t), envOf(map[string]string{"HONEYVAULT_RECONCILE_INTERVAL": tc.value}))
		var ce *Error
		if !errors.As(err, &ce) || ce.Setting != "reconcile.interval" || !strings.Contains(err.Error(), tc.inMsg) {
			t.Errorf("%q: got %v; want an error about reconcile.interval saying %q", tc.value, err, tc.inMsg)
		}
	}
}
