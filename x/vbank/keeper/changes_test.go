package keeper

import (
	"bytes"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/vbank/types"
)

// A changed-balance key reads back as the address and denom it was built
// from, an empty denom included; a key whose length byte claims more than
// the key holds is refused, not sliced past its end.
func TestChangedKeyRoundTrip(t *testing.T) {
	addr := sdk.AccAddress(bytes.Repeat([]byte{7}, 20))
	for _, denom := range []string{"ubld", "u", ""} {
		gotAddr, gotDenom, err := parseChangedKey(changedKey(addr, denom))
		if err != nil || !gotAddr.Equals(addr) || gotDenom != denom {
			t.Errorf("denom %q: parsed %s %q %v, want %s %q", denom, gotAddr, gotDenom, err, addr, denom)
		}
	}
	for _, rest := range [][]byte{{}, {1}, {2, 9}, {20, 1, 2, 3}} {
		key := append(append([]byte{}, types.ChangedPrefix...), rest...)
		if _, _, err := parseChangedKey(key); err == nil {
			t.Errorf("key %X parsed; want it refused as malformed", key)
		}
	}
}
