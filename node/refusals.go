package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/agd-project/agd/app"
	"github.com/agd-project/agd/lifecycle/driver"
)

// refusals are the errors with which agd refused blocks (driver.ErrStopping),
// noted as the app's kernel returns them, while they are still errors.
//
// CometBFT v0.38 loses an app error's identity before it logs it:
// consensus/state.go's finalizeCommit panics with
// fmt.Sprintf("failed to apply block; error %v", err), and its receive
// routine logs the recovered string as "CONSENSUS FAILURE!!!"'s "err". It
// offers no typed error, exit path or response code that says "the app
// refused". So a failure is agd's refusal when its value is an error that
// wraps ErrStopping (should CometBFT ever keep the chain), or else when its
// text holds the whole text of a refusal agd made in this process: not
// merely the words "agd is stopping", which any failure could quote.
type refusals struct {
	mu    sync.Mutex
	texts []string
}

// maxRefusals bounds what is kept: a refusal halts CometBFT's consensus
// routine, so a process makes a few at most (one per ABCI method the block
// was in when agd stopped).
const maxRefusals = 16

// note keeps err's text if it is a refusal, and returns err.
func (r *refusals) note(err error) error {
	if !errors.Is(err, driver.ErrStopping) {
		return err
	}
	text := err.Error()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.texts {
		if t == text {
			return err
		}
	}
	if len(r.texts) < maxRefusals {
		r.texts = append(r.texts, text)
	}
	return err
}

// explain reports whether failure, the value CometBFT logged with
// "CONSENSUS FAILURE!!!", is one of agd's refusals, and its text.
func (r *refusals) explain(failure any) (string, bool) {
	if err, ok := failure.(error); ok && errors.Is(err, driver.ErrStopping) {
		return err.Error(), true
	}
	text := fmt.Sprint(failure)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.texts {
		if strings.Contains(text, t) {
			return text, true
		}
	}
	return "", false
}

// kernel is k with every refusal it returns to the app noted on the way.
func (r *refusals) kernel(k app.Kernel) app.Kernel { return notingKernel{Kernel: k, refusals: r} }

type notingKernel struct {
	app.Kernel
	refusals *refusals
}

func (k notingKernel) BeginBlock(ctx context.Context, height, blockTime int64) error {
	return k.refusals.note(k.Kernel.BeginBlock(ctx, height, blockTime))
}

func (k notingKernel) EndBlock(ctx context.Context, height, blockTime int64, actions []json.RawMessage, params driver.KernelParams) (string, error) {
	hash, err := k.Kernel.EndBlock(ctx, height, blockTime, actions, params)
	return hash, k.refusals.note(err)
}

func (k notingKernel) Commit(ctx context.Context, height int64) error {
	return k.refusals.note(k.Kernel.Commit(ctx, height))
}

func (k notingKernel) BalanceUpdate(ctx context.Context, update any) error {
	return k.refusals.note(k.Kernel.BalanceUpdate(ctx, update))
}
