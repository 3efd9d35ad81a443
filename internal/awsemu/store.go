package awsemu

import (
	"crypto/rand"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Staging labels Secrets Manager moves between versions.
const (
	stageCurrent  = "AWSCURRENT"
	stagePrevious = "AWSPREVIOUS"
)

// regionStore holds one region's secrets. Secret names are case-sensitive:
// "Prod/DB" and "prod/db" are two secrets (see doc.go).
type regionStore struct {
	mu      sync.Mutex
	byName  map[string]*secret
	byARN   map[string]*secret
	created int64 // creation counter: ListSecrets' stable order
}

func newRegionStore() *regionStore {
	return &regionStore{byName: map[string]*secret{}, byARN: map[string]*secret{}}
}

// secret is one secret and its versions.
type secret struct {
	name, arn   string
	description string
	kmsKeyID    string
	tags        []Tag
	versions    map[string]*version
	order       []string // version ids, oldest first
	seq         int64
	created     time.Time
	changed     time.Time
	accessed    time.Time // last GetSecretValue (zero: never)
	deleted     time.Time // when DeleteSecret scheduled deletion (zero: not deleted)
	deletion    time.Time // when it will be gone for good
}

// version is one secret value with its staging labels.
type version struct {
	id      string
	str     *string
	bin     []byte
	created time.Time
	stages  []string
}

// Tag is a secret's tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

var secretNameRE = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)

// purgeLocked forgets secrets whose recovery window has ended, as Secrets
// Manager deletes them for good then.
func (s *regionStore) purgeLocked(now time.Time) {
	for name, sec := range s.byName {
		if !sec.deleted.IsZero() && !now.Before(sec.deletion) {
			delete(s.byName, name)
			delete(s.byARN, sec.arn)
		}
	}
}

// resolveLocked finds a secret by name, full ARN or partial ARN (the ARN
// without the "-xxxxxx" suffix). An ARN of another region or account finds
// nothing.
func (s *regionStore) resolveLocked(arnPrefix, id string) *secret {
	if !strings.HasPrefix(id, "arn:") {
		return s.byName[id]
	}
	if sec := s.byARN[id]; sec != nil {
		return sec
	}
	if name, ok := strings.CutPrefix(id, arnPrefix); ok {
		return s.byName[name]
	}
	return nil
}

// versionByStage is the version holding a staging label; nil when none
// does (a secret made without a value has no AWSCURRENT).
func (sec *secret) versionByStage(stage string) *version {
	for _, id := range sec.order {
		if v := sec.versions[id]; slices.Contains(v.stages, stage) {
			return v
		}
	}
	return nil
}

// addVersion stores a new version. With no stages given it becomes
// AWSCURRENT and the old current version AWSPREVIOUS; any label given is
// moved off whatever version held it.
func (sec *secret) addVersion(v *version, stages []string, now time.Time) {
	if len(stages) == 0 {
		stages = []string{stageCurrent}
	}
	if slices.Contains(stages, stageCurrent) {
		if old := sec.versionByStage(stageCurrent); old != nil {
			sec.moveStage(stagePrevious, old)
		}
	}
	for _, st := range stages {
		sec.removeStage(st)
	}
	v.stages = slices.Clone(stages)
	sec.versions[v.id] = v
	sec.order = append(sec.order, v.id)
	sec.changed = now
}

func (sec *secret) moveStage(stage string, to *version) {
	sec.removeStage(stage)
	to.stages = append(to.stages, stage)
}

func (sec *secret) removeStage(stage string) {
	for _, v := range sec.versions {
		v.stages = slices.DeleteFunc(v.stages, func(s string) bool { return s == stage })
	}
}

// versionsToStages maps each labelled version's id to its labels.
func (sec *secret) versionsToStages(includeUnlabelled bool) map[string][]string {
	m := map[string][]string{}
	for id, v := range sec.versions {
		if len(v.stages) > 0 || includeUnlabelled {
			m[id] = slices.Clone(v.stages)
		}
	}
	return m
}

// sameValue reports whether v holds exactly this value.
func (v *version) sameValue(str *string, bin []byte) bool {
	if (v.str == nil) != (str == nil) {
		return false
	}
	if str != nil {
		return *v.str == *str
	}
	return string(v.bin) == string(bin)
}

const suffixAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// arnSuffix is the six random characters Secrets Manager appends to a
// secret's ARN.
func arnSuffix() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = suffixAlphabet[int(b[i])%len(suffixAlphabet)]
	}
	return string(b)
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexd[c>>4], hexd[c&15])
	}
	return string(out)
}
