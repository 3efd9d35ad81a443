package awsemu

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"time"
)

// Credentials are an access key the emulator issued: pass AccessKeyID,
// SecretAccessKey and SessionToken to credentials.NewStaticCredentialsProvider.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for an assumed role's temporary credentials; the
	// SDK sends it as X-Amz-Security-Token and the emulator requires it.
	SessionToken string
	// ARN is the principal's ARN as CloudTrail and error messages spell it:
	// arn:aws:iam::{account}:user/{name} or
	// arn:aws:sts::{account}:assumed-role/{role}/{session}.
	ARN string
}

// user is an IAM user.
type user struct {
	name, principalID string
	policy            Policy
}

// role is an IAM role; its sessions share its policy.
type role struct {
	name, principalID string
	policy            Policy
}

// accessKey maps a key id to its secret and to the principal it signs as:
// a user, or a role session.
type accessKey struct {
	id, secret, sessionToken string
	user                     *user
	role                     *role
	session                  string
	created                  time.Time
}

// iamNameRE is IAM's user and role name alphabet; session names are the
// same plus nothing else we need.
var iamNameRE = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)

// PutUser creates an IAM user with the policy, or replaces an existing
// user's policy (its keys keep working under the new one).
func (e *Emulator) PutUser(name string, p Policy) error {
	if !iamNameRE.MatchString(name) {
		return fmt.Errorf("awsemu: %q is not an IAM user name", name)
	}
	if err := p.validate(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if u := e.users[name]; u != nil {
		u.policy = p
		return nil
	}
	e.users[name] = &user{name: name, principalID: "AIDA" + randomID(17), policy: p}
	return nil
}

// PutRole creates an IAM role with the policy, or replaces an existing
// role's policy (for its sessions too).
func (e *Emulator) PutRole(name string, p Policy) error {
	if !iamNameRE.MatchString(name) {
		return fmt.Errorf("awsemu: %q is not an IAM role name", name)
	}
	if err := p.validate(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.roles[name]; r != nil {
		r.policy = p
		return nil
	}
	e.roles[name] = &role{name: name, principalID: "AROA" + randomID(17), policy: p}
	return nil
}

// NewAccessKey issues a long-term access key (AKIA...) for a user.
func (e *Emulator) NewAccessKey(userName string) (Credentials, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.users[userName]
	if u == nil {
		return Credentials{}, fmt.Errorf("awsemu: no IAM user %q", userName)
	}
	k := &accessKey{id: "AKIA" + randomID(16), secret: randomSecret(), user: u, created: e.Now()}
	e.keys[k.id] = k
	return Credentials{AccessKeyID: k.id, SecretAccessKey: k.secret, ARN: e.userARN(u)}, nil
}

// AssumeRole issues temporary credentials (ASIA... and a session token)
// for a session of a role, as STS AssumeRole would.
func (e *Emulator) AssumeRole(roleName, session string) (Credentials, error) {
	if len(session) < 2 || !iamNameRE.MatchString(session) {
		return Credentials{}, fmt.Errorf("awsemu: %q is not a role session name", session)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.roles[roleName]
	if r == nil {
		return Credentials{}, fmt.Errorf("awsemu: no IAM role %q", roleName)
	}
	k := &accessKey{id: "ASIA" + randomID(16), secret: randomSecret(), sessionToken: randomToken(), role: r, session: session, created: e.Now()}
	e.keys[k.id] = k
	return Credentials{AccessKeyID: k.id, SecretAccessKey: k.secret, SessionToken: k.sessionToken, ARN: e.sessionARN(r, session)}, nil
}

func (e *Emulator) userARN(u *user) string {
	return "arn:aws:iam::" + e.opts.AccountID + ":user/" + u.name
}

func (e *Emulator) roleARN(r *role) string {
	return "arn:aws:iam::" + e.opts.AccountID + ":role/" + r.name
}

func (e *Emulator) sessionARN(r *role, session string) string {
	return "arn:aws:sts::" + e.opts.AccountID + ":assumed-role/" + r.name + "/" + session
}

// principalARN is the ARN a key signs as.
func (e *Emulator) principalARN(k *accessKey) string {
	if k.user != nil {
		return e.userARN(k.user)
	}
	return e.sessionARN(k.role, k.session)
}

// policyFor is the policy that governs a key's calls now (PutUser and
// PutRole may replace it while calls run).
func (e *Emulator) policyFor(k *accessKey) Policy {
	e.mu.Lock()
	defer e.mu.Unlock()
	if k.user != nil {
		return k.user.policy
	}
	return k.role.policy
}

// lookupKey finds an access key; nil when the emulator never issued it.
func (e *Emulator) lookupKey(id string) *accessKey {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.keys[id]
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// randomID is n characters of IAM's unique-id alphabet (upper case and
// digits 2-7).
func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

func randomSecret() string {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b) // 40 characters, like AWS's
}

func randomToken() string {
	b := make([]byte, 96)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}
