package lab

import (
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// The lab's two subscriptions. Vaults alternate between them so that even a
// small lab spans both.
var subscriptions = []kvemu.Subscription{
	{ID: "3f9c2a71-5d4e-4b8a-9c1f-6e2d8a4b7c10", DisplayName: "Contoso Production"},
	{ID: "8b1d6e42-0a7c-4f93-b5e8-2c9f1d3a6e54", DisplayName: "Contoso Dev/Test"},
}

// seedSecret is an existing secret of a lab vault.
type seedSecret struct {
	name, value, contentType string
	tags                     map[string]string
	expires                  time.Duration // from now; 0: none
}

// vaultTemplate is one vault of the lab's estate: what a real team's vault
// holds, in that team's own naming style.
type vaultTemplate struct {
	name          string
	sub           int // index into subscriptions
	resourceGroup string
	location      string
	rbac          bool
	style         string // how its names are written, for the summary
	tags          map[string]string
	secrets       []seedSecret
	keys          []kvemu.KeySeed
	certificates  []kvemu.CertificateSeed
	// workload is the application that really uses the vault (an
	// access-policy entry or a role assignment, for realism).
	workload kvemu.Identity
	// noPlanterPolicy: an access-policy vault whose policies do not name
	// the planter, so planting grants it a temporary entry and removes it
	// again (the original's "Enable/Disable your user").
	noPlanterPolicy bool
	// outsidersDenied: the lab's outside identities have no permission here
	// (the attack's 403s).
	outsidersDenied bool
	// newcomer: a new team's vault, created after the lab's planting, so
	// that honeyvault discovers it without a decoy (not covered) — the
	// vault to deploy to from the console.
	newcomer bool
	// noDiagnostics: the vault has no diagnostic setting, so its audit
	// log goes nowhere until `honeyvault azure connect` wires it.
	noDiagnostics bool
}

// templates are the lab's vaults in the order they are created: --vaults N
// takes the first N (then repeats them with a number). The order alternates
// subscriptions and permission models; the last is the newcomer, so the
// default lab shows every vault but one covered.
var templates = []vaultTemplate{
	{
		name: "kv-payments-prod-weu", sub: 0, resourceGroup: "rg-payments-prod", location: "westeurope", style: "kebab-case",
		tags:     map[string]string{"env": "prod", "app": "payments", "costcenter": "CC-4410", "owner": "payments-team@contoso.com"},
		workload: kvemu.Identity{ObjectID: "5b7e1c2d-8a3f-4e6b-9d0c-1f2a3b4c5d61", AppID: "a3c1e5f7-2b4d-4c6e-8a0b-9d1f3e5a7c21"},
		secrets: []seedSecret{
			{name: "payments-db-password", value: "Xq7#pL2v!Rm9sT4w", contentType: "password", tags: map[string]string{"rotation": "90d"}, expires: 60 * 24 * time.Hour},
			{name: "payments-sql-connection-string", value: "Server=tcp:sql-payments-prod-weu.database.windows.net,1433;Initial Catalog=payments;User ID=payments_app;Password=Xq7#pL2v!Rm9sT4w;Encrypt=True;", contentType: "text/plain"},
			{name: "stripe-api-key", value: "sk_live_51Hc9KqLz8mN2pR4tV6xY8aB0cD2eF4gH6jK8mN0pQ2rS4tU6vW8", tags: map[string]string{"vendor": "stripe"}},
			{name: "servicebus-connection-string", value: "Endpoint=sb://sb-payments-prod-weu.servicebus.windows.net/;SharedAccessKeyName=send-listen;SharedAccessKey=c2VydmljZWJ1cy1sYWIta2V5LW5vdC1yZWFsLTAxMjM0NTY3OA==", contentType: "text/plain"},
			{name: "adyen-webhook-hmac", value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", tags: map[string]string{"vendor": "adyen"}},
		},
		keys: []kvemu.KeySeed{{Name: "payments-token-signing", Type: "RSA", Size: 2048, Tags: map[string]string{"purpose": "jwt-signing"}}},
	},
	{
		name: "kv-identity-uat", sub: 1, resourceGroup: "rg-identity-uat", location: "northeurope", rbac: true, style: "PascalCase",
		tags:            map[string]string{"Environment": "UAT", "Application": "IdentityPlatform", "Owner": "iam-team@contoso.com"},
		workload:        kvemu.Identity{ObjectID: "6c8f2d3e-9b4a-4f7c-8e1d-2a3b4c5d6e72", AppID: "b4d2f6a8-3c5e-4d7f-9b1c-0e2a4f6b8d32"},
		outsidersDenied: true,
		secrets: []seedSecret{
			{name: "GraphClientSecret", value: "Qh8Q~b2NfT5kLr9wXy3Zc7Vd1Ge4Hs6Jm0Pn2Rt", contentType: "client-secret", expires: 180 * 24 * time.Hour},
			{name: "SamlSigningCertificatePassword", value: "T0k3n-S1gn!ng-2025", contentType: "password"},
			{name: "StorageAccountKey", value: "dGhpcy1pcy1hLWxhYi1zdG9yYWdlLWtleS1ub3QtcmVhbC0wMTIzNDU2Nzg5YWJjZGVmZ2hpams=", contentType: "text/plain"},
			{name: "ScimBearerToken", value: "scim-2f0c8e4a6b1d9f3e7a5c", tags: map[string]string{"Provisioning": "Workday"}},
		},
		keys: []kvemu.KeySeed{{Name: "TokenSigningKey", Type: "RSA", Size: 2048}},
	},
	{
		name: "kv-orders-api-prod", sub: 0, resourceGroup: "rg-orders-prod", location: "westeurope", rbac: true, style: ".NET Section--Key",
		tags:     map[string]string{"env": "prod", "app": "orders-api", "owner": "orders-team@contoso.com"},
		workload: kvemu.Identity{ObjectID: "7d9a3e4f-0c5b-4a8d-9f2e-3b4c5d6e7f83", AppID: "c5e3a7b9-4d6f-4e8a-8c2d-1f3b5a7c9e43"},
		secrets: []seedSecret{
			{name: "ConnectionStrings--OrdersDb", value: "Server=tcp:sql-orders-prod.database.windows.net,1433;Database=orders;Authentication=Active Directory Default;", contentType: "text/plain"},
			{name: "ServiceBus--ConnectionString", value: "Endpoint=sb://sb-orders-prod.servicebus.windows.net/;SharedAccessKeyName=orders-api;SharedAccessKey=b3JkZXJzLWxhYi1rZXktbm90LXJlYWwtMDEyMzQ1Njc4OTA=", contentType: "text/plain"},
			{name: "Redis--ConnectionString", value: "redis-orders-prod.redis.cache.windows.net:6380,password=cmVkaXMtbGFiLW5vdC1yZWFs,ssl=True,abortConnect=False"},
			{name: "AzureAd--ClientSecret", value: "Zp5Q~a9XcV2bN7mL4kJ8hG1fD6sA3qW0eR5tY9u", contentType: "client-secret", expires: 365 * 24 * time.Hour},
			{name: "ApplicationInsights--ConnectionString", value: "InstrumentationKey=8c1f0b2a-4d6e-4f8a-9b0c-1d2e3f4a5b6c;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"},
			{name: "Payments--ApiKey", value: "pk_orders_7Hq2Lm9Xv4Tb8Nc1"},
		},
		keys:         []kvemu.KeySeed{{Name: "DataProtection--KeyRing", Type: "RSA", Size: 2048}},
		certificates: []kvemu.CertificateSeed{{Name: "orders-api-tls", Subject: "CN=orders-api.contoso.com", DNSNames: []string{"orders-api.contoso.com"}, ValidityMonths: 12}},
	},
	{
		name: "kv-data-dev", sub: 1, resourceGroup: "rg-data-dev", location: "northeurope", style: "env-prefix kebab-case",
		tags:     map[string]string{"env": "dev", "app": "data-platform"},
		workload: kvemu.Identity{ObjectID: "8e0b4f5a-1d6c-4b9e-8a3f-4c5d6e7f8a94", AppID: "d6f4b8c0-5e7a-4f9b-9d3e-2a4c6b8d0f54"},
		secrets: []seedSecret{
			{name: "dev-datalake-storage-key", value: "ZGF0YWxha2UtbGFiLWtleS1ub3QtcmVhbC0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2Q=", contentType: "text/plain"},
			{name: "dev-databricks-token", value: "dapi0f3c7e1a9b5d2f8c4e6a0b1c3d5e7f9a", tags: map[string]string{"workspace": "dbw-data-dev"}},
			{name: "dev-synapse-sql-password", value: "Syn@pse-Dev-2025!", contentType: "password"},
			{name: "dev-eventhub-connection-string", value: "Endpoint=sb://evhns-data-dev.servicebus.windows.net/;SharedAccessKeyName=ingest;SharedAccessKey=ZXZlbnRodWItbGFiLW5vdC1yZWFsLTAxMjM0NTY3ODk=;EntityPath=telemetry"},
			{name: "dev-postgres-admin-password", value: "pg-Adm1n-d3v-42", contentType: "password", expires: 90 * 24 * time.Hour},
		},
	},
	{
		name: "kv-legacy-batch", sub: 0, resourceGroup: "rg-batch-prod", location: "westeurope", style: "UPPER-CASE",
		tags:            map[string]string{"ENV": "PROD", "APP": "MAINFRAME-BATCH"},
		workload:        kvemu.Identity{ObjectID: "9f1c5a6b-2e7d-4c0f-9b4a-5d6e7f8a9b05", AppID: "e7a5c9d1-6f8b-4a0c-8e4f-3b5d7c9e1a65"},
		noPlanterPolicy: true,
		secrets: []seedSecret{
			{name: "SFTP-PASSWORD", value: "sftp!Batch#2019", contentType: "password"},
			{name: "DB2-USER-PASSWORD", value: "DB2prd-0419x", contentType: "password"},
			{name: "SMTP-RELAY-PASSWORD", value: "smtp-relay-9c4e1a"},
			{name: "BATCH-SVC-PRINCIPAL-SECRET", value: "Kf8Q~x3LcV9bN2mZ7kJ4hG5fD1sA6qW8eR0tY3p", expires: 30 * 24 * time.Hour},
		},
	},
	{
		name: "kv-shared-infra", sub: 1, resourceGroup: "rg-platform-shared", location: "northeurope", rbac: true, style: "env-suffix kebab-case",
		tags:     map[string]string{"env": "shared", "managed-by": "terraform"},
		workload: kvemu.Identity{ObjectID: "0a2d6b7c-3f8e-4d1a-8c5b-6e7f8a9b0c16", AppID: "f8b6d0e2-7a9c-4b1d-9f5a-4c6e8d0f2b76"},
		secrets: []seedSecret{
			{name: "acr-admin-password-prod", value: "acrAdm1n+pr0d/Qx7Lm", contentType: "password"},
			{name: "aks-sp-secret-prod", value: "Wm4Q~c8ZxB1vN6mK3lJ7hF2gD9sA5qE0rT4yU8i", expires: 120 * 24 * time.Hour},
			{name: "grafana-admin-password-prod", value: "Graf@na-Shared-77", contentType: "password"},
			{name: "terraform-state-sas-prod", value: "sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2026-12-31T23:59:59Z&sig=bGFiLXNhcy1ub3QtcmVhbA%3D", contentType: "text/plain"},
		},
		keys:         []kvemu.KeySeed{{Name: "disk-encryption-key-prod", Type: "RSA", Size: 3072}, {Name: "sops-key-prod", Type: "EC", Curve: "P-256"}},
		certificates: []kvemu.CertificateSeed{{Name: "wildcard-contoso-com", Subject: "CN=*.contoso.com", DNSNames: []string{"*.contoso.com", "contoso.com"}, ValidityMonths: 12}},
	},
	{
		// Azure RBAC, as new vaults are by default: the planter's
		// subscription-wide roles reach it without a grant.
		name: "kv-fraud-ml-prod", sub: 0, resourceGroup: "rg-fraud-ml-prod", location: "westeurope", rbac: true, style: "camelCase",
		tags:     map[string]string{"env": "prod", "app": "fraud-scoring", "owner": "fraud-ml@contoso.com"},
		workload: kvemu.Identity{ObjectID: "1b3e7c8d-4a9f-4e2b-9d6c-7f8a9b0c1d27", AppID: "a9c7e1f3-8b0d-4c2e-8a6b-5d7f9e1a3c87"},
		newcomer: true, noDiagnostics: true,
		secrets: []seedSecret{
			{name: "featureStoreConnectionString", value: "Server=tcp:sql-fraud-features-prod.database.windows.net,1433;Database=features;Authentication=Active Directory Default;", contentType: "text/plain"},
			{name: "openAiApiKey", value: "c2b8f1e04d7a49e6b3f5a1d8e9c2074b", tags: map[string]string{"vendor": "azure-openai"}},
			{name: "mlflowTrackingPassword", value: "mlfl0w-Tr4ck!ng-prod", contentType: "password", expires: 90 * 24 * time.Hour},
		},
		keys: []kvemu.KeySeed{{Name: "modelSigningKey", Type: "EC", Curve: "P-256", Tags: map[string]string{"purpose": "model-provenance"}}},
	},
}

// Identities of the lab. The planter is honeyvault itself, signed in as the
// SOC's deployment account; the outsiders are the attack's callers, with
// realistic public addresses from the documentation ranges.
var (
	planter = kvemu.Identity{ObjectID: "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70", UPN: "honeyvault@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", IPAddress: "10.20.1.15"}

	// outsiders are who `lab attack --as NAME` plays; the first is the
	// default. Each signs in with a client secret the lab registers, as a
	// separate process must.
	outsiders = []outsider{
		{Name: "contractor", About: "a guest user account whose password was phished",
			Identity:  kvemu.Identity{ObjectID: "e1a3c5e7-9b2d-4f6a-8c0e-2d4f6a8c0e19", UPN: "jdoe_fabrikam.com#EXT#@contoso.onmicrosoft.com", AppID: "1950a258-227b-4e31-a9cf-717495945fc2", IPAddress: "198.51.100.23"},
			VaultName: "oidc-jdoe@fabrikam.com", AWSSession: "jdoe@fabrikam.com"},
		{Name: "ci-runner", About: "a CI/CD service principal whose secret leaked from a build log",
			Identity:  kvemu.Identity{ObjectID: "f2b4d6f8-0c3e-4a7b-9d1f-3e5a7b9d1f2a", AppID: "7c9e1a3b-5d7f-4b2d-8f0a-4b6d8f0a2c4e", IPAddress: "203.0.113.45"},
			VaultName: "token-ci-runner", AWSSession: "ci-runner"},
	}
)

// outsider is an identity from outside the SOC that the attack plays.
type outsider struct {
	Name     string
	About    string
	Identity kvemu.Identity
	// VaultName is the display name of the identity's Vault token (an
	// OIDC login's names the user), AWSSession its session name in the
	// AWS account's read role (stores.go).
	VaultName  string
	AWSSession string
}

// auditDestination is the Event Hubs authorization rule every vault's
// diagnostic setting streams to; the lab binds it to honeyvault's HTTP
// ingest endpoint, the way a forwarding function reads the hub and pushes.
const auditDestination = "/subscriptions/3f9c2a71-5d4e-4b8a-9c1f-6e2d8a4b7c10/resourceGroups/rg-security/providers/Microsoft.EventHub/namespaces/evhns-contoso-seclogs/authorizationRules/RootManageSharedAccessKey"

// planVaults picks n vaults: the templates in order, then again with a
// number appended.
func planVaults(n int) []vaultTemplate {
	out := make([]vaultTemplate, 0, n)
	for i := 0; i < n; i++ {
		t := templates[i%len(templates)]
		if round := i / len(templates); round > 0 {
			t.name = fmt.Sprintf("%s-%02d", t.name, round+1)
		}
		out = append(out, t)
	}
	return out
}

var (
	planterPerms = kvemu.Permissions{
		Secrets: []string{"get", "list", "set", "delete"}, Keys: []string{"get", "list", "create", "delete"},
		Certificates: []string{"get", "list"},
	}
	workloadPerms = kvemu.Permissions{Secrets: []string{"get", "list"}, Keys: []string{"get", "sign", "verify", "wrapKey", "unwrapKey"}}
	outsiderPerms = kvemu.Permissions{Secrets: []string{"get", "list"}, Keys: []string{"get", "list"}}
)

// buildEstate creates the vaults with their existing objects, identities and
// permissions, and routes every vault's audit log to dest and each
// subscription's Activity log to activityDest. Seeding writes no audit
// record: the lab starts from a quiet estate. Newcomers come later
// (buildNewcomers).
func buildEstate(e *kvemu.Emulator, plans []vaultTemplate, dest, activityDest string) error {
	for _, s := range subscriptions {
		if err := e.AddSubscription(s); err != nil {
			return err
		}
		for _, r := range []kvemu.RoleAssignment{
			{PrincipalID: planter.ObjectID, Role: "Key Vault Secrets Officer"},
			{PrincipalID: planter.ObjectID, Role: "Key Vault Crypto Officer"},
			{PrincipalID: planter.ObjectID, Role: "Key Vault Certificates Officer"},
		} {
			r.Scope = "/subscriptions/" + s.ID
			if err := e.AssignRole(r); err != nil {
				return err
			}
		}
		if err := e.SetSubscriptionDiagnosticSetting(s.ID, kvemu.DiagnosticSetting{
			Name: "activity-to-seclogs", EventHubAuthorizationRuleID: activityDest, EventHubName: kvemu.ActivityContainer,
			Logs: []kvemu.LogSettings{{Category: kvemu.CategoryAdministrative, Enabled: true}},
		}); err != nil {
			return err
		}
	}
	for _, p := range plans {
		if p.newcomer {
			continue
		}
		if err := buildVault(e, p, dest); err != nil {
			return fmt.Errorf("lab: vault %s: %w", p.name, err)
		}
	}
	return nil
}

// buildNewcomers creates the vaults a new team made after the planting,
// with the estate's permissions and diagnostic settings but no decoy.
func buildNewcomers(e *kvemu.Emulator, plans []vaultTemplate, dest string) error {
	for _, p := range plans {
		if !p.newcomer {
			continue
		}
		if err := buildVault(e, p, dest); err != nil {
			return fmt.Errorf("lab: vault %s: %w", p.name, err)
		}
	}
	return nil
}

func buildVault(e *kvemu.Emulator, p vaultTemplate, dest string) error {
	spec := kvemu.VaultSpec{
		SubscriptionID: subscriptions[p.sub].ID, ResourceGroup: p.resourceGroup, Name: p.name, Location: p.location,
		Tags: p.tags, EnableRBACAuthorization: p.rbac,
	}
	if !p.rbac {
		policy := func(id kvemu.Identity, perms kvemu.Permissions) kvemu.AccessPolicy {
			return kvemu.AccessPolicy{TenantID: kvemu.DefaultTenantID, ObjectID: id.ObjectID, Permissions: perms}
		}
		spec.AccessPolicies = append(spec.AccessPolicies, policy(p.workload, workloadPerms))
		if !p.noPlanterPolicy {
			spec.AccessPolicies = append(spec.AccessPolicies, policy(planter, planterPerms))
		}
		if !p.outsidersDenied {
			for _, o := range outsiders {
				spec.AccessPolicies = append(spec.AccessPolicies, policy(o.Identity, outsiderPerms))
			}
		}
	}
	info, err := e.CreateVault(spec)
	if err != nil {
		return err
	}
	if p.rbac {
		roles := []kvemu.RoleAssignment{{PrincipalID: p.workload.ObjectID, Role: "Key Vault Secrets User"}}
		if !p.outsidersDenied {
			for _, o := range outsiders {
				roles = append(roles,
					kvemu.RoleAssignment{PrincipalID: o.Identity.ObjectID, Role: "Key Vault Secrets User"},
					kvemu.RoleAssignment{PrincipalID: o.Identity.ObjectID, Role: "Key Vault Crypto User"})
			}
		}
		for _, r := range roles {
			r.Scope = info.ID
			if err := e.AssignRole(r); err != nil {
				return err
			}
		}
	}
	now := time.Now()
	for _, s := range p.secrets {
		seed := kvemu.SecretSeed{Name: s.name, Value: s.value, ContentType: s.contentType, Tags: s.tags}
		if s.expires > 0 {
			seed.Expires = now.Add(s.expires)
		}
		if _, err := e.SeedSecret(p.name, seed); err != nil {
			return err
		}
	}
	for _, k := range p.keys {
		if _, err := e.SeedKey(p.name, k); err != nil {
			return err
		}
	}
	for _, c := range p.certificates {
		if _, err := e.SeedCertificate(p.name, c); err != nil {
			return err
		}
	}
	if p.noDiagnostics {
		return nil
	}
	return e.SetDiagnosticSetting(p.name, kvemu.DiagnosticSetting{
		Name: "audit-to-seclogs", EventHubAuthorizationRuleID: dest, EventHubName: kvemu.AuditContainer,
		Logs: []kvemu.LogSettings{{CategoryGroup: "audit", Enabled: true}},
	})
}
