package x_test

import (
	"strings"
	"testing"

	"cosmossdk.io/client/v2/autocli"
	"cosmossdk.io/core/appmodule"
	"github.com/cosmos/cosmos-sdk/codec/address"
	runtimeservices "github.com/cosmos/cosmos-sdk/runtime/services"
	"github.com/spf13/cobra"

	"github.com/agd-project/agd/x/swingset"
	"github.com/agd-project/agd/x/vbank"
	"github.com/agd-project/agd/x/vstorage"
)

// TestAutoCLICommands builds `agd query` and `agd tx` from the modules as
// app.AutoCliOpts does and checks the commands the issue names exist.
func TestAutoCLICommands(t *testing.T) {
	mods := map[string]appmodule.AppModule{
		"vbank": vbank.AppModule{}, "vstorage": vstorage.AppModule{}, "swingset": swingset.AppModule{},
	}
	managed := map[string]any{}
	for k, v := range mods {
		managed[k] = v
	}
	opts := autocli.AppOptions{
		Modules:               mods,
		ModuleOptions:         runtimeservices.ExtractAutoCLIOptions(managed),
		AddressCodec:          address.Bech32Codec{Bech32Prefix: "agoric"},
		ValidatorAddressCodec: address.Bech32Codec{Bech32Prefix: "agoricvaloper"},
		ConsensusAddressCodec: address.Bech32Codec{Bech32Prefix: "agoricvalcons"},
	}
	root := &cobra.Command{Use: "agd"}
	root.AddCommand(&cobra.Command{Use: "query"}, &cobra.Command{Use: "tx"})
	if err := opts.EnhanceRootCommand(root); err != nil {
		t.Fatal(err)
	}
	for _, path := range [][]string{
		{"query", "vstorage", "data"}, {"query", "vstorage", "children"}, {"query", "vbank", "state"},
		{"query", "swingset", "queue"}, {"query", "swingset", "kernel"}, {"tx", "swingset", "install-bundle"}, {"tx", "swingset", "deliver"},
	} {
		cmd, rest, err := root.Find(path)
		if err != nil || len(rest) != 0 || cmd.Name() != path[len(path)-1] {
			t.Errorf("agd %s: %v %v", strings.Join(path, " "), cmd.Name(), err)
		}
	}
	data, _, _ := root.Find([]string{"query", "vstorage", "data"})
	if err := data.Args(data, []string{"published.x"}); err != nil {
		t.Errorf("data PATH: %v", err)
	}
	children, _, _ := root.Find([]string{"query", "vstorage", "children"})
	if err := children.Args(children, nil); err != nil {
		t.Errorf("children without PATH: %v", err)
	}
}
