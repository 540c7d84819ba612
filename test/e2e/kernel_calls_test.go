package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
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

// TestKernelSeesTheChain is the modules' integration with the real kernel:
// a bank send reaches the kernel as a BalanceUpdate in its own block, a
// kernel vbank.Give moves funds, and bad calls come back as errors that
// change nothing.
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

	t.Run("bad calls are refused and change nothing", func(t *testing.T) {
		install := sendTx(t, ln, "swingset", "install-bundle", filepath.Join("testdata", "tipjar.js"))
		vat := waitOutcome(t, ln, "install", install.ActionID)
		if vat.VatID == "" {
			t.Fatalf("install failed: %s", vat.Error)
		}
		me := validatorAddress(t, ln)
		deposit := sendTx(t, ln, "swingset", "deliver", vat.VatID, "deposit", fmt.Sprintf(`[%q, "uist", "1000"]`, me))
		if o := waitOutcome(t, ln, "deliver", deposit.ActionID); o.Error != "" || !strings.Contains(string(o.Result), `"1000"`) {
			t.Fatalf("deposit: %+v", o)
		}
		myUist := balance(t, ln, me, "uist")

		cases := []struct{ name, method, args, want string }{
			{"bad address", "balanceOf", `["agoric1bogus", "uist"]`, "address"},
			{"negative amount", "deposit", fmt.Sprintf(`[%q, "uist", "-5"]`, me), "amount"},
			{"overdrawn", "deposit", fmt.Sprintf(`[%q, "uist", "999999999999999999999999999"]`, me), "insufficient funds"},
		}
		for _, c := range cases {
			tx := sendTx(t, ln, "swingset", "deliver", vat.VatID, c.method, c.args)
			o := waitOutcome(t, ln, "deliver", tx.ActionID)
			if !strings.Contains(o.Error, c.want) {
				t.Errorf("%s: outcome %+v, want an error about %q", c.name, o, c.want)
			}
		}
		if o := waitOutcome(t, ln, "deliver", deposit.ActionID); o.Error != "" {
			t.Fatal(o.Error)
		}
		if after := balance(t, ln, me, "uist"); after != myUist {
			t.Errorf("refused calls changed the sender's uist: %s -> %s", myUist, after)
		}
		if held, _ := vstorageData(t, ln, "published.vats."+vat.VatID+".held.uist", 0); held != "1000" {
			t.Errorf("the jar holds %q after refused calls, want 1000", held)
		}
		// The overdraft's message states both amounts.
		tx := sendTx(t, ln, "swingset", "deliver", vat.VatID, "deposit", fmt.Sprintf(`[%q, "uist", "999999999999999999999999999"]`, me))
		o := waitOutcome(t, ln, "deliver", tx.ActionID)
		if !strings.Contains(o.Error, "has "+myUist+"uist") || !strings.Contains(o.Error, "wants 999999999999999999999999999uist") {
			t.Errorf("overdraft message does not state both amounts: %s", o.Error)
		}

		// The installed contract pays out of what it holds: bank moves the
		// funds, storage publishes the result.
		payee := testAddress(t, 5)
		pay := sendTx(t, ln, "swingset", "deliver", vat.VatID, "pay", fmt.Sprintf(`[%q, "uist", "300"]`, payee))
		if o := waitOutcome(t, ln, "deliver", pay.ActionID); o.Error != "" {
			t.Fatalf("pay: %s", o.Error)
		}
		if got := balance(t, ln, payee, "uist"); got != "300" {
			t.Errorf("payee holds %s uist, want 300", got)
		}
		if held, _ := vstorageData(t, ln, "published.vats."+vat.VatID+".held.uist", 0); held != "700" {
			t.Errorf("the jar publishes %q held after paying 300 of 1000", held)
		}
		if paid, _ := vstorageData(t, ln, "published.vats."+vat.VatID+".paid."+payee, 0); paid != "300" {
			t.Errorf("the jar publishes %q paid to the payee", paid)
		}
	})
}
