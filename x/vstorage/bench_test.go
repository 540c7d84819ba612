package vstorage_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	storetypes "cosmossdk.io/store/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"

	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/kernelcall"
	"github.com/agd-project/agd/x/kernelcall/kernelcalltest"
	"github.com/agd-project/agd/x/vstorage"
	"github.com/agd-project/agd/x/vstorage/keeper"
	"github.com/agd-project/agd/x/vstorage/types"
)

// BenchmarkKernelSet measures one vstorage.Set of a single 100-byte entry as
// the kernel makes it: over the pipes, through the window and its cache.
func BenchmarkKernelSet(b *testing.B) {
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContext(key, storetypes.NewTransientStoreKey("t"))
	k := keeper.NewKeeper(moduletestutil.MakeTestEncodingConfig().Codec, runtime.NewKVStoreService(key))
	w := kernelcall.NewWindow()
	mux := rpc.NewMux()
	vstorage.RegisterKernelServices(mux, w, k)
	kernel := kernelcalltest.Kernel(b, mux)
	w.Open(ctx)
	defer w.Close()
	v := strings.Repeat("x", 100)
	bg := context.Background()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		params := keeper.EntriesRequest{Entries: []keeper.Entry{{Path: "published.bench.p" + strconv.Itoa(n%1000), Value: &v}}}
		var ok bool
		if err := kernel.Call(bg, "vstorage.Set", params, &ok); err != nil {
			b.Fatal(err)
		}
	}
}
