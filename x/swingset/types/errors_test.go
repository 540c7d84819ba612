package types_test

import (
	"testing"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/swingset/types"
)

// A refused message carries x/swingset's codespace and the code of what was
// wrong, the way x/bank's refusals do.
func TestRefusalsCarryRegisteredCodes(t *testing.T) {
	// The SDK's default account prefix, which this package's tests run with.
	addr := sdk.AccAddress(make([]byte, 20)).String()
	cases := []struct {
		name string
		msg  interface{ ValidateBasic() error }
		want *errorsmod.Error
	}{
		{"bundle not an object", &types.MsgInstallBundle{Submitter: addr, Bundle: `"x"`}, types.ErrInvalidBundle},
		{"no target", &types.MsgDeliverInbound{Submitter: addr, Method: "m", Args: "[]"}, types.ErrInvalidDelivery},
		{"args not an array", &types.MsgDeliverInbound{Submitter: addr, Target: "c1", Method: "m", Args: "{}"}, types.ErrInvalidDelivery},
	}
	for _, c := range cases {
		err := c.msg.ValidateBasic()
		codespace, code, _ := errorsmod.ABCIInfo(err, false)
		if codespace != types.ModuleName || code != c.want.ABCICode() {
			t.Errorf("%s: %v has codespace %q code %d, want %q %d", c.name, err, codespace, code, types.ModuleName, c.want.ABCICode())
		}
	}
}
