// Package types holds x/swingset's names, store layout, messages, params and
// the actions it hands the kernel.
package types

const (
	// ModuleName is the module's name.
	ModuleName = "swingset"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
)

var (
	// ActivityHashKey holds the kernel's activity hash after the last block.
	// It lives in consensus state, so a kernel that diverges changes the
	// AppHash.
	ActivityHashKey = []byte{0x01}
	// ParamsKey holds Params.
	ParamsKey = []byte{0x02}
	// LastActionIDKey holds the id of the last action queued.
	LastActionIDKey = []byte{0x03}
	// QueuePrefix prefixes the queued actions, keyed by big-endian id so
	// the store iterates them in the order they were queued.
	QueuePrefix = []byte{0x04}
)

// The event a queued kernel input emits.
const (
	EventTypeActionQueued  = "swingset_action_queued"
	AttributeKeyActionID   = "action_id"
	AttributeKeyActionType = "action_type"
)
