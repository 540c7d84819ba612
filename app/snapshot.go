package app

import (
	"context"
	"fmt"
	"path/filepath"

	"cosmossdk.io/log"
	"github.com/cosmos/cosmos-sdk/client/flags"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	"github.com/spf13/cast"

	"github.com/agd-project/agd/supervisor"
	"github.com/agd-project/agd/x/swingset/snapshotter"
)

// newKernelSnapshotter builds the "swingset" snapshot extension from agd's
// options: the home (the kernel's state is in <home>/data/agvm, as agd start
// puts it), the agvm folder (--agvm-dir, else found beside the binary or
// above the working folder) and app.toml's snapshot interval.
func newKernelSnapshotter(appOpts servertypes.AppOptions, logger log.Logger, chainID string) *snapshotter.Snapshotter {
	home := cast.ToString(appOpts.Get(flags.FlagHome))
	cfg := snapshotter.Config{
		StateDir: filepath.Join(home, "data", "agvm"),
		ChainID:  chainID,
		Interval: cast.ToUint64(appOpts.Get("state-sync.snapshot-interval")),
		Logger:   logger.With("module", "swingset-snapshot"),
	}
	if dir, err := supervisor.FindAgvmDir(cast.ToString(appOpts.Get("agvm-dir"))); err == nil {
		if argv, err := supervisor.DefaultCommand(dir); err == nil {
			cfg.Command = []string{argv[0], filepath.Join(dir, "src", "kernel-db-main.js")}
		}
	}
	return snapshotter.New(cfg)
}

// registerKernelSnapshots adds the kernel's state to the SDK's state-sync
// snapshots, when snapshots are configured.
func (app *App) registerKernelSnapshots(appOpts servertypes.AppOptions, logger log.Logger) {
	app.KernelSnapshots = newKernelSnapshotter(appOpts, logger, app.ChainID())
	if sm := app.SnapshotManager(); sm != nil {
		if err := sm.RegisterExtensions(app.KernelSnapshots); err != nil {
			panic(fmt.Errorf("register the swingset snapshot extension: %w", err))
		}
	}
}

// restoreKernel hands the running kernel the swing-store imported from a
// state-sync snapshot of height, once the SDK restored cosmos state to the
// same height; the kernel must come up at that height with the activity
// hash cosmos state holds.
func (app *App) restoreKernel(height int64, swingStore string) error {
	if got := app.LastBlockHeight(); got != height {
		return fmt.Errorf("cosmos state is at height %d after restoring the snapshot of height %d", got, height)
	}
	hash, err := app.CommittedActivityHash()
	if err != nil {
		return fmt.Errorf("read the restored activity hash: %w", err)
	}
	return app.kernel.Restore(context.Background(), height, hash, swingStore)
}
