package types

import (
	"cmp"
	"slices"
)

// BalanceUpdate is the vbank.BalanceUpdate notification's params and the
// answer to vbank.Give and vbank.Grab.
type BalanceUpdate struct {
	// Nonce goes up by one with every update the kernel is sent.
	Nonce   uint64    `json:"nonce"`
	Updates []Balance `json:"updates"`
}

// Balance is one account's balance of one denom, after the change.
type Balance struct {
	Address string `json:"address"`
	Denom   string `json:"denom"`
	// Amount is a decimal string of a non-negative integer.
	Amount string `json:"amount"`
}

// SortBalances orders balances by address, then denom, so the kernel sees
// the same update on every validator.
func SortBalances(bs []Balance) {
	slices.SortFunc(bs, func(a, b Balance) int {
		if c := cmp.Compare(a.Address, b.Address); c != 0 {
			return c
		}
		return cmp.Compare(a.Denom, b.Denom)
	})
}
