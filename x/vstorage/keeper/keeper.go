// Package keeper is x/vstorage's state: a tree of dot-separated paths, each
// holding a string, kept in the module's IAVL store.
package keeper

import (
	"context"
	"encoding/json"
	"fmt"

	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	storetypes "cosmossdk.io/store/types"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/vstorage/types"
)

// Keeper reads and writes x/vstorage's store.
type Keeper struct {
	cdc          codec.BinaryCodec
	storeService store.KVStoreService
}

// NewKeeper returns a keeper over the module's store.
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService) Keeper {
	return Keeper{cdc: cdc, storeService: storeService}
}

// Params returns the module's params (the defaults before genesis).
func (k Keeper) Params(ctx context.Context) (types.Params, error) {
	bz, err := k.storeService.OpenKVStore(ctx).Get(types.ParamsKey)
	if err != nil {
		return types.Params{}, fmt.Errorf("read vstorage params: %w", err)
	}
	if bz == nil {
		return types.DefaultParams(), nil
	}
	var p types.Params
	if err := k.cdc.Unmarshal(bz, &p); err != nil {
		return types.Params{}, fmt.Errorf("decode vstorage params: %w", err)
	}
	return p, nil
}

// SetParams validates and stores params.
func (k Keeper) SetParams(ctx context.Context, p types.Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	bz, err := k.cdc.Marshal(&p)
	if err != nil {
		return fmt.Errorf("encode vstorage params: %w", err)
	}
	return k.storeService.OpenKVStore(ctx).Set(types.ParamsKey, bz)
}

// Get returns a path's value and whether it holds one. A path that only has
// children holds none.
func (k Keeper) Get(ctx context.Context, path string) (string, bool, error) {
	bz, err := k.storeService.OpenKVStore(ctx).Get(types.PathKey(path))
	if err != nil {
		return "", false, fmt.Errorf("read %q: %w", path, err)
	}
	if len(bz) == 0 || bz[0] != types.DataTag {
		return "", false, nil
	}
	return string(bz[1:]), true, nil
}

// Children returns the names of a path's children in byte order; the root
// is "".
func (k Keeper) Children(ctx context.Context, path string) ([]string, error) {
	prefix := types.ChildrenPrefix(path)
	it, err := k.storeService.OpenKVStore(ctx).Iterator(prefix, storetypes.PrefixEndBytes(prefix))
	if err != nil {
		return nil, fmt.Errorf("list children of %q: %w", path, err)
	}
	defer it.Close()
	children := []string{}
	for ; it.Valid(); it.Next() {
		children = append(children, string(it.Key()[len(prefix):]))
	}
	return children, nil
}

// Set stores value at path, or deletes the path's value when value is nil.
// Ancestors get placeholders so Children finds every path; a delete removes
// placeholders left without descendants.
func (k Keeper) Set(ctx context.Context, path string, value *string) error {
	if value == nil {
		return k.remove(ctx, path, "delete")
	}
	return k.write(ctx, path, *value, "set")
}

// Append adds value to the path's stream cell for this block.
func (k Keeper) Append(ctx context.Context, path, value string) error {
	current, has, err := k.Get(ctx, path)
	if err != nil {
		return err
	}
	cell, err := nextCell(path, current, has, sdk.UnwrapSDKContext(ctx).BlockHeight(), value)
	if err != nil {
		return err
	}
	return k.write(ctx, path, cell, "append")
}

// nextCell is the stream cell path holds after value is appended to current
// at height.
func nextCell(path, current string, has bool, height int64, value string) (string, error) {
	bz, err := json.Marshal(types.AppendToCell(current, has, height, value))
	if err != nil {
		return "", fmt.Errorf("encode stream cell of %q: %w", path, err)
	}
	return string(bz), nil
}

func (k Keeper) write(ctx context.Context, path, value, op string) error {
	if err := types.ValidatePath(path); err != nil {
		return err
	}
	p, err := k.Params(ctx)
	if err != nil {
		return err
	}
	if err := checkValueSize(p, path, value); err != nil {
		return err
	}
	st := k.storeService.OpenKVStore(ctx)
	if err := st.Set(types.PathKey(path), append([]byte{types.DataTag}, value...)); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	for anc, ok := types.Parent(path); ok && anc != ""; anc, ok = types.Parent(anc) {
		key := types.PathKey(anc)
		if has, err := st.Has(key); err != nil {
			return fmt.Errorf("read %q: %w", anc, err)
		} else if has {
			break // its ancestors are in place already
		}
		if err := st.Set(key, []byte{types.PlaceholderTag}); err != nil {
			return fmt.Errorf("write placeholder %q: %w", anc, err)
		}
	}
	emitChange(ctx, path, value, op)
	return nil
}

// checkValueSize refuses a value over the max_value_size param.
func checkValueSize(p types.Params, path, value string) error {
	if uint64(len(value)) > p.MaxValueSize {
		return errorsmod.Wrapf(types.ErrValueTooLarge, "%q would hold %d bytes, max_value_size is %d", path, len(value), p.MaxValueSize)
	}
	return nil
}

func (k Keeper) remove(ctx context.Context, path, op string) error {
	if err := types.ValidatePath(path); err != nil {
		return err
	}
	if _, has, err := k.Get(ctx, path); err != nil || !has {
		return err
	}
	st := k.storeService.OpenKVStore(ctx)
	for p, ok := path, true; ok && p != ""; p, ok = types.Parent(p) {
		children, err := k.hasChildren(ctx, p)
		if err != nil {
			return err
		}
		if children {
			if p == path {
				if err := st.Set(types.PathKey(p), []byte{types.PlaceholderTag}); err != nil {
					return fmt.Errorf("write placeholder %q: %w", p, err)
				}
			}
			break
		}
		if p != path {
			if _, has, err := k.Get(ctx, p); err != nil {
				return err
			} else if has {
				break // an ancestor with a value stays
			}
		}
		if err := st.Delete(types.PathKey(p)); err != nil {
			return fmt.Errorf("delete %q: %w", p, err)
		}
	}
	emitChange(ctx, path, "", op)
	return nil
}

func (k Keeper) hasChildren(ctx context.Context, path string) (bool, error) {
	prefix := types.ChildrenPrefix(path)
	it, err := k.storeService.OpenKVStore(ctx).Iterator(prefix, storetypes.PrefixEndBytes(prefix))
	if err != nil {
		return false, fmt.Errorf("list children of %q: %w", path, err)
	}
	defer it.Close()
	return it.Valid(), nil
}

func emitChange(ctx context.Context, path, value, op string) {
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeStateChange,
		sdk.NewAttribute(types.AttributeKeyPath, path),
		sdk.NewAttribute(types.AttributeKeyValue, value),
		sdk.NewAttribute(types.AttributeKeyOp, op),
	))
}
