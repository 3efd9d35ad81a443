package config

import "testing"

func TestParseMemoryLimit(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "", want: 0},
		{in: "off", want: MemoryLimitOff},
		{in: "200MiB", want: 200 << 20},
		{in: " 2GiB ", want: 2 << 30},
		{in: "1TiB", want: 1 << 40},
		{in: "67108864B", want: 64 << 20},
		{in: "63MiB", wantErr: true}, // under the floor
		{in: "200MB", wantErr: true}, // not GOMEMLIMIT's spelling
		{in: "200", wantErr: true},
		{in: "-1GiB", wantErr: true},
		{in: "lots", wantErr: true},
		{in: "99999999999TiB", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseMemoryLimit(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseMemoryLimit(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// A bad limits.memory_limit is refused by name, before serve starts.
func TestValidateRefusesBadMemoryLimit(t *testing.T) {
	c := Default()
	c.Limits.MemoryLimit = "lots"
	err := c.Validate()
	if e, ok := err.(*Error); !ok || e.Setting != "limits.memory_limit" {
		t.Errorf("Validate: %v; want an error naming limits.memory_limit", err)
	}
}
