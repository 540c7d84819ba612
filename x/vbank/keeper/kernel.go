package keeper

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/kernelcall"
	"github.com/agd-project/agd/x/vbank/types"
)

// BalanceRequest is vbank.GetBalance's params.
type BalanceRequest struct {
	Address string `json:"address"`
	Denom   string `json:"denom"`
}

// TransferRequest is vbank.Give's and vbank.Grab's params.
type TransferRequest struct {
	Address string `json:"address"`
	Denom   string `json:"denom"`
	// Amount is a decimal string of a non-negative integer.
	Amount string `json:"amount"`
}

// GetBalance answers vbank.GetBalance: addr's balance of denom.
func (k Keeper) GetBalance(ctx context.Context, req BalanceRequest) (string, error) {
	addr, err := k.parseAddress(req.Address)
	if err != nil {
		return "", err
	}
	if err := sdk.ValidateDenom(req.Denom); err != nil {
		return "", kernelcall.InvalidParams("denom", err)
	}
	return k.bank.GetBalance(ctx, addr, req.Denom).Amount.String(), nil
}

// Give answers vbank.Give: it pays amount from the vbank escrow to the
// address and returns the address's new balance under a new nonce. Run it
// on a cache context (kernelcall.Handle does): on error, a nonce may have
// been taken that must not be kept.
func (k Keeper) Give(ctx context.Context, req TransferRequest) (*types.BalanceUpdate, error) {
	addr, coin, err := k.parseTransfer(req)
	if err != nil {
		return nil, err
	}
	if k.bank.BlockedAddr(addr) {
		return nil, kernelcall.InvalidParams("address", fmt.Errorf("%s may not receive funds", req.Address))
	}
	if err := k.checkFunds(ctx, "the vbank escrow", k.escrow, coin); err != nil {
		return nil, err
	}
	if coin.IsPositive() {
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, addr, sdk.NewCoins(coin)); err != nil {
			return nil, fmt.Errorf("give %s to %s: %w", coin, req.Address, err)
		}
	}
	return k.transferUpdate(ctx, addr, coin.Denom)
}

// Grab answers vbank.Grab: it takes amount from the address into the vbank
// escrow and returns the address's new balance under a new nonce. Like
// Give, it belongs on a cache context.
func (k Keeper) Grab(ctx context.Context, req TransferRequest) (*types.BalanceUpdate, error) {
	addr, coin, err := k.parseTransfer(req)
	if err != nil {
		return nil, err
	}
	if err := k.checkFunds(ctx, req.Address, addr, coin); err != nil {
		return nil, err
	}
	if coin.IsPositive() {
		if err := k.bank.SendCoinsFromAccountToModule(ctx, addr, types.ModuleName, sdk.NewCoins(coin)); err != nil {
			return nil, fmt.Errorf("grab %s from %s: %w", coin, req.Address, err)
		}
	}
	return k.transferUpdate(ctx, addr, coin.Denom)
}

func (k Keeper) transferUpdate(ctx context.Context, addr sdk.AccAddress, denom string) (*types.BalanceUpdate, error) {
	b, err := k.balance(ctx, addr, denom)
	if err != nil {
		return nil, err
	}
	nonce, err := k.nextNonce(ctx)
	if err != nil {
		return nil, err
	}
	return &types.BalanceUpdate{Nonce: nonce, Updates: []types.Balance{b}}, nil
}

// checkFunds answers CodeInsufficientFunds, naming both amounts, when payer
// can spend less than want; the bank's own error names neither plainly.
func (k Keeper) checkFunds(ctx context.Context, payer string, addr sdk.AccAddress, want sdk.Coin) error {
	have := k.bank.SpendableCoin(ctx, addr, want.Denom)
	if have.Amount.LT(want.Amount) {
		return rpc.Errorf(types.CodeInsufficientFunds, "insufficient funds: %s has %s%s, wants %s%s",
			payer, have.Amount, want.Denom, want.Amount, want.Denom)
	}
	return nil
}

func (k Keeper) parseTransfer(req TransferRequest) (sdk.AccAddress, sdk.Coin, error) {
	addr, err := k.parseAddress(req.Address)
	if err != nil {
		return nil, sdk.Coin{}, err
	}
	if err := sdk.ValidateDenom(req.Denom); err != nil {
		return nil, sdk.Coin{}, kernelcall.InvalidParams("denom", err)
	}
	amount, err := parseAmount(req.Amount)
	if err != nil {
		return nil, sdk.Coin{}, kernelcall.InvalidParams("amount", err)
	}
	return addr, sdk.Coin{Denom: req.Denom, Amount: amount}, nil
}

func (k Keeper) parseAddress(s string) (sdk.AccAddress, error) {
	if s == "" {
		return nil, kernelcall.InvalidParams("address", errors.New("empty"))
	}
	addr, err := k.addressCodec.StringToBytes(s)
	if err != nil {
		return nil, kernelcall.InvalidParams("address", fmt.Errorf("%q: %w", s, err))
	}
	return addr, nil
}

// amountPattern is a non-negative integer without sign, spaces or leading
// zeros: the one spelling every validator agrees on.
var amountPattern = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

func parseAmount(s string) (sdkmath.Int, error) {
	if !amountPattern.MatchString(s) {
		return sdkmath.Int{}, fmt.Errorf("%q is not a non-negative integer decimal string", s)
	}
	n, ok := sdkmath.NewIntFromString(s)
	if !ok {
		return sdkmath.Int{}, fmt.Errorf("%q is out of range", s)
	}
	return n, nil
}
