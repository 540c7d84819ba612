package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cosmossdk.io/math"
	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttime "github.com/cometbft/cometbft/types/time"
	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authcodec "github.com/cosmos/cosmos-sdk/x/auth/codec"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/agd-project/agd/app"
	vbanktypes "github.com/agd-project/agd/x/vbank/types"
)

// localnet port layout: node i uses basePort + portStride*i + offset, so
// nodes never collide and a glance at a port tells which node owns it.
const (
	portStride  = 10
	offsetP2P   = 0
	offsetRPC   = 1
	offsetGRPC  = 2
	offsetAPI   = 3
	offsetProxy = 4 // unused by an in-process app, but CometBFT validates it
	// offsetPrometheus serves CometBFT's and agd's metrics (/metrics).
	offsetPrometheus = 5
	lastOffset       = offsetPrometheus

	validatorKeyName = "validator"
)

var (
	// Each validator account is funded with both denoms, generously enough
	// for long load tests.
	accountTokens = math.NewInt(1_000_000_000_000_000)
	// Each validator bonds 100 voting power.
	validatorStake = sdk.TokensFromConsensusPower(100, sdk.DefaultPowerReduction)
)

type localnetOptions struct {
	validators  int
	fullNodes   int
	dir         string
	chainID     string
	basePort    int
	blockTime   time.Duration
	minGasPrice string
}

// localnetNode is what localnet init learns about one validator home.
type localnetNode struct {
	name      string
	home      string
	config    *cmtcfg.Config
	nodeID    string
	valPubKey cryptotypes.PubKey
	address   sdk.AccAddress
}

func localnetCmd(a *app.App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "localnet",
		Short: "Local multi-validator chains on 127.0.0.1, for development and tests",
	}
	cmd.AddCommand(localnetInitCmd(a))
	return cmd
}

func localnetInitCmd(a *app.App) *cobra.Command {
	var opts localnetOptions
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write N validator homes that find each other on 127.0.0.1",
		Long: `Write N validator homes under --dir (node0, node1, ...). Each home has its
validator key in a test keyring (name "validator", --keyring-backend test),
funded with ubld and uist, a client.toml pointing at its own node, and the
same genesis. Node i listens on 127.0.0.1 at base-port + 10*i (+0 p2p,
+1 CometBFT RPC, +2 gRPC, +3 REST API, +5 Prometheus metrics at /metrics).

--full-nodes M adds M non-validator homes after the validators (node<N> ...,
same genesis and port layout), each peered with every validator: a node
that follows the chain by block sync, checking every AppHash on the way.

Start a node with: agd start --split --home DIR/node0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return localnetInit(cmd, a, opts)
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.validators, "validators", 1, "number of validators")
	f.IntVar(&opts.fullNodes, "full-nodes", 0, "number of non-validator nodes, after the validators")
	f.StringVar(&opts.dir, "dir", "", "folder to write the validator homes into (must not exist or be empty)")
	f.StringVar(&opts.chainID, "chain-id", "agd-local", "chain ID")
	f.IntVar(&opts.basePort, "base-port", 26656, "first port; node i uses base-port+10*i to base-port+10*i+5")
	f.DurationVar(&opts.blockTime, "block-time", 500*time.Millisecond, "CometBFT timeout_commit: the pause between blocks")
	f.StringVar(&opts.minGasPrice, "minimum-gas-prices", DefaultMinGasPrices, "app.toml minimum-gas-prices")
	_ = cmd.MarkFlagRequired("dir")
	return cmd
}

func (o localnetOptions) validate() error {
	if o.validators < 1 || o.validators > 100 {
		return fmt.Errorf("--validators must be between 1 and 100, got %d", o.validators)
	}
	if o.dir == "" {
		return errors.New("--dir is required")
	}
	if o.fullNodes < 0 || o.fullNodes > 100 {
		return fmt.Errorf("--full-nodes must be between 0 and 100, got %d", o.fullNodes)
	}
	last := o.basePort + portStride*(o.nodes()-1) + lastOffset
	if o.basePort < 1024 || last > 65535 {
		return fmt.Errorf("--base-port %d puts ports outside 1024..65535 (the last would be %d)", o.basePort, last)
	}
	if o.blockTime <= 0 {
		return fmt.Errorf("--block-time must be positive, got %s", o.blockTime)
	}
	return nil
}

// nodes is how many homes init writes: the validators, then the full nodes.
func (o localnetOptions) nodes() int { return o.validators + o.fullNodes }

func (o localnetOptions) port(node, offset int) int {
	return o.basePort + portStride*node + offset
}

// checkPortsFree fails on the first port already taken on 127.0.0.1, naming
// the node and role, so a clash is found at init rather than as a node that
// silently never connects.
func (o localnetOptions) checkPortsFree() error {
	roles := []struct {
		offset int
		name   string
	}{{offsetP2P, "p2p"}, {offsetRPC, "rpc"}, {offsetGRPC, "grpc"}, {offsetAPI, "api"}, {offsetProxy, "abci proxy"},
		{offsetPrometheus, "prometheus"}}
	for i := 0; i < o.nodes(); i++ {
		for _, r := range roles {
			p := o.port(i, r.offset)
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				return fmt.Errorf("port %d (node%d %s) is already in use on 127.0.0.1: stop what holds it or pick another --base-port", p, i, r.name)
			}
			_ = l.Close()
		}
	}
	return nil
}

func checkDirUnused(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("read --dir %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("--dir %s already holds files (%s, ...): remove it or pick another folder", dir, entries[0].Name())
	}
	return nil
}

func localnetInit(cmd *cobra.Command, a *app.App, opts localnetOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	if err := checkDirUnused(opts.dir); err != nil {
		return err
	}
	if err := opts.checkPortsFree(); err != nil {
		return err
	}
	gentxDir := filepath.Join(opts.dir, "gentxs")
	if err := os.MkdirAll(gentxDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", gentxDir, err)
	}

	nodes := make([]localnetNode, opts.validators)
	var accounts []authtypes.GenesisAccount
	var balances []banktypes.Balance
	for i := range nodes {
		n, err := initLocalnetNode(cmd, a, opts, i, gentxDir)
		if err != nil {
			return fmt.Errorf("node%d: %w", i, err)
		}
		nodes[i] = n
		accounts = append(accounts, authtypes.NewBaseAccount(n.address, nil, 0, 0))
		balances = append(balances, banktypes.Balance{
			Address: n.address.String(),
			Coins:   sdk.NewCoins(sdk.NewCoin(app.BondDenom, accountTokens), sdk.NewCoin(app.StableDenom, accountTokens)),
		})
	}

	// The vbank escrow starts funded, so the kernel's faucet can pay out
	// (vbank.Give pays from it) on a fresh localnet.
	balances = append(balances, banktypes.Balance{
		Address: authtypes.NewModuleAddress(vbanktypes.ModuleName).String(),
		Coins:   sdk.NewCoins(sdk.NewCoin(app.BondDenom, accountTokens), sdk.NewCoin(app.StableDenom, accountTokens)),
	})
	genesis, err := localnetGenesis(a, opts.chainID, accounts, balances)
	if err != nil {
		return err
	}
	valAddrCodec := authcodec.NewBech32Codec(sdk.GetConfig().GetBech32ValidatorAddrPrefix())
	for i, n := range nodes {
		if err := genesis.SaveAs(n.config.GenesisFile()); err != nil {
			return fmt.Errorf("node%d: write genesis: %w", i, err)
		}
		initCfg := genutiltypes.NewInitConfig(opts.chainID, gentxDir, n.nodeID, n.valPubKey)
		// Collecting the gentxs writes each node's final genesis and its
		// persistent peers (every other node) into its config.toml.
		if _, err := genutil.GenAppStateFromConfig(a.AppCodec(), a.TxConfig(), n.config, initCfg, genesis,
			banktypes.GenesisBalancesIterator{}, genutiltypes.DefaultMessageValidator, valAddrCodec); err != nil {
			return fmt.Errorf("node%d: collect gentxs: %w", i, err)
		}
	}

	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "wrote %d validator home(s) for chain %s under %s\n", len(nodes), opts.chainID, opts.dir)
	for i, n := range nodes {
		fmt.Fprintf(out, "  %s: home %s, rpc tcp://127.0.0.1:%d, key %q %s\n",
			n.name, n.home, opts.port(i, offsetRPC), validatorKeyName, n.address)
	}
	for i := opts.validators; i < opts.nodes(); i++ {
		home, err := initLocalnetFullNode(opts, i, nodes)
		if err != nil {
			return fmt.Errorf("node%d: %w", i, err)
		}
		fmt.Fprintf(out, "  node%d: full node, home %s, rpc tcp://127.0.0.1:%d\n", i, home, opts.port(i, offsetRPC))
	}
	return nil
}

// initLocalnetFullNode writes home i for a node that validates nothing: the
// validators' final genesis, and every validator as a persistent peer.
func initLocalnetFullNode(opts localnetOptions, i int, validators []localnetNode) (string, error) {
	peers := make([]string, len(validators))
	for v, n := range validators {
		peers[v] = fmt.Sprintf("%s@127.0.0.1:%d", n.nodeID, opts.port(v, offsetP2P))
	}
	cfg, err := writeLocalnetHome(opts, i, strings.Join(peers, ","))
	if err != nil {
		return "", err
	}
	if _, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile()); err != nil {
		return "", fmt.Errorf("create node key: %w", err)
	}
	// CometBFT's start loads the validator key files even on a full node.
	privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
	genesis, err := os.ReadFile(validators[0].config.GenesisFile())
	if err != nil {
		return "", fmt.Errorf("read the validators' genesis: %w", err)
	}
	if err := os.WriteFile(cfg.GenesisFile(), genesis, 0o644); err != nil {
		return "", fmt.Errorf("write genesis: %w", err)
	}
	return cfg.RootDir, nil
}

// writeLocalnetHome creates home i with its config.toml (listening on node
// i's ports, peers as given), app.toml and client.toml.
func writeLocalnetHome(opts localnetOptions, i int, persistentPeers string) (*cmtcfg.Config, error) {
	name := fmt.Sprintf("node%d", i)
	home := filepath.Join(opts.dir, name)
	for _, sub := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(home, sub), 0o755); err != nil {
			return nil, fmt.Errorf("create home: %w", err)
		}
	}

	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(home)
	cfg.Moniker = name
	cfg.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", opts.port(i, offsetP2P))
	cfg.P2P.PersistentPeers = persistentPeers
	cfg.P2P.AllowDuplicateIP = true
	cfg.P2P.AddrBookStrict = false
	cfg.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", opts.port(i, offsetRPC))
	cfg.RPC.PprofListenAddress = ""
	cfg.ProxyApp = fmt.Sprintf("tcp://127.0.0.1:%d", opts.port(i, offsetProxy))
	cfg.Consensus.TimeoutCommit = opts.blockTime
	cfg.Instrumentation.Prometheus = true
	cfg.Instrumentation.PrometheusListenAddr = fmt.Sprintf("127.0.0.1:%d", opts.port(i, offsetPrometheus))
	cmtcfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), cfg)

	appCfg := defaultAppConfig()
	appCfg.MinGasPrices = opts.minGasPrice
	appCfg.GRPC.Address = fmt.Sprintf("127.0.0.1:%d", opts.port(i, offsetGRPC))
	appCfg.API.Address = fmt.Sprintf("tcp://127.0.0.1:%d", opts.port(i, offsetAPI))
	serverconfig.SetConfigTemplate(appConfigTemplate)
	serverconfig.WriteConfigFile(filepath.Join(home, "config", "app.toml"), appCfg)

	if err := writeClientConfig(home, opts.chainID, opts.port(i, offsetRPC)); err != nil {
		return nil, err
	}
	return cfg, nil
}

func initLocalnetNode(cmd *cobra.Command, a *app.App, opts localnetOptions, i int, gentxDir string) (localnetNode, error) {
	name := fmt.Sprintf("node%d", i)
	// Collecting the gentxs fills in the persistent peers later.
	cfg, err := writeLocalnetHome(opts, i, "")
	if err != nil {
		return localnetNode{}, err
	}
	home := cfg.RootDir

	nodeID, valPubKey, err := genutil.InitializeNodeValidatorFiles(cfg)
	if err != nil {
		return localnetNode{}, fmt.Errorf("create node and validator keys: %w", err)
	}

	kr, err := keyring.New(sdk.KeyringServiceName(), keyring.BackendTest, home, nil, a.AppCodec())
	if err != nil {
		return localnetNode{}, fmt.Errorf("open keyring: %w", err)
	}
	record, _, err := kr.NewMnemonic(validatorKeyName, keyring.English, sdk.FullFundraiserPath, keyring.DefaultBIP39Passphrase, hd.Secp256k1)
	if err != nil {
		return localnetNode{}, fmt.Errorf("create validator key: %w", err)
	}
	address, err := record.GetAddress()
	if err != nil {
		return localnetNode{}, fmt.Errorf("validator key address: %w", err)
	}

	createValidator, err := stakingtypes.NewMsgCreateValidator(
		sdk.ValAddress(address).String(),
		valPubKey,
		sdk.NewCoin(app.BondDenom, validatorStake),
		stakingtypes.NewDescription(name, "", "", "", ""),
		stakingtypes.NewCommissionRates(math.LegacyNewDecWithPrec(10, 2), math.LegacyNewDecWithPrec(20, 2), math.LegacyNewDecWithPrec(1, 2)),
		math.OneInt(),
	)
	if err != nil {
		return localnetNode{}, fmt.Errorf("build create-validator: %w", err)
	}
	memo := fmt.Sprintf("%s@127.0.0.1:%d", nodeID, opts.port(i, offsetP2P))
	builder := a.TxConfig().NewTxBuilder()
	if err := builder.SetMsgs(createValidator); err != nil {
		return localnetNode{}, fmt.Errorf("build gentx: %w", err)
	}
	builder.SetMemo(memo)
	factory := tx.Factory{}.WithChainID(opts.chainID).WithMemo(memo).WithKeybase(kr).WithTxConfig(a.TxConfig())
	if err := tx.Sign(cmd.Context(), factory, validatorKeyName, builder, true); err != nil {
		return localnetNode{}, fmt.Errorf("sign gentx: %w", err)
	}
	gentx, err := a.TxConfig().TxJSONEncoder()(builder.GetTx())
	if err != nil {
		return localnetNode{}, fmt.Errorf("encode gentx: %w", err)
	}
	if err := os.WriteFile(filepath.Join(gentxDir, name+".json"), gentx, 0o644); err != nil {
		return localnetNode{}, fmt.Errorf("write gentx: %w", err)
	}
	return localnetNode{name: name, home: home, config: cfg, nodeID: nodeID, valPubKey: valPubKey, address: address}, nil
}

// localnetGenesis is the genesis every node starts from, before gentxs.
func localnetGenesis(a *app.App, chainID string, accounts []authtypes.GenesisAccount, balances []banktypes.Balance) (*genutiltypes.AppGenesis, error) {
	cdc := a.AppCodec()
	state := a.DefaultGenesis()

	var authGenesis authtypes.GenesisState
	cdc.MustUnmarshalJSON(state[authtypes.ModuleName], &authGenesis)
	packed, err := authtypes.PackAccounts(accounts)
	if err != nil {
		return nil, fmt.Errorf("pack genesis accounts: %w", err)
	}
	authGenesis.Accounts = packed
	state[authtypes.ModuleName] = cdc.MustMarshalJSON(&authGenesis)

	var bankGenesis banktypes.GenesisState
	cdc.MustUnmarshalJSON(state[banktypes.ModuleName], &bankGenesis)
	bankGenesis.Balances = banktypes.SanitizeGenesisBalances(balances)
	state[banktypes.ModuleName] = cdc.MustMarshalJSON(&bankGenesis)

	stateJSON, err := marshalGenesisState(state)
	if err != nil {
		return nil, err
	}
	genesis := genutiltypes.NewAppGenesisWithVersion(chainID, stateJSON)
	genesis.GenesisTime = cmttime.Now()
	return genesis, nil
}

func writeClientConfig(home, chainID string, rpcPort int) error {
	text := strings.Join([]string{
		"# agd client config, written by `agd localnet init`.",
		fmt.Sprintf("chain-id = %q", chainID),
		`keyring-backend = "test"`,
		`keyring-default-keyname = ""`,
		`output = "text"`,
		fmt.Sprintf("node = \"tcp://127.0.0.1:%d\"", rpcPort),
		`broadcast-mode = "sync"`,
		"",
	}, "\n")
	path := filepath.Join(home, "config", "client.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
