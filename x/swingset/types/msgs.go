package types

import (
	"encoding/json"
	"fmt"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
)

var (
	_ sdk.Msg = (*MsgInstallBundle)(nil)
	_ sdk.Msg = (*MsgDeliverInbound)(nil)
)

// ValidateBasic checks what needs no state: the submitter, and that the
// bundle is an endoZipBase64 bundle whose hash matches its archive
// (ParseBundle). The size limit is a param, checked by the msg server.
func (m *MsgInstallBundle) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Submitter); err != nil {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "submitter: %v", err)
	}
	if _, err := ParseBundle(m.Bundle); err != nil {
		return errorsmod.Wrap(ErrInvalidBundle, err.Error())
	}
	return nil
}

// ValidateBasic checks the submitter, that target and method are named,
// that args is a JSON array and that funds are valid coins: positive,
// sorted by denom, each denom once.
func (m *MsgDeliverInbound) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Submitter); err != nil {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "submitter: %v", err)
	}
	if m.Target == "" {
		return errorsmod.Wrap(ErrInvalidDelivery, "target: empty")
	}
	if m.Method == "" {
		return errorsmod.Wrap(ErrInvalidDelivery, "method: empty")
	}
	if _, err := ParseArgs(m.Args); err != nil {
		return errorsmod.Wrap(ErrInvalidDelivery, err.Error())
	}
	if err := ValidateFunds(m.Funds); err != nil {
		return errorsmod.Wrap(ErrInvalidFunds, err.Error())
	}
	return nil
}

// ValidateFunds checks that funds are valid coins: positive, sorted by
// denom, each denom once. A coin decoded without an amount is refused
// first, since sdk.Coins.Validate would panic on it.
func ValidateFunds(funds sdk.Coins) error {
	for i, c := range funds {
		if c.Amount.IsNil() {
			return fmt.Errorf("funds: coin %d (%q) has no amount", i, c.Denom)
		}
	}
	if err := funds.Validate(); err != nil {
		return fmt.Errorf("funds %q: %w", funds.String(), err)
	}
	return nil
}

// ParseArgs checks that args is a JSON array and returns it compacted.
func ParseArgs(args string) (json.RawMessage, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(args), &arr); err != nil || arr == nil {
		return nil, fmt.Errorf("args: not a JSON array: %q", truncate(args, 80))
	}
	bz, err := json.Marshal(arr)
	if err != nil {
		return nil, fmt.Errorf("args: %w", err)
	}
	return bz, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
