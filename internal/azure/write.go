package azure

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// SecretParams are a new secret's metadata.
type SecretParams struct {
	ContentType string
	Tags        map[string]string
	Expires     time.Time // zero: none
}

// SetSecret writes value as a new secret (SecretSet) and returns what the
// vault recorded, without the value.
func (vc *VaultClient) SetSecret(ctx context.Context, name, value string, p SecretParams) (Object, error) {
	params := azsecrets.SetSecretParameters{
		Value: to.Ptr(value), Tags: tagPtrs(p.Tags),
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: to.Ptr(true)},
	}
	if p.ContentType != "" {
		params.ContentType = to.Ptr(p.ContentType)
	}
	if !p.Expires.IsZero() {
		params.SecretAttributes.Expires = to.Ptr(p.Expires.UTC())
	}
	resp, err := vc.secrets.SetSecret(ctx, name, params, nil)
	if err != nil {
		return Object{}, fmt.Errorf("azure: vault %s: setting secret %s: %w", vc.vault.Name, name, err)
	}
	o := Object{Type: registry.Secret, Name: name, ContentType: p.ContentType, Tags: tagsOf(resp.Tags)}
	if resp.ID != nil {
		o.Name, o.Version = resp.ID.Name(), resp.ID.Version()
	}
	if a := resp.Attributes; a != nil {
		o.Enabled, o.Created, o.Updated, o.NotBefore, o.Expires = isTrue(a.Enabled), tm(a.Created), tm(a.Updated), tm(a.NotBefore), tm(a.Expires)
	}
	return o, nil
}

// KeyParams are a new key's type and metadata.
type KeyParams struct {
	Type    string // RSA, RSA-HSM, EC, EC-HSM
	Size    int    // RSA bits
	Curve   string // EC
	Tags    map[string]string
	Expires time.Time // zero: none
}

// HSM reports whether the key lives in an HSM (premium vaults; a lower
// create limit).
func (p KeyParams) HSM() bool { return strings.HasSuffix(strings.ToUpper(p.Type), "-HSM") }

// CreateKey creates a key (KeyCreate) and returns what the vault recorded.
func (vc *VaultClient) CreateKey(ctx context.Context, name string, p KeyParams) (Object, error) {
	params := azkeys.CreateKeyParameters{
		Kty: to.Ptr(azkeys.KeyType(p.Type)), Tags: tagPtrs(p.Tags),
		KeyAttributes: &azkeys.KeyAttributes{Enabled: to.Ptr(true)},
	}
	if p.Size > 0 {
		params.KeySize = to.Ptr(int32(p.Size))
	}
	if p.Curve != "" {
		params.Curve = to.Ptr(azkeys.CurveName(p.Curve))
	}
	if !p.Expires.IsZero() {
		params.KeyAttributes.Expires = to.Ptr(p.Expires.UTC())
	}
	resp, err := vc.keys.CreateKey(ctx, name, params, nil)
	if err != nil {
		return Object{}, fmt.Errorf("azure: vault %s: creating key %s: %w", vc.vault.Name, name, err)
	}
	o := Object{Type: registry.Key, Name: name, Tags: tagsOf(resp.Tags)}
	if resp.Key != nil && resp.Key.KID != nil {
		o.Name, o.Version = resp.Key.KID.Name(), resp.Key.KID.Version()
	}
	if a := resp.Attributes; a != nil {
		o.Enabled, o.Created, o.Updated, o.NotBefore, o.Expires = isTrue(a.Enabled), tm(a.Created), tm(a.Updated), tm(a.NotBefore), tm(a.Expires)
	}
	return o, nil
}

// CertificateParams describe a self-signed certificate for the vault to
// issue.
type CertificateParams struct {
	Subject        string
	DNSNames       []string
	Key            KeyParams // Tags and Expires unused
	ValidityMonths int
	ContentType    string // application/x-pkcs12 or application/x-pem-file
	Tags           map[string]string
}

// CreateCertificate asks the vault to issue a self-signed certificate
// (CertificateCreate). Issuance runs in the vault; its key and secret of
// the same name come with it. The create answer names no version: a later
// list call shows the certificate's thumbprint.
func (vc *VaultClient) CreateCertificate(ctx context.Context, name string, p CertificateParams) error {
	x509 := &azcertificates.X509CertificateProperties{Subject: to.Ptr(p.Subject)}
	if len(p.DNSNames) > 0 {
		x509.SubjectAlternativeNames = &azcertificates.SubjectAlternativeNames{DNSNames: ptrs(p.DNSNames)}
	}
	if p.ValidityMonths > 0 {
		x509.ValidityInMonths = to.Ptr(int32(p.ValidityMonths))
	}
	kp := &azcertificates.KeyProperties{KeyType: to.Ptr(azcertificates.KeyType(p.Key.Type)), Exportable: to.Ptr(true), ReuseKey: to.Ptr(false)}
	if p.Key.Size > 0 {
		kp.KeySize = to.Ptr(int32(p.Key.Size))
	}
	if p.Key.Curve != "" {
		kp.Curve = to.Ptr(azcertificates.CurveName(p.Key.Curve))
	}
	policy := &azcertificates.CertificatePolicy{
		IssuerParameters:          &azcertificates.IssuerParameters{Name: to.Ptr("Self")},
		KeyProperties:             kp,
		X509CertificateProperties: x509,
	}
	if p.ContentType != "" {
		policy.SecretProperties = &azcertificates.SecretProperties{ContentType: to.Ptr(p.ContentType)}
	}
	_, err := vc.certs.CreateCertificate(ctx, name, azcertificates.CreateCertificateParameters{
		CertificatePolicy: policy, Tags: tagPtrs(p.Tags),
		CertificateAttributes: &azcertificates.CertificateAttributes{Enabled: to.Ptr(true)},
	}, nil)
	if err != nil {
		return fmt.Errorf("azure: vault %s: creating certificate %s: %w", vc.vault.Name, name, err)
	}
	return nil
}

// Delete soft-deletes an object (SecretDelete, KeyDelete, CertificateDelete;
// a certificate takes its key and secret with it).
func (vc *VaultClient) Delete(ctx context.Context, t registry.Type, name string) error {
	var err error
	switch t {
	case registry.Secret:
		_, err = vc.secrets.DeleteSecret(ctx, name, nil)
	case registry.Key:
		_, err = vc.keys.DeleteKey(ctx, name, nil)
	case registry.Certificate:
		_, err = vc.certs.DeleteCertificate(ctx, name, nil)
	default:
		return fmt.Errorf("azure: unknown object type %q", t)
	}
	if err != nil {
		return fmt.Errorf("azure: vault %s: deleting %s %s: %w", vc.vault.Name, t, name, err)
	}
	return nil
}

// Purge removes a soft-deleted object for good (SecretPurge, KeyPurge,
// CertificatePurge). Vaults with purge protection refuse.
func (vc *VaultClient) Purge(ctx context.Context, t registry.Type, name string) error {
	var err error
	switch t {
	case registry.Secret:
		_, err = vc.secrets.PurgeDeletedSecret(ctx, name, nil)
	case registry.Key:
		_, err = vc.keys.PurgeDeletedKey(ctx, name, nil)
	case registry.Certificate:
		_, err = vc.certs.PurgeDeletedCertificate(ctx, name, nil)
	default:
		return fmt.Errorf("azure: unknown object type %q", t)
	}
	if err != nil {
		return fmt.Errorf("azure: vault %s: purging %s %s: %w", vc.vault.Name, t, name, err)
	}
	return nil
}

func tagPtrs(in map[string]string) map[string]*string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]*string, len(in))
	for k, v := range in {
		out[k] = to.Ptr(v)
	}
	return out
}

func ptrs(in []string) []*string {
	out := make([]*string, len(in))
	for i := range in {
		out[i] = to.Ptr(in[i])
	}
	return out
}
