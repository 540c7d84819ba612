package types

import (
	"encoding/json"
	"errors"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Action types, the "type" member of each action swingset.EndBlock carries.
const (
	ActionInstallBundle  = "INSTALL_BUNDLE"
	ActionDeliverInbound = "DELIVER_INBOUND"
)

// installBundleAction is the JSON the kernel gets for MsgInstallBundle.
type installBundleAction struct {
	Type        string `json:"type"`
	ID          uint64 `json:"id"`
	BlockHeight int64  `json:"blockHeight"`
	Sender      string `json:"sender"`
	// Bundle is the bundle object itself, never a string holding JSON.
	Bundle json.RawMessage `json:"bundle"`
}

// deliverInboundAction is the JSON the kernel gets for MsgDeliverInbound;
// args is the array itself, not its text, and funds what the transaction
// moved into the kernel's escrow for this delivery ([] when nothing).
type deliverInboundAction struct {
	Type        string          `json:"type"`
	ID          uint64          `json:"id"`
	BlockHeight int64           `json:"blockHeight"`
	Sender      string          `json:"sender"`
	Target      string          `json:"target"`
	Method      string          `json:"method"`
	Args        json.RawMessage `json:"args"`
	Funds       []coinJSON      `json:"funds"`
}

// coinJSON is a coin as the kernel gets it: the amount as a decimal string,
// since it may exceed what a JavaScript number holds exactly.
type coinJSON struct {
	Denom  string `json:"denom"`
	Amount string `json:"amount"`
}

// fundsJSON lists funds in sdk.Coins order (sorted by denom, which
// ValidateBasic enforced), never null.
func fundsJSON(funds sdk.Coins) []coinJSON {
	out := make([]coinJSON, 0, len(funds))
	for _, c := range funds {
		out = append(out, coinJSON{Denom: c.Denom, Amount: c.Amount.String()})
	}
	return out
}

// ValidateBasic checks the queued message.
func (a QueuedAction) ValidateBasic() error {
	switch {
	case a.GetInstallBundle() != nil:
		return a.GetInstallBundle().ValidateBasic()
	case a.GetDeliverInbound() != nil:
		return a.GetDeliverInbound().ValidateBasic()
	}
	return errors.New("action: empty")
}

// TypeName is the action's "type": ActionInstallBundle or ActionDeliverInbound.
func (a QueuedAction) TypeName() string {
	switch {
	case a.GetInstallBundle() != nil:
		return ActionInstallBundle
	case a.GetDeliverInbound() != nil:
		return ActionDeliverInbound
	}
	return ""
}

// KernelJSON returns the action as the JSON object swingset.EndBlock
// carries (docs/protocol.md, "swingset actions").
func (a QueuedAction) KernelJSON() (json.RawMessage, error) {
	var v any
	switch {
	case a.GetInstallBundle() != nil:
		m := a.GetInstallBundle()
		b, err := ParseBundle(m.Bundle)
		if err != nil {
			return nil, fmt.Errorf("action %d: %w", a.Id, err)
		}
		bundle, err := b.JSON()
		if err != nil {
			return nil, fmt.Errorf("action %d: %w", a.Id, err)
		}
		v = installBundleAction{
			Type: ActionInstallBundle, ID: a.Id, BlockHeight: a.BlockHeight, Sender: m.Submitter,
			Bundle: bundle,
		}
	case a.GetDeliverInbound() != nil:
		m := a.GetDeliverInbound()
		args, err := ParseArgs(m.Args)
		if err != nil {
			return nil, fmt.Errorf("action %d: %w", a.Id, err)
		}
		v = deliverInboundAction{
			Type: ActionDeliverInbound, ID: a.Id, BlockHeight: a.BlockHeight, Sender: m.Submitter,
			Target: m.Target, Method: m.Method, Args: args, Funds: fundsJSON(m.Funds),
		}
	default:
		return nil, fmt.Errorf("action %d: empty", a.Id)
	}
	bz, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode action %d: %w", a.Id, err)
	}
	return bz, nil
}
