package vstorage

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/agd-project/agd/x/vstorage/types"
)

// AutoCLIOptions gives `agd query vstorage data PATH`,
// `agd query vstorage children [PATH]` and `agd query vstorage params`.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod:      "Data",
					Use:            "data PATH",
					Short:          "Show the value at a vstorage path",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "path"}},
				},
				{
					RpcMethod:      "Children",
					Use:            "children [PATH]",
					Short:          "List the children of a vstorage path (the root without PATH)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "path", Optional: true}},
				},
				{RpcMethod: "Params", Use: "params", Short: "Show x/vstorage's parameters"},
			},
		},
	}
}
