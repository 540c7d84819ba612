package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/server"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"

	"github.com/agd-project/agd/internal/stopsignal"
	"github.com/agd-project/agd/node"
)

// addStartFlags adds agd's own start flags.
func addStartFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String(node.FlagSplit, "", "run the kernel as a child process; a bare --split runs the pinned Node.js on <agvm dir>/src/main.js, --split=COMMAND runs COMMAND (split at spaces, no shell)")
	f.Lookup(node.FlagSplit).NoOptDefVal = node.SplitDefault
	f.String(node.FlagAgvmDir, "", "the agvm folder (default: next to the binary, then upward from the working directory)")
	f.Duration(node.FlagKernelInitTimeout, 60*time.Second, "how long the kernel may take to answer swingset.Init")
	f.Duration(node.FlagKernelCallTimeout, 2*time.Minute, "how long the kernel may take to answer one block lifecycle call")
}

// startHandler replaces the SDK's in-process start with the agd node
// (package node), handing it the flags and app.toml sections it reads.
func startHandler(svrCtx *server.Context, clientCtx client.Context, appCreator servertypes.AppCreator, withComet bool, _ server.StartCmdOptions) error {
	if !withComet {
		return errors.New("agd start --with-comet=false is not supported: agd always runs CometBFT in process")
	}
	v := svrCtx.Viper
	info := collectVersionInfo()
	return node.Run(svrCtx, clientCtx, appCreator, node.Options{
		Kernel: node.KernelOptions{
			Split:       v.GetString(node.FlagSplit),
			AgvmDir:     v.GetString(node.FlagAgvmDir),
			InitTimeout: v.GetDuration(node.FlagKernelInitTimeout),
			CallTimeout: v.GetDuration(node.FlagKernelCallTimeout),
		},
		FlightRecorder: flightRecorderPolicy(v),
		Slogfile:       v.GetString(flagSwingsetSlogfile),
		Versions: map[string]string{
			"agd": info.Version, "agdCommit": info.Commit, "go": info.Go,
			"cosmos-sdk": info.CosmosSDK, "cometbft": info.CometBFT,
		},
		Signals:        stopsignal.Caught(),
		ReleaseSignals: stopsignal.Release,
	})
}
