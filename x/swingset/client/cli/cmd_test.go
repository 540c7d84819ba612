package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/cosmos/cosmos-sdk/client"
	clitestutil "github.com/cosmos/cosmos-sdk/testutil/cli"
	testutilmod "github.com/cosmos/cosmos-sdk/types/module/testutil"

	"github.com/agd-project/agd/x/swingset"
	"github.com/agd-project/agd/x/swingset/client/cli"
)

// generate runs `agd tx swingset ARGS --generate-only` and returns the
// unsigned transaction's one message, as the CLI would sign and send it.
func generate(t *testing.T, args ...string) (map[string]any, error) {
	t.Helper()
	enc := testutilmod.MakeTestEncodingConfig(swingset.AppModule{})
	clientCtx := client.Context{}.WithTxConfig(enc.TxConfig).WithCodec(enc.Codec).
		WithInterfaceRegistry(enc.InterfaceRegistry).WithChainID("test-chain")
	cmd := cli.NewTxCmd()
	cmd.SetContext(context.Background())
	out, err := clitestutil.ExecTestCLICmd(clientCtx, cmd, append(args, "--generate-only", "--from", submitter))
	if err != nil {
		return nil, err
	}
	var tx struct {
		Body struct {
			Messages []map[string]any `json:"messages"`
		} `json:"body"`
	}
	if err := json.Unmarshal(out.Bytes(), &tx); err != nil || len(tx.Body.Messages) != 1 {
		t.Fatalf("generated %s: %v", out, err)
	}
	return tx.Body.Messages[0], nil
}

func TestDeliverCommandCarriesFunds(t *testing.T) {
	msg, err := generate(t, "deliver", "v1", "tip", `["hi"]`, "--funds", "100uist,5ubld")
	if err != nil {
		t.Fatal(err)
	}
	funds, _ := json.Marshal(msg["funds"])
	if msg["@type"] != "/agoric.swingset.v1.MsgDeliverInbound" || msg["args"] != `["hi"]` ||
		string(funds) != `[{"amount":"5","denom":"ubld"},{"amount":"100","denom":"uist"}]` {
		t.Fatalf("message %v", msg)
	}
	if _, err := generate(t, "deliver", "v1", "tip", `[]`, "--funds", "0uist"); err == nil || !strings.Contains(err.Error(), `funds "0uist"`) {
		t.Fatalf("--funds 0uist: %v", err)
	}
}

func TestInstallBundleCommandCarriesTheFile(t *testing.T) {
	msg, err := generate(t, "install-bundle", fixture)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if msg["@type"] != "/agoric.swingset.v1.MsgInstallBundle" || msg["bundle"] != string(want) {
		t.Fatalf("message %v", msg)
	}
}
