package detect

import (
	"testing"
)

// Every tamper case the issue lists, in each of the Activity log's three
// shapes, succeeded and failed: each succeeded change alerts with its
// class, and of the failed ones only the deletion of a diagnostic setting
// (an attempt to cut the audit path) does. TestTamperRules mixes shapes
// per case; this one leaves no pair out.
func TestTamperEveryCaseInEveryShape(t *testing.T) {
	cases := []struct {
		name, suffix, op, props string
		want                    Class
		failedAlerts            bool
	}{
		{"diagnostic setting deleted", diagSuffix, "Microsoft.Insights/diagnosticSettings/delete", "", ClassAuditPathDeleted, true},
		{"diagnostic setting written without AuditEvent", diagSuffix, "Microsoft.Insights/diagnosticSettings/write", body("requestbody", metricsOnly), ClassAuditPathDisabled, false},
		{"access policy changed", "/accessPolicies/add", "Microsoft.KeyVault/vaults/accessPolicies/write", "", ClassAccessPolicy, false},
		{"role assigned on the vault", roleSuffix, "Microsoft.Authorization/roleAssignments/write", body("requestbody", readerRole), ClassRoleAssignment, false},
		{"vault deleted", "", "Microsoft.KeyVault/vaults/delete", "", ClassVaultDeleted, false},
		{"network rules changed", "", "Microsoft.KeyVault/vaults/write", body("requestbody", networkACL), ClassNetworkRules, false},
	}
	// The status words each shape uses for an outcome.
	statuses := map[string][2]string{
		"export":        {"Success", "Failure"},
		"rest":          {"Succeeded", "Failed"},
		"AzureActivity": {"Success", "Failure"},
	}
	ix, err := NewIndex(testDecoys())
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(ix, nil)
	for _, c := range cases {
		for shape, st := range statuses {
			for i, status := range st {
				failed := i == 1
				ev := activity(t, shape, vaultPay, c.suffix, c.op, status, c.props)
				alerts := m.Tamper(&ev)
				if failed && !c.failedAlerts {
					if len(alerts) != 0 {
						t.Errorf("%s, %s, %s: %d alerts (%s); want none", c.name, shape, status, len(alerts), alerts[0].Class)
					}
					continue
				}
				if len(alerts) != 1 || alerts[0].Class != c.want || alerts[0].Suppressed {
					t.Errorf("%s, %s, %s: alerts %+v; want one %s raised", c.name, shape, status, classes(alerts), c.want)
					continue
				}
				if c := alerts[0].Event.Caller; c.ObjectID != "oid-mallory" && c.UPN != "mallory@contoso.com" {
					t.Errorf("%s, %s: caller %+v", shape, status, c)
				}
			}
		}
	}
}

// classes lists the alerts' classes, for a failure message.
func classes(alerts []Alert) []Class {
	var out []Class
	for _, a := range alerts {
		out = append(out, a.Class)
	}
	return out
}
