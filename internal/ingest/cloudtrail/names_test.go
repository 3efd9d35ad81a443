package cloudtrail

import "testing"

func TestIsLogFile(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"111122223333/CloudTrail/us-east-1/2024/07/31/111122223333_CloudTrail_us-east-1_20240731T1235Z_a1b2c3d4e5f6g7h8.json.gz", true},
		{"o-exampleorgid/111122223333/CloudTrail/eu-west-1/2024/07/31/111122223333_CloudTrail_eu-west-1_20240731T1235Z_a1b2c3d4e5f6g7h8.json.gz", true},
		{"111122223333/CloudTrail-Digest/us-east-1/2024/07/31/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20240731T123500Z.json.gz", false},
		{"111122223333/CloudTrail-Insight/us-east-1/2024/07/31/x.json.gz", false},
		{"111122223333/CloudTrail/us-east-1/2024/07/31/notes.txt", false},
		{"111122223333/CloudTrail/x.json.gz", false},
		{"CloudTrail/us-east-1/x.json.gz", false},
	}
	for _, tt := range tests {
		if got := IsLogFile(tt.key); got != tt.want {
			t.Errorf("IsLogFile(%q) = %v; want %v", tt.key, got, tt.want)
		}
	}
}
