package kvemu

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"strconv"
	"time"
)

// meta is what every object version carries besides its payload.
type meta struct {
	enabled bool
	nbf     *int64
	exp     *int64
	created int64
	updated int64
	tags    map[string]string
}

// attributesJSON is the "attributes" object of Key Vault bundles. Times
// are Unix seconds.
type attributesJSON struct {
	Enabled         *bool  `json:"enabled,omitempty"`
	NotBefore       *int64 `json:"nbf,omitempty"`
	Expires         *int64 `json:"exp,omitempty"`
	Created         *int64 `json:"created,omitempty"`
	Updated         *int64 `json:"updated,omitempty"`
	RecoveryLevel   string `json:"recoveryLevel,omitempty"`
	RecoverableDays *int   `json:"recoverableDays,omitempty"`
	Exportable      *bool  `json:"exportable,omitempty"`
}

func (m meta) attributes(v *vault) *attributesJSON {
	enabled, created, updated, days := m.enabled, m.created, m.updated, v.retention
	level := "Recoverable+Purgeable"
	if v.purgeProt {
		level = "Recoverable"
	}
	return &attributesJSON{
		Enabled: &enabled, NotBefore: m.nbf, Expires: m.exp, Created: &created, Updated: &updated,
		RecoveryLevel: level, RecoverableDays: &days,
	}
}

// newMeta applies client-sent attributes and tags to a fresh version.
func newMeta(a *attributesJSON, tags map[string]string, now time.Time) (meta, error) {
	m := meta{enabled: true, created: now.Unix(), updated: now.Unix(), tags: cloneTags(tags)}
	if err := m.apply(a, tags, now); err != nil {
		return meta{}, err
	}
	return m, nil
}

// apply updates m from a PATCH's attributes and tags (nil means unchanged).
func (m *meta) apply(a *attributesJSON, tags map[string]string, now time.Time) error {
	if len(tags) > 15 {
		return errBadParameter("The number of tags (%d) exceeds the maximum of 15.", len(tags))
	}
	for k, v := range tags {
		if len(k) > 512 || len(v) > 256 {
			return errBadParameter("A tag name or value is too long.")
		}
	}
	if a != nil {
		if a.Enabled != nil {
			m.enabled = *a.Enabled
		}
		if a.NotBefore != nil {
			m.nbf = a.NotBefore
		}
		if a.Expires != nil {
			m.exp = a.Expires
		}
		if m.nbf != nil && m.exp != nil && *m.exp < *m.nbf {
			return errBadParameter("The expiration time must be later than the not-before time.")
		}
	}
	if tags != nil {
		m.tags = maps.Clone(tags)
	}
	m.updated = now.Unix()
	return nil
}

// deletion records when an object was soft-deleted.
type deletion struct {
	deletedDate    int64
	scheduledPurge int64
}

// deletedJSON are the fields deleted bundles add.
type deletedJSON struct {
	RecoveryID         string `json:"recoveryId,omitempty"`
	ScheduledPurgeDate *int64 `json:"scheduledPurgeDate,omitempty"`
	DeletedDate        *int64 `json:"deletedDate,omitempty"`
}

// json is the deleted fields of an object; none (all omitted) when it is
// not deleted.
func (d *deletion) json(v *vault, collection, name string) deletedJSON {
	if d == nil {
		return deletedJSON{}
	}
	dd, sp := d.deletedDate, d.scheduledPurge
	return deletedJSON{RecoveryID: recoveryID(v, collection, name), DeletedDate: &dd, ScheduledPurgeDate: &sp}
}

// recoveryID is a deleted object's id, such as
// https://{vault}.vault.azure.net/deletedsecrets/{name}.
func recoveryID(v *vault, collection, name string) string {
	return "https://" + v.host() + "/" + collection + "/" + name
}

func newDeletion(v *vault, now time.Time) *deletion {
	return &deletion{deletedDate: now.Unix(), scheduledPurge: now.Add(time.Duration(v.retention) * 24 * time.Hour).Unix()}
}

// trueOrNil is a flag that JSON omits when false (like "managed").
func trueOrNil(b bool) *bool {
	if !b {
		return nil
	}
	return &b
}

// newVersion makes a Key Vault object version id: 32 lower-case hex digits.
func newVersion() string { return hex.EncodeToString(randomBytes(16)) }

// decodeBody decodes a JSON request body into dst, answering Key Vault's
// 400 when it is not JSON of the right shape.
func decodeBody(body []byte, dst any) error {
	if len(body) == 0 {
		return errBadParameter("The request body is required.")
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return errBadParameter("The request body is not valid JSON: %v", err)
	}
	return nil
}

// sealBackup encrypts a backup payload with the emulator's key, so a
// backup blob, like Azure's, reveals nothing and restores only here.
func (e *Emulator) sealBackup(kind objectKind, subscription string, payload any) (string, error) {
	plain, err := json.Marshal(backupEnvelope{Kind: int(kind), Subscription: subscription, Payload: mustJSON(payload)})
	if err != nil {
		return "", err
	}
	gcm := e.backupAEAD()
	nonce := randomBytes(gcm.NonceSize())
	sealed := gcm.Seal(nonce, nonce, plain, []byte("kvemu-backup-v1"))
	return base64.RawURLEncoding.EncodeToString(append([]byte("KVEMU1"), sealed...)), nil
}

type backupEnvelope struct {
	Kind         int             `json:"kind"`
	Subscription string          `json:"subscription"`
	Payload      json.RawMessage `json:"payload"`
}

var errBadBackup = errors.New("bad backup")

// openBackup reverses sealBackup; the blob must be of kind and, like in
// Azure, come from the same subscription.
func (e *Emulator) openBackup(blob string, kind objectKind, subscription string, dst any) error {
	raw, err := base64.RawURLEncoding.DecodeString(trimPadding(blob))
	if err != nil || len(raw) < 6 || string(raw[:6]) != "KVEMU1" {
		return errBadParameter("Backup blob contains invalid or corrupt version.")
	}
	raw = raw[6:]
	gcm := e.backupAEAD()
	if len(raw) < gcm.NonceSize() {
		return errBadParameter("Backup blob contains invalid or corrupt version.")
	}
	plain, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], []byte("kvemu-backup-v1"))
	if err != nil {
		return errBadParameter("Backup blob contains invalid or corrupt version.")
	}
	var env backupEnvelope
	if err := json.Unmarshal(plain, &env); err != nil || env.Kind != int(kind) {
		return errBadParameter("Backup blob is not a %s backup.", kindNames[kind].lower)
	}
	if env.Subscription != subscription {
		return errBadParameter("Backup blob was made in another subscription and cannot be restored here.")
	}
	if err := json.Unmarshal(env.Payload, dst); err != nil {
		return errBadParameter("Backup blob contains invalid or corrupt version.")
	}
	return nil
}

func (e *Emulator) backupAEAD() cipher.AEAD {
	block, err := aes.NewCipher(e.backupKey)
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only emulator-owned plain types are passed
	}
	return b
}

func trimPadding(s string) string {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	return s
}

// backupMeta is meta in a form that survives a backup.
type backupMeta struct {
	Enabled bool              `json:"enabled"`
	NBF     *int64            `json:"nbf,omitempty"`
	Exp     *int64            `json:"exp,omitempty"`
	Created int64             `json:"created"`
	Updated int64             `json:"updated"`
	Tags    map[string]string `json:"tags,omitempty"`
}

func (m meta) backup() backupMeta {
	return backupMeta{Enabled: m.enabled, NBF: m.nbf, Exp: m.exp, Created: m.created, Updated: m.updated, Tags: m.tags}
}

func (b backupMeta) meta() meta {
	return meta{enabled: b.Enabled, nbf: b.NBF, exp: b.Exp, created: b.Created, updated: b.Updated, tags: cloneTags(b.Tags)}
}

func itoa(i int) string { return strconv.Itoa(i) }
