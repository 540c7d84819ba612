package app

import (
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"

	"github.com/agd-project/agd/app/sigcache"
)

// sigCacheSize bounds the signature cache: twice CometBFT's default mempool
// size, so every transaction waiting there can be remembered.
const sigCacheSize = 10000

// newAnteHandler is ante.NewAnteHandler's chain, in its order, with the
// signature check behind a sigcache: a block's transactions skip the
// secp256k1 checks their CheckTx on this node already made.
func newAnteHandler(opts ante.HandlerOptions, cache *sigcache.Cache) (sdk.AnteHandler, error) {
	if opts.AccountKeeper == nil || opts.BankKeeper == nil || opts.SignModeHandler == nil {
		return nil, fmt.Errorf("ante handler: account keeper, bank keeper and sign mode handler are required")
	}
	return sdk.ChainAnteDecorators(
		ante.NewSetUpContextDecorator(), // first: it sets the gas meter
		ante.NewExtensionOptionsDecorator(opts.ExtensionOptionChecker),
		ante.NewValidateBasicDecorator(),
		ante.NewTxTimeoutHeightDecorator(),
		ante.NewValidateMemoDecorator(opts.AccountKeeper),
		ante.NewConsumeGasForTxSizeDecorator(opts.AccountKeeper),
		ante.NewDeductFeeDecorator(opts.AccountKeeper, opts.BankKeeper, opts.FeegrantKeeper, opts.TxFeeChecker),
		ante.NewSetPubKeyDecorator(opts.AccountKeeper), // before any signature check
		ante.NewValidateSigCountDecorator(opts.AccountKeeper),
		ante.NewSigGasConsumeDecorator(opts.AccountKeeper, opts.SigGasConsumer),
		sigcache.Decorate(cache, opts.AccountKeeper, ante.NewSigVerificationDecorator(opts.AccountKeeper, opts.SignModeHandler, opts.SigVerifyOptions...)),
		ante.NewIncrementSequenceDecorator(opts.AccountKeeper),
	), nil
}
