package swingset

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/agd-project/agd/x/swingset/types"
)

// AutoCLIOptions gives `agd query swingset params|activity-hash|queue|kernel`;
// the tx commands are GetTxCmd's.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show x/swingset's parameters"},
				{RpcMethod: "ActivityHash", Use: "activity-hash", Short: "Show the kernel's activity hash after the last block"},
				{RpcMethod: "Queue", Use: "queue", Short: "List the actions waiting for the kernel"},
				{RpcMethod: "Kernel", Use: "kernel", Short: "Show this node's kernel: pid, Node version, uptime, heights, last block's kernel time, workers, flight recorder",
					Long: "Show the kernel as the queried node runs it: its process (pid, uptime, memory, CPU), Node.js version, committed heights, the last block and the time agd waited on the kernel for it, the processes descended from it (vat workers), and the flight recorder's kept blocks, bytes and dumps. This is the node's own view, not consensus state."},
			},
		},
	}
}
