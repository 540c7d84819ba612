// Package testutil builds an x/vbank keeper over a real bank keeper on
// in-memory stores, for tests and benchmarks in and outside the module.
package testutil

import (
	"testing"

	"cosmossdk.io/log"
	storetypes "cosmossdk.io/store/types"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"
	"github.com/cosmos/cosmos-sdk/x/auth"
	authkeeper "github.com/cosmos/cosmos-sdk/x/auth/keeper"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/cosmos/cosmos-sdk/x/bank"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/agd-project/agd/x/vbank/keeper"
	"github.com/agd-project/agd/x/vbank/types"
)

// Prefix is the chain's bech32 account prefix.
const Prefix = "agoric"

// Faucet is a module account tests mint from, burn from and delegate to.
const Faucet = "faucet"

// Fixture is a vbank keeper wired to a real bank keeper, as the app wires it.
type Fixture struct {
	Ctx     sdk.Context
	Bank    bankkeeper.BaseKeeper
	Keeper  keeper.Keeper
	Address addresscodec.Bech32Codec
	// Stores holds the KV store keys of Ctx, by name, for a module under
	// test that sits beside vbank (New's extraStores).
	Stores map[string]*storetypes.KVStoreKey
}

// New builds a fixture. The vbank escrow is a plain module account; the
// bank keeper runs vbank's send restriction. extraStores names more KV
// stores to mount in Ctx, for another module's keeper (Fixture.Stores).
func New(tb testing.TB, extraStores ...string) *Fixture {
	tb.Helper()
	keys := storetypes.NewKVStoreKeys(append([]string{authtypes.StoreKey, banktypes.StoreKey, types.StoreKey}, extraStores...)...)
	tkeys := storetypes.NewTransientStoreKeys(types.TStoreKey)
	ctx := testutil.DefaultContextWithKeys(keys, tkeys, nil)
	cdc := moduletestutil.MakeTestEncodingConfig(auth.AppModuleBasic{}, bank.AppModuleBasic{}).Codec
	ac := addresscodec.Bech32Codec{Bech32Prefix: Prefix}
	authority := authtypes.NewModuleAddress("gov")
	authorityStr, err := ac.BytesToString(authority)
	if err != nil {
		tb.Fatal(err)
	}
	ak := authkeeper.NewAccountKeeper(cdc, runtime.NewKVStoreService(keys[authtypes.StoreKey]), authtypes.ProtoBaseAccount,
		map[string][]string{Faucet: {authtypes.Minter, authtypes.Burner, authtypes.Staking}, types.ModuleName: nil}, ac, Prefix, authorityStr)
	bk := bankkeeper.NewBaseKeeper(cdc, runtime.NewKVStoreService(keys[banktypes.StoreKey]), ak,
		map[string]bool{}, authorityStr, log.NewNopLogger())
	vk := keeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[types.StoreKey]),
		runtime.NewTransientStoreService(tkeys[types.TStoreKey]), bk, ac)
	bk.AppendSendRestriction(vk.SendRestriction)
	if err := vk.InitGenesis(ctx, *types.DefaultGenesis()); err != nil {
		tb.Fatal(err)
	}
	return &Fixture{Ctx: ctx, Bank: bk, Keeper: vk, Address: ac, Stores: keys}
}

// Addr returns a deterministic test address and its bech32 form.
func (f *Fixture) Addr(tb testing.TB, i int) (sdk.AccAddress, string) {
	tb.Helper()
	addr := sdk.AccAddress([]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7})
	s, err := f.Address.BytesToString(addr)
	if err != nil {
		tb.Fatal(err)
	}
	return addr, s
}

// Fund mints coins (e.g. "100ubld,5uist") into addr.
func (f *Fixture) Fund(tb testing.TB, addr sdk.AccAddress, coins string) {
	tb.Helper()
	amt, err := sdk.ParseCoinsNormalized(coins)
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.Bank.MintCoins(f.Ctx, Faucet, amt); err != nil {
		tb.Fatal(err)
	}
	if err := f.Bank.SendCoinsFromModuleToAccount(f.Ctx, Faucet, addr, amt); err != nil {
		tb.Fatal(err)
	}
}

// FundEscrow mints coins into the vbank escrow.
func (f *Fixture) FundEscrow(tb testing.TB, coins string) {
	tb.Helper()
	amt, err := sdk.ParseCoinsNormalized(coins)
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.Bank.MintCoins(f.Ctx, Faucet, amt); err != nil {
		tb.Fatal(err)
	}
	if err := f.Bank.SendCoinsFromModuleToModule(f.Ctx, Faucet, types.ModuleName, amt); err != nil {
		tb.Fatal(err)
	}
}

// Flush empties the block's changed set, as the end of a block does.
func (f *Fixture) Flush(tb testing.TB) {
	tb.Helper()
	if _, err := f.Keeper.EndBlockUpdate(f.Ctx); err != nil {
		tb.Fatal(err)
	}
}
