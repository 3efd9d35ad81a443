package deps

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/honeyvault/honeyvault/internal/"

// rules: what each package must never import, directly or not.
var rules = []struct {
	pkg       string   // a package under internal/; "x/..." is x and every package below it
	forbidden []string // package paths under internal/, or whole import paths of other modules (their first element has a dot); "*" means every honeyvault package, "non-std" every package outside the standard library
	why       string
}{
	{"kvemu/...", []string{"*"}, "the emulator is the oracle the parser and matcher are checked against: a shared bug would hide in both"},
	{"kvemu", []string{"github.com/twmb/franz-go", "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"}, "the core emulator links no sink's client: the Kafka and blob sinks are kvemu/kafkasink and kvemu/blobsink"},
	{"registry", []string{"*"}, "the decoy model is the most upstream box"},
	{"config", []string{"*"}, "settings are read by everything and import nothing of ours"},
	{"storable", []string{"*"}, "parsing and persistence both make text storable: it must sit upstream of both"},
	{"bom", []string{"*"}, "every reader of text from outside skips a byte-order mark with it, the decoy model's watchlist too: it is a leaf"},
	{"canary", []string{"*"}, "the canary kinds, tokens and Hit are shared by the planter, the store, the listeners and the sink: a leaf, or the store would pull in a box"},
	{"auditlog", []string{"store", "web", "app", "kvemu", "detect", "ingest", "incident", "notify"}, "parsing is upstream of matching, persistence and the web side"},
	{"detect", []string{"store", "web", "app", "kvemu", "ingest", "incident", "notify"}, "matching is upstream of persistence and the web side"},
	{"scan", []string{"store", "web", "app", "kvemu", "ingest", "incident", "notify"}, "the retro-hunt is auditlog → detect fed from files, nothing more"},
	{"store", []string{"web", "app", "ingest", "incident", "notify", "detect", "auth", "kvemu"}, "persistence serves every box and calls none"},
	{"ingest", []string{"web", "app", "incident", "notify", "kvemu"}, "sources hand records to the pipeline; detection plugs in as a hook"},
	{"incident", []string{"web", "app", "notify", "ingest", "kvemu"}, "incidents are upstream of notification"},
	{"notify", []string{"web", "app", "ingest", "kvemu"}, "notification is the end of the flow, not a caller of the web side"},
	{"azure", []string{"store", "web", "app", "kvemu", "plant", "deploy"}, "the Azure layer wraps the SDK and knows nothing of honeyvault's state"},
	{"plant", []string{"azure", "store", "deploy", "web", "app", "kvemu", "ingest", "incident", "notify", "github.com/Azure", "github.com/jackc/pgx", "modernc.org/sqlite", "github.com/hashicorp", "github.com/aws"}, "planting is pure generation from what list calls returned: the deployer makes the calls and keeps the records"},
	{"deploy", []string{"web", "app", "kvemu", "ingest", "incident", "notify"}, "the deployer talks to Azure through internal/azure; tests use the emulator"},
	{"secretstore/...", []string{"web", "app", "kvemu", "ingest", "incident", "notify", "azure", "deploy", "github.com/Azure"}, "Vault and Secrets Manager planting reaches its stores through its own providers and links no Azure code nor any box downstream of the store"},
	{"secretstore/awssm", []string{"detect", "scan", "awsemu", "github.com/hashicorp"}, "the Secrets Manager provider is the client side of planting: it must not share the matcher that judges what it did, nor carry the emulator its tests run against"},
	{"secretstore/vault", []string{"detect", "scan", "vaultemu", "github.com/aws"}, "the Vault provider is the client side of planting: it must not share the matcher that judges what it did, nor carry the emulator its tests run against"},
	{"auditpath", []string{"store", "web", "app", "azure", "deploy", "kvemu", "detect", "ingest", "incident", "notify", "github.com/Azure"}, "judging diagnostic settings is pure: the check and the tamper rule both ask it, and it reaches neither Azure nor the store"},
	{"coverage", []string{"store", "web", "app", "azure", "deploy", "kvemu", "github.com/Azure", "github.com/jackc/pgx", "modernc.org/sqlite"}, "coverage is pure rules over facts the caller gathers: tested without a database, Azure or HTTP"},
	{"api", []string{"*", "github.com/jackc/pgx", "modernc.org/sqlite"}, "wire types import nothing of honeyvault: whatever decodes the REST API links no store and no SQL driver"},
	{"client", []string{"store", "web", "app", "github.com/jackc/pgx", "modernc.org/sqlite"}, "the REST client speaks HTTP and api's wire types: the command line's REST verbs link no store and no SQL driver"},
	{"health", []string{"web", "app", "kvemu", "ingest", "notify", "azure", "deploy", "github.com/Azure"}, "heartbeats are judged over the store and raised through incident; the request to the vault is app's to make (a Sender), so health is tested without Azure"},
	{"web", []string{"app", "kvemu", "lab", "plant", "deploy"}, "the web side is assembled by app, never the other way round"},
	{"app", []string{"kvemu", "lab"}, "serve must not carry the emulator"},
	{"sentinel", []string{"store", "web", "app", "kvemu", "azure", "deploy", "ingest", "incident", "notify", "github.com/Azure", "github.com/jackc/pgx", "modernc.org/sqlite"}, "the Sentinel export is pure generation from the registry and detect's operation table: the caller reads the store"},
	{"azpolicy", []string{"*", "github.com/Azure"}, "the Azure Policy template is pure generation from its options"},
	{"canary/...", []string{"store", "web", "app", "ingest", "incident", "notify", "kvemu", "lab"}, "the canary listeners face the internet and hand each hit to a Sink: what stores and raises it is wired in by app, so a listener reaches no state it could leak"},
	{"armcheck", []string{"*"}, "a test helper that reads JSON: it must not pull a box into the tests that use it"},
	{"awsemu/...", []string{"*"}, "the Secrets Manager emulator is the oracle the CloudTrail parser and matcher are checked against: a shared bug would hide in both"},
	{"awsemu", []string{"github.com/aws/aws-sdk-go-v2/service/s3"}, "the core emulator links no S3 client: the S3 trail sink is awsemu/s3sink"},
	{"auditlog", []string{"awsemu"}, "the CloudTrail parser is checked against the emulator, so it must not share the emulator's code"},
	{"detect", []string{"awsemu"}, "matching CloudTrail records is checked against the emulator, so it must not share the emulator's code"},
	{"app", []string{"awsemu"}, "serve must not carry the AWS emulator (the lab wires it)"},
	{"vaultemu", []string{"*", "non-std"}, "the Vault/OpenBao emulator is the oracle the Vault audit parser and planter are checked against: it shares no code with them and, like a real server, links no client (its tests use github.com/hashicorp/vault/api)"},
	{"auditlog", []string{"vaultemu"}, "the Vault audit parser must not lean on the emulator it is checked against"},
	{"detect", []string{"vaultemu"}, "matching is checked against the Vault emulator's entries, not built from its code"},
	{"scan", []string{"vaultemu"}, "the retro-hunt is auditlog → detect fed from files, nothing more"},
	{"app", []string{"vaultemu"}, "serve must not carry the Vault emulator either"},
	{"emucert", []string{"*", "non-std"}, "the emulators' certificate authority is a leaf: the standard library only"},
}

// leaves are packages every package may import, even one that may import
// no package of ours ("*"): each imports nothing of ours itself (its own
// rule says so), so it joins no two boxes.
// emucert is the emulators' TLS plumbing (a throwaway CA), not part of
// any model of a service, so the oracles may share it.
var leaves = []string{"bom", "emucert"}

func TestImportBoundaries(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			out, err := exec.Command(goBin, "list", "-deps", mod+r.pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list -deps %s: %v\n%s", r.pkg, err, out)
			}
			own := strings.TrimSuffix(r.pkg, "/...")
			deps := strings.Fields(string(out))
			if len(deps) < 5 {
				t.Fatalf("go list -deps %s listed only %q", r.pkg, deps)
			}
			for _, dep := range deps {
				rest, ours := strings.CutPrefix(dep, mod)
				if ours && within(rest, own) {
					continue
				}
				for _, bad := range r.forbidden {
					if bad == "non-std" && !ours && external(dep) || external(bad) && within(dep, bad) || ours && (bad == "*" && !slices.Contains(leaves, rest) || within(rest, bad)) {
						t.Errorf("%s imports %s: %s", r.pkg, strings.TrimPrefix(dep, mod), r.why)
					}
				}
			}
		})
	}
}

// external reports whether a forbidden entry names another module's
// package: its first path element is a domain.
func external(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return strings.Contains(first, ".")
}

// within reports whether package path is pkg or one of its subpackages.
func within(path, pkg string) bool {
	return path == pkg || strings.HasPrefix(path, pkg+"/")
}
