// Package app is agd's Cosmos SDK application, wired by hand: auth, bank,
// staking, distribution, slashing, consensus, genutil and tx.
package app

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	reflectionv1 "cosmossdk.io/api/cosmos/reflection/v1"
	"cosmossdk.io/client/v2/autocli"
	"cosmossdk.io/core/appmodule"
	"cosmossdk.io/log"
	storetypes "cosmossdk.io/store/types"
	"cosmossdk.io/x/tx/signing"
	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/gogoproto/proto"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"
	nodeservice "github.com/cosmos/cosmos-sdk/client/grpc/node"
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	runtimeservices "github.com/cosmos/cosmos-sdk/runtime/services"
	"github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/server/api"
	"github.com/cosmos/cosmos-sdk/server/config"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	"github.com/cosmos/cosmos-sdk/std"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/version"
	"github.com/cosmos/cosmos-sdk/x/auth"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"
	authcodec "github.com/cosmos/cosmos-sdk/x/auth/codec"
	authkeeper "github.com/cosmos/cosmos-sdk/x/auth/keeper"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/cosmos/cosmos-sdk/x/bank"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/consensus"
	consensuskeeper "github.com/cosmos/cosmos-sdk/x/consensus/keeper"
	consensustypes "github.com/cosmos/cosmos-sdk/x/consensus/types"
	distr "github.com/cosmos/cosmos-sdk/x/distribution"
	distrkeeper "github.com/cosmos/cosmos-sdk/x/distribution/keeper"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	"github.com/cosmos/cosmos-sdk/x/slashing"
	slashingkeeper "github.com/cosmos/cosmos-sdk/x/slashing/keeper"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	"github.com/cosmos/cosmos-sdk/x/staking"
	stakingkeeper "github.com/cosmos/cosmos-sdk/x/staking/keeper"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/agd-project/agd/app/sigcache"
	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/kernelcall"
	"github.com/agd-project/agd/x/swingset"
	swingsetkeeper "github.com/agd-project/agd/x/swingset/keeper"
	"github.com/agd-project/agd/x/swingset/snapshotter"
	swingsettypes "github.com/agd-project/agd/x/swingset/types"
	"github.com/agd-project/agd/x/vbank"
	vbankkeeper "github.com/agd-project/agd/x/vbank/keeper"
	vbanktypes "github.com/agd-project/agd/x/vbank/types"
	"github.com/agd-project/agd/x/vstorage"
	vstoragekeeper "github.com/agd-project/agd/x/vstorage/keeper"
	vstoragetypes "github.com/agd-project/agd/x/vstorage/types"
)

// DefaultNodeHome is where agd keeps its home unless --home says otherwise.
var DefaultNodeHome = func() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".agd"
	}
	return filepath.Join(home, ".agd")
}()

// moduleAccountPermissions lists every module account and what it may do
// with coins.
var moduleAccountPermissions = map[string][]string{
	authtypes.FeeCollectorName:     nil,
	distrtypes.ModuleName:          nil,
	stakingtypes.BondedPoolName:    {authtypes.Burner, authtypes.Staking},
	stakingtypes.NotBondedPoolName: {authtypes.Burner, authtypes.Staking},
	vbanktypes.ModuleName:          nil, // escrow of vbank.Give/Grab
}

// governanceAuthority is the address allowed to change module params. agd
// has no gov module yet, so, as in the SDK's own apps, it is the gov module
// address: nobody can sign for it, and params change only by upgrade. It is
// computed when the app is built, after SetSDKConfig chose the prefix.
func governanceAuthority() string { return authtypes.NewModuleAddress("gov").String() }

// App is agd's application.
type App struct {
	*baseapp.BaseApp

	legacyAmino       *codec.LegacyAmino
	appCodec          codec.Codec
	txConfig          client.TxConfig
	interfaceRegistry codectypes.InterfaceRegistry

	AccountKeeper   authkeeper.AccountKeeper
	BankKeeper      bankkeeper.BaseKeeper
	StakingKeeper   *stakingkeeper.Keeper
	DistrKeeper     distrkeeper.Keeper
	SlashingKeeper  slashingkeeper.Keeper
	ConsensusKeeper consensuskeeper.Keeper

	SwingsetKeeper swingsetkeeper.Keeper
	VbankKeeper    vbankkeeper.Keeper
	VstorageKeeper vstoragekeeper.Keeper
	KernelWindow   *kernelcall.Window
	// KernelSnapshots puts the kernel's state into state-sync snapshots.
	KernelSnapshots *snapshotter.Snapshotter

	ModuleManager      *module.Manager
	BasicModuleManager module.BasicManager

	kernel      Kernel
	endedHeight int64 // the block whose EndBlock ran last, for Commit
}

var _ servertypes.Application = (*App)(nil)

// New builds the application over db. loadLatest loads the last committed
// state; commands that only need codecs (the CLI) pass false.
func New(
	logger log.Logger,
	db dbm.DB,
	traceStore io.Writer,
	loadLatest bool,
	appOpts servertypes.AppOptions,
	baseAppOptions ...func(*baseapp.BaseApp),
) *App {
	interfaceRegistry, err := codectypes.NewInterfaceRegistryWithOptions(codectypes.InterfaceRegistryOptions{
		ProtoFiles: proto.HybridResolver,
		SigningOptions: signing.Options{
			AddressCodec:          address.Bech32Codec{Bech32Prefix: sdk.GetConfig().GetBech32AccountAddrPrefix()},
			ValidatorAddressCodec: address.Bech32Codec{Bech32Prefix: sdk.GetConfig().GetBech32ValidatorAddrPrefix()},
		},
	})
	if err != nil {
		panic(fmt.Errorf("interface registry: %w", err))
	}
	appCodec := codec.NewProtoCodec(interfaceRegistry)
	legacyAmino := codec.NewLegacyAmino()
	txConfig := authtx.NewTxConfig(appCodec, authtx.DefaultSignModes)
	if err := interfaceRegistry.SigningContext().Validate(); err != nil {
		panic(fmt.Errorf("signing context: %w", err))
	}
	std.RegisterLegacyAminoCodec(legacyAmino)
	std.RegisterInterfaces(interfaceRegistry)

	// No optimistic execution: a speculative FinalizeBlock could be thrown
	// away, and the kernel must see every block exactly once.
	bApp := baseapp.NewBaseApp(Name, logger, db, txConfig.TxDecoder(), baseAppOptions...)
	bApp.SetCommitMultiStoreTracer(traceStore)
	bApp.SetVersion(version.Version)
	bApp.SetInterfaceRegistry(interfaceRegistry)
	bApp.SetTxEncoder(txConfig.TxEncoder())

	keys := storetypes.NewKVStoreKeys(
		authtypes.StoreKey,
		banktypes.StoreKey,
		stakingtypes.StoreKey,
		distrtypes.StoreKey,
		slashingtypes.StoreKey,
		consensustypes.StoreKey,
		swingsettypes.StoreKey,
		vbanktypes.StoreKey,
		vstoragetypes.StoreKey,
	)
	tkeys := storetypes.NewTransientStoreKeys(vbanktypes.TStoreKey)
	if err := bApp.RegisterStreamingServices(appOpts, keys); err != nil {
		panic(fmt.Errorf("streaming services: %w", err))
	}

	app := &App{
		BaseApp:           bApp,
		legacyAmino:       legacyAmino,
		appCodec:          appCodec,
		txConfig:          txConfig,
		interfaceRegistry: interfaceRegistry,
	}

	authority := governanceAuthority()
	app.ConsensusKeeper = consensuskeeper.NewKeeper(appCodec, runtime.NewKVStoreService(keys[consensustypes.StoreKey]), authority, runtime.EventService{})
	bApp.SetParamStore(app.ConsensusKeeper.ParamsStore)

	addressCodec := authcodec.NewBech32Codec(sdk.GetConfig().GetBech32AccountAddrPrefix())
	app.AccountKeeper = authkeeper.NewAccountKeeper(
		appCodec, runtime.NewKVStoreService(keys[authtypes.StoreKey]), authtypes.ProtoBaseAccount,
		moduleAccountPermissions, addressCodec, sdk.GetConfig().GetBech32AccountAddrPrefix(), authority,
	)
	app.BankKeeper = bankkeeper.NewBaseKeeper(
		appCodec, runtime.NewKVStoreService(keys[banktypes.StoreKey]), app.AccountKeeper,
		blockedAddresses(), authority, logger,
	)
	app.VbankKeeper = vbankkeeper.NewKeeper(
		appCodec, runtime.NewKVStoreService(keys[vbanktypes.StoreKey]),
		runtime.NewTransientStoreService(tkeys[vbanktypes.TStoreKey]), app.BankKeeper, addressCodec,
	)
	app.BankKeeper.AppendSendRestriction(app.VbankKeeper.SendRestriction)
	trackingBank := vbankkeeper.NewTrackingBank(app.BankKeeper, app.VbankKeeper)
	app.StakingKeeper = stakingkeeper.NewKeeper(
		appCodec, runtime.NewKVStoreService(keys[stakingtypes.StoreKey]), app.AccountKeeper, trackingBank,
		authority,
		authcodec.NewBech32Codec(sdk.GetConfig().GetBech32ValidatorAddrPrefix()),
		authcodec.NewBech32Codec(sdk.GetConfig().GetBech32ConsensusAddrPrefix()),
	)
	app.DistrKeeper = distrkeeper.NewKeeper(
		appCodec, runtime.NewKVStoreService(keys[distrtypes.StoreKey]), app.AccountKeeper, app.BankKeeper,
		app.StakingKeeper, authtypes.FeeCollectorName, authority,
	)
	app.SlashingKeeper = slashingkeeper.NewKeeper(
		appCodec, legacyAmino, runtime.NewKVStoreService(keys[slashingtypes.StoreKey]), app.StakingKeeper, authority,
	)
	app.SwingsetKeeper = swingsetkeeper.NewKeeper(runtime.NewKVStoreService(keys[swingsettypes.StoreKey]),
		app.BankKeeper, vbanktypes.ModuleName)
	app.VstorageKeeper = vstoragekeeper.NewKeeper(appCodec, runtime.NewKVStoreService(keys[vstoragetypes.StoreKey]))
	app.KernelWindow = kernelcall.NewWindow()
	app.StakingKeeper.SetHooks(stakingtypes.NewMultiStakingHooks(app.DistrKeeper.Hooks(), app.SlashingKeeper.Hooks()))

	app.ModuleManager = module.NewManager(
		genutil.NewAppModule(app.AccountKeeper, app.StakingKeeper, app, txConfig),
		auth.NewAppModule(appCodec, app.AccountKeeper, nil, nil),
		bank.NewAppModule(appCodec, app.BankKeeper, app.AccountKeeper, nil),
		staking.NewAppModule(appCodec, app.StakingKeeper, app.AccountKeeper, app.BankKeeper, nil),
		distr.NewAppModule(appCodec, app.DistrKeeper, app.AccountKeeper, app.BankKeeper, app.StakingKeeper, nil),
		slashing.NewAppModule(appCodec, app.SlashingKeeper, app.AccountKeeper, app.BankKeeper, app.StakingKeeper, nil, interfaceRegistry),
		consensus.NewAppModule(appCodec, app.ConsensusKeeper),
		vbank.NewAppModule(app.VbankKeeper),
		vstorage.NewAppModule(app.VstorageKeeper),
		swingset.NewAppModule(app.SwingsetKeeper),
	)
	app.BasicModuleManager = module.NewBasicManagerFromManager(app.ModuleManager, map[string]module.AppModuleBasic{
		genutiltypes.ModuleName: genutil.NewAppModuleBasic(genutiltypes.DefaultMessageValidator),
	})
	app.BasicModuleManager.RegisterLegacyAminoCodec(legacyAmino)
	app.BasicModuleManager.RegisterInterfaces(interfaceRegistry)

	app.ModuleManager.SetOrderPreBlockers(authtypes.ModuleName)
	app.ModuleManager.SetOrderBeginBlockers(distrtypes.ModuleName, slashingtypes.ModuleName, stakingtypes.ModuleName, genutiltypes.ModuleName)
	app.ModuleManager.SetOrderEndBlockers(banktypes.ModuleName, stakingtypes.ModuleName, genutiltypes.ModuleName)
	// genutil comes after staking (pools are funded from genesis accounts)
	// and after auth (it reads auth params).
	genesisOrder := []string{
		consensustypes.ModuleName, authtypes.ModuleName, banktypes.ModuleName, distrtypes.ModuleName,
		stakingtypes.ModuleName, slashingtypes.ModuleName,
		vbanktypes.ModuleName, vstoragetypes.ModuleName, swingsettypes.ModuleName,
		genutiltypes.ModuleName,
	}
	app.ModuleManager.SetOrderInitGenesis(genesisOrder...)
	app.ModuleManager.SetOrderExportGenesis(genesisOrder...)

	configurator := module.NewConfigurator(appCodec, app.MsgServiceRouter(), app.GRPCQueryRouter())
	if err := app.ModuleManager.RegisterServices(configurator); err != nil {
		panic(fmt.Errorf("register module services: %w", err))
	}
	autocliv1.RegisterQueryServer(app.GRPCQueryRouter(), runtimeservices.NewAutoCLIQueryService(app.ModuleManager.Modules))
	reflectionSvc, err := runtimeservices.NewReflectionService()
	if err != nil {
		panic(fmt.Errorf("reflection service: %w", err))
	}
	reflectionv1.RegisterReflectionServiceServer(app.GRPCQueryRouter(), reflectionSvc)

	app.MountKVStores(keys)
	app.MountTransientStores(tkeys)
	app.SetInitChainer(app.InitChainer)
	app.SetPreBlocker(app.PreBlocker)
	app.SetBeginBlocker(app.BeginBlocker)
	app.SetEndBlocker(app.EndBlocker)

	anteHandler, err := newAnteHandler(ante.HandlerOptions{
		AccountKeeper:   app.AccountKeeper,
		BankKeeper:      app.BankKeeper,
		SignModeHandler: txConfig.SignModeHandler(),
		SigGasConsumer:  ante.DefaultSigVerificationGasConsumer,
	}, sigcache.New(sigCacheSize))
	if err != nil {
		panic(fmt.Errorf("ante handler: %w", err))
	}
	app.SetAnteHandler(anteHandler)

	app.registerKernelSnapshots(appOpts, logger)

	if loadLatest {
		if err := app.LoadLatestVersion(); err != nil {
			panic(fmt.Errorf("load latest version: %w", err))
		}
	}
	return app
}

// blockedAddresses are the module accounts that may not receive funds by a
// plain bank send.
func blockedAddresses() map[string]bool {
	blocked := make(map[string]bool, len(moduleAccountPermissions))
	for name := range moduleAccountPermissions {
		blocked[authtypes.NewModuleAddress(name).String()] = true
	}
	return blocked
}

// RegisterKernelServices registers every kernel→agd call on mux; they
// answer only while the app waits for swingset.EndBlock.
func (app *App) RegisterKernelServices(mux *rpc.Mux) {
	vbank.RegisterKernelServices(mux, app.KernelWindow, app.VbankKeeper)
	vstorage.RegisterKernelServices(mux, app.KernelWindow, app.VstorageKeeper)
}

// Name returns the application's name.
func (app *App) Name() string { return app.BaseApp.Name() }

// PreBlocker runs the modules' pre-blockers.
func (app *App) PreBlocker(ctx sdk.Context, _ *abci.RequestFinalizeBlock) (*sdk.ResponsePreBlock, error) {
	return app.ModuleManager.PreBlock(ctx)
}

// BeginBlocker starts the block on the kernel, then runs the modules'
// begin-blockers.
func (app *App) BeginBlocker(ctx sdk.Context) (sdk.BeginBlock, error) {
	if err := app.kernelBeginBlock(ctx); err != nil {
		return sdk.BeginBlock{}, err
	}
	return app.ModuleManager.BeginBlock(ctx)
}

// EndBlocker runs the modules' end-blockers, then ends the block on the
// kernel.
func (app *App) EndBlocker(ctx sdk.Context) (sdk.EndBlock, error) {
	res, err := app.ModuleManager.EndBlock(ctx)
	if err != nil {
		return res, err
	}
	if err := app.kernelEndBlock(ctx); err != nil {
		return sdk.EndBlock{}, err
	}
	return res, nil
}

// InitChainer initialises every module from the genesis file.
func (app *App) InitChainer(ctx sdk.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	var genesisState map[string]json.RawMessage
	if err := json.Unmarshal(req.AppStateBytes, &genesisState); err != nil {
		return nil, fmt.Errorf("decode genesis app state: %w", err)
	}
	if err := app.UpgradeKeeperSetModuleVersionMap(ctx); err != nil {
		return nil, err
	}
	return app.ModuleManager.InitGenesis(ctx, app.appCodec, genesisState)
}

// UpgradeKeeperSetModuleVersionMap is a no-op until agd has an upgrade
// module; it keeps InitChainer's shape familiar.
func (app *App) UpgradeKeeperSetModuleVersionMap(sdk.Context) error { return nil }

// LoadHeight loads the state at a given height.
func (app *App) LoadHeight(height int64) error { return app.LoadVersion(height) }

// LegacyAmino returns the amino codec, for the CLI's legacy paths.
func (app *App) LegacyAmino() *codec.LegacyAmino { return app.legacyAmino }

// AppCodec returns the protobuf codec.
func (app *App) AppCodec() codec.Codec { return app.appCodec }

// InterfaceRegistry returns the interface registry.
func (app *App) InterfaceRegistry() codectypes.InterfaceRegistry { return app.interfaceRegistry }

// TxConfig returns the tx encoding config.
func (app *App) TxConfig() client.TxConfig { return app.txConfig }

// DefaultGenesis returns every module's default genesis.
func (app *App) DefaultGenesis() map[string]json.RawMessage {
	return app.BasicModuleManager.DefaultGenesis(app.appCodec)
}

// AutoCliOpts gives autocli the modules' services so `agd tx` and
// `agd query` are generated from them.
func (app *App) AutoCliOpts() autocli.AppOptions {
	modules := make(map[string]appmodule.AppModule)
	for _, m := range app.ModuleManager.Modules {
		if named, ok := m.(module.HasName); ok {
			if am, ok := m.(appmodule.AppModule); ok {
				modules[named.Name()] = am
			}
		}
	}
	return autocli.AppOptions{
		Modules:               modules,
		ModuleOptions:         runtimeservices.ExtractAutoCLIOptions(app.ModuleManager.Modules),
		AddressCodec:          authcodec.NewBech32Codec(sdk.GetConfig().GetBech32AccountAddrPrefix()),
		ValidatorAddressCodec: authcodec.NewBech32Codec(sdk.GetConfig().GetBech32ValidatorAddrPrefix()),
		ConsensusAddressCodec: authcodec.NewBech32Codec(sdk.GetConfig().GetBech32ConsensusAddrPrefix()),
	}
}

// RegisterAPIRoutes registers the modules' gRPC-gateway routes.
func (app *App) RegisterAPIRoutes(apiSvr *api.Server, _ config.APIConfig) {
	clientCtx := apiSvr.ClientCtx
	authtx.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	cmtservice.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	nodeservice.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	app.BasicModuleManager.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
}

// RegisterTxService registers the tx gRPC service.
func (app *App) RegisterTxService(clientCtx client.Context) {
	authtx.RegisterTxService(app.GRPCQueryRouter(), clientCtx, app.Simulate, app.interfaceRegistry)
}

// RegisterTendermintService registers the CometBFT gRPC service.
func (app *App) RegisterTendermintService(clientCtx client.Context) {
	cmtApp := server.NewCometABCIWrapper(app)
	cmtservice.RegisterTendermintService(clientCtx, app.GRPCQueryRouter(), app.interfaceRegistry, cmtApp.Query)
}

// RegisterNodeService registers the node gRPC service.
func (app *App) RegisterNodeService(clientCtx client.Context, cfg config.Config) {
	nodeservice.RegisterNodeService(clientCtx, app.GRPCQueryRouter(), cfg)
}
