// Package cli is `agd tx swingset`.
package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/swingset/types"
)

// FlagFunds is deliver's --funds.
const FlagFunds = "funds"

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

// NewInstallBundleCmd returns `agd tx swingset install-bundle FILE.json`.
func NewInstallBundleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "install-bundle FILE.json",
		Short: "Ask the kernel to install the bundle in FILE.json",
		Long: `Ask the kernel to install the bundle in FILE.json, an endoZipBase64 bundle as
bundle-source writes it: bundle-source --cache-json DIR contract.js NAME
writes DIR/bundle-NAME.json. The bundle's SHA-512 is checked before the
transaction is sent.`,
		Example: `agd tx swingset install-bundle build/bundles/bundle-counter.json --from alice --gas auto --gas-adjustment 1.5 --gas-prices 0.0025ubld`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			msg, err := InstallBundleMsg(clientCtx.GetFromAddress().String(), args[0])
			if err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// InstallBundleMsg reads the bundle file at path into a checked message.
func InstallBundleMsg(submitter, path string) (*types.MsgInstallBundle, error) {
	bundle, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	msg := &types.MsgInstallBundle{Submitter: submitter, Bundle: string(bundle)}
	if err := msg.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return msg, nil
}

// NewDeliverCmd returns `agd tx swingset deliver VAT METHOD ARGS-JSON`.
func NewDeliverCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deliver VAT METHOD ARGS-JSON",
		Short: "Ask the kernel to deliver METHOD(...ARGS) to VAT; ARGS-JSON is a JSON array",
		Long: `Ask the kernel to deliver METHOD(...ARGS) to VAT; ARGS-JSON is a JSON array.
--funds coins move from the sender into the kernel's escrow in the same
transaction, and the contract learns of them in the delivery.`,
		Example: `agd tx swingset deliver v1 increment '[1]' --from alice --fees 5000ubld
agd tx swingset deliver v2 tip '[]' --funds 100uist,5ubld --from alice --fees 5000ubld`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			funds, err := cmd.Flags().GetString(FlagFunds)
			if err != nil {
				return err
			}
			msg, err := DeliverMsg(clientCtx.GetFromAddress().String(), args[0], args[1], args[2], funds)
			if err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().String(FlagFunds, "", "coins to send with the delivery into the kernel's escrow, e.g. 100uist,5ubld")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// DeliverMsg builds a checked delivery; funds is a coin list such as
// "100uist,5ubld" ("" for none).
func DeliverMsg(submitter, target, method, argsJSON, funds string) (*types.MsgDeliverInbound, error) {
	coins, err := ParseFunds(funds)
	if err != nil {
		return nil, err
	}
	msg := &types.MsgDeliverInbound{Submitter: submitter, Target: target, Method: method, Args: argsJSON, Funds: coins}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	return msg, nil
}

// ParseFunds parses a comma-separated coin list in any order and sorts it
// by denom. Unlike sdk.ParseCoinsNormalized it drops nothing: a fractional
// amount is refused rather than truncated, and a zero or repeated coin is
// left for ValidateBasic to refuse by name rather than silently removed.
func ParseFunds(funds string) (sdk.Coins, error) {
	funds = strings.TrimSpace(funds)
	if funds == "" {
		return sdk.Coins{}, nil
	}
	var coins sdk.Coins
	for _, part := range strings.Split(funds, ",") {
		dec, err := sdk.ParseDecCoin(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("--%s: %q: %w", FlagFunds, part, err)
		}
		if !dec.Amount.IsInteger() {
			return nil, fmt.Errorf("--%s: %q: not a whole number of %s", FlagFunds, part, dec.Denom)
		}
		coins = append(coins, sdk.Coin{Denom: dec.Denom, Amount: dec.Amount.TruncateInt()})
	}
	return coins.Sort(), nil
}
