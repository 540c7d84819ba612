package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/swingset/client/cli"
)

var submitter = sdk.AccAddress(make([]byte, 20)).String()

const fixture = "../../types/testdata/bundle-counter.json"

func TestInstallBundleReadsBundleSourceFile(t *testing.T) {
	msg, err := cli.InstallBundleMsg(submitter, fixture)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Bundle != string(want) || msg.Submitter != submitter {
		t.Fatalf("message %+v does not carry the file", msg)
	}
}

func TestInstallBundleRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing.json"), "read bundle: open"},
		{write("source.js", "export default 1;"), "source.js: bundle: not a JSON object"},
		{write("hash.json", strings.Replace(string(good), `"endoZipBase64Sha512":"`, `"endoZipBase64Sha512":"0`, 1)),
			"hash.json: bundle: endoZipBase64Sha512: 129 characters"},
	} {
		if _, err := cli.InstallBundleMsg(submitter, tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
}

func TestDeliverFunds(t *testing.T) {
	msg, err := cli.DeliverMsg(submitter, "v1", "tip", `["hi"]`, "5ubld, 100uist")
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Funds.String(); got != "5ubld,100uist" {
		t.Fatalf("funds %s", got)
	}
	msg, err = cli.DeliverMsg(submitter, "v1", "tip", `[]`, "100uist,5ubld")
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Funds.String(); got != "5ubld,100uist" {
		t.Fatalf("funds given out of order: %s, want them sorted", got)
	}
	msg, err = cli.DeliverMsg(submitter, "v1", "tip", `[]`, "")
	if err != nil || len(msg.Funds) != 0 {
		t.Fatalf("no --funds: %v %v", msg, err)
	}
	for _, tc := range []struct {
		funds, want string
	}{
		{"0ubld", `funds "0ubld": coin 0ubld amount is not positive`},
		{"5ubld,6ubld", `funds "5ubld,6ubld": duplicate denomination ubld`},
		{"1.5ubld", `--funds: "1.5ubld": not a whole number of ubld`},
		{"-5ubld", `--funds: "-5ubld": invalid decimal coin expression`},
		{"ubld", `--funds: "ubld": invalid decimal coin expression`},
		{"5ubld,", `--funds: "": invalid decimal coin expression`},
	} {
		if _, err := cli.DeliverMsg(submitter, "v1", "tip", `[]`, tc.funds); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--funds %s: %v, want %q", tc.funds, err, tc.want)
		}
	}
	if _, err := cli.DeliverMsg(submitter, "v1", "tip", `"[]"`, ""); err == nil || !strings.Contains(err.Error(), "args: not a JSON array") {
		t.Errorf("args as a JSON string: %v", err)
	}
}
