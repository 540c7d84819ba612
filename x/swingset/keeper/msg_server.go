package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/agd-project/agd/x/swingset/types"
)

type msgServer struct{ Keeper }

// NewMsgServer returns x/swingset's Msg service over k.
func NewMsgServer(k Keeper) types.MsgServer { return msgServer{k} }

// InstallBundle queues a bundle for the kernel.
func (s msgServer) InstallBundle(ctx context.Context, m *types.MsgInstallBundle) (*types.MsgInstallBundleResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	p, err := s.Params(ctx)
	if err != nil {
		return nil, err
	}
	// The size is of the bundle's JSON text, as the transaction carries it.
	if uint64(len(m.Bundle)) > p.MaxBundleSize {
		return nil, errorsmod.Wrapf(types.ErrBundleTooLarge, "bundle: %d bytes exceeds max_bundle_size %d", len(m.Bundle), p.MaxBundleSize)
	}
	id, err := s.Enqueue(ctx, types.QueuedAction{Action: &types.QueuedAction_InstallBundle{InstallBundle: m}})
	if err != nil {
		return nil, err
	}
	return &types.MsgInstallBundleResponse{ActionId: id}, nil
}

// DeliverInbound moves the message's funds from its submitter into the
// kernel's escrow and queues the message for a vat. Both happen in the
// transaction: a sender with too little fails it, and the transaction's
// failure undoes whatever part of the move was written.
func (s msgServer) DeliverInbound(ctx context.Context, m *types.MsgDeliverInbound) (*types.MsgDeliverInboundResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	if !m.Funds.IsZero() {
		sender, err := sdk.AccAddressFromBech32(m.Submitter)
		if err != nil {
			return nil, errorsmod.Wrap(sdkerrors.ErrInvalidAddress, err.Error())
		}
		if err := s.bank.SendCoinsFromAccountToModule(ctx, sender, s.escrow, m.Funds); err != nil {
			return nil, errorsmod.Wrapf(err, "funds %s from %s to the kernel's escrow", m.Funds, m.Submitter)
		}
	}
	id, err := s.Enqueue(ctx, types.QueuedAction{Action: &types.QueuedAction_DeliverInbound{DeliverInbound: m}})
	if err != nil {
		return nil, err
	}
	return &types.MsgDeliverInboundResponse{ActionId: id}, nil
}
