package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/config"

	"github.com/honeyvault/honeyvault/internal/azpolicy"
)

func newPolicyExportCmd() *cobra.Command {
	var o azpolicy.Options
	cmd := &cobra.Command{
		Use:   "export --link URL",
		Short: "Write the KVReview policies, the AuditEvent diagnostic-settings policy and their initiative as an ARM template",
		Long: `Write on standard output one ARM template, to deploy at subscription scope
(az deployment sub create --location LOCATION --template-file FILE), holding:
the modify policy adding the tag KVReview=ReviewNeeded to Key Vaults lacking it; the audit
policy flagging vaults whose tag is not Reviewed, its remediation text linking URL (the
console's coverage page: https, or http://127.0.0.1 for the lab); a deployIfNotExists policy
giving every Key Vault a diagnostic setting streaming AuditEvent to the destination given at
assignment; and the initiative grouping them in the Deception category.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The tag's name and values follow kvreview.* unless given.
			cfg, err := config.Load(cmd.Flags(), os.Getenv)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			f := cmd.Flags()
			for flag, dst := range map[string]struct {
				to   *string
				from string
			}{"tag-name": {&o.TagName, cfg.KVReview.Tag}, "tag-needed": {&o.ReviewNeeded, cfg.KVReview.ReviewNeeded}, "tag-reviewed": {&o.Reviewed, cfg.KVReview.Reviewed}} {
				if !f.Changed(flag) {
					*dst.to = dst.from
				}
			}
			b, err := azpolicy.Template(o)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	fs := cmd.Flags()
	fs.String("config", "", "YAML config file (env "+config.FileEnv+"): kvreview.* name the tag and its values")
	fs.StringVar(&o.Link, "link", "", "`URL` of the console's coverage page, linked from the audit policy's remediation text")
	fs.StringVar(&o.TagName, "tag-name", azpolicy.DefaultTagName, "review tag name (default kvreview.tag)")
	fs.StringVar(&o.ReviewNeeded, "tag-needed", azpolicy.DefaultReviewNeeded, "tag value the modify policy adds (default kvreview.review_needed)")
	fs.StringVar(&o.Reviewed, "tag-reviewed", azpolicy.DefaultReviewed, "tag value of reviewed vaults (default kvreview.reviewed)")
	return cmd
}
