package main

import (
	"context"
	"fmt"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/agd-project/agd/app"
)

// fundAccounts creates n throwaway accounts in an in-memory keyring and funds
// them from funder in one transaction, so transfer cycles never contend for
// one account's sequence.
func fundAccounts(ctx context.Context, tc *txClient, funder *account, n int) ([]*account, error) {
	kr := keyring.NewInMemory(tc.clientCtx.Codec)
	accounts := make([]*account, n)
	var msgs []sdk.Msg
	grant := sdk.NewCoins(sdk.NewCoin(app.BondDenom, math.NewInt(1_000_000_000)), sdk.NewCoin(app.StableDenom, math.NewInt(1_000_000_000)))
	for i := range accounts {
		name := fmt.Sprintf("user%d", i)
		rec, _, err := kr.NewMnemonic(name, keyring.English, sdk.FullFundraiserPath, keyring.DefaultBIP39Passphrase, hd.Secp256k1)
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", name, err)
		}
		addr, err := rec.GetAddress()
		if err != nil {
			return nil, err
		}
		accounts[i] = &account{name: name, address: addr, kr: kr}
		msgs = append(msgs, banktypes.NewMsgSend(funder.address, addr, grant))
	}
	if _, err := submitAndWait(ctx, tc, func(ctx context.Context) ([]byte, error) {
		return tc.broadcast(ctx, funder, msgs...)
	}); err != nil {
		return nil, fmt.Errorf("fund %d accounts: %w", n, err)
	}
	return accounts, nil
}

// transferCycle sends 1uist from one account to the next, round robin. The
// send changes two balances, so each one reaches the kernel as a vbank
// update.
func transferCycle(tc *txClient, accounts []*account) cycleFunc {
	return func(ctx context.Context, n int64) (cycleResult, error) {
		from := accounts[int(n)%len(accounts)]
		to := accounts[(int(n)+1)%len(accounts)]
		msg := banktypes.NewMsgSend(from.address, to.address, sdk.NewCoins(sdk.NewInt64Coin(app.StableDenom, 1)))
		return submitAndWait(ctx, tc, func(ctx context.Context) ([]byte, error) {
			return tc.broadcast(ctx, from, msg)
		})
	}
}

// openFunder opens the funded "validator" key of a localnet home.
func openFunder(tc *txClient, home string) (*account, error) {
	kr, err := keyring.New(sdk.KeyringServiceName(), keyring.BackendTest, home, nil, tc.clientCtx.Codec)
	if err != nil {
		return nil, fmt.Errorf("open keyring in %s: %w", home, err)
	}
	rec, err := kr.Key("validator")
	if err != nil {
		return nil, fmt.Errorf("key \"validator\" in %s: %w", home, err)
	}
	addr, err := rec.GetAddress()
	if err != nil {
		return nil, err
	}
	return &account{name: "validator", address: addr, kr: kr}, nil
}
