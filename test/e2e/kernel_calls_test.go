package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// outcome is what the kernel publishes for a delivery or an install.
type outcome struct {
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	VatID  string          `json:"vatID"`
}

func waitOutcome(t *testing.T, ln *localnet, kind, id string) outcome {
	t.Helper()
	raw := waitVstorage(t, ln, fmt.Sprintf("published.swingset.%s.%s", kind, id))
	var o outcome
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		t.Fatalf("decode %s outcome %q: %v", kind, raw, err)
	}
	return o
}

// TestKernelSeesTheChain is the modules' integration with the real kernel
// (Agoric's SwingSet in agvm): a bank send reaches the kernel as a
// BalanceUpdate in its own block, a kernel vbank.Give moves funds, a real
// contract keeps heap state, makes E() calls and moves only its own escrow,
// and runaway deliveries end only their own vat.
func TestKernelSeesTheChain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	ln := newLocalnet(t, 1)
	node := ln.start(t, 0, "--split")
	ln.waitHeight(t, 0, 2, 60*time.Second, node)
	recipient := testAddress(t, 3)

	t.Run("a bank send reaches the kernel in its block", func(t *testing.T) {
		tx := sendTx(t, ln, "bank", "send", "validator", recipient, "777uist")
		if tx.Code != 0 {
			t.Fatalf("send failed: %s", tx.RawLog)
		}
		got, ok := vstorageData(t, ln, "bank.balances."+recipient+".uist", tx.Height)
		if !ok || got != "777" {
			t.Fatalf("at height %d the kernel recorded %q (present %v) for the recipient, want 777", tx.Height, got, ok)
		}
		if before, ok := vstorageData(t, ln, "bank.balances."+recipient+".uist", tx.Height-1); ok {
			t.Fatalf("the kernel knew the balance (%q) before the send's block", before)
		}
	})

	t.Run("a kernel vbank.Give moves funds", func(t *testing.T) {
		payee := testAddress(t, 4)
		tx := sendTx(t, ln, "swingset", "deliver", "faucet", "drip", fmt.Sprintf(`[%q, "uist", "500"]`, payee))
		if o := waitOutcome(t, ln, "deliver", tx.ActionID); o.Error != "" {
			t.Fatalf("drip failed: %s", o.Error)
		}
		if got := balance(t, ln, payee, "uist"); got != "500" {
			t.Fatalf("payee holds %s uist after the drip, want 500", got)
		}
		if got, _ := vstorageData(t, ln, "published.faucet.drips."+payee, 0); !strings.Contains(got, `"amount":"500"`) {
			t.Fatalf("the faucet published %q for the drip", got)
		}
	})

	t.Run("a contract: heap state, E(), funds in and out, forbidden attempts", func(t *testing.T) {
		vat := installTipjar(t, ln)
		for want := 1; want <= 3; want++ {
			tx := sendTx(t, ln, "swingset", "deliver", vat, "increment", "[]")
			if o := waitOutcome(t, ln, "deliver", tx.ActionID); string(o.Result) != fmt.Sprint(want) {
				t.Fatalf("increment #%d: %+v, want result %d (heap state across deliveries)", want, o, want)
			}
		}
		// An E() call to another vat (its storage, held by the bank vat) resolves.
		tx := sendTx(t, ln, "swingset", "deliver", vat, "whereAmI", "[]")
		if o := waitOutcome(t, ln, "deliver", tx.ActionID); string(o.Result) != `"published.vats.`+vat+`"` {
			t.Fatalf("whereAmI: %+v", o)
		}

		me := validatorAddress(t, ln)
		myUist := mustInt(t, balance(t, ln, me, "uist"))
		deposit := sendTx(t, ln, "swingset", "deliver", vat, "deposit", "[]", "--funds", "1000uist")
		if o := waitOutcome(t, ln, "deliver", deposit.ActionID); o.Error != "" || !strings.Contains(string(o.Result), `"held":{"uist":"1000"}`) {
			t.Fatalf("deposit: %+v", o)
		}
		if got := mustInt(t, balance(t, ln, me, "uist")); got != myUist-1000 {
			t.Fatalf("the sender holds %d uist after sending 1000 with the delivery, had %d", got, myUist)
		}
		if held, _ := vstorageData(t, ln, "published.vats."+vat+".held.uist", 0); held != "1000" {
			t.Fatalf("the jar publishes %q held after the deposit", held)
		}

		// It pays out of its own escrow.
		payee := testAddress(t, 5)
		pay := sendTx(t, ln, "swingset", "deliver", vat, "pay", fmt.Sprintf(`[%q, "uist", "300"]`, payee))
		if o := waitOutcome(t, ln, "deliver", pay.ActionID); o.Error != "" {
			t.Fatalf("pay: %s", o.Error)
		}
		if got := balance(t, ln, payee, "uist"); got != "300" {
			t.Errorf("payee holds %s uist, want 300", got)
		}
		if held, _ := vstorageData(t, ln, "published.vats."+vat+".held.uist", 0); held != "700" {
			t.Errorf("the jar publishes %q held after paying 300 of 1000", held)
		}

		// Forbidden attempts fail with a published error and move nothing.
		cases := []struct{ name, method, args, want string }{
			{"give more than the escrow holds", "pay", fmt.Sprintf(`[%q, "uist", "701"]`, payee), "insufficient escrow"},
			{"take from an account", "grab", fmt.Sprintf(`[%q, "uist", "1"]`, me), `no method "grab"`},
			{"write outside its subtree", "writeOutside", "[]", "bad vstorage path"},
		}
		for _, c := range cases {
			tx := sendTx(t, ln, "swingset", "deliver", vat, c.method, c.args)
			if o := waitOutcome(t, ln, "deliver", tx.ActionID); !strings.Contains(o.Error, c.want) {
				t.Errorf("%s: outcome %+v, want an error about %q", c.name, o, c.want)
			}
		}
		if got := balance(t, ln, payee, "uist"); got != "300" {
			t.Errorf("refused calls changed the payee's uist to %s", got)
		}
		if got := mustInt(t, balance(t, ln, me, "uist")); got != myUist-1000 {
			t.Errorf("refused calls changed the sender's uist: %d, want %d", got, myUist-1000)
		}
		if got, ok := vstorageData(t, ln, "bank.balances.x", 0); ok {
			t.Errorf("the contract wrote outside its subtree: bank.balances.x = %q", got)
		}

		// Funds sent to no contract come back.
		before := mustInt(t, balance(t, ln, me, "uist"))
		lost := sendTx(t, ln, "swingset", "deliver", "nobody", "x", "[]", "--funds", "50uist")
		if o := waitOutcome(t, ln, "deliver", lost.ActionID); !strings.Contains(o.Error, "no such vat") {
			t.Fatalf("delivery to nobody: %+v", o)
		}
		if got := mustInt(t, balance(t, ln, me, "uist")); got != before {
			t.Errorf("funds sent to no contract were not refunded: %d uist, had %d", got, before)
		}
	})

	t.Run("runaway deliveries end only their own vat", func(t *testing.T) {
		for _, method := range []string{"spin", "hog"} {
			vat := installTipjar(t, ln)
			tx := sendTx(t, ln, "swingset", "deliver", vat, method, "[]")
			o := waitOutcome(t, ln, "deliver", tx.ActionID)
			if !strings.Contains(o.Error, "vat "+vat+" terminated") || !strings.Contains(o.Error, "meter") && !strings.Contains(o.Error, "memory") {
				t.Fatalf("%s: outcome %+v, want its vat terminated by the meter or memory limit", method, o)
			}
			start := tx.Height
			ln.waitHeight(t, 0, start+10, 30*time.Second, node)
			ping := sendTx(t, ln, "swingset", "deliver", "faucet", "ping", "[]")
			if o := waitOutcome(t, ln, "deliver", ping.ActionID); o.Error != "" {
				t.Fatalf("after %s the faucet fails: %s", method, o.Error)
			}
			again := sendTx(t, ln, "swingset", "deliver", vat, "increment", "[]")
			if o := waitOutcome(t, ln, "deliver", again.ActionID); !strings.Contains(o.Error, "terminated") {
				t.Fatalf("after %s the terminated vat answered %+v", method, o)
			}
		}
	})
}

// installTipjar bundles testdata/tipjar with agvm's bundle-source, as a
// contract author would, installs it and returns its vatID.
func installTipjar(t *testing.T, ln *localnet) string {
	t.Helper()
	dir := t.TempDir()
	bundleSource := filepath.Join(repoRoot(t), "agvm", "node_modules", ".bin", "bundle-source")
	cmd := exec.Command(bundleSource, "--cache-json", dir, "contract.js", "tipjar")
	cmd.Dir = filepath.Join("testdata", "tipjar")
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(nodeBinary(t))+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bundle-source: %v\n%s", err, out)
	}
	install := sendTxWithGas(t, ln, "20000000", "50000ubld", "swingset", "install-bundle", filepath.Join(dir, "bundle-tipjar.json"))
	if install.Code != 0 {
		t.Fatalf("install-bundle failed in its block: %s", install.RawLog)
	}
	o := waitOutcome(t, ln, "install", install.ActionID)
	if o.VatID == "" {
		t.Fatalf("install failed: %s", o.Error)
	}
	return o.VatID
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("not an integer: %q", s)
	}
	return n
}
