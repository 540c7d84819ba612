// Package types holds x/swingset's names and store layout.
package types

const (
	// ModuleName is the module's name.
	ModuleName = "swingset"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
)

// ActivityHashKey holds the kernel's activity hash after the last block. It
// lives in consensus state, so a kernel that diverges changes the AppHash.
var ActivityHashKey = []byte{0x01}
