package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/plant"
)

// entraSecretEnv holds the Entra ID canary app's client secret: never a
// flag, which would land in shell history and process listings.
const entraSecretEnv = "HONEYVAULT_ENTRA_CLIENT_SECRET"

func newPlantEntraCmd() *cobra.Command {
	var (
		pf                                 plantFlags
		vault, name, appID, tenant, dsplay string
	)
	cmd := &cobra.Command{
		Use:   "entra --vault NAME|ID --name SECRET --app-id GUID --tenant-id GUID [--display-name NAME]",
		Short: "Plant an Entra ID app's client secret as a decoy (an Entra ID canary)",
		Long: `plant entra plants the client secret of an Entra ID app registration you created with no
permissions (README "Entra ID canary") into one vault, as decoy secret --name: the value is
the JSON az ad sp create-for-rbac prints (appId, displayName, password, tenant). The secret is
read from ` + entraSecretEnv + `, never from a flag. The registry keeps the app id as the
canary's token, never the secret; a sign-in as the app in Entra ID's service-principal sign-in
logs, read through honeyvault's ingestion, is an alert of class used-outside-key-vault with
operation canary:entra. One app per decoy: an app already planted is refused.

Exit status: 0 planted, 1 it failed, 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			app := plant.EntraApp{AppID: appID, TenantID: tenant, Secret: os.Getenv(entraSecretEnv), DisplayName: dsplay}.Normalize()
			if err := app.Validate(); err != nil {
				if app.Secret == "" {
					err = fmt.Errorf("plant entra: set %s to the app's client secret", entraSecretEnv)
				}
				return &ExitError{Code: 2, Err: err}
			}
			if vault == "" || name == "" {
				return usageErr("plant entra: --vault and --name are required")
			}
			if _, _, err := deploy.ParseSelectors([]string{vault}); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			cfg, err := pf.load(cmd, func(*config.Plant) error { return nil })
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			ctx, sess, end, err := pf.start(cmd, cfg)
			if err != nil {
				return err
			}
			defer end()
			d := sess.deployer
			targets, _, err := deploy.Targets(ctx, d.Azure, cfg.Plant.Subscriptions, []string{vault}, false)
			if err != nil {
				code := 1
				if errors.Is(err, deploy.ErrNoSuchVault) {
					code = 2
				}
				return &ExitError{Code: code, Err: err}
			}
			if len(targets) != 1 {
				return &ExitError{Code: 2, Err: fmt.Errorf("plant entra: %q names %d vaults; want one", vault, len(targets))}
			}
			dec, err := d.PlantEntra(ctx, targets[0], name, app)
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "planted %s in %s: an Entra ID canary for app %s\n", dec.Name, targets[0].Name, app.AppID)
			return sess.settle(ctx, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&vault, "vault", "", "`VAULT` name or ARM id to plant into")
	f.StringVar(&name, "name", "", "the decoy secret's `NAME`, in the vault's own style")
	f.StringVar(&appID, "app-id", "", "the app registration's application (client) id, a `GUID`")
	f.StringVar(&tenant, "tenant-id", "", "the tenant's id, a `GUID`")
	f.StringVar(&dsplay, "display-name", "", "the app's display `NAME`, as the value shows it")
	pf.register(cmd)
	return cmd
}
