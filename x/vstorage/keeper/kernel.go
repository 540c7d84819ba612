package keeper

import (
	"encoding/json"
	"errors"
	"fmt"

	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/kernelcall"
	"github.com/agd-project/agd/x/vstorage/types"
)

// PathRequest is the params of vstorage.Get, Has, Children, Entries and Size.
type PathRequest struct {
	Path string `json:"path"`
}

// EntriesRequest is the params of vstorage.Set and vstorage.Append.
type EntriesRequest struct {
	Entries []Entry `json:"entries"`
}

// Entry is one [path, value-or-null] pair; [path] alone means null.
type Entry struct {
	Path  string
	Value *string
}

// UnmarshalJSON reads the pair form the kernel sends.
func (e *Entry) UnmarshalJSON(bz []byte) error {
	var pair []*string
	if err := json.Unmarshal(bz, &pair); err != nil {
		return fmt.Errorf("entry is not [path, value-or-null]: %w", err)
	}
	if len(pair) < 1 || len(pair) > 2 || pair[0] == nil {
		return errors.New("entry is not [path, value-or-null]")
	}
	e.Path = *pair[0]
	if len(pair) == 2 {
		e.Value = pair[1]
	}
	return nil
}

// MarshalJSON writes the pair form.
func (e Entry) MarshalJSON() ([]byte, error) {
	return json.Marshal([]*string{&e.Path, e.Value})
}

// KernelGet answers vstorage.Get: the value, or nil when the path holds none.
func (k Keeper) KernelGet(ctx context.Context, req PathRequest) (*string, error) {
	if err := types.ValidateReadPath(req.Path); err != nil {
		return nil, kernelcall.InvalidParams("path", err)
	}
	v, has, err := k.Get(ctx, req.Path)
	if err != nil || !has {
		return nil, err
	}
	return &v, nil
}

// KernelHas answers vstorage.Has.
func (k Keeper) KernelHas(ctx context.Context, req PathRequest) (bool, error) {
	v, err := k.KernelGet(ctx, req)
	return v != nil, err
}

// KernelChildren answers vstorage.Children.
func (k Keeper) KernelChildren(ctx context.Context, req PathRequest) ([]string, error) {
	if err := types.ValidateReadPath(req.Path); err != nil {
		return nil, kernelcall.InvalidParams("path", err)
	}
	return k.Children(ctx, req.Path)
}

// KernelEntries answers vstorage.Entries: each child's [name, value-or-null].
func (k Keeper) KernelEntries(ctx context.Context, req PathRequest) ([]Entry, error) {
	children, err := k.KernelChildren(ctx, req)
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, 0, len(children))
	for _, name := range children {
		child := name
		if req.Path != "" {
			child = req.Path + types.PathSeparator + name
		}
		v, has, err := k.Get(ctx, child)
		if err != nil {
			return nil, err
		}
		e := Entry{Path: name}
		if has {
			e.Value = &v
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// KernelSize answers vstorage.Size: the number of children.
func (k Keeper) KernelSize(ctx context.Context, req PathRequest) (int, error) {
	children, err := k.KernelChildren(ctx, req)
	return len(children), err
}

// KernelSet answers vstorage.Set. Every entry's path and value size is
// checked before any is written, so a refused request writes nothing. A
// store error during the writes can still leave earlier entries written:
// run it on a cache context, as the kernel-call window does.
func (k Keeper) KernelSet(ctx context.Context, req EntriesRequest) (bool, error) {
	if err := validateEntries(req.Entries, false); err != nil {
		return false, err
	}
	p, err := k.Params(ctx)
	if err != nil {
		return false, err
	}
	for i, e := range req.Entries {
		if e.Value == nil {
			continue // a delete has no size
		}
		if err := checkValueSize(p, e.Path, *e.Value); err != nil {
			return false, entryError(i, err)
		}
	}
	for i, e := range req.Entries {
		if err := k.Set(ctx, e.Path, e.Value); err != nil {
			return false, entryError(i, err)
		}
	}
	return true, nil
}

// KernelAppend answers vstorage.Append, with KernelSet's all-or-nothing: the
// stream cell each entry would leave (several entries may append to one
// path) is worked out and size-checked before any is written.
func (k Keeper) KernelAppend(ctx context.Context, req EntriesRequest) (bool, error) {
	if err := validateEntries(req.Entries, true); err != nil {
		return false, err
	}
	p, err := k.Params(ctx)
	if err != nil {
		return false, err
	}
	type cell struct {
		value string
		has   bool
	}
	cells := map[string]cell{} // path -> its cell after the entries so far
	for i, e := range req.Entries {
		c, seen := cells[e.Path]
		if !seen {
			if c.value, c.has, err = k.Get(ctx, e.Path); err != nil {
				return false, entryError(i, err)
			}
		}
		next, err := nextCell(e.Path, c.value, c.has, sdk.UnwrapSDKContext(ctx).BlockHeight(), *e.Value)
		if err != nil {
			return false, entryError(i, err)
		}
		if err := checkValueSize(p, e.Path, next); err != nil {
			return false, entryError(i, err)
		}
		cells[e.Path] = cell{value: next, has: true}
	}
	for i, e := range req.Entries {
		if err := k.Append(ctx, e.Path, *e.Value); err != nil {
			return false, entryError(i, err)
		}
	}
	return true, nil
}

func validateEntries(entries []Entry, needValue bool) error {
	for i, e := range entries {
		if err := types.ValidatePath(e.Path); err != nil {
			return kernelcall.InvalidParams(fmt.Sprintf("entries[%d]: path", i), err)
		}
		if needValue && e.Value == nil {
			return kernelcall.InvalidParams(fmt.Sprintf("entries[%d]: value", i), errors.New("null: only vstorage.Set deletes"))
		}
	}
	return nil
}

// entryError makes a value over max_value_size -32602, naming the entry;
// other errors are the store's, internal.
func entryError(i int, err error) error {
	if errors.Is(err, types.ErrValueTooLarge) {
		return kernelcall.InvalidParams(fmt.Sprintf("entries[%d]: value", i), err)
	}
	return fmt.Errorf("entries[%d]: %w", i, err)
}
