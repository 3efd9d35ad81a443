package awsemu

import (
	"fmt"
	"strings"
)

// Effect is a policy statement's effect.
type Effect string

// The two effects of an IAM statement.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Statement allows or denies actions on resources. Actions are
// "secretsmanager:GetSecretValue" or globs such as "secretsmanager:*" or
// "secretsmanager:Get*"; resources are secret ARNs or globs such as
// "arn:aws:secretsmanager:*:123456789012:secret:prod/*" or "*". As in IAM,
// "*" matches any run of characters (slashes too) and "?" one character;
// action names compare case-insensitively, ARNs case-sensitively.
type Statement struct {
	Effect    Effect
	Actions   []string
	Resources []string
}

// Policy is a principal's identity-based policy: a call is allowed when a
// statement allows it and none denies it.
type Policy struct {
	Statements []Statement
}

// AllowAll is a policy that allows every Secrets Manager action on every
// secret.
func AllowAll() Policy {
	return Policy{Statements: []Statement{{Effect: Allow, Actions: []string{"secretsmanager:*"}, Resources: []string{"*"}}}}
}

func (p Policy) validate() error {
	for i, s := range p.Statements {
		if s.Effect != Allow && s.Effect != Deny {
			return fmt.Errorf("awsemu: policy statement %d: effect %q is neither Allow nor Deny", i, s.Effect)
		}
		if len(s.Actions) == 0 || len(s.Resources) == 0 {
			return fmt.Errorf("awsemu: policy statement %d names no action or no resource", i)
		}
	}
	return nil
}

// decision is what a policy says of one action on one resource.
type decision int

const (
	implicitDeny decision = iota
	allowed
	explicitDeny
)

// decide evaluates the policy for an action ("secretsmanager:X") on a
// resource ARN ("*" for actions on no secret).
func (p Policy) decide(action, resource string) decision {
	d := implicitDeny
	for _, s := range p.Statements {
		if !anyGlob(s.Actions, action, true) || !anyGlob(s.Resources, resource, false) {
			continue
		}
		if s.Effect == Deny {
			return explicitDeny
		}
		d = allowed
	}
	return d
}

func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

// globMatch is IAM's wildcard match: '*' any run of characters (including
// '/', where path.Match would stop), '?' any one character. It walks with
// two pointers and backtracks only to the last star, never recursing.
func globMatch(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
