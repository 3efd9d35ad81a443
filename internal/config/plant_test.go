package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPlantFromFileAndEnvironment(t *testing.T) {
	file := writeFile(t, "plant:\n  types: [secret, key]\n  probability: 0.25\n  max: 5\n  secret_keywords: [api-key, db-password]\n  grant_temporary: true\n")
	c, err := Load(newFlags(t, "--config", file), envOf(map[string]string{
		"HONEYVAULT_PLANT_MAX":               "7",
		"HONEYVAULT_PLANT_CONCURRENCY":       "16",
		"HONEYVAULT_PLANT_RATE_HEADROOM":     "0.5",
		"HONEYVAULT_PLANT_MAX_THROTTLE_WAIT": "90s",
		"HONEYVAULT_PLANT_KEY_KEYWORDS":      "cmk, kek",
		"HONEYVAULT_PLANT_SUBSCRIPTIONS":     "11111111-2222-3333-4444-555555555555",
	}))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Plant
	want := DefaultPlant()
	want.Types = []string{"secret", "key"}
	want.Probability = 0.25
	want.Max = 7
	want.SecretKeywords = []string{"api-key", "db-password"}
	want.KeyKeywords = []string{"cmk", "kek"}
	want.GrantTemporary = true
	want.Concurrency = 16
	want.RateHeadroom = 0.5
	want.MaxThrottleWait = Duration(90 * time.Second)
	want.Subscriptions = []string{"11111111-2222-3333-4444-555555555555"}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
}

func TestBadPlantSettingsNameTheSetting(t *testing.T) {
	tests := []struct {
		env     map[string]string
		file    string
		setting string
		inMsg   string
	}{
		{env: map[string]string{"HONEYVAULT_PLANT_PROBABILITY": "1.5"}, setting: "plant.probability", inMsg: "0 to 1"},
		{env: map[string]string{"HONEYVAULT_PLANT_PROBABILITY": "often"}, setting: "plant.probability", inMsg: "not a number"},
		{env: map[string]string{"HONEYVAULT_PLANT_MAX": "0"}, setting: "plant.max", inMsg: "1 to 50"},
		{env: map[string]string{"HONEYVAULT_PLANT_MAX": "3.5"}, setting: "plant.max", inMsg: "whole number"},
		{env: map[string]string{"HONEYVAULT_PLANT_TYPES": "secret,password"}, setting: "plant.types", inMsg: "password"},
		{env: map[string]string{"HONEYVAULT_PLANT_GRANT_TEMPORARY": "yes please"}, setting: "plant.grant_temporary", inMsg: "true or false"},
		{env: map[string]string{"HONEYVAULT_PLANT_SUBSCRIPTIONS": "prod"}, setting: "plant.subscriptions", inMsg: "GUID"},
		{env: map[string]string{"HONEYVAULT_PLANT_CONCURRENCY": "1000"}, setting: "plant.concurrency", inMsg: "1 to 256"},
		{env: map[string]string{"HONEYVAULT_PLANT_RATE_HEADROOM": "0"}, setting: "plant.rate_headroom", inMsg: "more than 0"},
		{env: map[string]string{"HONEYVAULT_PLANT_VALUE_HASH_KEY": "abcd"}, setting: "plant.value_hash_key", inMsg: "32 random bytes"},
		{env: map[string]string{"HONEYVAULT_PLANT_CLIENT_SECRET": "s3cr3t-value"}, setting: "plant.client_id", inMsg: "tenant_id"},
		{env: map[string]string{"HONEYVAULT_PLANT_CLOUD": "mars"}, setting: "plant.cloud", inMsg: "mars"},
		{env: map[string]string{"HONEYVAULT_PLANT_REFRESH": "sometimes"}, setting: "plant.refresh", inMsg: "true or false"},
		{env: map[string]string{"HONEYVAULT_PLANT_REFRESH_DEFAULT": "1h"}, setting: "plant.refresh_default", inMsg: "24h to 17520h"},
		{file: "plant:\n  types: []\n", setting: "plant.types", inMsg: "empty"},
		{file: "plant:\n  secret_keywords: [\"api key\"]\n", setting: "plant.secret_keywords", inMsg: "api key"},
		{file: "plant:\n  colour: red\n", setting: "config", inMsg: "colour"},
	}
	for _, tt := range tests {
		t.Run(tt.setting+" "+tt.inMsg, func(t *testing.T) {
			var args []string
			if tt.file != "" {
				args = append(args, "--config", writeFile(t, tt.file))
			}
			_, err := Load(newFlags(t, args...), envOf(tt.env))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v; want a *config.Error", err)
			}
			if got, want := ce.Setting, tt.setting; got != want {
				t.Errorf("setting: got %q; want %q (%v)", got, want, err)
			}
			if !strings.Contains(err.Error(), tt.inMsg) {
				t.Errorf("error %q does not mention %q", err, tt.inMsg)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

func TestInventorySettings(t *testing.T) {
	c, err := Load(newFlags(t, "--inventory-interval", "30m"), envOf(map[string]string{
		"HONEYVAULT_INVENTORY_INTERVAL": "2h", "HONEYVAULT_INVENTORY_LATE_AFTER": "6h"}))
	if err != nil {
		t.Fatal(err)
	}
	if every, _ := c.Inventory.Every(); every != 30*time.Minute || c.Inventory.LateAfter != Duration(6*time.Hour) {
		t.Errorf("flag over env: got %+v", c.Inventory)
	}
	c, err = Load(newFlags(t), envOf(map[string]string{"HONEYVAULT_INVENTORY_INTERVAL": "OFF"}))
	if err != nil {
		t.Fatal(err)
	}
	if every, err := c.Inventory.Every(); every != 0 || err != nil {
		t.Errorf("off: %v, %v", every, err)
	}
	for _, c := range []struct {
		env            map[string]string
		setting, inMsg string
	}{
		{map[string]string{"HONEYVAULT_INVENTORY_INTERVAL": "hourly"}, "inventory.interval", "off"},
		{map[string]string{"HONEYVAULT_INVENTORY_INTERVAL": "5s"}, "inventory.interval", "at least 1m"},
		{map[string]string{"HONEYVAULT_INVENTORY_LATE_AFTER": "1s"}, "inventory.late_after", "at least 1m"},
	} {
		_, err := Load(newFlags(t), envOf(c.env))
		var ce *Error
		if !errors.As(err, &ce) || ce.Setting != c.setting || !strings.Contains(err.Error(), c.inMsg) {
			t.Errorf("%v: got %v; want an error about %s saying %q", c.env, err, c.setting, c.inMsg)
		}
	}
}

// Inventory.Every accepts off (any case) or a duration of at least a
// minute, and nothing else.
func FuzzInventoryEvery(f *testing.F) {
	for _, s := range []string{"1h", "off", "OFF", " off ", "59s", "1m", "-1h", "", "1e9h", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Inventory{Interval: s}.Every()
		switch {
		case err != nil:
			if d != 0 {
				t.Fatalf("%q: %v with error %v", s, d, err)
			}
		case d == 0:
			if !strings.EqualFold(strings.TrimSpace(s), "off") {
				t.Fatalf("%q: off", s)
			}
		case d < time.Minute:
			t.Fatalf("%q: %v accepted", s, d)
		}
	})
}

// Planting plants a secret and a key when nothing is configured, as the
// original does (its own test downloads a decoy key's public key).
func TestPlantDefaultsToSecretAndKey(t *testing.T) {
	c, err := Load(newFlags(t), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.Plant.Types, ","), "secret,key"; got != want {
		t.Errorf("default plant.types: got %q; want %q", got, want)
	}
}
