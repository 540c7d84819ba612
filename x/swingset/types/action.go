package types

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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
	Bundle      string `json:"bundle"`
	// BundleHash is the lower-case hex SHA-256 of bundle, so the kernel can
	// name a bundle without hashing it again.
	BundleHash string `json:"bundleHash"`
}

// deliverInboundAction is the JSON the kernel gets for MsgDeliverInbound;
// args is the array itself, not its text.
type deliverInboundAction struct {
	Type        string          `json:"type"`
	ID          uint64          `json:"id"`
	BlockHeight int64           `json:"blockHeight"`
	Sender      string          `json:"sender"`
	Target      string          `json:"target"`
	Method      string          `json:"method"`
	Args        json.RawMessage `json:"args"`
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
		sum := sha256.Sum256([]byte(m.Bundle))
		v = installBundleAction{
			Type: ActionInstallBundle, ID: a.Id, BlockHeight: a.BlockHeight, Sender: m.Submitter,
			Bundle: m.Bundle, BundleHash: hex.EncodeToString(sum[:]),
		}
	case a.GetDeliverInbound() != nil:
		m := a.GetDeliverInbound()
		args, err := ParseArgs(m.Args)
		if err != nil {
			return nil, fmt.Errorf("action %d: %w", a.Id, err)
		}
		v = deliverInboundAction{
			Type: ActionDeliverInbound, ID: a.Id, BlockHeight: a.BlockHeight, Sender: m.Submitter,
			Target: m.Target, Method: m.Method, Args: args,
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
