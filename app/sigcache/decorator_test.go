package sigcache_test

import (
	"context"
	"sync/atomic"
	"testing"

	signingv1beta1 "cosmossdk.io/api/cosmos/tx/signing/v1beta1"
	storetypes "cosmossdk.io/store/types"
	txsigning "cosmossdk.io/x/tx/signing"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	"github.com/cosmos/cosmos-sdk/x/auth"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"
	authcodec "github.com/cosmos/cosmos-sdk/x/auth/codec"
	authkeeper "github.com/cosmos/cosmos-sdk/x/auth/keeper"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/cosmos/cosmos-sdk/x/bank"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/agd-project/agd/app/sigcache"
)

const chainID = "sigcache-test"

// countingHandler counts the sign bytes the SDK's signature check asks
// for: one per signature it verifies.
type countingHandler struct {
	inner *txsigning.HandlerMap
	mode  signingv1beta1.SignMode
	n     *atomic.Int64
}

func (h countingHandler) Mode() signingv1beta1.SignMode { return h.mode }

func (h countingHandler) GetSignBytes(ctx context.Context, data txsigning.SignerData, tx txsigning.TxData) ([]byte, error) {
	h.n.Add(1)
	return h.inner.GetSignBytes(ctx, h.mode, data, tx)
}

type world struct {
	t        *testing.T
	ctx      sdk.Context
	enc      moduletestutil.TestEncodingConfig
	accounts authkeeper.AccountKeeper
	checks   atomic.Int64 // signatures the SDK verified
	handlers *txsigning.HandlerMap
}

func newWorld(t *testing.T) *world {
	t.Helper()
	key := storetypes.NewKVStoreKey(authtypes.StoreKey)
	tctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("transient"))
	w := &world{t: t, ctx: tctx.Ctx.WithChainID(chainID).WithBlockHeight(1)}
	w.enc = moduletestutil.MakeTestEncodingConfig(auth.AppModuleBasic{}, bank.AppModuleBasic{})
	w.accounts = authkeeper.NewAccountKeeper(w.enc.Codec, runtime.NewKVStoreService(key), authtypes.ProtoBaseAccount,
		map[string][]string{}, authcodec.NewBech32Codec("cosmos"), "cosmos", authtypes.NewModuleAddress("gov").String())
	if err := w.accounts.Params.Set(w.ctx, authtypes.DefaultParams()); err != nil {
		t.Fatal(err)
	}
	sdkHandlers := w.enc.TxConfig.SignModeHandler()
	w.handlers = txsigning.NewHandlerMap(countingHandler{inner: sdkHandlers, mode: sdkHandlers.DefaultMode(), n: &w.checks})
	return w
}

// signer is an account with a key, its pubkey set on the account as after
// its first transaction.
func (w *world) signer() (cryptotypes.PrivKey, sdk.AccountI) {
	priv := secp256k1.GenPrivKey()
	acc := w.accounts.NewAccountWithAddress(w.ctx, sdk.AccAddress(priv.PubKey().Address()))
	if err := acc.SetPubKey(priv.PubKey()); err != nil {
		w.t.Fatal(err)
	}
	w.accounts.SetAccount(w.ctx, acc)
	return priv, acc
}

// tx signs a send from acc with priv over accNum and chain, and returns it
// decoded from its bytes, as baseapp has it.
func (w *world) tx(priv cryptotypes.PrivKey, acc sdk.AccountI, accNum uint64, chain string) (sdk.Tx, []byte) {
	w.t.Helper()
	b := w.enc.TxConfig.NewTxBuilder()
	to := sdk.AccAddress(secp256k1.GenPrivKey().PubKey().Address())
	if err := b.SetMsgs(banktypes.NewMsgSend(acc.GetAddress(), to, sdk.NewCoins(sdk.NewInt64Coin("ubld", 1)))); err != nil {
		w.t.Fatal(err)
	}
	b.SetGasLimit(200000)
	mode := signing.SignMode(w.enc.TxConfig.SignModeHandler().DefaultMode())
	seq := acc.GetSequence()
	if err := b.SetSignatures(signing.SignatureV2{PubKey: priv.PubKey(), Data: &signing.SingleSignatureData{SignMode: mode}, Sequence: seq}); err != nil {
		w.t.Fatal(err)
	}
	data := authsigning.SignerData{ChainID: chain, AccountNumber: accNum, Sequence: seq, PubKey: priv.PubKey(), Address: acc.GetAddress().String()}
	sig, err := clienttx.SignWithPrivKey(context.Background(), mode, data, b, priv, w.enc.TxConfig, seq)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := b.SetSignatures(sig); err != nil {
		w.t.Fatal(err)
	}
	raw, err := w.enc.TxConfig.TxEncoder()(b.GetTx())
	if err != nil {
		w.t.Fatal(err)
	}
	tx, err := w.enc.TxConfig.TxDecoder()(raw)
	if err != nil {
		w.t.Fatal(err)
	}
	return tx, raw
}

// run passes tx through the SDK's signature check behind cache, in mode,
// on a fresh gas meter; it returns the gas used and the error.
func (w *world) run(cache *sigcache.Cache, mode sdk.ExecMode, tx sdk.Tx, raw []byte) (storetypes.Gas, error) {
	verify := ante.NewSigVerificationDecorator(w.accounts, w.handlers)
	var d sdk.AnteDecorator = verify
	if cache != nil {
		d = sigcache.Decorate(cache, w.accounts, verify)
	}
	var sigverifyAfter bool
	handler := sdk.ChainAnteDecorators(ante.NewSetPubKeyDecorator(w.accounts), d, afterDecorator{&sigverifyAfter})
	// As baseapp sets them: WithIsCheckTx and WithIsReCheckTx also set the
	// mode, so the mode goes last.
	ctx := w.ctx.WithIsCheckTx(mode == sdk.ExecModeCheck || mode == sdk.ExecModeReCheck)
	if mode == sdk.ExecModeReCheck {
		ctx = ctx.WithIsReCheckTx(true)
	}
	ctx = ctx.WithExecMode(mode).WithTxBytes(raw).WithGasMeter(storetypes.NewInfiniteGasMeter())
	_, err := handler(ctx, tx, false)
	if err == nil && !sigverifyAfter {
		w.t.Fatalf("mode %d: the decorators after the signature check ran with signature checking off", mode)
	}
	return ctx.GasMeter().GasConsumed(), err
}

// afterDecorator records whether the decorators after the signature check
// see signature checking on, as they must.
type afterDecorator struct{ on *bool }

func (a afterDecorator) AnteHandle(ctx sdk.Context, tx sdk.Tx, simulate bool, next sdk.AnteHandler) (sdk.Context, error) {
	*a.on = ctx.IsSigverifyTx()
	return next(ctx, tx, simulate)
}

// goodTx is a transaction of a new signer, signed as CheckTx and the block
// expect it.
func (w *world) goodTx() (sdk.AccountI, sdk.Tx, []byte) {
	priv, acc := w.signer()
	tx, raw := w.tx(priv, acc, acc.GetAccountNumber(), chainID)
	return acc, tx, raw
}

// pass runs tx as run does, fails the test if it is refused, and returns
// how many signatures the SDK verified.
func (w *world) pass(cache *sigcache.Cache, mode sdk.ExecMode, tx sdk.Tx, raw []byte) int64 {
	w.t.Helper()
	before := w.checks.Load()
	if _, err := w.run(cache, mode, tx, raw); err != nil {
		w.t.Fatalf("mode %d: %v", mode, err)
	}
	return w.checks.Load() - before
}

func TestABlockSkipsTheCheckItsCheckTxMade(t *testing.T) {
	w := newWorld(t)
	cache := sigcache.New(100)
	_, tx, raw := w.goodTx()

	if n := w.pass(cache, sdk.ExecModeCheck, tx, raw); n != 1 {
		t.Fatalf("CheckTx verified %d signatures, want 1", n)
	}
	if n := w.pass(cache, sdk.ExecModeFinalize, tx, raw); n != 0 {
		t.Fatalf("FinalizeBlock verified %d signatures after CheckTx had, want 0", n)
	}
	if cache.Hits() != 1 || cache.Misses() != 0 {
		t.Fatalf("hits %d misses %d, want 1 and 0", cache.Hits(), cache.Misses())
	}
}

func TestABlockChecksWhatCheckTxDidNotSee(t *testing.T) {
	w := newWorld(t)
	cache := sigcache.New(100)
	_, tx, raw := w.goodTx()
	if n := w.pass(cache, sdk.ExecModeFinalize, tx, raw); n != 1 {
		t.Fatalf("FinalizeBlock verified %d signatures of a transaction no CheckTx saw, want 1", n)
	}
	if cache.Misses() != 1 || cache.Len() != 0 {
		t.Fatalf("misses %d, remembered %d: want 1 and 0 (only CheckTx remembers)", cache.Misses(), cache.Len())
	}
}

func TestABadSignatureIsNeverRemembered(t *testing.T) {
	w := newWorld(t)
	cache := sigcache.New(100)
	priv, acc := w.signer()
	tx, raw := w.tx(priv, acc, acc.GetAccountNumber()+1, chainID) // signed over the wrong account number
	for _, mode := range []sdk.ExecMode{sdk.ExecModeCheck, sdk.ExecModeFinalize} {
		if _, err := w.run(cache, mode, tx, raw); err == nil {
			t.Fatalf("mode %d: a signature over the wrong account number passed", mode)
		}
	}
	if cache.Len() != 0 {
		t.Fatalf("%d keys remembered after a failed check, want 0", cache.Len())
	}
}

// The key must cover every input of the sign bytes that the transaction's
// bytes do not: a block whose state gives the signer another account
// number, or that runs on another chain, must check again, and fail.
func TestTheKeyCoversTheSignBytes(t *testing.T) {
	t.Run("account number", func(t *testing.T) {
		w := newWorld(t)
		cache := sigcache.New(100)
		acc, tx, raw := w.goodTx()
		if _, err := w.run(cache, sdk.ExecModeCheck, tx, raw); err != nil {
			t.Fatalf("CheckTx: %v", err)
		}
		if err := acc.SetAccountNumber(acc.GetAccountNumber() + 7); err != nil {
			t.Fatal(err)
		}
		w.accounts.SetAccount(w.ctx, acc)
		if _, err := w.run(cache, sdk.ExecModeFinalize, tx, raw); err == nil {
			t.Fatalf("FinalizeBlock passed a signature over account number %d for an account numbered %d", acc.GetAccountNumber()-7, acc.GetAccountNumber())
		}
		if cache.Hits() != 0 {
			t.Fatalf("hits %d, want 0", cache.Hits())
		}
	})
	t.Run("chain ID", func(t *testing.T) {
		w := newWorld(t)
		cache := sigcache.New(100)
		_, tx, raw := w.goodTx()
		if _, err := w.run(cache, sdk.ExecModeCheck, tx, raw); err != nil {
			t.Fatalf("CheckTx: %v", err)
		}
		w.ctx = w.ctx.WithChainID("another-chain")
		if _, err := w.run(cache, sdk.ExecModeFinalize, tx, raw); err == nil {
			t.Fatal("FinalizeBlock on another chain passed a signature over " + chainID)
		}
	})
	t.Run("public key", func(t *testing.T) {
		w := newWorld(t)
		cache := sigcache.New(100)
		acc, tx, raw := w.goodTx()
		if _, err := w.run(cache, sdk.ExecModeCheck, tx, raw); err != nil {
			t.Fatalf("CheckTx: %v", err)
		}
		if err := acc.SetPubKey(secp256k1.GenPrivKey().PubKey()); err != nil {
			t.Fatal(err)
		}
		w.accounts.SetAccount(w.ctx, acc)
		before := w.checks.Load()
		if _, err := w.run(cache, sdk.ExecModeFinalize, tx, raw); err == nil {
			t.Fatal("FinalizeBlock passed a signature by a key the account no longer has")
		}
		if n := w.checks.Load() - before; n != 1 {
			t.Fatalf("FinalizeBlock verified %d signatures, want 1", n)
		}
	})
}

func TestReCheckTxNeitherChecksNorRemembers(t *testing.T) {
	w := newWorld(t)
	cache := sigcache.New(100)
	_, tx, raw := w.goodTx()
	if n := w.pass(cache, sdk.ExecModeReCheck, tx, raw); n != 0 || cache.Len() != 0 {
		t.Fatalf("ReCheckTx verified %d signatures and remembered %d keys, want 0 and 0", n, cache.Len())
	}
}

// Gas used is in the block's results: a hit, a miss and the SDK's own
// decorator must charge the same.
func TestGasIsTheSDKsOnAHitAndAMiss(t *testing.T) {
	w := newWorld(t)
	_, tx, raw := w.goodTx()
	cache := sigcache.New(100)
	if _, err := w.run(cache, sdk.ExecModeCheck, tx, raw); err != nil {
		t.Fatal(err)
	}
	hit, _ := w.run(cache, sdk.ExecModeFinalize, tx, raw)
	miss, _ := w.run(sigcache.New(100), sdk.ExecModeFinalize, tx, raw)
	sdkOwn, _ := w.run(nil, sdk.ExecModeFinalize, tx, raw)
	if hit != sdkOwn || miss != sdkOwn {
		t.Fatalf("gas: hit %d, miss %d, the SDK's decorator %d; want all equal", hit, miss, sdkOwn)
	}
	if cache.Hits() != 1 {
		t.Fatalf("hits %d, want 1", cache.Hits())
	}
}

func TestTheOldestKeyIsForgottenFirst(t *testing.T) {
	w := newWorld(t)
	cache := sigcache.New(2)
	type sent struct {
		tx  sdk.Tx
		raw []byte
	}
	var txs []sent
	for range 3 {
		_, tx, raw := w.goodTx()
		if _, err := w.run(cache, sdk.ExecModeCheck, tx, raw); err != nil {
			t.Fatal(err)
		}
		txs = append(txs, sent{tx, raw})
	}
	if cache.Len() != 2 {
		t.Fatalf("%d keys remembered, want the bound, 2", cache.Len())
	}
	for i, want := range []int64{1, 0, 0} {
		if n := w.pass(cache, sdk.ExecModeFinalize, txs[i].tx, txs[i].raw); n != want {
			t.Fatalf("transaction %d: %d signatures verified, want %d", i, n, want)
		}
	}
}
