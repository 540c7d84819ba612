package swingset

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/agd-project/agd/x/swingset/types"
)

// AutoCLIOptions gives `agd query swingset params|activity-hash|queue`;
// the tx commands are GetTxCmd's.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show x/swingset's parameters"},
				{RpcMethod: "ActivityHash", Use: "activity-hash", Short: "Show the kernel's activity hash after the last block"},
				{RpcMethod: "Queue", Use: "queue", Short: "List the actions waiting for the kernel"},
			},
		},
	}
}
