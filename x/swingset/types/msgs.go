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

// ValidateBasic checks what needs no state: the submitter and a non-empty
// bundle. The size limit is a param, checked by the msg server.
func (m *MsgInstallBundle) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Submitter); err != nil {
		return fmt.Errorf("submitter: %w", err)
	}
	if m.Bundle == "" {
		return errors.New("bundle: empty")
	}
	return nil
}

// ValidateBasic checks the submitter, that target and method are named and
// that args is a JSON array.
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
