package sigcache

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"hash"

	storetypes "cosmossdk.io/store/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
)

// AccountKeeper is the one account read the key needs.
type AccountKeeper interface {
	GetAccount(ctx context.Context, addr sdk.AccAddress) sdk.AccountI
}

// Decorator wraps the SDK's SigVerificationDecorator (verify). In CheckTx
// (not ReCheckTx, which verifies nothing) it remembers the key of every
// transaction verify passes; in FinalizeBlock it runs verify with
// signature checking off for a transaction whose key is remembered, and
// turns it back on for the decorators after it.
type Decorator struct {
	cache    *Cache
	accounts AccountKeeper
	verify   sdk.AnteDecorator
}

// Decorate returns verify with the cache in front of it.
func Decorate(cache *Cache, accounts AccountKeeper, verify sdk.AnteDecorator) Decorator {
	return Decorator{cache: cache, accounts: accounts, verify: verify}
}

// AnteHandle implements sdk.AnteDecorator.
func (d Decorator) AnteHandle(ctx sdk.Context, tx sdk.Tx, simulate bool, next sdk.AnteHandler) (sdk.Context, error) {
	mode := ctx.ExecMode()
	if simulate || !ctx.IsSigverifyTx() || (mode != sdk.ExecModeCheck && mode != sdk.ExecModeFinalize) {
		return d.verify.AnteHandle(ctx, tx, simulate, next)
	}
	key, ok := d.key(ctx, tx)
	if !ok {
		return d.verify.AnteHandle(ctx, tx, simulate, next)
	}
	if mode == sdk.ExecModeCheck {
		return d.verify.AnteHandle(ctx, tx, simulate, func(ctx sdk.Context, tx sdk.Tx, simulate bool) (sdk.Context, error) {
			d.cache.add(key) // verify calls next only when every signature passed
			return next(ctx, tx, simulate)
		})
	}
	if !d.cache.seen(key) {
		return d.verify.AnteHandle(ctx, tx, simulate, next)
	}
	return d.verify.AnteHandle(ctx.WithIsSigverifyTx(false), tx, simulate, func(ctx sdk.Context, tx sdk.Tx, simulate bool) (sdk.Context, error) {
		return next(ctx.WithIsSigverifyTx(true), tx, simulate)
	})
}

// key hashes everything a signature check of tx depends on: the chain ID,
// the transaction's bytes (body, signer infos with sequences and sign
// modes, fee, signatures) and, for each signer, the account number the sign
// bytes use and the public key on the account, as SigVerificationDecorator
// reads them from ctx's state. ok is false when a signer has no account or
// no key yet: verify decides those, uncached.
func (d Decorator) key(ctx sdk.Context, tx sdk.Tx) (key Key, ok bool) {
	txBytes := ctx.TxBytes()
	sigTx, isSigTx := tx.(authsigning.Tx)
	if len(txBytes) == 0 || !isSigTx {
		return key, false
	}
	signers, err := sigTx.GetSigners()
	if err != nil || len(signers) == 0 {
		return key, false
	}
	// The reads cost no gas, so a transaction's gas is what the SDK's own
	// chain would charge, whatever this cache does.
	free := ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	h := sha256.New()
	writeField(h, []byte(ctx.ChainID()))
	writeField(h, txBytes)
	for _, signer := range signers {
		acc := d.accounts.GetAccount(free, signer)
		if acc == nil {
			return key, false
		}
		pubKey := acc.GetPubKey()
		if pubKey == nil {
			return key, false
		}
		accNum := acc.GetAccountNumber()
		if ctx.BlockHeight() == 0 { // genesis transactions sign account number 0
			accNum = 0
		}
		writeField(h, binary.BigEndian.AppendUint64(nil, accNum))
		writeField(h, []byte(pubKey.Type()))
		writeField(h, pubKey.Bytes())
	}
	h.Sum(key[:0])
	return key, true
}

// writeField writes b with its length first, so no two sequences of fields
// hash the same bytes.
func writeField(h hash.Hash, b []byte) {
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
	h.Write(b)
}
