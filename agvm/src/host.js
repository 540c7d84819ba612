// The host loop: one SwingSet controller over an on-disk swing-store,
// driven block by block by agd's lifecycle requests (PROTOCOL.md):
//
//   Init         opens the swing-store; on a fresh one (isBootstrap) it
//                initialises SwingSet with agvm's prebuilt bundles and runs
//                the bootstrap vat to completion, then commits.
//   BeginBlock   slog marker; decides whether the block runs or is replayed.
//   BalanceUpdate  kept until EndBlock.
//   EndBlock     the block crank (agvm.blockHeight in the kernel store),
//                balance updates into the bank vat through the bridge device,
//                the block's actions into the bootstrap vat, then
//                controller.run(policy) under the block's computron budget.
//                Returns controller.getActivityhash().
//   Commit       host records, then hostStorage.commit(), then the answer.
//
// Replay: if the kernel committed H but agd did not (agd crashed between the
// two commits), agd sends block H again (BeginBlock(H) with H ==
// kernelHeight). The kernel must not run it twice: EndBlock re-sends, in
// order, the state-changing calls the first run made to agd ("chain sends",
// kept in host.block.<H>) and answers the saved activityhash; Commit changes
// nothing. This keeps the one-block-ahead recovery PROTOCOL.md requires.
//
// Calls to agd block (vats/vat-bank.js): the bridge device's callOutbound
// is a JSON-RPC request to agd, and the vat's syscall returns agd's answer,
// {result} or {error}, read from the pipe before anything else runs. It is
// in the vat's transcript, so a vat brought back by replay never asks again.
// Vats may call only while a block executes (agd's window: x/kernelcall).

import fs from 'node:fs';
import path from 'node:path';
import { openSwingStore } from '@agoric/swing-store';
import {
  initializeSwingset,
  makeSwingsetController,
  swingsetIsInitialized,
  buildBridge,
} from '@agoric/swingset-vat';
import { RpcError, ErrorCodes, RawLine } from './jsonrpc.js';
import { NO_FAULTS } from './faults.js';
import { makeComputronPolicy, readBlockParams } from './policy.js';
import { makeWorkerTracker, describeDeaths } from './workers.js';
import { ERROR_ENTRY } from './slog.js';
import { BUILTIN_VATS } from './bundles.js';

export const PROTOCOL_VERSION = 1;

/** Kernel→agd calls that change agd's state: recorded and replayed. */
export const CHAIN_SEND_METHODS = Object.freeze(['vbank.Give', 'vbank.Grab', 'vstorage.Set', 'vstorage.Append']);
/** Kernel→agd calls that only read: never recorded. */
export const QUERY_METHODS = Object.freeze(['vbank.GetBalance', 'vstorage.Get', 'vstorage.Children']);

/** Per-height records kept for replay; only the last one is ever needed. */
const KEEP_BLOCK_RECORDS = 10;
/** How long a failed run waits for Node to report a worker's death. */
const WORKER_EXIT_WAIT_MS = 1000;
/**
 * agd signals the kernel's whole process group when it stops, so workers
 * dying by these while the kernel shuts down are that stop, not a fault.
 */
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'];

const AMOUNT_RE = /^(0|[1-9][0-9]*)$/;

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

const invalidParams = message => new RpcError(ErrorCodes.INVALID_PARAMS, message);

function requireHeight(params, name) {
  const v = params[name];
  if (!Number.isSafeInteger(v) || v < 0) {
    throw invalidParams(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function requireString(params, name) {
  const v = params[name];
  if (typeof v !== 'string' || v === '') {
    throw invalidParams(`${name} must be a non-empty string, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Checks one BalanceUpdate entry; returns an error message or null. */
function badBalanceUpdate(u) {
  if (u === null || typeof u !== 'object') return `update is not an object: ${JSON.stringify(u)}`;
  if (typeof u.address !== 'string' || u.address === '') return `bad address ${JSON.stringify(u.address)}`;
  if (typeof u.denom !== 'string' || u.denom === '') return `bad denom ${JSON.stringify(u.denom)}`;
  if (typeof u.amount !== 'string' || !AMOUNT_RE.test(u.amount)) {
    return `bad amount ${JSON.stringify(u.amount)} (must be a decimal string)`;
  }
  return null;
}

/** The swing-store folder inside AGVM_STATE_DIR. */
export const swingStorePath = stateDir => path.join(stateDir, 'swingstore');

/** SwingSet configuration: agvm's three vats, xsnap workers, the bridge. */
function swingsetConfig(bundles) {
  return {
    bootstrap: 'bootstrap',
    defaultManagerType: 'xsnap',
    defaultReapInterval: 1000,
    vats: {
      bootstrap: { bundle: bundles.bootstrap },
      bank: { bundle: bundles.bank },
      faucet: { bundle: bundles.faucet },
    },
    devices: {
      bridge: { bundle: bundles.bridgeDevice },
    },
  };
}

/**
 * Throws unless every built-in vat in the kernel store was made from
 * `bundles`, naming those that were not. Built-in vats are fixed at a
 * chain's bootstrap, so a store from another agvm version keeps its old
 * vats, and their protocol with the host may differ from this one's.
 */
function requireOwnBuiltinVats(kvStore, bundles) {
  const stale = [];
  for (const name of BUILTIN_VATS) {
    const vatID = kvStore.get(`vat.name.${name}`);
    const want = `b1-${bundles[name].endoZipBase64Sha512}`;
    const have = vatID && JSON.parse(kvStore.get(`${vatID}.source`) ?? '{}').bundleID;
    if (have !== want) stale.push(`${name} (${vatID ?? 'missing'}) runs ${have ?? 'no bundle'}, this agvm carries ${want}`);
  }
  if (stale.length) {
    throw Error(
      `kernel database was made by another agvm version: built-in vat ${stale.join('; ')}. ` +
        'Built-in vats are fixed when a chain starts; run the agvm this state was made with, or start a new chain',
    );
  }
}

/**
 * Checks one action's shape. Returns an error message or null; agd checks
 * these too, so an error here means agd and the kernel disagree.
 */
function badAction(a) {
  if (a.type === 'INSTALL_BUNDLE') {
    const b = a.bundle;
    if (b === null || typeof b !== 'object' || Array.isArray(b)) return 'bundle must be a JSON object';
    if (b.moduleFormat !== 'endoZipBase64') return `bundle moduleFormat must be "endoZipBase64", got ${JSON.stringify(b.moduleFormat)}`;
    if (typeof b.endoZipBase64 !== 'string') return 'bundle endoZipBase64 must be a string';
    if (typeof b.endoZipBase64Sha512 !== 'string' || !/^[0-9a-f]{128}$/.test(b.endoZipBase64Sha512)) {
      return 'bundle endoZipBase64Sha512 must be 128 lower-case hex digits';
    }
    return null;
  }
  if (a.type === 'DELIVER_INBOUND') {
    if (typeof a.target !== 'string' || a.target === '') return 'target must be a non-empty string';
    if (typeof a.method !== 'string' || a.method === '') return 'method must be a non-empty string';
    if (!Array.isArray(a.args)) return 'args must be an array';
    if (!Array.isArray(a.funds)) return 'funds must be an array';
    for (const c of a.funds) {
      if (c === null || typeof c !== 'object' || typeof c.denom !== 'string' || typeof c.amount !== 'string' || !AMOUNT_RE.test(c.amount)) {
        return `bad funds entry ${JSON.stringify(c)}: {"denom", "amount": decimal string}`;
      }
    }
    return null;
  }
  return `unknown action type ${JSON.stringify(a.type)}`;
}

/** Plain data for the run-queue: JSON in, JSON out (no undefined, no prototypes). */
const asData = v => JSON.parse(JSON.stringify(v));

/**
 * @param {object} opts
 * @param {string} opts.stateDir AGVM_STATE_DIR
 * @param {Record<string, object>} opts.bundles from bundles.js loadBundles()
 * @param {(method: string, params: object) => unknown} opts.callAgd calls
 *   agd and blocks until it answers: returns the result or throws
 * @param {{write(type: string, fields?: object): void, writeEntry(entry: object): void}} [opts.slog]
 * @param {ReturnType<import('./faults.js').makeFaults>} [opts.faults]
 * @param {(msg: string) => void} [opts.log]
 */
export function makeHost({
  stateDir,
  bundles,
  callAgd,
  slog = { write() {}, writeEntry() {} },
  faults = NO_FAULTS,
  log = () => {},
}) {
  // 'uninit' until swingset.Init; then idle/begun/executing/ended per block;
  // 'failed' if a block's execution threw (agd must not commit it).
  let phase = 'uninit';
  let chainID;
  let kernelHeight = 0;
  let shuttingDown = false;
  let swingStore = null;
  let controller = null;
  let block = null;
  // Knows each xsnap worker's pid and vat, to name one that dies.
  const workers = makeWorkerTracker();

  // One bridge per controller: a bridge device's inbound callback can be
  // registered once, and swingset.Restore starts a second controller.
  const makeBridge = () =>
    buildBridge((channel, msg) => {
      if (channel !== 'agd' || msg === null || typeof msg !== 'object') {
        throw Error(`bridge: unknown outbound ${JSON.stringify(channel)}`);
      }
      return callFromVat(msg.method, msg.params);
    });
  let bridge = null;

  const hostKV = () => swingStore.hostStorage.kvStore;

  /** An error only logged: agd counts its slog entry (slog.js ERROR_ENTRY). */
  function unpropagated(site, message) {
    log(message);
    slog.write(ERROR_ENTRY, { site, error: message });
  }

  function requirePhase(expected, method) {
    if (phase === 'uninit') throw new RpcError(ErrorCodes.INTERNAL_ERROR, `${method} before swingset.Init`);
    if (phase !== expected) {
      const what = block ? `block ${block.height} is ${phase}` : `kernel is ${phase}`;
      throw new RpcError(ErrorCodes.INTERNAL_ERROR, `${method} not allowed now: ${what}`);
    }
  }

  function requireBlockHeight(method, height) {
    if (height !== block.height) {
      throw new RpcError(ErrorCodes.HEIGHT_MISMATCH, `height mismatch: ${method}(${height}) but block in progress is ${block.height}`);
    }
  }

  // ---- kernel → agd ----

  /**
   * A vat's call to agd, answered {result} or {error: message}: agd's
   * refusals are outcomes the vat handles (an insufficient escrow), not
   * faults of the kernel. State-changing calls agd accepted are recorded in
   * the block for replay.
   */
  function callFromVat(method, params) {
    const isChainSend = CHAIN_SEND_METHODS.includes(method);
    if (!isChainSend && !QUERY_METHODS.includes(method)) return { error: `${method} is not a kernel→agd method` };
    if (phase !== 'executing') {
      const when = block ? `block ${block.height} is ${phase}` : `the kernel is ${phase}`;
      return { error: `${method}: vats may call agd only while a block executes; ${when}` };
    }
    let result;
    try {
      result = callAgd(method, params) ?? null;
    } catch (e) {
      // vstorage writers (the bootstrap vat's outcomes) do not look at the
      // answer: only agd can learn of such a failure.
      if (method === 'vstorage.Set' || method === 'vstorage.Append') {
        unpropagated('chain_send', `block ${block.height}: ${method} failed: ${e.message}`);
      }
      return { error: e.message };
    }
    if (isChainSend) block.chainSends.push({ method, params, result });
    return { result };
  }

  // ---- the block's work ----

  /**
   * The block crank: a host-level crank (as the kernel's own installBundle
   * does) writing agvm.blockHeight, so every block changes the activityhash
   * and the divergeAtHeight fault has a crank to diverge in.
   */
  function blockCrank(height) {
    const { kernelStorage } = swingStore;
    const crankNum = Number(kernelStorage.kvStore.get('crankNumber'));
    slog.write('crank-start', { blockHeight: height, crankNum, crankType: 'block', vatID: null, deliveryNum: null });
    kernelStorage.startCrank();
    let hashes;
    try {
      kernelStorage.kvStore.set('agvm.blockHeight', String(height));
      if (faults.divergeAt(height)) {
        log(`AGVM_TEST_FAULTS: diverging at height ${height} (extra kv change in the block crank)`);
        kernelStorage.kvStore.set('fault.injected', String(height));
      }
      hashes = kernelStorage.emitCrankHashes();
    } finally {
      kernelStorage.endCrank();
    }
    slog.write('crank-finish', {
      blockHeight: height,
      crankNum,
      crankType: 'block',
      vatID: null,
      deliveryNum: null,
      crankhash: hashes.crankhash,
      activityhash: hashes.activityhash,
    });
  }

  /** Puts the block's actions on the run-queue (or publishes why not). */
  async function queueActions(height, actions) {
    const publishError = (kind, id, message) =>
      controller.queueToVatRoot('bootstrap', 'publishError', [kind, String(id), message], 'logFailure');
    for (const [index, action] of actions.entries()) {
      const bad = action === null || typeof action !== 'object' ? 'action is not an object' : badAction(action);
      if (bad) {
        slog.write('action-rejected', { blockHeight: height, index, error: bad });
        const kind = action?.type === 'INSTALL_BUNDLE' ? 'install' : action?.type === 'DELIVER_INBOUND' ? 'deliver' : 'rejected';
        publishError(kind, kind === 'rejected' || action?.id === undefined ? `${height}-${index}` : action.id, bad);
        continue;
      }
      const meta = { id: String(action.id), sender: String(action.sender ?? ''), blockHeight: action.blockHeight ?? height };
      if (action.type === 'INSTALL_BUNDLE') {
        const { moduleFormat, endoZipBase64, endoZipBase64Sha512 } = action.bundle;
        let bundleID;
        try {
          // checks the zip against endoZipBase64Sha512 and stores it
          bundleID = await controller.validateAndInstallBundle(harden({ moduleFormat, endoZipBase64, endoZipBase64Sha512 }));
        } catch (e) {
          publishError('install', meta.id, `bad bundle: ${e.message}`);
          continue;
        }
        controller.queueToVatRoot('bootstrap', 'install', [meta, bundleID], 'logFailure');
      } else {
        const delivery = asData({ ...meta, target: action.target, method: action.method, args: action.args, funds: action.funds });
        try {
          // 'none': no result promise. deliver() publishes every outcome
          // itself and never rejects, so a result would only cost the
          // bootstrap vat a resolve syscall and the kernel a promise per
          // action (8% of a bump's computrons, measured by bench.js).
          controller.queueToVatRoot('bootstrap', 'deliver', [delivery], 'none');
        } catch (e) {
          publishError('deliver', meta.id, `cannot queue the delivery: ${e.message}`);
        }
      }
    }
  }

  async function executeBlock(b, params, actions) {
    blockCrank(b.height);
    for (const update of b.balanceUpdates) {
      bridge.deliverInbound('bank', { type: 'VBANK_BALANCE_UPDATE', ...update });
    }
    await queueActions(b.height, actions);
    const { blockComputronLimit, vatCreationComputrons } = readBlockParams(params.params);
    const policy = makeComputronPolicy(blockComputronLimit, vatCreationComputrons);
    const cranks = await controller.run(policy);
    slog.write('cosmic-swingset-run-finish', {
      blockHeight: b.height,
      cranks,
      computrons: String(policy.used()),
      budgetExhausted: policy.exhausted(),
    });
    if (policy.exhausted()) log(`block ${b.height}: computron budget used up after ${cranks} cranks; the rest carries over`);
    return controller.getActivityhash();
  }

  // ---- lifecycle methods ----

  async function startController() {
    const { kernelStorage } = swingStore;
    bridge = makeBridge();
    controller = await makeSwingsetController(
      kernelStorage,
      { bridge: { ...bridge.endowments } },
      {
        env: {},
        kernelBundle: bundles.kernel,
        slogSender: entry => slog.writeEntry(entry),
        spawn: workers.spawn,
        // At start the kernel brings back maxVatsOnline/2 vats one after the
        // other; 10 keeps that to the built-in ones so a restart is ready in
        // seconds however many contracts exist (the rest start on first use).
        warehousePolicy: { maxVatsOnline: 10 },
      },
    );
  }

  async function init(params) {
    if (params.protocolVersion !== PROTOCOL_VERSION) {
      throw invalidParams(`unsupported protocolVersion ${JSON.stringify(params.protocolVersion)}; this kernel speaks ${PROTOCOL_VERSION}`);
    }
    const givenChainID = requireString(params, 'chainID');
    const cosmosHeight = requireHeight(params, 'cosmosHeight');
    if (typeof params.isBootstrap !== 'boolean') throw invalidParams('isBootstrap must be a boolean');
    if (phase !== 'uninit') throw new RpcError(ErrorCodes.INTERNAL_ERROR, `swingset.Init twice`);

    fs.mkdirSync(swingStorePath(stateDir), { recursive: true });
    swingStore = openSwingStore(swingStorePath(stateDir));
    const { kernelStorage, hostStorage } = swingStore;
    const storedChainID = hostStorage.kvStore.get('host.chainID');
    if (storedChainID !== undefined && storedChainID !== givenChainID) {
      throw new RpcError(
        ErrorCodes.INTERNAL_ERROR,
        `chain id mismatch: kernel database is for chain ${JSON.stringify(storedChainID)}, agd says ${JSON.stringify(givenChainID)}`,
      );
    }
    if (!swingsetIsInitialized(kernelStorage)) {
      if (!params.isBootstrap) {
        throw new RpcError(ErrorCodes.INTERNAL_ERROR, `kernel database is empty but agd is not bootstrapping (cosmosHeight ${cosmosHeight})`);
      }
      log(`bootstrap: initialising SwingSet for chain ${givenChainID}`);
      const t0 = performance.now();
      await initializeSwingset(
        swingsetConfig(bundles),
        [],
        kernelStorage,
        { kernelBundles: bundles, addComms: false, addVattp: false, addTimer: false },
        { env: {} },
      );
      await startController();
      controller.pinVatRoot('bootstrap');
      // The bootstrap vat wires the vats together; it calls agd for nothing
      // (it could not: no block executes).
      await controller.run();
      hostStorage.kvStore.set('host.chainID', givenChainID);
      hostStorage.kvStore.set('host.kernelHeight', '0');
      await hostStorage.commit();
      log(`bootstrap done in ${Math.round(performance.now() - t0)} ms, activityhash ${controller.getActivityhash()}`);
    } else {
      try {
        requireOwnBuiltinVats(kernelStorage.kvStore, bundles);
      } catch (e) {
        throw new RpcError(ErrorCodes.INTERNAL_ERROR, e.message);
      }
      await startController();
    }
    chainID = givenChainID;
    kernelHeight = Number(hostStorage.kvStore.get('host.kernelHeight') ?? '0');
    phase = 'idle';
    const activityHash = controller.getActivityhash();
    log(`init: chain ${chainID} cosmosHeight ${cosmosHeight} kernelHeight ${kernelHeight}`);
    // Only report: agd decides whether the two heights are compatible.
    return { protocolVersion: PROTOCOL_VERSION, kernelHeight, activityHash };
  }

  function beginBlock(params) {
    if (shuttingDown) throw new RpcError(ErrorCodes.SHUTTING_DOWN, 'shutting down');
    const height = requireHeight(params, 'blockHeight');
    const blockTime = requireHeight(params, 'blockTime');
    const givenChainID = requireString(params, 'chainID');
    requirePhase('idle', 'swingset.BeginBlock');
    if (givenChainID !== chainID) {
      throw invalidParams(`chain id mismatch: BeginBlock for ${JSON.stringify(givenChainID)}, kernel is on ${JSON.stringify(chainID)}`);
    }
    let replay = null;
    if (height === kernelHeight + 1) {
      // the normal case
    } else if (height === kernelHeight && height > 0) {
      const saved = hostKV().get(`host.block.${height}`);
      if (!saved) {
        throw new RpcError(ErrorCodes.HEIGHT_MISMATCH, `height mismatch: cannot replay block ${height}: no saved record for it`);
      }
      replay = JSON.parse(saved);
      log(`replaying block ${height} (committed by the kernel, not by agd)`);
    } else {
      throw new RpcError(
        ErrorCodes.HEIGHT_MISMATCH,
        `height mismatch: BeginBlock(${height}) but the kernel's committed height is ${kernelHeight} (expected ${kernelHeight + 1}, or ${kernelHeight} to replay)`,
      );
    }
    block = { height, time: blockTime, balanceUpdates: [], invalid: null, replay, chainSends: [], activityHash: undefined };
    phase = 'begun';
    slog.write('cosmic-swingset-begin-block', { blockHeight: height, blockTime });
    return null;
  }

  function balanceUpdate(params) {
    requirePhase('begun', 'vbank.BalanceUpdate');
    if (block.replay) return null; // applied when the block first ran
    const { updates } = params;
    if (!Array.isArray(updates)) {
      block.invalid ??= `BalanceUpdate nonce ${params.nonce}: updates is not an array`;
      return null;
    }
    const clean = [];
    for (const u of updates) {
      const bad = badBalanceUpdate(u);
      if (bad) {
        // Cannot answer a notification; fail this block's EndBlock instead.
        block.invalid ??= `BalanceUpdate nonce ${params.nonce}: ${bad}`;
        continue;
      }
      clean.push({ address: u.address, denom: u.denom, amount: u.amount });
    }
    block.balanceUpdates.push({ nonce: params.nonce ?? null, updates: clean });
    return null;
  }

  /**
   * Names the workers that died by a signal the kernel did not send, or
   * null. A run can fail on the worker's closed pipe a moment before Node
   * reports its exit, so after a failed run (waitForExit) it waits up to
   * WORKER_EXIT_WAIT_MS for that report. A death by SIGTERM/SIGINT may be
   * agd's stop reaching the worker before the kernel's own handler has run:
   * it waits a moment for that too, then leaves such deaths out once the
   * kernel is shutting down.
   */
  async function unexpectedWorkerDeaths(waitForExit) {
    const deadline = performance.now() + WORKER_EXIT_WAIT_MS;
    while (waitForExit && workers.deaths().length === 0 && workers.anyAlive() && performance.now() < deadline) {
      await sleep(20);
    }
    const byShutdownSignal = d => SHUTDOWN_SIGNALS.includes(d.signal);
    if (!shuttingDown && workers.deaths().some(byShutdownSignal)) await sleep(200);
    const deaths = workers.deaths().filter(d => !(shuttingDown && byShutdownSignal(d)));
    return deaths.length ? describeDeaths(deaths) : null;
  }

  /**
   * The error EndBlock(height) fails with when a worker died unexpectedly:
   * the pid and vat first (SwingSet's own text, e.g. "v3:bank exited due to
   * signal SIGKILL", names no pid), then the cause if the run failed.
   */
  const workerDeathError = (height, dead, cause) =>
    Error(`${dead}; the kernel will not commit block ${height}${cause ? `: ${cause.message}` : ''}`, cause ? { cause } : undefined);

  async function endBlock(params) {
    const height = requireHeight(params, 'blockHeight');
    const blockTime = requireHeight(params, 'blockTime');
    const { actions = [] } = params;
    if (!Array.isArray(actions)) throw invalidParams('actions must be an array');
    try {
      readBlockParams(params.params);
    } catch (e) {
      throw invalidParams(e.message);
    }
    requirePhase('begun', 'swingset.EndBlock');
    requireBlockHeight('EndBlock', height);
    if (block.invalid) {
      phase = 'failed';
      throw invalidParams(block.invalid);
    }
    slog.write('cosmic-swingset-end-block-start', { blockHeight: height, blockTime, actions: actions.length });
    const b = block;
    phase = 'executing';
    try {
      if (b.replay) {
        // Re-send what the original execution sent, in order, so agd's state
        // catches up exactly; run nothing again.
        for (const { method, params: p, result } of b.replay.chainSends) {
          const again = callAgd(method, p);
          if (JSON.stringify(again ?? null) !== JSON.stringify(result ?? null)) {
            unpropagated('replay_mismatch', `warning: replayed ${method} answered ${JSON.stringify(again)}, originally ${JSON.stringify(result)}`);
          }
        }
        b.activityHash = b.replay.activityHash;
      } else {
        b.activityHash = await executeBlock(b, params, actions);
      }
    } catch (e) {
      phase = 'failed';
      log(`block ${height} failed: ${e.stack ?? e.message}`);
      const dead = await unexpectedWorkerDeaths(true);
      throw dead ? workerDeathError(height, dead, e) : e;
    }
    // A worker killed from outside, even one idle in this block, is no vat
    // outcome: stop rather than answer, so nothing of the block is
    // committed; the next start brings the vat back from its transcript.
    if (workers.deaths().length) {
      const dead = await unexpectedWorkerDeaths(false);
      if (dead) {
        phase = 'failed';
        throw workerDeathError(height, dead, null);
      }
    }
    phase = 'ended';
    slog.write('cosmic-swingset-end-block-finish', { blockHeight: height, blockTime, activityHash: b.activityHash });
    if (faults.malformedAt(height)) {
      log(`AGVM_TEST_FAULTS: answering EndBlock(${height}) with a non-JSON line`);
      return new RawLine(`AGVM_TEST_FAULTS malformed EndBlock(${height}) response`);
    }
    return { activityHash: b.activityHash };
  }

  async function commit(params) {
    // Checked first: after SIGTERM nothing more may become durable.
    if (shuttingDown) throw new RpcError(ErrorCodes.SHUTTING_DOWN, 'shutting down');
    const height = requireHeight(params, 'blockHeight');
    requirePhase('ended', 'swingset.Commit');
    requireBlockHeight('Commit', height);
    const b = block;
    slog.write('cosmic-swingset-commit-block-start', { blockHeight: height, blockTime: b.time });
    if (!b.replay) {
      const kv = hostKV();
      kv.set(`host.block.${height}`, JSON.stringify({ activityHash: b.activityHash, chainSends: b.chainSends }));
      kv.delete(`host.block.${height - KEEP_BLOCK_RECORDS}`);
      kv.set('host.kernelHeight', String(height));
      faults.maybeExit(height, 'commit-before');
      await swingStore.hostStorage.commit();
      faults.maybeExit(height, 'commit-after');
      kernelHeight = height;
      await faults.maybeHold(height);
    }
    block = null;
    phase = 'idle';
    slog.write('cosmic-swingset-commit-block-finish', { blockHeight: height, blockTime: b.time });
    return { kernelHeight };
  }

  /** Stops the vat workers and closes the store without committing. */
  async function closeKernel() {
    const [c, store] = [controller, swingStore];
    controller = null;
    swingStore = null;
    try {
      await c?.shutdown();
    } finally {
      await store?.hostStorage.close();
    }
  }

  /**
   * swingset.Restore: a node that joined by state sync swaps the swing-store
   * agd imported from the snapshot (src/kernel-db.js) in for its own. Only a
   * kernel that has committed no block may be replaced, so nothing a chain
   * ran is ever thrown away; the replaced store is kept until the new one
   * opened, and put back if it does not.
   */
  async function restore(params) {
    const height = requireHeight(params, 'blockHeight');
    const from = requireString(params, 'swingStore');
    requirePhase('idle', 'swingset.Restore');
    if (kernelHeight !== 0) {
      throw new RpcError(ErrorCodes.INTERNAL_ERROR, `refusing to replace a kernel that has committed block ${kernelHeight}; only a fresh kernel is restored`);
    }
    if (!fs.existsSync(from)) throw invalidParams(`swingStore ${from} does not exist`);
    const live = swingStorePath(stateDir);
    const aside = `${live}.replaced`;
    const open = async () => {
      swingStore = openSwingStore(live);
      const stored = swingStore.hostStorage.kvStore.get('host.kernelHeight');
      if (stored !== String(height)) throw Error(`restored kernel store is at height ${stored}, not ${height}`);
      const storedChainID = swingStore.hostStorage.kvStore.get('host.chainID');
      if (storedChainID !== undefined && storedChainID !== chainID) {
        throw Error(`restored kernel store is for chain ${JSON.stringify(storedChainID)}, not ${JSON.stringify(chainID)}`);
      }
      requireOwnBuiltinVats(swingStore.kernelStorage.kvStore, bundles);
      await startController();
    };
    await closeKernel();
    fs.rmSync(aside, { recursive: true, force: true });
    fs.renameSync(live, aside);
    try {
      fs.renameSync(from, live);
      await open();
    } catch (e) {
      log(`restore of height ${height} failed, putting the previous store back: ${e.message}`);
      await closeKernel().catch(() => {});
      if (fs.existsSync(live)) fs.renameSync(live, from);
      fs.renameSync(aside, live);
      swingStore = openSwingStore(live);
      await startController();
      throw new RpcError(ErrorCodes.INTERNAL_ERROR, `restore failed: ${e.message}`);
    }
    fs.rmSync(aside, { recursive: true, force: true });
    kernelHeight = height;
    const activityHash = controller.getActivityhash();
    log(`restored: kernelHeight ${kernelHeight} activityhash ${activityHash}`);
    return { kernelHeight, activityHash };
  }

  const methods = {
    'swingset.Init': init,
    'swingset.BeginBlock': beginBlock,
    'vbank.BalanceUpdate': balanceUpdate,
    'swingset.EndBlock': endBlock,
    'swingset.Commit': commit,
    'swingset.Restore': restore,
  };

  return {
    /** Dispatch one agd→kernel request or notification. */
    handle(method, params) {
      const fn = Object.hasOwn(methods, method) ? methods[method] : undefined;
      if (!fn) throw new RpcError(ErrorCodes.METHOD_NOT_FOUND, `method not found: ${method}`);
      return fn(params);
    },
    /** SIGTERM/SIGINT: refuse every later BeginBlock and Commit. */
    shutdown() {
      shuttingDown = true;
    },
    /** Stops the vat workers and closes the store without committing. */
    close: closeKernel,
    get shuttingDown() {
      return shuttingDown;
    },
    get phase() {
      return phase;
    },
    get kernelHeight() {
      return kernelHeight;
    },
    get controller() {
      return controller;
    },
  };
}
