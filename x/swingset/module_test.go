package swingset_test

import (
	"testing"

	"cosmossdk.io/x/tx/signing"
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/gogoproto/proto"

	"github.com/agd-project/agd/x/swingset"
	"github.com/agd-project/agd/x/swingset/types"
)

// TestSignersResolve builds the interface registry the way app.New does and
// checks that x/tx finds the cosmos.msg.v1.signer of our messages through
// the gogoproto-registered descriptors.
func TestSignersResolve(t *testing.T) {
	ac := address.Bech32Codec{Bech32Prefix: "agoric"}
	reg, err := codectypes.NewInterfaceRegistryWithOptions(codectypes.InterfaceRegistryOptions{
		ProtoFiles: proto.HybridResolver,
		SigningOptions: signing.Options{
			AddressCodec:          ac,
			ValidatorAddressCodec: address.Bech32Codec{Bech32Prefix: "agoricvaloper"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	swingset.AppModule{}.RegisterInterfaces(reg)
	if err := reg.SigningContext().Validate(); err != nil {
		t.Fatal(err)
	}
	cdc := codec.NewProtoCodec(reg)
	addr := sdk.AccAddress([]byte("submitter-address-20"))
	addrStr, err := ac.BytesToString(addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []sdk.Msg{
		&types.MsgInstallBundle{Submitter: addrStr, Bundle: "x"},
		&types.MsgDeliverInbound{Submitter: addrStr, Target: "v", Method: "m", Args: "[]"},
	} {
		signers, _, err := cdc.GetMsgV1Signers(msg)
		if err != nil {
			t.Fatalf("%T: %v", msg, err)
		}
		if len(signers) != 1 || !sdk.AccAddress(signers[0]).Equals(addr) {
			t.Fatalf("%T signers %X", msg, signers)
		}
	}
}
