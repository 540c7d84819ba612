package types

import (
	"encoding/json"
	"errors"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"
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
		return fmt.Errorf("submitter: %w", err)
	}
	if _, err := ParseBundle(m.Bundle); err != nil {
		return err
	}
	return nil
}

// ValidateBasic checks the submitter, that target and method are named,
// that args is a JSON array and that funds are valid coins: positive,
// sorted by denom, each denom once.
func (m *MsgDeliverInbound) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Submitter); err != nil {
		return fmt.Errorf("submitter: %w", err)
	}
	if m.Target == "" {
		return errors.New("target: empty")
	}
	if m.Method == "" {
		return errors.New("method: empty")
	}
	if _, err := ParseArgs(m.Args); err != nil {
		return err
	}
	return ValidateFunds(m.Funds)
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
