// Command agd is the validator binary: a Cosmos SDK chain whose
// smart-contract kernel runs as a supervised Node.js child.
package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"

	"github.com/agd-project/agd/app"
	"github.com/agd-project/agd/internal/stopsignal"
)

func main() {
	app.SetSDKConfig()
	rootCmd := NewRootCmd()
	if !isStartCommand(rootCmd, os.Args[1:]) {
		// Only `agd start` has anything to finish on SIGTERM; every other
		// command stops at once, as commands do.
		stopsignal.Release()
	}
	if err := svrcmd.Execute(rootCmd, "", app.DefaultNodeHome); err != nil {
		// cobra has already printed "Error: ..."; a stack trace would only
		// hide the message from the operator.
		var exit exitCoder
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode())
		}
		os.Exit(1)
	}
}

// isStartCommand reports whether args run `agd start`.
func isStartCommand(root *cobra.Command, args []string) bool {
	cmd, _, err := root.Find(args)
	return err == nil && cmd.Name() == "start" && cmd.Parent() == root
}
