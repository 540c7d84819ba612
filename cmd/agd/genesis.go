package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	sdk "github.com/cosmos/cosmos-sdk/types"
	genutilcli "github.com/cosmos/cosmos-sdk/x/genutil/client/cli"

	"github.com/agd-project/agd/app"
)

// genesisCmd is the SDK's genesis command group with one guard added:
// add-genesis-account refuses denoms the chain does not know, because a
// typo there ("ubdl") is only found after the chain has started.
func genesisCmd(a *app.App) *cobra.Command {
	cmd := genutilcli.Commands(a.TxConfig(), a.BasicModuleManager, app.DefaultNodeHome)
	for _, sub := range cmd.Commands() {
		if sub.Name() == "add-genesis-account" {
			guardGenesisDenoms(sub)
		}
	}
	return cmd
}

func guardGenesisDenoms(cmd *cobra.Command) {
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 2 {
			if err := checkGenesisCoins(args[1]); err != nil {
				return err
			}
		}
		return run(cmd, args)
	}
}

// checkGenesisCoins parses a coin list and names the first unknown denom.
func checkGenesisCoins(coins string) error {
	parsed, err := sdk.ParseCoinsNormalized(coins)
	if err != nil {
		return fmt.Errorf("invalid coins %q: %w", coins, err)
	}
	for _, c := range parsed {
		if !app.IsKnownDenom(c.Denom) {
			return fmt.Errorf("unknown denom %q in %q: this chain's denoms are %s",
				c.Denom, coins, strings.Join(app.KnownDenoms, ", "))
		}
	}
	return nil
}
