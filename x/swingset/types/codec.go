package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the messages for amino JSON signing,
// under the names their amino.name options give.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgInstallBundle{}, "agd/swingset/MsgInstallBundle")
	legacy.RegisterAminoMsg(cdc, &MsgDeliverInbound{}, "agd/swingset/MsgDeliverInbound")
}

// RegisterInterfaces registers the messages and the Msg service.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil), &MsgInstallBundle{}, &MsgDeliverInbound{})
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
