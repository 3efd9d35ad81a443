package cli

import (
	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/azpolicy"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Azure Policy for decoy coverage (export)",
	}
	cmd.AddCommand(newPolicyExportCmd())
	return cmd
}

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
			b, err := azpolicy.Template(o)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Link, "link", "", "`URL` of the console's coverage page, linked from the audit policy's remediation text")
	fs.StringVar(&o.TagName, "tag-name", azpolicy.DefaultTagName, "review tag name")
	fs.StringVar(&o.ReviewNeeded, "tag-needed", azpolicy.DefaultReviewNeeded, "tag value the modify policy adds")
	fs.StringVar(&o.Reviewed, "tag-reviewed", azpolicy.DefaultReviewed, "tag value of reviewed vaults")
	return cmd
}
