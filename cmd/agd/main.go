// Command agd is the validator binary: a Cosmos SDK chain whose
// smart-contract kernel runs as a supervised Node.js child.
package main

import (
	"os"

	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"

	"github.com/agd-project/agd/app"
)

func main() {
	app.SetSDKConfig()
	rootCmd := NewRootCmd()
	if err := svrcmd.Execute(rootCmd, "", app.DefaultNodeHome); err != nil {
		// cobra has already printed "Error: ..."; a stack trace would only
		// hide the message from the operator.
		var exit exitCodeError
		if asExitCode(err, &exit) {
			os.Exit(exit.code)
		}
		os.Exit(1)
	}
}
