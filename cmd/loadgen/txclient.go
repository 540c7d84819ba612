package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"cosmossdk.io/log"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/cosmos/cosmos-sdk/client"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/agd-project/agd/app"
)

// txClient signs transactions in-process and broadcasts them to one node's
// CometBFT RPC. Spawning `agd tx` per transaction would measure process
// start-up, not the chain.
type txClient struct {
	clientCtx client.Context
	rpc       *rpchttp.HTTP
	chainID   string
	gasPrices string
	inclusion *inclusionWatcher
}

// account is a key loadgen signs with; it tracks its own sequence so that
// concurrent cycles need no query per transaction.
type account struct {
	name    string
	address sdk.AccAddress
	kr      keyring.Keyring

	mu       sync.Mutex
	number   uint64
	sequence uint64
	loaded   bool
}

func newTxClient(nodeURL, chainID, gasPrices string) (*txClient, error) {
	a := app.New(log.NewNopLogger(), dbm.NewMemDB(), nil, false, noAppOptions{})
	rpc, err := rpchttp.New(nodeURL, "/websocket")
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", nodeURL, err)
	}
	ctx := client.Context{}.
		WithCodec(a.AppCodec()).
		WithInterfaceRegistry(a.InterfaceRegistry()).
		WithTxConfig(a.TxConfig()).
		WithLegacyAmino(a.LegacyAmino()).
		WithAccountRetriever(authtypes.AccountRetriever{}).
		WithChainID(chainID).
		WithClient(rpc).
		WithNodeURI(nodeURL)
	tc := &txClient{clientCtx: ctx, rpc: rpc, chainID: chainID, gasPrices: gasPrices}
	tc.inclusion = newInclusionWatcher(tc)
	return tc, nil
}

type noAppOptions struct{}

func (noAppOptions) Get(string) interface{} { return nil }

// errSequence marks a rejection for a stale sequence, after which the
// account re-reads its sequence from the chain.
var errSequence = errors.New("account sequence mismatch")

// broadcast signs msgs with acct and submits them (CheckTx only). It returns
// the tx hash.
func (c *txClient) broadcast(ctx context.Context, acct *account, msgs ...sdk.Msg) ([]byte, error) {
	return c.broadcastWithGas(ctx, acct, gasFor(len(msgs)), msgs...)
}

// broadcastWithGas is broadcast with an explicit gas limit, for messages
// whose cost grows with their size (bundles).
func (c *txClient) broadcastWithGas(ctx context.Context, acct *account, gas uint64, msgs ...sdk.Msg) ([]byte, error) {
	acct.mu.Lock()
	defer acct.mu.Unlock()
	txBytes, err := c.signLocked(ctx, acct, gas, msgs...)
	if err != nil {
		return nil, err
	}
	res, err := c.rpc.BroadcastTxSync(ctx, txBytes)
	if err != nil {
		return nil, fmt.Errorf("broadcast: %w", err)
	}
	if res.Code != 0 {
		if strings.Contains(res.Log, "account sequence mismatch") {
			acct.loaded = false
			return nil, fmt.Errorf("%w: %s", errSequence, res.Log)
		}
		return nil, fmt.Errorf("tx rejected by CheckTx (code %d): %s", res.Code, res.Log)
	}
	acct.sequence++
	return res.Hash, nil
}

// signAhead signs n transactions of msgs from acct with consecutive
// sequences, for a caller that broadcasts them later in this order (the
// kernel benchmark, so that signing is not part of what it measures).
func (c *txClient) signAhead(ctx context.Context, acct *account, n int, msgs ...sdk.Msg) ([][]byte, error) {
	acct.mu.Lock()
	defer acct.mu.Unlock()
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		txBytes, err := c.signLocked(ctx, acct, gasFor(len(msgs)), msgs...)
		if err != nil {
			return nil, err
		}
		out = append(out, txBytes)
		acct.sequence++
	}
	return out, nil
}

// signLocked signs msgs with acct's current sequence (read from the chain
// the first time); the caller holds acct.mu and advances the sequence once
// the transaction is accepted.
func (c *txClient) signLocked(ctx context.Context, acct *account, gas uint64, msgs ...sdk.Msg) ([]byte, error) {
	if !acct.loaded {
		num, seq, err := c.clientCtx.AccountRetriever.GetAccountNumberSequence(c.clientCtx, acct.address)
		if err != nil {
			return nil, fmt.Errorf("read account %s: %w", acct.address, err)
		}
		acct.number, acct.sequence, acct.loaded = num, seq, true
	}
	factory := clienttx.Factory{}.
		WithChainID(c.chainID).
		WithKeybase(acct.kr).
		WithTxConfig(c.clientCtx.TxConfig).
		WithAccountNumber(acct.number).
		WithSequence(acct.sequence).
		WithGas(gas).
		WithGasPrices(c.gasPrices).
		WithSignMode(signing.SignMode_SIGN_MODE_DIRECT)
	builder, err := factory.BuildUnsignedTx(msgs...)
	if err != nil {
		return nil, fmt.Errorf("build tx: %w", err)
	}
	if err := clienttx.Sign(ctx, factory, acct.name, builder, true); err != nil {
		return nil, fmt.Errorf("sign tx: %w", err)
	}
	txBytes, err := c.clientCtx.TxConfig.TxEncoder()(builder.GetTx())
	if err != nil {
		return nil, fmt.Errorf("encode tx: %w", err)
	}
	return txBytes, nil
}

// gasFor is a gas limit that covers n bank sends with room to spare, so no
// simulation round trip is needed per transaction.
func gasFor(n int) uint64 { return 100_000 + 100_000*uint64(n) }

// waitIncluded waits until the tx is in a block; it returns an error for a
// tx that was included but failed.
func (c *txClient) waitIncluded(ctx context.Context, hash []byte) (*coretypes.ResultTx, error) {
	res, err := c.inclusion.wait(ctx, hash)
	if err != nil {
		return nil, err
	}
	if res.TxResult.Code != 0 {
		return res, fmt.Errorf("tx failed in block %d (code %d): %s", res.Height, res.TxResult.Code, res.TxResult.Log)
	}
	return res, nil
}

// height returns the node's latest block height.
func (c *txClient) height(ctx context.Context) (int64, error) {
	st, err := c.rpc.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.SyncInfo.LatestBlockHeight, nil
}
