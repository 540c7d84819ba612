package keeper_test

import (
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	vbanktestutil "github.com/agd-project/agd/x/vbank/testutil"
)

// BenchmarkEndBlockUpdate1000Sends measures what vbank adds to EndBlock for
// a block of 1000 bank sends between distinct accounts (2000 updates).
func BenchmarkEndBlockUpdate1000Sends(b *testing.B) {
	const sends = 1000
	f := vbanktestutil.New(b)
	from := make([]sdk.AccAddress, sends)
	to := make([]sdk.AccAddress, sends)
	for i := range from {
		from[i], _ = f.Addr(b, 2*i)
		to[i], _ = f.Addr(b, 2*i+1)
		f.Fund(b, from[i], "1000000ubld")
	}
	f.Flush(b)
	one := sdk.NewCoins(sdk.NewInt64Coin("ubld", 1))
	updates := 0
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		for i := range from {
			if err := f.Bank.SendCoins(f.Ctx, from[i], to[i], one); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		up, err := f.Keeper.EndBlockUpdate(f.Ctx)
		if err != nil {
			b.Fatal(err)
		}
		updates += len(up.Updates)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(updates), "ns/update")
}

// BenchmarkSendRestriction measures what vbank adds to each bank send.
func BenchmarkSendRestriction(b *testing.B) {
	f := vbanktestutil.New(b)
	from, _ := f.Addr(b, 1)
	to, _ := f.Addr(b, 2)
	amt := sdk.NewCoins(sdk.NewInt64Coin("ubld", 1))
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := f.Keeper.SendRestriction(f.Ctx, from, to, amt); err != nil {
			b.Fatal(err)
		}
	}
}
