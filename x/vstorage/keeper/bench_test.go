package keeper_test

import (
	"strconv"
	"testing"
)

// BenchmarkSet measures one vstorage write of a 100-byte value at a
// three-segment path whose ancestors exist.
func BenchmarkSet(b *testing.B) {
	ctx, k := setup(b)
	v := string(make([]byte, 100))
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if err := k.Set(ctx, "published.bench.p"+strconv.Itoa(n%1000), &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend measures one vstorage.Append into a cell that already
// holds a few values of this block.
func BenchmarkAppend(b *testing.B) {
	ctx, k := setup(b)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if n%8 == 0 {
			ctx = ctx.WithBlockHeight(ctx.BlockHeight() + 1)
		}
		if err := k.Append(ctx, "published.stream.s"+strconv.Itoa(n%100), "some value of modest size"); err != nil {
			b.Fatal(err)
		}
	}
}
