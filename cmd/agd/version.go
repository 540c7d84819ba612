package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/version"
)

// newVersionCmd prints what an operator reporting a bug needs: agd's own
// version and commit and the versions of the engines it is built on.
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print agd's version and commit, and the Go, cosmos-sdk and CometBFT versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := collectVersionInfo()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "agd %s\n", info.Version)
			fmt.Fprintf(out, "commit: %s\n", info.Commit)
			fmt.Fprintf(out, "go: %s\n", info.Go)
			fmt.Fprintf(out, "cosmos-sdk: %s\n", info.CosmosSDK)
			fmt.Fprintf(out, "cometbft: %s\n", info.CometBFT)
			return nil
		},
	}
}

type versionInfo struct {
	Version, Commit, Go, CosmosSDK, CometBFT string
}

// collectVersionInfo reads agd's version and commit from the SDK's version
// package (set by the Makefile's -ldflags) and the dependencies' versions
// from the build info Go embeds, so they cannot drift from go.mod.
func collectVersionInfo() versionInfo {
	info := versionInfo{
		Version:   orUnknown(version.Version),
		Commit:    orUnknown(version.Commit),
		Go:        fmt.Sprintf("%s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH),
		CosmosSDK: "unknown",
		CometBFT:  "unknown",
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			v := dep.Version
			if dep.Replace != nil {
				v = dep.Replace.Version
			}
			switch dep.Path {
			case "github.com/cosmos/cosmos-sdk":
				info.CosmosSDK = v
			case "github.com/cometbft/cometbft":
				info.CometBFT = v
			}
		}
	}
	return info
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
