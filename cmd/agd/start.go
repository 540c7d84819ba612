package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	pvm "github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/rpc/client/local"
	cmttypes "github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/oklog/run"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/server"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	servercmtlog "github.com/cosmos/cosmos-sdk/server/log"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
)

// addStartFlags adds agd's own start flags.
func addStartFlags(cmd *cobra.Command) {}

// startHandler replaces the SDK's in-process start. agd runs every
// long-lived part (the CometBFT node, the gRPC server, the signal handler)
// as one oklog/run group, so the first part to stop stops the others and
// each part's exit is logged with its own cause: the first actor to return
// is not always the one that failed.
func startHandler(svrCtx *server.Context, clientCtx client.Context, appCreator servertypes.AppCreator, withComet bool, _ server.StartCmdOptions) error {
	if !withComet {
		return errors.New("agd start --with-comet=false is not supported: agd always runs CometBFT in process")
	}
	logger := svrCtx.Logger
	cfg := svrCtx.Config
	home := cfg.RootDir

	srvCfg, err := serverconfig.GetConfig(svrCtx.Viper)
	if err != nil {
		return fmt.Errorf("read app.toml: %w", err)
	}
	if err := srvCfg.ValidateBasic(); err != nil {
		return fmt.Errorf("app.toml: %w", err)
	}

	db, err := dbm.NewDB("application", server.GetAppDBBackend(svrCtx.Viper), filepath.Join(home, "data"))
	if err != nil {
		return fmt.Errorf("open application database: %w", err)
	}
	application := appCreator(logger, db, nil, svrCtx.Viper)
	defer func() {
		if err := application.Close(); err != nil {
			logger.Error("closing application", "err", err)
		}
	}()

	nodeKey, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return fmt.Errorf("load node key: %w", err)
	}
	cmtNode, err := node.NewNodeWithContext(
		context.Background(),
		cfg,
		pvm.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile()),
		nodeKey,
		proxy.NewLocalClientCreator(server.NewCometABCIWrapper(application)),
		genesisDocProvider(cfg.GenesisFile()),
		cmtcfg.DefaultDBProvider,
		node.DefaultMetricsProvider(cfg.Instrumentation),
		servercmtlog.CometLoggerWrapper{Logger: logger},
	)
	if err != nil {
		return fmt.Errorf("create CometBFT node: %w", err)
	}

	var group run.Group
	addActor := func(name string, execute func() error, interrupt func(error)) {
		group.Add(func() error {
			err := execute()
			logger.Info("stopped", "part", name, "cause", describeExit(err))
			return err
		}, interrupt)
	}

	addActor(nodeActor(cmtNode))

	if srvCfg.API.Enable || srvCfg.GRPC.Enable {
		clientCtx = clientCtx.WithClient(local.New(cmtNode))
		application.RegisterTxService(clientCtx)
		application.RegisterTendermintService(clientCtx)
		application.RegisterNodeService(clientCtx, srvCfg)
	}
	if srvCfg.GRPC.Enable {
		grpcCtx, cancelGRPC := context.WithCancel(context.Background())
		grpcGroup, grpcCtx := errgroup.WithContext(grpcCtx)
		if _, _, err := server.StartGrpcServer(grpcCtx, grpcGroup, srvCfg.GRPC, clientCtx, svrCtx, application); err != nil {
			cancelGRPC()
			return fmt.Errorf("start gRPC server: %w", err)
		}
		addActor("grpc", grpcGroup.Wait, func(error) { cancelGRPC() })
	}

	sigExecute, sigInterrupt := run.SignalHandler(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	addActor("signals", sigExecute, sigInterrupt)

	err = group.Run()
	var sig *run.SignalError
	if errors.As(err, &sig) {
		logger.Info("shut down cleanly", "signal", sig.Signal.String())
		return nil
	}
	return err
}

// nodeActor runs the CometBFT node until it is interrupted or stops by
// itself, which is always an error worth reporting.
func nodeActor(n *node.Node) (string, func() error, func(error)) {
	interrupted := make(chan struct{})
	execute := func() error {
		if err := n.Start(); err != nil {
			return fmt.Errorf("start CometBFT node: %w", err)
		}
		select {
		case <-n.Quit():
			return errors.New("CometBFT node stopped on its own")
		case <-interrupted:
			return nil
		}
	}
	interrupt := func(error) {
		close(interrupted)
		if n.IsRunning() {
			if err := n.Stop(); err != nil {
				n.Logger.Error("stopping CometBFT node", "err", err)
			}
			n.Wait()
		}
	}
	return "cometbft", execute, interrupt
}

func describeExit(err error) string {
	if err == nil {
		return "interrupted by another part"
	}
	return err.Error()
}

func genesisDocProvider(path string) node.GenesisDocProvider {
	return func() (*cmttypes.GenesisDoc, error) {
		appGenesis, err := genutiltypes.AppGenesisFromFile(path)
		if err != nil {
			return nil, fmt.Errorf("read genesis %s: %w", path, err)
		}
		return appGenesis.ToGenesisDoc()
	}
}
