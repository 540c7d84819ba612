// Package node is the agd node: a CometBFT node and its kernel child,
// started, supervised and stopped together.
//
// `agd start` reads its flags and app.toml into Options and calls Run; Run
// opens the stores, starts the kernel (supervisor) and runs the swingset.Init
// handshake (lifecycle/driver), then runs CometBFT in process beside the
// kernel's connection, the lifecycle machine, the flight recorder and the
// signal handler as one oklog/run group. Whichever part stops first stops
// the others, and the lifecycle machine's decision sets agd's exit code:
// it alone knows whether both sides stopped at consistent heights.
//
// The package lives apart from cmd/agd so that the runtime can be read and
// tested without cobra: cmd/agd holds the command tree and flag wiring,
// this package what a running node does.
package node
