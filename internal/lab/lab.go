package lab

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/app"
	"github.com/honeyvault/honeyvault/internal/awsemu"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// Defaults of Options.
const (
	DefaultDir    = "lab-data"
	DefaultVaults = 7
	DefaultListen = "127.0.0.1:8080"
	// MaxVaults keeps vault names within Key Vault's 24 characters and the
	// start-up within seconds.
	MaxVaults = 60
)

// Files the lab writes in its directory. A new lab removes the previous
// one's (the emulated estate lives in memory, so old decoys would point at
// objects that no longer exist); nothing else in the directory is touched.
const (
	dbFile   = "honeyvault.db"
	logFile  = "honeyvault.log"
	caFile   = "kvemu-ca.pem"
	lockFile = "lab.lock"
)

// Options configure a lab. The zero value is a lab of DefaultVaults vaults in
// ./lab-data, serving on DefaultListen.
type Options struct {
	Dir    string // created when missing
	Vaults int    // 1 to MaxVaults
	Listen string // honeyvault's address, host:port (port 0: any free one)
	// NotifyWebhooks receive every incident (honeyvault serve's
	// --notify-webhook); WebhookSecret, when set, signs the bodies.
	NotifyWebhooks []string
	WebhookSecret  string
	// Progress receives a line per start-up step; nil discards them.
	Progress io.Writer
	// Errors receives the errors of the running lab (honeyvault's and the
	// emulator's logs at level error) besides the log file; nil: the log file
	// only.
	Errors io.Writer

	// Knobs for tests that break the loop on purpose.
	noIngest   bool          // no diagnostic setting sends anything to honeyvault
	noActivity bool          // Activity logs go nowhere: a deleted setting goes unseen
	noPlant    bool          // no decoy is planted
	wait       time.Duration // Selftest's wait for incidents; 0: DefaultWait
}

func (o Options) withDefaults() Options {
	o.Dir = cmp.Or(o.Dir, DefaultDir)
	o.Vaults = cmp.Or(o.Vaults, DefaultVaults)
	o.Listen = cmp.Or(o.Listen, DefaultListen)
	return o
}

func (o Options) validate() error {
	if o.Vaults < 1 || o.Vaults > MaxVaults {
		return fmt.Errorf("lab: %d vaults: want 1 to %d", o.Vaults, MaxVaults)
	}
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		return fmt.Errorf("lab: listen address %q: %w", o.Listen, err)
	}
	return nil
}

// Lab is a running lab: the emulator, honeyvault and the planted decoys.
// Close it to stop everything.
type Lab struct {
	opts       Options
	dir        string
	url        string
	adminToken string
	// ingestToken is what the emulator's pushes authenticate with; it
	// never leaves the process.
	ingestToken string
	log         *slog.Logger
	logOut      *os.File
	unlock      func()

	ln net.Listener // honeyvault's; Serve owns it once started
	// canaryLs are the canary listeners' sockets (the server's once it
	// starts), canaryCfg the settings naming them.
	canaryLs  *app.CanaryListeners
	canaryCfg config.Canary
	emu       *kvemu.Emulator
	auditDest string          // where every vault's diagnostic setting sends its records
	sinkHTTP  *http.Transport // the emulators' pushes to honeyvault

	// The estate beyond Azure (stores.go): a Vault server and an AWS
	// account, with the planter's credentials on each.
	vaultEmu          *vaultemu.Server
	awsEmu            *awsemu.Emulator
	vaultPlanterToken string
	vaultSeeded       map[string][]string // the mounts' real secrets' paths, by mount
	awsPlanter        awsemu.Credentials
	srv               *app.Server

	stopServe context.CancelFunc
	served    chan error

	vaults   []Vault
	stores   []Store
	coverage api.CoverageCount // honeyvault's, once Start has waited for it
	state    *state

	closeOnce sync.Once
	closeErr  error
}

// Start brings a lab up: honeyvault serving on opts.Listen with its database
// in opts.Dir, the emulated estate streaming its audit logs to honeyvault's
// ingest endpoint, and decoys planted into every vault but the newcomers
// (a new team's vault, created after the planting). It returns once
// honeyvault has discovered the whole estate and assessed its coverage. On
// error, whatever was started is stopped again.
func Start(ctx context.Context, opts Options) (l *Lab, err error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	l = &Lab{opts: opts, dir: dir,
		adminToken:  "hvlab_" + rand.Text() + rand.Text(),
		ingestToken: "hvlab_ingest_" + rand.Text() + rand.Text(),
	}
	defer func() {
		if err != nil {
			l.Close()
			l = nil
		}
	}()
	if l.unlock, err = lockDir(filepath.Join(dir, lockFile)); err != nil {
		return l, err
	}
	for _, name := range []string{dbFile, dbFile + "-wal", dbFile + "-shm", logFile, StateFile, caFile, vaultCAFile, awsCAFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return l, fmt.Errorf("lab: clearing the previous lab: %w", err)
		}
	}
	if err := l.openLog(); err != nil {
		return l, err
	}
	if l.ln, err = net.Listen("tcp", opts.Listen); err != nil {
		return l, fmt.Errorf("lab: honeyvault cannot listen on %s: %w (choose another address with --listen)", opts.Listen, err)
	}
	l.url = "http://" + l.ln.Addr().String()
	if err := l.bindCanaries(); err != nil {
		return l, err
	}
	l.progress("lab: building the emulated estate: %d vaults in %d subscriptions", opts.Vaults, min(opts.Vaults, len(subscriptions)))
	plans := planVaults(opts.Vaults)
	if err := l.startEmulator(plans); err != nil {
		return l, err
	}
	l.progress("lab: building a HashiCorp Vault server (%s) and an AWS account (%s in %s)",
		strings.Join(vaultMounts, ", "), awsAccount, strings.Join(awsRegions, ", "))
	if err := l.startStores(); err != nil {
		return l, err
	}
	// Planting comes first, with the audit records held back, the way an
	// operator plants and then starts honeyvault: the server then starts
	// with every decoy and the planter's allow rules loaded, so the
	// planter's own creates are suppressed however the records race.
	if err := l.emu.PauseDelivery(auditDestination); err != nil {
		return l, err
	}
	if !opts.noPlant {
		l.progress("lab: planting decoys into every vault as %s", planter.UPN)
	}
	if err := l.plant(ctx, plans); err != nil {
		return l, err
	}
	if err := l.addNewcomers(plans); err != nil {
		return l, err
	}
	l.progress("lab: starting honeyvault (database %s)", filepath.Join(dir, dbFile))
	if err := l.startServer(ctx); err != nil {
		return l, err
	}
	if err := l.emu.ResumeDelivery(auditDestination); err != nil {
		return l, err
	}
	// The planter's records reach honeyvault before the lab is ready, so
	// what happens next is the user's doing alone.
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := l.emu.Flush(fctx); err != nil {
		return l, fmt.Errorf("lab: audit records did not reach honeyvault: %w", err)
	}
	if st := l.emu.DeliveryStats(); st.Dropped > 0 {
		return l, fmt.Errorf("lab: honeyvault refused %d audit records (see %s)", st.Dropped, filepath.Join(dir, logFile))
	}
	// Vault and Secrets Manager are planted while honeyvault serves: their
	// audit paths need it listening, and the planter's records then reach
	// it as any other (allow-listed, or before the sync matching nothing).
	sctx, scancel := context.WithTimeout(ctx, DefaultWait)
	defer scancel()
	if err := l.connectStores(sctx); err != nil {
		return l, err
	}
	if !opts.noPlant {
		l.progress("lab: planting decoys into the Vault mounts and Secrets Manager regions as the planter")
	}
	if err := l.plantStores(sctx); err != nil {
		return l, err
	}
	if err := l.awaitWatched(sctx, time.Now()); err != nil {
		return l, err
	}
	if err := l.awsEmu.Flush(sctx); err != nil {
		return l, fmt.Errorf("lab: CloudTrail records did not reach honeyvault: %w", err)
	}
	if st := l.awsEmu.DeliveryStats(); st.Dropped > 0 {
		return l, fmt.Errorf("lab: honeyvault refused %d CloudTrail records (see %s)", st.Dropped, filepath.Join(dir, logFile))
	}
	if err := l.awaitCoverage(ctx); err != nil {
		return l, err
	}
	if err := l.writeState(); err != nil {
		return l, err
	}
	return l, nil
}

func (l *Lab) progress(format string, args ...any) {
	if l.opts.Progress != nil {
		fmt.Fprintf(l.opts.Progress, format+"\n", args...)
	}
}

// openLog sends honeyvault's and the emulator's logs to the lab's log file,
// and errors also to opts.Errors.
func (l *Lab) openLog() error {
	f, err := os.OpenFile(filepath.Join(l.dir, logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	l.logOut = f
	var h slog.Handler = slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})
	if l.opts.Errors != nil {
		h = slog.NewMultiHandler(h, slog.NewTextHandler(l.opts.Errors, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	l.log = slog.New(h)
	return nil
}

// startServer starts a complete honeyvault serve in this process, on l.ln.
func (l *Lab) startServer(ctx context.Context) error {
	cfg := l.config(l.ln.Addr().String())
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	co := l.emu.ClientOptions()
	co.Cloud = l.emu.Cloud()
	srv, err := app.New(ctx, cfg, l.log, app.WithAzure(deploy.Overrides{Credential: l.emu.Credential(planter), ClientOptions: &co}),
		app.WithCanaryListeners(l.canaryLs))
	// The server owns the canary listeners now, even when New failed.
	l.canaryLs = nil
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	l.srv = srv
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	l.stopServe, l.served = stop, make(chan error, 1)
	go func() { l.served <- srv.Serve(sctx, l.ln) }()
	return nil
}

// config is honeyvault's configuration in the lab: serve's defaults with
// the lab's database, fresh bootstrap tokens and the user's webhooks.
func (l *Lab) config(listen string) config.Config {
	cfg := config.Default()
	cfg.Listen = listen
	cfg.ExternalURL = l.url
	cfg.DB = l.dsn()
	cfg.AdminToken = l.adminToken
	cfg.IngestToken = l.ingestToken
	cfg.Notify.Webhooks = l.opts.NotifyWebhooks
	cfg.Notify.WebhookSecret = l.opts.WebhookSecret
	// Later alerts of an incident reach the webhook after seconds, not the
	// production default's half minute, so that an attack shows quickly.
	cfg.Incidents.BatchInterval = config.Duration(2 * time.Second)
	// Decoys planted into the running lab (plant --lab, another process)
	// are watched within a quarter second rather than serve's 5 s.
	cfg.DecoySync = config.Duration(250 * time.Millisecond)
	cfg.Shutdown = config.Duration(5 * time.Second)
	// Coverage asks what the lab plants; discovery (as the planter, see
	// startServer) runs at start and hourly.
	cfg.Plant.Types = nil
	for _, t := range labSettings.Types {
		cfg.Plant.Types = append(cfg.Plant.Types, string(t))
	}
	// The vaults' settings stream to this namespace, whose records the
	// emulator's forwarder pushes to serve: the diagnostics check and the
	// tamper rules count it as read.
	cfg.Diagnostics.Destinations = []string{auditNamespace()}
	// The canary listeners run on loopback; what the console plants
	// points at them, as the lab's own planting does.
	cfg.Canary = l.canaryCfg
	// The Vault server's socket audit device streams to this source
	// (connectStores), on a free loopback port, from loopback only.
	cfg.Ingest.VaultSockets = []config.VaultSocketSource{{Name: vaultSocketSource, Listen: "127.0.0.1:0",
		VaultCluster: vaultCluster, AllowFrom: []string{"127.0.0.1"}}}
	return cfg
}

// auditNamespace is the Event Hubs namespace the vaults' settings stream
// to, which the lab's honeyvault reads.
func auditNamespace() string {
	ns, _, _ := strings.Cut(auditDestination, "/authorizationRules/")
	return ns
}

func (l *Lab) dsn() string { return "sqlite:" + filepath.Join(l.dir, dbFile) }

// DSN is the database of the lab in dir, for the verbs that work on it
// directly (plant, retire and reconcile --lab).
func DSN(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("lab: %w", err)
	}
	return "sqlite:" + filepath.Join(abs, dbFile), nil
}

// startEmulator builds the estate and starts the emulator, its audit records
// pushed to honeyvault's ingest endpoint with the ingest token.
func (l *Lab) startEmulator(plans []vaultTemplate) error {
	emu, err := kvemu.New(kvemu.Options{ReuseRSAKeys: true, Logger: l.log.With("component", "kvemu")})
	if err != nil {
		return err
	}
	l.emu = emu
	dest := auditDestination
	if l.opts.noIngest {
		// The settings name a hub nobody reads: records go nowhere.
		dest += "-unread"
	}
	l.sinkHTTP = &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
	sink := &kvemu.HTTPSink{
		URL: l.url + "/api/v1/ingest/azure-keyvault", BearerToken: l.ingestToken,
		Client: &http.Client{Transport: l.sinkHTTP, Timeout: 30 * time.Second},
	}
	if err := emu.RegisterDestination(auditDestination, sink, kvemu.DeliveryOptions{}); err != nil {
		return err
	}
	l.auditDest = dest
	activityDest := dest
	if l.opts.noActivity {
		activityDest = auditDestination + "-unread"
	}
	if err := buildEstate(emu, plans, dest, activityDest); err != nil {
		return err
	}
	if err := emu.Start(); err != nil {
		return err
	}
	l.state = &state{Version: stateVersion, PID: os.Getpid(), Server: l.url, Emulator: emu.Addr(), TenantID: kvemu.DefaultTenantID,
		Destinations: []string{auditNamespace()}}
	planterSecret := rand.Text()
	if err := emu.RegisterApp(planter, planterSecret); err != nil {
		return err
	}
	l.state.Planter = &stateIdentity{Name: "planter", About: "honeyvault's planter", ClientID: planter.AppID, ClientSecret: planterSecret,
		ObjectID: planter.ObjectID, UPN: planter.UPN, IP: planter.IPAddress}
	for _, o := range outsiders {
		secret := rand.Text()
		if err := emu.RegisterApp(o.Identity, secret); err != nil {
			return err
		}
		l.state.Identities = append(l.state.Identities, stateIdentity{
			Name: o.Name, About: o.About, ClientID: o.Identity.AppID, ClientSecret: secret,
			ObjectID: o.Identity.ObjectID, UPN: o.Identity.UPN, IP: o.Identity.IPAddress,
		})
	}
	return nil
}

func (l *Lab) writeState() error {
	ca, err := l.emu.WriteCACert(l.dir)
	if err != nil {
		return err
	}
	l.state.CAFile = ca
	if err := l.writeStoreCAs(); err != nil {
		return err
	}
	l.state.Stores = l.stateStores()
	l.state.Canaries = l.stateCanaries()
	for _, v := range l.vaults {
		sv := stateVault{Name: v.Name, ID: v.ID, URL: l.emu.VaultURL(v.Name), Subscription: v.SubscriptionID, RBAC: v.RBAC, OutsidersDenied: v.outsidersDenied}
		for _, d := range v.Decoys {
			sv.Decoys = append(sv.Decoys, stateDecoy{Name: d.Name, Type: d.Type, Canary: v.canaries[strings.ToLower(d.Name)]})
		}
		l.state.Vaults = append(l.state.Vaults, sv)
	}
	return writeState(l.dir, l.state)
}

// URL is honeyvault's address, e.g. "http://127.0.0.1:8080".
func (l *Lab) URL() string { return l.url }

// AdminToken is a bootstrap admin token to sign in to honeyvault with. It
// exists only while the lab runs.
func (l *Lab) AdminToken() string { return l.adminToken }

// Dir is the lab's directory (absolute).
func (l *Lab) Dir() string { return l.dir }

// Vaults describes the lab's vaults and the decoys planted into them.
func (l *Lab) Vaults() []Vault { return l.vaults }

// Close stops the lab: the emulator first (delivering the audit records
// still queued to honeyvault), then honeyvault, gracefully. The database and
// log stay in the directory; the state file and CA are removed. Close is
// safe to call more than once.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() {
		var errs []error
		if l.state != nil {
			for _, name := range []string{StateFile, caFile, vaultCAFile, awsCAFile} {
				if err := os.Remove(filepath.Join(l.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		}
		if l.stopServe == nil && l.ln != nil {
			// Never served: refuse the emulator's last pushes at once.
			l.ln.Close()
		}
		if l.canaryLs != nil {
			l.canaryLs.Close() // never handed to a server
		}
		if l.emu != nil {
			if err := l.emu.Close(); err != nil {
				errs = append(errs, fmt.Errorf("lab: emulator: %w", err))
			}
		}
		if l.vaultEmu != nil {
			if err := l.vaultEmu.Close(); err != nil {
				errs = append(errs, fmt.Errorf("lab: Vault emulator: %w", err))
			}
		}
		if l.awsEmu != nil {
			// Delivers the CloudTrail records still queued first.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := l.awsEmu.Close(ctx); err != nil {
				errs = append(errs, fmt.Errorf("lab: AWS emulator: %w", err))
			}
			cancel()
		}
		if l.sinkHTTP != nil {
			l.sinkHTTP.CloseIdleConnections()
		}
		if l.stopServe != nil {
			l.stopServe()
			if err := <-l.served; err != nil {
				errs = append(errs, fmt.Errorf("lab: honeyvault: %w", err))
			}
		}
		if l.logOut != nil {
			l.logOut.Close()
		}
		if l.unlock != nil {
			l.unlock()
		}
		l.closeErr = errors.Join(errs...)
	})
	return l.closeErr
}
