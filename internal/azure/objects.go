package azure

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// Object is a secret, key or certificate as list calls describe it: never
// a value.
type Object struct {
	Type        registry.Type
	Name        string
	Version     string // known after a create; list calls name no version
	ContentType string // secrets
	Tags        map[string]string
	Enabled     bool
	Created     time.Time // of the latest version
	Updated     time.Time
	NotBefore   time.Time
	Expires     time.Time
	Managed     bool   // a key or secret backing a certificate
	Deleted     bool   // soft-deleted, not purged
	Thumbprint  string // certificates: hex SHA-1 of the DER (x5t)
}

// List lists the vault's live objects of type t (SecretList, KeyList or
// CertificateList: list calls name no object, so they never touch a decoy).
func (vc *VaultClient) List(ctx context.Context, t registry.Type) ([]Object, error) {
	return vc.list(ctx, t, false)
}

// ListDeleted lists the vault's soft-deleted objects of type t. Their names
// stay taken until they are purged.
func (vc *VaultClient) ListDeleted(ctx context.Context, t registry.Type) ([]Object, error) {
	return vc.list(ctx, t, true)
}

func (vc *VaultClient) list(ctx context.Context, t registry.Type, deleted bool) ([]Object, error) {
	var out []Object
	var err error
	switch t {
	case registry.Secret:
		out, err = vc.listSecrets(ctx, deleted)
	case registry.Key:
		out, err = vc.listKeys(ctx, deleted)
	case registry.Certificate:
		out, err = vc.listCertificates(ctx, deleted)
	default:
		return nil, fmt.Errorf("azure: unknown object type %q", t)
	}
	if err != nil {
		what := string(t) + "s"
		if deleted {
			what = "deleted " + what
		}
		return nil, fmt.Errorf("azure: vault %s: listing %s: %w", vc.vault.Name, what, err)
	}
	return out, nil
}

// eachItem calls fn with every item of every page of p.
func eachItem[Page, Item any](ctx context.Context, p *runtime.Pager[Page], items func(Page) []*Item, fn func(*Item)) error {
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, it := range items(page) {
			if it != nil {
				fn(it)
			}
		}
	}
	return nil
}

func (vc *VaultClient) listSecrets(ctx context.Context, deleted bool) ([]Object, error) {
	var out []Object
	add := func(id *azsecrets.ID, a *azsecrets.SecretAttributes, ct *string, tags map[string]*string, managed *bool) {
		if id == nil {
			return
		}
		o := Object{Type: registry.Secret, Name: id.Name(), ContentType: deref(ct), Tags: tagsOf(tags), Managed: isTrue(managed), Deleted: deleted}
		if a != nil {
			o.Enabled, o.Created, o.Updated, o.NotBefore, o.Expires = isTrue(a.Enabled), tm(a.Created), tm(a.Updated), tm(a.NotBefore), tm(a.Expires)
		}
		out = append(out, o)
	}
	if deleted {
		err := eachItem(ctx, vc.secrets.NewListDeletedSecretPropertiesPager(nil),
			func(p azsecrets.ListDeletedSecretPropertiesResponse) []*azsecrets.DeletedSecretProperties {
				return p.Value
			},
			func(s *azsecrets.DeletedSecretProperties) { add(s.ID, s.Attributes, s.ContentType, s.Tags, s.Managed) })
		return out, err
	}
	err := eachItem(ctx, vc.secrets.NewListSecretPropertiesPager(nil),
		func(p azsecrets.ListSecretPropertiesResponse) []*azsecrets.SecretProperties { return p.Value },
		func(s *azsecrets.SecretProperties) { add(s.ID, s.Attributes, s.ContentType, s.Tags, s.Managed) })
	return out, err
}

func (vc *VaultClient) listKeys(ctx context.Context, deleted bool) ([]Object, error) {
	var out []Object
	add := func(id *azkeys.ID, a *azkeys.KeyAttributes, tags map[string]*string, managed *bool) {
		if id == nil {
			return
		}
		o := Object{Type: registry.Key, Name: id.Name(), Tags: tagsOf(tags), Managed: isTrue(managed), Deleted: deleted}
		if a != nil {
			o.Enabled, o.Created, o.Updated, o.NotBefore, o.Expires = isTrue(a.Enabled), tm(a.Created), tm(a.Updated), tm(a.NotBefore), tm(a.Expires)
		}
		out = append(out, o)
	}
	if deleted {
		err := eachItem(ctx, vc.keys.NewListDeletedKeyPropertiesPager(nil),
			func(p azkeys.ListDeletedKeyPropertiesResponse) []*azkeys.DeletedKeyProperties { return p.Value },
			func(k *azkeys.DeletedKeyProperties) { add(k.KID, k.Attributes, k.Tags, k.Managed) })
		return out, err
	}
	err := eachItem(ctx, vc.keys.NewListKeyPropertiesPager(nil),
		func(p azkeys.ListKeyPropertiesResponse) []*azkeys.KeyProperties { return p.Value },
		func(k *azkeys.KeyProperties) { add(k.KID, k.Attributes, k.Tags, k.Managed) })
	return out, err
}

func (vc *VaultClient) listCertificates(ctx context.Context, deleted bool) ([]Object, error) {
	var out []Object
	add := func(id *azcertificates.ID, a *azcertificates.CertificateAttributes, tags map[string]*string, x5t []byte) {
		if id == nil {
			return
		}
		o := Object{Type: registry.Certificate, Name: id.Name(), Tags: tagsOf(tags), Deleted: deleted, Thumbprint: hex.EncodeToString(x5t)}
		if a != nil {
			o.Enabled, o.Created, o.Updated, o.NotBefore, o.Expires = isTrue(a.Enabled), tm(a.Created), tm(a.Updated), tm(a.NotBefore), tm(a.Expires)
		}
		out = append(out, o)
	}
	if deleted {
		err := eachItem(ctx, vc.certs.NewListDeletedCertificatePropertiesPager(nil),
			func(p azcertificates.ListDeletedCertificatePropertiesResponse) []*azcertificates.DeletedCertificateProperties {
				return p.Value
			},
			func(c *azcertificates.DeletedCertificateProperties) {
				add(c.ID, c.Attributes, c.Tags, c.X509Thumbprint)
			})
		return out, err
	}
	err := eachItem(ctx, vc.certs.NewListCertificatePropertiesPager(nil),
		func(p azcertificates.ListCertificatePropertiesResponse) []*azcertificates.CertificateProperties {
			return p.Value
		},
		func(c *azcertificates.CertificateProperties) { add(c.ID, c.Attributes, c.Tags, c.X509Thumbprint) })
	return out, err
}

// KeyInfo is a key's type and size, read from its public part.
type KeyInfo struct {
	Type  string // RSA, RSA-HSM, EC, EC-HSM, oct-HSM
	Size  int    // RSA bits
	Curve string // EC
}

// KeyInfo reads the public part of a key's latest version (KeyGet: public
// material only, never a private key). Only call it for keys that are not
// decoys: on a decoy it would raise an alert.
func (vc *VaultClient) KeyInfo(ctx context.Context, name string) (KeyInfo, error) {
	resp, err := vc.keys.GetKey(ctx, name, "", nil)
	if err != nil {
		return KeyInfo{}, fmt.Errorf("azure: vault %s: reading key %s: %w", vc.vault.Name, name, err)
	}
	var ki KeyInfo
	if k := resp.Key; k != nil {
		ki.Type = deref(k.Kty)
		ki.Curve = deref(k.Crv)
		if len(k.N) > 0 {
			n := k.N
			for len(n) > 1 && n[0] == 0 {
				n = n[1:]
			}
			ki.Size = len(n) * 8
		}
	}
	return ki, nil
}

func tagsOf(in map[string]*string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = deref(v)
	}
	return out
}

func isTrue(b *bool) bool { return b != nil && *b }

func tm(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
