package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	pvm "github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/rpc/client/local"
	cmttypes "github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/oklog/run"
	"golang.org/x/sync/errgroup"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/server"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	servercmtlog "github.com/cosmos/cosmos-sdk/server/log"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/agd-project/agd/app"
	"github.com/agd-project/agd/metrics"
)

// Run runs the node until it stops: the CometBFT node, the kernel child
// and every other long-lived part (the gRPC server, the signal handler) as
// one oklog/run group, so the first part to stop stops the others and each
// part's exit is logged with its own cause: the first actor to return is
// not always the one that failed. A nil error is a clean shutdown; an error
// that carries an exit code other than 1 is an *ExitError.
func Run(svrCtx *server.Context, clientCtx client.Context, appCreator servertypes.AppCreator, opts Options) error {
	clean, err := runNode(svrCtx, clientCtx, appCreator, opts)
	if err == nil && clean != nil {
		// Logged only now, after every store is closed, so that the last
		// line agd writes names why it stopped; a failure is printed last
		// by cobra as "Error: ...".
		svrCtx.Logger.Info(clean.msg, clean.keyvals...)
	}
	return err
}

// cleanStop is what agd logs last when it stops with exit code 0.
type cleanStop struct {
	msg     string
	keyvals []any
}

// runNode runs the node until it stops. A nil error with a cleanStop is a
// clean shutdown.
func runNode(svrCtx *server.Context, clientCtx client.Context, appCreator servertypes.AppCreator, opts Options) (*cleanStop, error) {
	logger := svrCtx.Logger
	// Signals are held from agd's first moment (internal/stopsignal); from
	// here on, this is what answers them.
	shutdown := listenForShutdown(opts.Signals, opts.ReleaseSignals)
	cfg := svrCtx.Config
	home := cfg.RootDir
	set, err := readSettings(svrCtx, opts)
	if err != nil {
		return nil, err
	}
	kopts, genesis := set.kernel, set.genesis

	nodeMetrics, err := newNodeMetrics(cfg.Instrumentation)
	if err != nil {
		return nil, err
	}
	kopts.metrics = nodeMetrics

	db, err := dbm.NewDB("application", server.GetAppDBBackend(svrCtx.Viper), filepath.Join(home, "data"))
	if err != nil {
		return nil, fmt.Errorf("open application database: %w", err)
	}
	application := appCreator(logger, db, nil, svrCtx.Viper)
	defer func() {
		if err := application.Close(); err != nil {
			logger.Error("closing application", "err", err)
			nodeMetrics.Unpropagated(metrics.SiteAppClose)
		}
	}()

	agdApp, ok := application.(*app.App)
	if !ok {
		return nil, fmt.Errorf("agd start: unexpected application type %T", application)
	}
	cosmosHeight := agdApp.LastBlockHeight()
	storedHash, err := agdApp.CommittedActivityHash()
	if err != nil {
		return nil, err
	}
	recorder, err := openFlightRecorder(logger, home, opts.FlightRecorder, nodeMetrics)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := recorder.Close(); err != nil {
			logger.Error("closing the flight recorder", "err", err)
			nodeMetrics.Unpropagated(metrics.SiteFlightrecClose)
		}
	}()
	kopts.slogSink = recorder.HandleSlogWrite
	failure := newConsensusFailure(logger.With("module", "flight-recorder"), recorder, home, kopts, opts.Versions,
		agdApp.LastBlockHeight, agdApp.CommittedActivityHash)

	// Nothing has started yet that must be stopped: the stores close on return.
	if sig, ok := shutdown.received(); ok {
		return &cleanStop{"shut down cleanly during start-up", []any{"signal", signalName(sig),
			"stage", "before the kernel started", "cosmos_height", cosmosHeight}}, nil
	}
	kernel, err := startKernel(logger, home, genesis.ChainID, kopts, agdApp, cosmosHeight, storedHash, shutdown)
	var startupStop *shutDownInStartup
	if errors.As(err, &startupStop) {
		return &cleanStop{"shut down cleanly during start-up", []any{"signal", startupStop.signal,
			"stage", "kernel handshake", "kernel", startupStop.kernel, "reason", startupStop.reason, "cosmos_height", cosmosHeight}}, nil
	}
	if err != nil {
		return nil, err
	}
	defer kernel.abandon()
	refused := &refusals{}
	agdApp.SetKernel(refused.kernel(kernel.driver))
	agdApp.SwingsetKeeper.SetKernelStatus(newKernelStatus(kernel, recorder).query)

	nodeKey, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("load node key: %w", err)
	}
	cmtNode, err := cmtnode.NewNodeWithContext(
		context.Background(),
		cfg,
		pvm.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile()),
		nodeKey,
		proxy.NewLocalClientCreator(server.NewCometABCIWrapper(application)),
		func() (*cmttypes.GenesisDoc, error) { return genesis.ToGenesisDoc() },
		cmtcfg.DefaultDBProvider,
		cmtnode.DefaultMetricsProvider(cfg.Instrumentation),
		cometLogger{Logger: servercmtlog.CometLoggerWrapper{Logger: logger}, appHashMismatch: failure.appHashMismatch, refusals: refused},
	)
	if err != nil {
		// Creating the node replays stored blocks into the app, and so into
		// the kernel: a signal then is decided by the lifecycle machine.
		return exitDecision(logger, fmt.Errorf("create CometBFT node: %w", err), kernel)
	}

	kernel.driver.SetSyncing(cmtNode.ConsensusReactor().WaitSync)

	var group run.Group
	addActor := func(name string, execute func() error, interrupt func(error)) {
		group.Add(func() error {
			err := execute()
			logger.Info("stopped", "part", name, "cause", describeExit(err))
			return err
		}, interrupt)
	}

	// Interrupts run in this order: the node first, so a block in progress
	// finishes (or is refused) while the kernel can still answer; then the
	// connection, whose EOF tells the kernel to exit; then the kernel.
	addActor(nodeActor(cmtNode, nodeMetrics))
	addActor(connActor(kernel.conn))
	addActor(kernelActor(kernel))
	addActor(lifecycleActor(kernel.driver))
	addActor(failure.actor())

	grpcWait, grpcStop, err := serveAPIs(svrCtx, clientCtx, set.server, application, cmtNode)
	if err != nil {
		return nil, err
	}
	if grpcWait != nil {
		addActor("grpc", grpcWait, grpcStop)
	}
	addActor(signalActor(shutdown))

	if _, stopped := kernel.driver.Decision(); stopped {
		// A signal came while the node was being made: do not start it.
		return exitDecision(logger, nil, kernel)
	}
	err = group.Run()
	if failureErr := failure.Err(); failureErr != nil {
		return nil, failureErr
	}
	return exitDecision(logger, err, kernel)
}

// settings are what agd start reads before it opens anything, so that a
// bad one stops agd before a store or the kernel is touched.
type settings struct {
	kernel  kernelOptions
	genesis *genutiltypes.AppGenesis
	server  serverconfig.Config
}

func readSettings(svrCtx *server.Context, opts Options) (settings, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return settings{}, fmt.Errorf("working folder: %w", err)
	}
	env, err := kernelEnv(os.Environ(), opts.Slogfile, svrCtx.Config.RootDir, cwd)
	if err != nil {
		return settings{}, err
	}
	kopts := kernelOptions{
		split:       opts.Kernel.Split,
		agvmDir:     opts.Kernel.AgvmDir,
		initTimeout: opts.Kernel.InitTimeout,
		callTimeout: opts.Kernel.CallTimeout,
		env:         env,
	}
	if kopts.split == "" {
		return settings{}, errNoSplit
	}
	genesis, err := genutiltypes.AppGenesisFromFile(svrCtx.Config.GenesisFile())
	if err != nil {
		return settings{}, fmt.Errorf("read genesis: %w", err)
	}
	srvCfg, err := serverconfig.GetConfig(svrCtx.Viper)
	if err != nil {
		return settings{}, fmt.Errorf("read app.toml: %w", err)
	}
	if err := srvCfg.ValidateBasic(); err != nil {
		return settings{}, fmt.Errorf("app.toml: %w", err)
	}
	return settings{kernel: kopts, genesis: genesis, server: srvCfg}, nil
}

// serveAPIs registers the app's gRPC and REST services on the node and
// starts the gRPC server, if app.toml enables them. wait and stop are the
// gRPC server's, for the run group (nil when it is off).
func serveAPIs(svrCtx *server.Context, clientCtx client.Context, srvCfg serverconfig.Config,
	application servertypes.Application, cmtNode *cmtnode.Node,
) (wait func() error, stop func(error), err error) {
	if srvCfg.API.Enable || srvCfg.GRPC.Enable {
		clientCtx = clientCtx.WithClient(local.New(cmtNode))
		application.RegisterTxService(clientCtx)
		application.RegisterTendermintService(clientCtx)
		application.RegisterNodeService(clientCtx, srvCfg)
	}
	if !srvCfg.GRPC.Enable {
		return nil, nil, nil
	}
	grpcCtx, cancelGRPC := context.WithCancel(context.Background())
	grpcGroup, grpcCtx := errgroup.WithContext(grpcCtx)
	if _, _, err := server.StartGrpcServer(grpcCtx, grpcGroup, srvCfg.GRPC, clientCtx, svrCtx, application); err != nil {
		cancelGRPC()
		return nil, nil, fmt.Errorf("start gRPC server: %w", err)
	}
	return grpcGroup.Wait, func(error) { cancelGRPC() }, nil
}
