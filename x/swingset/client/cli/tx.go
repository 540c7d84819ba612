// Package cli is `agd tx swingset`.
package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/agd-project/agd/x/swingset/types"
)

// NewTxCmd returns `agd tx swingset` and its subcommands.
func NewTxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        types.ModuleName,
		Short:                      "Send inputs to the kernel",
		DisableFlagParsing:         true,
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(NewInstallBundleCmd(), NewDeliverCmd())
	return cmd
}

// NewInstallBundleCmd returns `agd tx swingset install-bundle FILE.js`.
func NewInstallBundleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "install-bundle FILE.js",
		Short: "Ask the kernel to install the JS bundle in FILE.js",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			bundle, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("read bundle: %w", err)
			}
			msg := &types.MsgInstallBundle{Submitter: clientCtx.GetFromAddress().String(), Bundle: string(bundle)}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// NewDeliverCmd returns `agd tx swingset deliver VAT METHOD ARGS-JSON`.
func NewDeliverCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "deliver VAT METHOD ARGS-JSON",
		Short:   "Ask the kernel to deliver METHOD(...ARGS) to VAT; ARGS-JSON is a JSON array",
		Example: `agd tx swingset deliver v1 increment '[1]' --from alice`,
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			msg := &types.MsgDeliverInbound{
				Submitter: clientCtx.GetFromAddress().String(),
				Target:    args[0], Method: args[1], Args: args[2],
			}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}
