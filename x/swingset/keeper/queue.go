package keeper

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"

	storetypes "cosmossdk.io/store/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/swingset/types"
)

// Enqueue appends an action for the kernel, after every action queued
// before it, and returns its id.
func (k Keeper) Enqueue(ctx context.Context, a types.QueuedAction) (uint64, error) {
	id, err := k.LastActionID(ctx)
	if err != nil {
		return 0, err
	}
	id++
	a.Id = id
	a.BlockHeight = sdk.UnwrapSDKContext(ctx).BlockHeight()
	if err := k.putAction(ctx, a); err != nil {
		return 0, err
	}
	if err := k.storeService.OpenKVStore(ctx).Set(types.LastActionIDKey, sdk.Uint64ToBigEndian(id)); err != nil {
		return 0, fmt.Errorf("write last action id: %w", err)
	}
	// The id names where the kernel publishes the outcome
	// (published.swingset.<install|deliver>.<id>); the event lets a client
	// find it without decoding the transaction's response bytes.
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeActionQueued,
		sdk.NewAttribute(types.AttributeKeyActionID, strconv.FormatUint(id, 10)),
		sdk.NewAttribute(types.AttributeKeyActionType, a.TypeName()),
	))
	return id, nil
}

// LastActionID returns the id of the last action queued (0 before any).
func (k Keeper) LastActionID(ctx context.Context) (uint64, error) {
	bz, err := k.storeService.OpenKVStore(ctx).Get(types.LastActionIDKey)
	if err != nil {
		return 0, fmt.Errorf("read last action id: %w", err)
	}
	if bz == nil {
		return 0, nil
	}
	return sdk.BigEndianToUint64(bz), nil
}

// TakeActions removes and returns the block's actions for swingset.EndBlock:
// the oldest queued ones, in the order they were queued, at most
// max_actions_per_block of them; the rest stay queued for later blocks.
func (k Keeper) TakeActions(ctx context.Context) ([]json.RawMessage, error) {
	p, err := k.Params(ctx)
	if err != nil {
		return nil, err
	}
	queued, err := k.Queue(ctx, int(p.MaxActionsPerBlock))
	if err != nil {
		return nil, err
	}
	st := k.storeService.OpenKVStore(ctx)
	actions := make([]json.RawMessage, 0, len(queued))
	for _, a := range queued {
		bz, err := a.KernelJSON()
		if err != nil {
			return nil, err
		}
		actions = append(actions, bz)
		if err := st.Delete(queueKey(a.Id)); err != nil {
			return nil, fmt.Errorf("dequeue action %d: %w", a.Id, err)
		}
	}
	return actions, nil
}

// Queue returns up to limit queued actions, oldest first (limit ≤ 0: all).
func (k Keeper) Queue(ctx context.Context, limit int) ([]types.QueuedAction, error) {
	it, err := k.storeService.OpenKVStore(ctx).Iterator(types.QueuePrefix, storetypes.PrefixEndBytes(types.QueuePrefix))
	if err != nil {
		return nil, fmt.Errorf("iterate action queue: %w", err)
	}
	defer it.Close()
	var out []types.QueuedAction
	for ; it.Valid() && (limit <= 0 || len(out) < limit); it.Next() {
		var a types.QueuedAction
		if err := a.Unmarshal(it.Value()); err != nil {
			return nil, fmt.Errorf("decode queued action %X: %w", it.Key(), err)
		}
		out = append(out, a)
	}
	return out, nil
}

func (k Keeper) putAction(ctx context.Context, a types.QueuedAction) error {
	bz, err := a.Marshal()
	if err != nil {
		return fmt.Errorf("encode action %d: %w", a.Id, err)
	}
	if err := k.storeService.OpenKVStore(ctx).Set(queueKey(a.Id), bz); err != nil {
		return fmt.Errorf("queue action %d: %w", a.Id, err)
	}
	return nil
}

func queueKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte{}, types.QueuePrefix...), id)
}
