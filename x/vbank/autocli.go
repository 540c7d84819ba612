package vbank

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/agd-project/agd/x/vbank/types"
)

// AutoCLIOptions gives `agd query vbank params|state`.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show x/vbank's parameters"},
				{RpcMethod: "State", Use: "state", Short: "Show the nonce of the last balance update"},
			},
		},
	}
}
