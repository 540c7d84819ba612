// Package swingset is the x/swingset module: it queues the kernel's inputs
// (bundles to install, messages to deliver) from transactions, hands them to
// the kernel in swingset.EndBlock, and keeps the kernel's activity hash in
// consensus state (see docs/protocol.md).
package swingset

import (
	"encoding/json"
	"fmt"

	"cosmossdk.io/core/appmodule"
	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"
	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/agd-project/agd/x/swingset/client/cli"
	"github.com/agd-project/agd/x/swingset/keeper"
	"github.com/agd-project/agd/x/swingset/types"
)

// ConsensusVersion is the version of x/swingset's state layout.
const ConsensusVersion = 1

var (
	_ module.AppModuleBasic      = AppModule{}
	_ module.HasGenesis          = AppModule{}
	_ module.HasServices         = AppModule{}
	_ module.HasConsensusVersion = AppModule{}
	_ appmodule.AppModule        = AppModule{}
)

// AppModule is x/swingset for the module manager.
type AppModule struct {
	keeper keeper.Keeper
}

// NewAppModule returns the module over k.
func NewAppModule(k keeper.Keeper) AppModule { return AppModule{keeper: k} }

// Name returns "swingset".
func (AppModule) Name() string { return types.ModuleName }

// IsAppModule marks AppModule as an appmodule.AppModule.
func (AppModule) IsAppModule() {}

// IsOnePerModuleType marks AppModule as one per module type.
func (AppModule) IsOnePerModuleType() {}

// RegisterLegacyAminoCodec registers the messages for amino JSON signing.
func (AppModule) RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	types.RegisterLegacyAminoCodec(cdc)
}

// RegisterInterfaces registers the messages and the Msg service.
func (AppModule) RegisterInterfaces(r codectypes.InterfaceRegistry) { types.RegisterInterfaces(r) }

// RegisterGRPCGatewayRoutes is empty: queries are served by gRPC and the CLI.
func (AppModule) RegisterGRPCGatewayRoutes(client.Context, *gwruntime.ServeMux) {}

// GetTxCmd returns `agd tx swingset`, written by hand because install-bundle
// reads its bundle from a file.
func (AppModule) GetTxCmd() *cobra.Command { return cli.NewTxCmd() }

// ConsensusVersion returns the state layout's version.
func (AppModule) ConsensusVersion() uint64 { return ConsensusVersion }

// RegisterServices registers the Msg and Query services.
func (am AppModule) RegisterServices(cfg module.Configurator) {
	types.RegisterMsgServer(cfg.MsgServer(), keeper.NewMsgServer(am.keeper))
	types.RegisterQueryServer(cfg.QueryServer(), keeper.Querier{Keeper: am.keeper})
}

// DefaultGenesis is a kernel that has done nothing yet.
func (AppModule) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	return cdc.MustMarshalJSON(types.DefaultGenesis())
}

// ValidateGenesis checks params and the queue.
func (AppModule) ValidateGenesis(cdc codec.JSONCodec, _ client.TxEncodingConfig, bz json.RawMessage) error {
	var gs types.GenesisState
	if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
		return fmt.Errorf("decode %s genesis: %w", types.ModuleName, err)
	}
	return gs.Validate()
}

// InitGenesis stores the genesis state.
func (am AppModule) InitGenesis(ctx sdk.Context, cdc codec.JSONCodec, bz json.RawMessage) {
	var gs types.GenesisState
	cdc.MustUnmarshalJSON(bz, &gs)
	if err := am.keeper.InitGenesis(ctx, gs); err != nil {
		panic(err)
	}
}

// ExportGenesis returns the module's state.
func (am AppModule) ExportGenesis(ctx sdk.Context, cdc codec.JSONCodec) json.RawMessage {
	gs, err := am.keeper.ExportGenesis(ctx)
	if err != nil {
		panic(err)
	}
	return cdc.MustMarshalJSON(gs)
}
