// The kernel's block state machine, free of I/O: it is given a store
// (store.js), a `callAgd(method, params)` function for kernel→agd requests
// and a slogger, and answers the lifecycle methods of PROTOCOL.md.
//
// Life of a block H:
//   idle --BeginBlock(H)--> begun --EndBlock(H)--> ended --Commit(H)--> idle
// EndBlock executes the block's cranks (swingset.js) into an in-memory
// change list (nothing touches the database); Commit writes it in one
// transaction. A crash anywhere before that transaction loses block H
// entirely, which is what agd expects.
//
// Replay: if the kernel committed H but agd crashed before committing H,
// agd restarts at H-1 and sends block H again (BeginBlock(H) with
// H == kernelHeight). The kernel must not execute it twice: EndBlock returns
// the activityHash saved for H and re-sends, in order, the state-changing
// calls it made to agd while executing H ("chain sends"), so agd's state
// catches up exactly; Commit then changes nothing.

import { RpcError, ErrorCodes, RawLine } from './jsonrpc.js';
import { NO_FAULTS } from './faults.js';
import { makeSwingset, DEFAULT_MAX_CRANKS_PER_BLOCK } from './swingset.js';
import { DEFAULT_MAX_BUNDLE_BYTES } from './vat-loader.js';

export const PROTOCOL_VERSION = 1;

/** Kernel→agd calls that change agd's state: recorded and replayed. */
export const CHAIN_SEND_METHODS = Object.freeze([
  'vbank.Give',
  'vbank.Grab',
  'vstorage.Set',
  'vstorage.Append',
]);
/** Kernel→agd calls that only read: never recorded. */
export const QUERY_METHODS = Object.freeze(['vbank.GetBalance', 'vstorage.Get', 'vstorage.Children']);

const AMOUNT_RE = /^[0-9]+$/;

function invalidParams(message) {
  return new RpcError(ErrorCodes.INVALID_PARAMS, message);
}

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

/**
 * @param {object} opts
 * @param {ReturnType<import('./store.js').openStore>} opts.store
 * @param {(method: string, params: object) => Promise<unknown>} opts.callAgd
 * @param {{write(type: string, fields?: object): void}} [opts.slog]
 * @param {ReturnType<import('./faults.js').makeFaults>} [opts.faults]
 * @param {(msg: string) => void} [opts.log]
 * @param {Array<{name: string, source: string, storageRoot: string}>} [opts.builtinVats]
 *   created on the chain's first block (builtin-vats.js)
 * @param {number} [opts.maxCranksPerBlock] run-queue cranks per block; it
 *   decides which cranks land in which block, so it must be equal on every
 *   validator. swingset.Init's optional `maxCranksPerBlock` overrides it.
 * @param {number} [opts.maxBundleBytes]
 */
export function makeKernel({
  store,
  callAgd,
  slog = { write() {} },
  faults = NO_FAULTS,
  log = () => {},
  builtinVats = [],
  maxCranksPerBlock = DEFAULT_MAX_CRANKS_PER_BLOCK,
  maxBundleBytes = DEFAULT_MAX_BUNDLE_BYTES,
}) {
  // 'uninit' until swingset.Init; then idle/begun/executing/ended per block;
  // 'failed' if a block's execution threw (agd must not commit it).
  let phase = 'uninit';
  let chainID;
  let kernelHeight = 0;
  let activityHash = '';
  let shuttingDown = false;
  let swingset = null; // made at Init, which may set the crank budget

  /**
   * The block in progress:
   * {height, time, balanceUpdates, invalid, replay?: record,
   *  overlay: Map, changes: [], chainSends: [], activityHash?}
   */
  let block = null;

  function requirePhase(expected, method) {
    if (phase === 'uninit') {
      throw new RpcError(ErrorCodes.INTERNAL_ERROR, `${method} before swingset.Init`);
    }
    if (phase !== expected) {
      const what = block ? `block ${block.height} is ${phase}` : `kernel is ${phase}`;
      throw new RpcError(ErrorCodes.INTERNAL_ERROR, `${method} not allowed now: ${what}`);
    }
  }

  function requireBlockHeight(method, height) {
    if (height !== block.height) {
      throw new RpcError(
        ErrorCodes.HEIGHT_MISMATCH,
        `height mismatch: ${method}(${height}) but block in progress is ${block.height}`,
      );
    }
  }

  // ---- kv access for block execution (reads see this block's writes) ----

  // Committed values read before, so every crank does not go to sqlite for
  // the same vat records; kept equal to the database at each Commit and
  // dropped whole when it grows large. Only a cache: never consensus.
  const CACHE_MAX = 100_000;
  let committed = new Map();
  function committedGet(key) {
    if (committed.has(key)) return committed.get(key);
    const v = store.kvGet(key);
    if (committed.size >= CACHE_MAX) committed = new Map();
    committed.set(key, v);
    return v;
  }

  function kvGet(key) {
    if (block && block.overlay.has(key)) {
      const v = block.overlay.get(key);
      return v === null ? undefined : v;
    }
    return committedGet(key);
  }

  function kvSet(key, value) {
    if (phase !== 'executing') throw Error(`kvSet(${key}) outside block execution`);
    if (typeof value !== 'string') throw TypeError(`kv value for ${key} must be a string`);
    block.overlay.set(key, value);
    block.changes.push([key, value]);
  }

  function kvDelete(key) {
    if (phase !== 'executing') throw Error(`kvDelete(${key}) outside block execution`);
    block.overlay.set(key, null);
    block.changes.push([key, null]);
  }

  // ---- kernel → agd calls ----

  /**
   * A state-changing call to agd, made while executing a block. It is
   * recorded in the block's per-height record so that a replay of this block
   * can re-send it identically. Future vat/device code calls this.
   */
  async function chainSend(method, params) {
    if (!CHAIN_SEND_METHODS.includes(method)) {
      throw Error(`chainSend: ${method} is not a state-changing agd call`);
    }
    if (phase !== 'executing' || block.replay) {
      throw new RpcError(ErrorCodes.NO_BLOCK_IN_PROGRESS, `${method} outside swingset.EndBlock`);
    }
    // Snapshot the params now: the caller may mutate its object later.
    const sent = JSON.parse(JSON.stringify(params));
    const b = block;
    const result = await callAgd(method, sent);
    // Only calls agd accepted changed its state, so only those are replayed.
    b.chainSends.push({ method, params: sent, result: result === undefined ? null : result });
    return result;
  }

  /** A read-only call to agd: not recorded, never replayed. */
  async function queryAgd(method, params) {
    if (!QUERY_METHODS.includes(method)) throw Error(`queryAgd: ${method} is not a read-only agd call`);
    if (phase !== 'executing') {
      throw new RpcError(ErrorCodes.NO_BLOCK_IN_PROGRESS, `${method} outside swingset.EndBlock`);
    }
    return callAgd(method, params);
  }

  // ---- the block's work ----

  /**
   * Run block b's cranks. Depends only on the committed state and the
   * block's inputs (never on blockTime or a clock); crank hashing and the
   * activityHash chain live in swingset.js.
   */
  async function executeBlock(b, actions) {
    const diverge = faults.divergeAt(b.height);
    if (diverge) log(`AGVM_TEST_FAULTS: diverging at height ${b.height} (extra kv change in the block crank)`);
    const r = await swingset.runBlock({
      height: b.height,
      activityHash,
      balanceUpdates: b.balanceUpdates,
      actions,
      kv: { get: kvGet, set: kvSet, delete: kvDelete },
      chainSend,
      queryAgd,
      diverge,
    });
    if (r.queued > 0) log(`block ${b.height}: ${r.cranks} cranks, ${r.queued} deliveries carried over`);
    return r.activityHash;
  }

  // ---- lifecycle methods ----

  function init(params) {
    if (params.protocolVersion !== PROTOCOL_VERSION) {
      throw invalidParams(
        `unsupported protocolVersion ${JSON.stringify(params.protocolVersion)}; this kernel speaks ${PROTOCOL_VERSION}`,
      );
    }
    const givenChainID = requireString(params, 'chainID');
    const cosmosHeight = requireHeight(params, 'cosmosHeight');
    if (typeof params.isBootstrap !== 'boolean') throw invalidParams('isBootstrap must be a boolean');
    let budget = maxCranksPerBlock;
    if (params.maxCranksPerBlock !== undefined) {
      if (!Number.isSafeInteger(params.maxCranksPerBlock) || params.maxCranksPerBlock < 1) {
        throw invalidParams('maxCranksPerBlock must be a positive integer');
      }
      budget = params.maxCranksPerBlock;
    }
    if (phase !== 'uninit' && phase !== 'idle') {
      throw new RpcError(ErrorCodes.INTERNAL_ERROR, `swingset.Init while block ${block?.height} is ${phase}`);
    }

    let state = store.getState();
    if (state.chainID === undefined) {
      if (params.isBootstrap) {
        log(`bootstrap: initialising empty kernel database for chain ${givenChainID}`);
        store.initialize(givenChainID);
        state = store.getState();
      } else {
        log(`warning: kernel database is empty but agd is not bootstrapping (cosmosHeight ${cosmosHeight})`);
      }
    } else if (state.chainID !== givenChainID) {
      throw new RpcError(
        ErrorCodes.INTERNAL_ERROR,
        `chain id mismatch: kernel database is for chain ${JSON.stringify(state.chainID)}, agd says ${JSON.stringify(givenChainID)}`,
      );
    }
    chainID = givenChainID;
    swingset = makeSwingset({ slog, builtinVats, maxCranksPerBlock: budget, maxBundleBytes });
    kernelHeight = state.kernelHeight;
    activityHash = state.activityHash;
    phase = 'idle';
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
      replay = store.getBlockRecord(height);
      if (!replay) {
        throw new RpcError(
          ErrorCodes.HEIGHT_MISMATCH,
          `height mismatch: cannot replay block ${height}: no saved record for it`,
        );
      }
      log(`replaying block ${height} (committed by the kernel, not by agd)`);
    } else {
      throw new RpcError(
        ErrorCodes.HEIGHT_MISMATCH,
        `height mismatch: BeginBlock(${height}) but the kernel's committed height is ${kernelHeight} (expected ${kernelHeight + 1}, or ${kernelHeight} to replay)`,
      );
    }
    block = {
      height,
      time: blockTime,
      balanceUpdates: [],
      invalid: null,
      replay,
      overlay: new Map(),
      changes: [],
      chainSends: [],
      activityHash: undefined,
    };
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
    // One bank-vat delivery per notification, in arrival order.
    block.balanceUpdates.push({ nonce: params.nonce ?? null, updates: clean });
    return null;
  }

  async function endBlock(params) {
    const height = requireHeight(params, 'blockHeight');
    const blockTime = requireHeight(params, 'blockTime');
    const { actions = [] } = params;
    if (!Array.isArray(actions)) throw invalidParams('actions must be an array');
    requirePhase('begun', 'swingset.EndBlock');
    requireBlockHeight('EndBlock', height);
    if (block.invalid) {
      phase = 'failed';
      throw invalidParams(block.invalid);
    }
    slog.write('cosmic-swingset-end-block-start', { blockHeight: height, blockTime });
    const b = block;
    phase = 'executing';
    try {
      if (b.replay) {
        // Re-send what the original execution sent, in order, so agd's state
        // catches up exactly; do not execute anything again.
        for (const { method, params: p, result } of b.replay.chainSends) {
          const again = await callAgd(method, p);
          if (JSON.stringify(again ?? null) !== JSON.stringify(result ?? null)) {
            log(`warning: replayed ${method} answered ${JSON.stringify(again)}, originally ${JSON.stringify(result)}`);
          }
        }
        b.activityHash = b.replay.activityHash;
      } else {
        b.activityHash = await executeBlock(b, actions);
      }
    } catch (e) {
      phase = 'failed';
      throw e;
    }
    phase = 'ended';
    slog.write('cosmic-swingset-end-block-finish', {
      blockHeight: height,
      blockTime,
      activityHash: b.activityHash,
    });
    if (faults.malformedAt(height)) {
      log(`AGVM_TEST_FAULTS: answering EndBlock(${height}) with a non-JSON line`);
      return new RawLine(`AGVM_TEST_FAULTS malformed EndBlock(${height}) response`);
    }
    return { activityHash: b.activityHash };
  }

  function commit(params) {
    // Checked first: after SIGTERM nothing more may become durable.
    if (shuttingDown) throw new RpcError(ErrorCodes.SHUTTING_DOWN, 'shutting down');
    const height = requireHeight(params, 'blockHeight');
    requirePhase('ended', 'swingset.Commit');
    requireBlockHeight('Commit', height);
    const b = block;
    slog.write('cosmic-swingset-commit-block-start', { blockHeight: height, blockTime: b.time });
    if (!b.replay) {
      store.commitBlock(
        {
          height,
          activityHash: b.activityHash,
          // Only each key's last value matters on disk: a block of many
          // cranks rewrites runQueue.head, kernel.crankNum, ... every crank.
          changes: [...new Map(b.changes)],
          chainSends: b.chainSends,
        },
        () => faults.maybeExit(height, 'commit-before'),
      );
      for (const [key, value] of b.changes) {
        if (committed.has(key)) committed.set(key, value === null ? undefined : value);
      }
      faults.maybeExit(height, 'commit-after');
      kernelHeight = height;
      activityHash = b.activityHash;
    }
    block = null;
    phase = 'idle';
    slog.write('cosmic-swingset-commit-block-finish', { blockHeight: height, blockTime: b.time });
    return { kernelHeight };
  }

  const methods = {
    'swingset.Init': init,
    'swingset.BeginBlock': beginBlock,
    'vbank.BalanceUpdate': balanceUpdate,
    'swingset.EndBlock': endBlock,
    'swingset.Commit': commit,
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
    get shuttingDown() {
      return shuttingDown;
    },
    get phase() {
      return phase;
    },
    get kernelHeight() {
      return kernelHeight;
    },
    get activityHash() {
      return activityHash;
    },
    chainSend,
    queryAgd,
    kvGet,
    kvSet,
    kvDelete,
  };
}
