package incident

import "github.com/honeyvault/honeyvault/internal/detect"

// Incident severities, lowest first.
const (
	Medium   = "medium"
	High     = "high"
	Critical = "critical"
)

// DecoysToRaise is how many distinct decoys an incident's alerts must touch
// to raise its severity one step.
const DecoysToRaise = 3

// Rank orders severities: medium 1, high 2, critical 3, anything else 0.
func Rank(severity string) int {
	switch severity {
	case Medium:
		return 1
	case High:
		return 2
	case Critical:
		return 3
	}
	return 0
}

// Severity is an incident's severity from the highest severity of its
// alerts and the number of distinct decoys they touched (see the package
// documentation's table).
func Severity(highestAlert detect.Severity, decoys int) string {
	sev := Medium
	if highestAlert == detect.High {
		sev = High
	}
	if decoys >= DecoysToRaise {
		switch sev {
		case Medium:
			sev = High
		case High:
			sev = Critical
		}
	}
	return sev
}

// maxAlertSeverity returns the higher of two alert severities.
func maxAlertSeverity(a, b string) string {
	if a == string(detect.High) || b == string(detect.High) {
		return string(detect.High)
	}
	return string(detect.Medium)
}
