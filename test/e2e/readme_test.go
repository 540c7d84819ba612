package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The README marks each of its shell blocks with one of these comments
// (invisible when rendered), so the test knows which to run and fails on a
// shell block nobody decided about.
const (
	readmeRunMarker  = "<!-- test/e2e/readme_test.go runs this block, in order, on a fresh chain -->"
	readmeSkipPrefix = "<!-- test/e2e/readme_test.go does not run this block:"
)

// readmeCommands returns the commands of the README's marked shell blocks,
// in order. A shell block without a marker is an error: every command in
// the README is either run here or says why not.
func readmeCommands(readme string) ([]string, error) {
	var cmds []string
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		fence := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(fence, "```") || fence == "```" {
			continue
		}
		lang := strings.TrimPrefix(fence, "```")
		body := i + 1
		end := body
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		i = end
		if lang != "sh" && lang != "bash" && lang != "console" {
			continue
		}
		marker := ""
		if body >= 2 {
			marker = strings.TrimSpace(lines[body-2])
		}
		switch {
		case marker == readmeRunMarker:
			for _, l := range lines[body:end] {
				if strings.TrimSpace(l) != "" {
					cmds = append(cmds, strings.TrimSpace(l))
				}
			}
		case strings.HasPrefix(marker, readmeSkipPrefix):
		default:
			return nil, fmt.Errorf("README line %d: a shell block with neither %q nor a %q... comment above it", body, readmeRunMarker, readmeSkipPrefix)
		}
	}
	return cmds, nil
}

// placeholder is a README stand-in such as <address> or <contract.js>.
var placeholder = regexp.MustCompile(`<[A-Za-z][A-Za-z0-9.]*>`)

// TestReadmeCommands runs every command of the README's marked blocks, in
// order and as written, on a fresh one-validator chain, the way a new user
// of `make run` would type them in another terminal. Only what must differ
// is substituted: the binary's and the chain's paths (bin/agd,
// build/localnet/node0, build/bundles), the chain's RPC port (the README's
// tcp://127.0.0.1:26657; commands that name no node reach it through a
// fresh $HOME whose default client.toml points there, as 26657 is the
// default), and the placeholders (<address>, the contract, the action id
// and vat that earlier commands produced). A transaction is confirmed with
// "y" at the CLI's prompt. A command fails the test if it exits non-zero,
// if a transaction is refused or fails in its block, or if a published
// outcome is an error.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := readmeCommands(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) < 10 {
		t.Fatalf("the README's marked blocks hold %d commands; the marks are gone?", len(cmds))
	}

	ln := newLocalnet(t, 1)
	node := ln.start(t, 0, "--split")
	ln.waitHeight(t, 0, 2, 60*time.Second, node)

	// A new user's $HOME: the default home's client.toml names the chain's
	// RPC address, as `make run`'s chain serves the CLI's default port.
	userHome := t.TempDir()
	defaultConfig := filepath.Join(userHome, ".agd", "config")
	if err := os.MkdirAll(defaultConfig, 0o755); err != nil {
		t.Fatal(err)
	}
	clientToml := fmt.Sprintf("chain-id = %q\nkeyring-backend = \"os\"\noutput = \"text\"\nnode = %q\nbroadcast-mode = \"sync\"\n", "", ln.nodeFlag(0))
	if err := os.WriteFile(filepath.Join(defaultConfig, "client.toml"), []byte(clientToml), 0o644); err != nil {
		t.Fatal(err)
	}
	bundles := t.TempDir()
	paths := strings.NewReplacer(
		"bin/agd", agdBinary(t),
		"build/localnet/node0", ln.home(0),
		"build/bundles", bundles,
		"tcp://127.0.0.1:26657", ln.nodeFlag(0),
	)
	values := map[string]string{
		"<address>":     testAddress(t, 0x5a),
		"<contract.js>": filepath.Join(root, "test", "e2e", "testdata", "tipjar", "contract.js"),
		"<NAME>":        "tipjar",
		"<method>":      "deposit", // the tipjar's method that takes payment
	}
	// A new user's environment: no AGD_* variables (the CLI reads
	// AGD_<FLAG> as a flag, and the test's own AGD_NODE would be --node).
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AGD_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	path := os.Getenv("PATH")
	if node := os.Getenv("AGD_NODE"); node != "" {
		// bundle-source runs on `node` from PATH; use the pinned one.
		path = filepath.Dir(node) + string(os.PathListSeparator) + path
	}
	env = append(env, "HOME="+userHome, "PATH="+path)

	for i, readmeCmd := range cmds {
		line := paths.Replace(readmeCmd)
		line = placeholder.ReplaceAllStringFunc(line, func(p string) string {
			if v, ok := values[p]; ok {
				return v
			}
			t.Fatalf("README command %d %q: no value for %s yet (an earlier command should have given it)", i+1, readmeCmd, p)
			return p
		})
		isTx := strings.Contains(readmeCmd, "bin/agd tx ")
		isOutcome := strings.Contains(readmeCmd, "query vstorage data published.swingset.")
		var out string
		deadline := time.Now().Add(30 * time.Second)
		for {
			out = runReadmeCommand(t, root, env, line, isTx, readmeCmd)
			// An outcome is written once the kernel has run the action:
			// a user asks again until it is there.
			if !strings.Contains(readmeCmd, "query vstorage data ") || !emptyVstorage(out) || time.Now().After(deadline) {
				break
			}
			time.Sleep(300 * time.Millisecond)
		}
		t.Logf("README command %d: %s\n%s", i+1, readmeCmd, tail(out, 600))
		switch {
		case isTx:
			tx := readmeTxResult(t, ln, readmeCmd, out)
			if tx.ActionID != "" {
				values["<id>"] = tx.ActionID
			}
		case strings.Contains(readmeCmd, "query vstorage data "):
			if emptyVstorage(out) {
				t.Fatalf("README command %q: the path was never written:\n%s", readmeCmd, out)
			}
			if isOutcome {
				value := vstorageValueOf(out)
				if strings.Contains(value, `"error"`) {
					t.Fatalf("README command %q: the outcome is an error: %s", readmeCmd, value)
				}
				var installed struct {
					VatID string `json:"vatID"`
				}
				if json.Unmarshal([]byte(value), &installed) == nil && installed.VatID != "" {
					values["<vatID>"] = installed.VatID
				}
			}
		}
	}
}

// runReadmeCommand runs one README line with bash in the repository's
// root, answering the CLI's confirmation prompt for a transaction.
func runReadmeCommand(t *testing.T, root string, env []string, line string, isTx bool, readmeCmd string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	cmd.Dir = root
	cmd.Env = env
	if isTx {
		cmd.Stdin = strings.NewReader("y\n")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README command %q failed: %v\n%s", readmeCmd, err, out)
	}
	return string(out)
}

// readmeTxResult reads the sync answer of a README `agd tx` (text output),
// fails on a refused transaction, and waits for it in a block.
func readmeTxResult(t *testing.T, ln *localnet, readmeCmd, out string) includedTx {
	t.Helper()
	code, hash, rawLog := "", "", ""
	for _, l := range strings.Split(out, "\n") {
		// The CLI's prompt has no newline: the answer's first line follows it.
		if _, after, ok := strings.Cut(l, "[y/N]: "); ok {
			l = after
		}
		switch {
		case strings.HasPrefix(l, "code: "):
			code = strings.TrimPrefix(l, "code: ")
		case strings.HasPrefix(l, "txhash: "):
			hash = strings.TrimPrefix(l, "txhash: ")
		case strings.HasPrefix(l, "raw_log: "):
			rawLog = strings.TrimPrefix(l, "raw_log: ")
		}
	}
	if code != "0" || hash == "" {
		t.Fatalf("README command %q: the transaction was refused (code %q): %s\n%s", readmeCmd, code, rawLog, out)
	}
	tx := waitTx(t, ln, hash)
	if tx.Code != 0 {
		t.Fatalf("README command %q: the transaction failed in block %d: code %d: %s", readmeCmd, tx.Height, tx.Code, tx.RawLog)
	}
	return tx
}

// emptyVstorage is true when `agd query vstorage data` found nothing.
func emptyVstorage(out string) bool { return vstorageValueOf(out) == "" }

// vstorageValueOf reads the value of a text-output `query vstorage data`.
func vstorageValueOf(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "value: "); ok {
			return strings.Trim(strings.TrimSpace(v), `'"`)
		}
	}
	return ""
}

// Every shell block of the README is marked, and a block without a mark
// is refused, so a command added to the README cannot escape the test.
func TestReadmeBlocksAreMarked(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readmeCommands(string(readme)); err != nil {
		t.Fatal(err)
	}
	unmarked := string(readme) + "\n## New\n\n```sh\nbin/agd something-new\n```\n"
	if _, err := readmeCommands(unmarked); err == nil || !strings.Contains(err.Error(), "a shell block with neither") {
		t.Fatalf("an unmarked shell block was accepted (err %v)", err)
	}
}
