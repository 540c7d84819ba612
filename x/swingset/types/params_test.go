package types_test

import (
	"strings"
	"testing"

	"github.com/agd-project/agd/x/swingset/types"
)

func TestDefaultParamsAreAgoricsAndValid(t *testing.T) {
	p := types.DefaultParams()
	if p.BlockComputronLimit != 8_000_000 || p.VatCreationComputrons != 300_000 {
		t.Fatalf("defaults %+v, want Agoric's 8000000 and 300000 computrons", p)
	}
	if err := types.DefaultGenesis().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestParamsRefuseZeroBudgets(t *testing.T) {
	for _, tc := range []struct {
		set  func(*types.Params)
		want string
	}{
		{func(p *types.Params) { p.BlockComputronLimit = 0 }, "block_computron_limit: must be positive"},
		{func(p *types.Params) { p.VatCreationComputrons = 0 }, "vat_creation_computrons: must be positive"},
		{func(p *types.Params) { p.MaxBundleSize = 0 }, "max_bundle_size: must be positive"},
		{func(p *types.Params) { p.MaxActionsPerBlock = 0 }, "max_actions_per_block: must be positive"},
	} {
		gs := types.DefaultGenesis()
		tc.set(&gs.Params)
		if err := gs.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("genesis %+v: %v, want %q", gs.Params, err, tc.want)
		}
	}
}
