package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// includedTx is what `agd query tx` says of an included transaction.
type includedTx struct {
	Height   int64
	Code     int
	RawLog   string
	ActionID string // from x/swingset's swingset_action_queued event
}

// sendTx runs `agd tx ...` signed by node0's validator key, waits until the
// transaction is in a block, and returns what the chain recorded.
func sendTx(t *testing.T, ln *localnet, args ...string) includedTx {
	t.Helper()
	return sendTxWithGas(t, ln, "3000000", "10000ubld", args...)
}

// sendTxWithGas is sendTx with another gas limit and fee (a contract
// bundle of a few hundred KB costs more than 3M gas in transaction bytes).
func sendTxWithGas(t *testing.T, ln *localnet, gas, fees string, args ...string) includedTx {
	t.Helper()
	full := append(args, "--from", "validator", "--home", ln.home(0), "--keyring-backend", "test",
		"--chain-id", ln.chainID, "--node", ln.nodeFlag(0), "--gas", gas, "--fees", fees, "--yes", "--output", "json")
	out := mustAgd(t, append([]string{"tx"}, full...)...)
	var sync struct {
		Code   int    `json:"code"`
		TxHash string `json:"txhash"`
		RawLog string `json:"raw_log"`
	}
	if err := json.Unmarshal([]byte(lastJSONLine(out)), &sync); err != nil {
		t.Fatalf("decode tx response %q: %v", out, err)
	}
	if sync.Code != 0 {
		t.Fatalf("agd tx %s rejected: code %d: %s", strings.Join(args, " "), sync.Code, sync.RawLog)
	}
	return waitTx(t, ln, sync.TxHash)
}

// waitTx waits until the transaction with hash is in a block and returns
// what the chain recorded.
func waitTx(t *testing.T, ln *localnet, hash string) includedTx {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		out, err := agd(t, "query", "tx", "--type=hash", hash, "--node", ln.nodeFlag(0), "--output", "json")
		if err == nil {
			var res struct {
				Height string `json:"height"`
				Code   int    `json:"code"`
				RawLog string `json:"raw_log"`
				Events []struct {
					Type       string `json:"type"`
					Attributes []struct {
						Key   string `json:"key"`
						Value string `json:"value"`
					} `json:"attributes"`
				} `json:"events"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("decode query tx %q: %v", out, err)
			}
			tx := includedTx{Code: res.Code, RawLog: res.RawLog}
			tx.Height, _ = strconv.ParseInt(res.Height, 10, 64)
			for _, e := range res.Events {
				for _, a := range e.Attributes {
					if e.Type == "swingset_action_queued" && a.Key == "action_id" {
						tx.ActionID = a.Value
					}
				}
			}
			return tx
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("tx %s never included", hash)
	return includedTx{}
}

// vstorageData reads a vstorage path, at a height if height > 0.
func vstorageData(t *testing.T, ln *localnet, path string, height int64) (string, bool) {
	t.Helper()
	args := []string{"query", "vstorage", "data", path, "--node", ln.nodeFlag(0), "--output", "json"}
	if height > 0 {
		args = append(args, "--height", strconv.FormatInt(height, 10))
	}
	out := mustAgd(t, args...)
	var res struct {
		Value string `json:"value"`
		Has   bool   `json:"has"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("decode vstorage data %q: %v", out, err)
	}
	return res.Value, res.Has
}

// waitVstorage waits until path holds a value and returns it.
func waitVstorage(t *testing.T, ln *localnet, path string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if v, ok := vstorageData(t, ln, path, 0); ok {
			return v
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("vstorage %s never written", path)
	return ""
}

// balance reads one denom of an address's bank balance.
func balance(t *testing.T, ln *localnet, address, denom string) string {
	t.Helper()
	return balanceOf(t, mustAgd(t, "query", "bank", "balances", address, "--node", ln.nodeFlag(0), "--output", "json"), denom)
}

func validatorAddress(t *testing.T, ln *localnet) string {
	t.Helper()
	return strings.TrimSpace(mustAgd(t, "keys", "show", "validator", "-a", "--home", ln.home(0), "--keyring-backend", "test"))
}
