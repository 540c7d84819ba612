// Package types holds x/vstorage's names, path rules, store layout, params
// and stream cells.
package types

const (
	// ModuleName is the module's name.
	ModuleName = "vstorage"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
	// EventTypeStateChange is emitted for every path whose value changes.
	EventTypeStateChange = "vstorage_change"
	// AttributeKeyPath names the changed path.
	AttributeKeyPath = "path"
	// AttributeKeyValue holds the new value ("" when deleted).
	AttributeKeyValue = "value"
	// AttributeKeyOp is "set", "append" or "delete".
	AttributeKeyOp = "op"
)

// ParamsKey holds Params. Data keys start with an ASCII digit (the path's
// depth), so 0xff never collides with one.
var ParamsKey = []byte{0xff, 'p'}

// Stored values start with a tag byte so a path that only has children can
// be told from a path that holds the empty string.
const (
	// DataTag prefixes a stored value.
	DataTag byte = 0x00
	// PlaceholderTag alone marks a path that holds no value but has
	// descendants, so Children finds it.
	PlaceholderTag byte = 0xff
)
