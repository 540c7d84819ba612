// The swingset kernel proper: turns one block's inputs into cranks.
//
// A block runs, in order:
//   1. the block crank (kernel only): `block.lastHeight`, the built-in vats on
//      the chain's first block, the block's actions appended to the run-queue
//      (or published as rejected), and the divergeAtHeight test fault;
//   2. one delivery crank to the `bank` vat per vbank.BalanceUpdate of the
//      block (inbound mirror updates are not queued behind a backlog);
//   3. cranks from the head of the persistent run-queue, at most
//      maxCranksPerBlock of them; the rest wait for the next block.
// Each crank runs in its own crank buffer (crank.js). At its end the buffer's
// changes go into the block, its crankhash is computed over them, and the
// activityHash advances: activityhash = SHA256(prev, crankhash), as in
// swing-store. The vstorage writes of all committed cranks are sent to agd in
// batches at the end of the block.
//
// Kernel kv layout (all consensus keys):
//   kernel.crankNum, kernel.bootstrapped, kernel.lastFailure, block.lastHeight
//   runQueue.head, runQueue.tail, runQueue.<n>       (runqueue.js)
//   vat.nextID, vat.name.<name> -> vatID
//   vat.<vatID>.bundle, .bundleHash, .options, .deliveryNum, .escrow.<denom>
//   vs.<vatID>.<key>                                  the vat's own store

import { createHash } from 'node:crypto';
import { makeCrankBuffer } from './crank.js';
import { nextActivityHash } from './hash.js';
import { compileBundle, BundleError, errorMessage, DEFAULT_MAX_BUNDLE_BYTES } from './vat-loader.js';
import { makeVatPowers, copyData } from './powers.js';
import * as runQueue from './runqueue.js';

export const DEFAULT_MAX_CRANKS_PER_BLOCK = 1000;
export const ACTION_INSTALL = 'INSTALL_BUNDLE';
export const ACTION_DELIVER = 'DELIVER_INBOUND';
// One vstorage.Set/Append call carries at most this much, far below the
// 64 MiB line limit.
const STORAGE_BATCH_ENTRIES = 1000;
const STORAGE_BATCH_BYTES = 8 * 1024 * 1024;

const sha256 = text => createHash('sha256').update(text, 'utf8').digest('hex');

/** An id or name made safe as one vstorage path segment. */
export function pathSegment(id) {
  const s = String(id).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
  return s === '' ? '_' : s;
}

/**
 * @param {object} opts
 * @param {{write(type: string, fields?: object): void}} opts.slog
 * @param {Array<{name: string, source: string, storageRoot: string}>} [opts.builtinVats]
 *   created, privileged, in the chain's first block, in this order
 * @param {number} [opts.maxCranksPerBlock] consensus-relevant: equal on every validator
 * @param {number} [opts.maxBundleBytes]
 */
export function makeSwingset({
  slog,
  builtinVats = [],
  maxCranksPerBlock = DEFAULT_MAX_CRANKS_PER_BLOCK,
  maxBundleBytes = DEFAULT_MAX_BUNDLE_BYTES,
}) {
  // vatID -> {bundleHash, instantiate}: evaluation cache only, never state.
  const compiled = new Map();
  // vatID -> {powers, cell}: a vat's hardened powers, made once (hardening is
  // the costliest part of a small delivery); cell.ctx is the running
  // delivery's context, null between deliveries, which revokes them.
  const vatPowers = new Map();
  function powersOf(vatID, options) {
    let p = vatPowers.get(vatID);
    if (!p) {
      const cell = { ctx: null };
      p = { cell, powers: makeVatPowers(vatID, options, () => cell.ctx) };
      vatPowers.set(vatID, p);
    }
    return p;
  }

  function instantiator(vatID, kv) {
    const bundleHash = kv.get(`vat.${vatID}.bundleHash`);
    const hit = compiled.get(vatID);
    if (hit && hit.bundleHash === bundleHash) return hit.instantiate;
    const instantiate = compileBundle(kv.get(`vat.${vatID}.bundle`), { maxBytes: Infinity });
    compiled.set(vatID, { bundleHash, instantiate });
    return instantiate;
  }

  /**
   * Run one block (not a replay).
   * @param {object} io
   * @param {number} io.height
   * @param {string} io.activityHash the previous one
   * @param {Array<{nonce: unknown, updates: object[]}>} io.balanceUpdates
   * @param {unknown[]} io.actions
   * @param {{get(k: string): string|undefined, set(k: string, v: string): void, delete(k: string): void}} io.kv
   *   the block's view of the kernel store
   * @param {(method: string, params: object) => Promise<unknown>} io.chainSend
   * @param {(method: string, params: object) => Promise<unknown>} io.queryAgd
   * @param {boolean} [io.diverge] test fault: an extra change in the block crank
   * @returns {Promise<{activityHash: string, cranks: number, queued: number}>}
   */
  async function runBlock(io) {
    const { height, kv, chainSend, queryAgd, balanceUpdates = [], actions = [], diverge = false } = io;
    let { activityHash } = io;
    let cranks = 0;
    /** vstorage writes of committed cranks, in order, sent at block end. */
    const storageOps = [];
    const storageSets = new Map();
    const storageAppended = new Map(); // path -> bytes appended this block

    function newCrank() {
      const buf = makeCrankBuffer(key => kv.get(key));
      const crankNum = Number(buf.get('kernel.crankNum') ?? '0') + 1;
      buf.set('kernel.crankNum', String(crankNum));
      return { buf, crankNum };
    }

    function commitCrank(buf, fields) {
      const crankhash = buf.crankhash();
      activityHash = nextActivityHash(activityHash, crankhash);
      for (const [key, value] of buf.changes) {
        if (value === null) kv.delete(key);
        else kv.set(key, value);
      }
      for (const op of buf.storageOps) {
        storageOps.push(op);
        if (op[0] === 'set') storageSets.set(op[1], op[2]);
        else storageAppended.set(op[1], (storageAppended.get(op[1]) ?? 0) + Buffer.byteLength(op[2], 'utf8'));
      }
      cranks += 1;
      slog.write('crank-finish', { ...fields, crankhash, activityhash: activityHash });
    }

    function publish(buf, kind, id, value) {
      buf.storageSet(`published.swingset.${kind}.${pathSegment(id)}`, JSON.stringify(value));
    }

    function createVat(buf, crankNum, { name = null, source, privileged, storageRoot = null }) {
      const n = Number(buf.get('vat.nextID') ?? '1');
      const vatID = `v${n}`;
      const bundleHash = sha256(source);
      const options = { name, privileged, storageRoot: storageRoot ?? `published.vats.${vatID}` };
      buf.set('vat.nextID', String(n + 1));
      buf.set(`vat.${vatID}.bundle`, source);
      buf.set(`vat.${vatID}.bundleHash`, bundleHash);
      buf.set(`vat.${vatID}.options`, JSON.stringify(options));
      buf.set(`vat.${vatID}.deliveryNum`, '0');
      if (name !== null) buf.set(`vat.name.${name}`, vatID);
      slog.write('create-vat', {
        blockHeight: height, crankNum, vatID, deliveryNum: 0, name, bundleHash, bundleBytes: Buffer.byteLength(source), ...options,
      });
      return { vatID, bundleHash };
    }

    /** An action -> a run-queue item, or {reject: message}. */
    function actionItem(a) {
      if (a === null || typeof a !== 'object' || Array.isArray(a)) return { reject: 'action is not an object' };
      const id = a.id ?? null;
      const sender = typeof a.sender === 'string' ? a.sender : null;
      if (a.type === ACTION_INSTALL) {
        if (typeof a.bundle !== 'string') return { reject: 'bundle must be a string', kind: 'install', id };
        const item = { type: 'install', id, sender, bundle: a.bundle };
        if (typeof a.bundleHash === 'string') item.bundleHash = a.bundleHash;
        return { item };
      }
      if (a.type === ACTION_DELIVER) {
        if (typeof a.target !== 'string' || a.target === '') return { reject: 'target must be a non-empty string', kind: 'deliver', id };
        if (typeof a.method !== 'string' || a.method === '') return { reject: 'method must be a non-empty string', kind: 'deliver', id };
        const args = a.args ?? [];
        if (!Array.isArray(args)) return { reject: 'args must be an array', kind: 'deliver', id };
        return { item: { type: 'deliver', id, sender, target: a.target, method: a.method, args } };
      }
      return { reject: `unknown action type ${JSON.stringify(a.type)}`, id };
    }

    // ---- 1. the block crank ----
    {
      const { buf, crankNum } = newCrank();
      const fields = { blockHeight: height, crankNum, crankType: 'block', vatID: null, deliveryNum: null };
      slog.write('crank-start', fields);
      buf.set('block.lastHeight', String(height));
      if (buf.get('kernel.bootstrapped') === undefined) {
        for (const v of builtinVats) {
          const instantiate = compileBundle(v.source, { maxBytes: Infinity }); // ours: must compile
          const { vatID, bundleHash } = createVat(buf, crankNum, { ...v, privileged: true });
          compiled.set(vatID, { bundleHash, instantiate });
        }
        buf.set('kernel.bootstrapped', String(height));
      }
      actions.forEach((a, index) => {
        const { item, reject, kind, id } = actionItem(a);
        if (item) {
          runQueue.enqueue(buf, item);
          return;
        }
        slog.write('action-rejected', { blockHeight: height, crankNum, index, error: reject });
        if (kind && id !== null) publish(buf, kind, id, { error: reject });
        else publish(buf, 'rejected', `${height}-${index}`, { error: reject });
      });
      if (diverge) buf.set('fault.injected', String(height));
      commitCrank(buf, { ...fields, outcome: 'ok' });
    }

    // ---- 2. balance updates to the bank vat ----
    for (const update of balanceUpdates) {
      await deliver({ type: 'deliver', id: null, target: 'bank', method: 'balanceUpdate', args: [update] }, false);
    }

    // ---- 3. the run-queue, within budget ----
    let budget = maxCranksPerBlock;
    while (budget > 0) {
      const item = runQueue.peek(kv);
      if (item === undefined) break;
      if (item.type === 'install') install(item);
      else await deliver(item, true);
      budget -= 1;
    }

    await flushStorage(storageOps, chainSend);
    return { activityHash, cranks, queued: runQueue.queueLength(kv) };

    // ---- crank kinds ----

    function install(item) {
      const { buf, crankNum } = newCrank();
      runQueue.dequeue(buf);
      const fields = { blockHeight: height, crankNum, crankType: 'install', vatID: null, deliveryNum: null };
      slog.write('crank-start', fields);
      slog.write('install', { ...fields, id: item.id, sender: item.sender, bundleBytes: Buffer.byteLength(item.bundle) });
      let outcome;
      try {
        const bundleHash = sha256(item.bundle);
        if (item.bundleHash !== undefined && item.bundleHash !== bundleHash) {
          throw new BundleError(`bundleHash ${item.bundleHash} does not match the bundle (${bundleHash})`);
        }
        const instantiate = compileBundle(item.bundle, { maxBytes: maxBundleBytes });
        const { vatID } = createVat(buf, crankNum, { source: item.bundle, privileged: false });
        compiled.set(vatID, { bundleHash, instantiate });
        fields.vatID = vatID;
        fields.deliveryNum = 0;
        outcome = { vatID };
      } catch (e) {
        // Whatever is wrong, it is the bundle's fault: publish, carry on.
        outcome = { error: errorMessage(e) };
      }
      slog.write('install-result', { ...fields, id: item.id, ...outcome });
      if (item.id !== null) publish(buf, 'install', item.id, outcome);
      commitCrank(buf, { ...fields, outcome: outcome.error ? 'error' : 'ok' });
    }

    async function deliver(item, fromQueue) {
      let { buf, crankNum } = newCrank();
      if (fromQueue) runQueue.dequeue(buf);
      const inbound = item.from === undefined;
      const publishOutcome = (b, outcome) => {
        if (inbound && item.id !== null && item.id !== undefined) publish(b, 'deliver', item.id, outcome);
      };
      const named = buf.get(`vat.name.${item.target}`);
      const vatID = named ?? (buf.get(`vat.${item.target}.bundleHash`) !== undefined ? item.target : null);
      if (vatID === null) {
        const fields = { blockHeight: height, crankNum, crankType: 'delivery', vatID: null, deliveryNum: null };
        slog.write('crank-start', fields);
        const error = `no vat ${JSON.stringify(item.target)}`;
        slog.write('deliver-result', { ...fields, dr: ['error', error] });
        publishOutcome(buf, { error });
        commitCrank(buf, { ...fields, outcome: 'error' });
        return;
      }
      const deliveryNum = Number(buf.get(`vat.${vatID}.deliveryNum`)) + 1;
      buf.set(`vat.${vatID}.deliveryNum`, String(deliveryNum));
      const options = JSON.parse(buf.get(`vat.${vatID}.options`));
      const fields = { blockHeight: height, crankNum, crankType: 'delivery', vatID, deliveryNum };
      slog.write('crank-start', fields);
      slog.write('deliver', {
        ...fields,
        kd: { target: item.target, method: item.method, args: item.args, id: item.id ?? null, sender: item.sender ?? null, from: item.from ?? null },
      });

      // Outstanding agd calls of this delivery: the crank ends only after all.
      const pending = new Set();
      const track = p => {
        pending.add(p);
        const done = () => pending.delete(p);
        p.then(done, done);
        return p;
      };
      const drain = async () => {
        while (pending.size > 0) await Promise.allSettled([...pending]);
      };
      let syscallNum = 0;
      /** key -> value of changes that survive an abort (bank escrow). */
      const kept = new Map();
      const crankBuf = buf;
      const { powers, cell } = powersOf(vatID, options);
      cell.ctx = {
        sender: inbound ? (item.sender ?? null) : null,
        buf: crankBuf,
        enqueue: next => runQueue.enqueue(crankBuf, next),
        keep: (key, value) => {
          crankBuf.set(key, value);
          kept.set(key, value);
        },
        chainSend: (method, params) => track(chainSend(method, params)),
        queryAgd: (method, params) => track(queryAgd(method, params)),
        blockStorageLookup: path => (storageSets.has(path) ? storageSets.get(path) : undefined),
        blockAppendedBytes: path => storageAppended.get(path) ?? 0,
        log: args => slog.write('console', { ...fields, level: 'log', args }),
        syscall(ksc, fn) {
          const s = { ...fields, syscallNum };
          syscallNum += 1;
          slog.write('syscall', { ...s, ksc });
          const ok = v => {
            slog.write('syscall-result', { ...s, ksr: ['ok', v === undefined ? null : v] });
            return v;
          };
          const bad = e => {
            slog.write('syscall-result', { ...s, ksr: ['error', errorMessage(e)] });
            throw e;
          };
          let r;
          try {
            r = fn();
          } catch (e) {
            bad(e);
          }
          // An async syscall is outstanding until it has fully finished
          // (including its own bookkeeping after agd answered).
          return r instanceof Promise ? track(r.then(ok, bad)) : ok(r);
        },
      };

      let result;
      let error = null;
      try {
        const root = instantiator(vatID, crankBuf)(powers);
        if (!Object.hasOwn(root, item.method) || typeof root[item.method] !== 'function') {
          throw Error(`vat ${vatID} has no method ${JSON.stringify(item.method)}`);
        }
        const args = copyData(item.args ?? [], 'args');
        const r = root[item.method](...args);
        result = copyData(await settle(r, pending), 'result');
        await drain();
      } catch (e) {
        error = errorMessage(e);
      }
      cell.ctx = null;
      await drain();

      if (error === null) {
        slog.write('deliver-result', { ...fields, dr: ['ok', result] });
        publishOutcome(crankBuf, { result });
        commitCrank(crankBuf, { ...fields, outcome: 'ok' });
        return;
      }
      // Abort: drop the crank buffer; keep only the crank's bookkeeping, the
      // bank escrow of transfers agd already made, and the failure record.
      ({ buf } = newCrank());
      if (fromQueue) runQueue.dequeue(buf);
      buf.set(`vat.${vatID}.deliveryNum`, String(deliveryNum));
      for (const [key, value] of kept) buf.set(key, value);
      buf.set('kernel.lastFailure', JSON.stringify({ blockHeight: height, crankNum, vatID, deliveryNum, error }));
      slog.write('deliver-result', { ...fields, dr: ['error', error] });
      publishOutcome(buf, { error });
      commitCrank(buf, { ...fields, outcome: 'aborted' });
    }
  }

  return { runBlock };
}

function isThenable(v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
}

/**
 * Await a vat's result. Vat code has no timers and no I/O of its own, so once
 * every microtask has run and none of its agd calls is outstanding, a still
 * pending result can never settle: that is an error, not a hang.
 */
async function settle(value, pending) {
  if (!isThenable(value)) return value;
  let state = 'pending';
  let outcome;
  Promise.resolve(value).then(
    v => {
      state = 'ok';
      outcome = v;
    },
    e => {
      state = 'error';
      outcome = e;
    },
  );
  for (;;) {
    // setImmediate runs after the microtask queue is empty.
    await new Promise(resolve => setImmediate(resolve));
    if (state !== 'pending') break;
    if (pending.size === 0) throw Error('vat result never settles: it waits for something that cannot happen');
    await Promise.race([...pending].map(p => p.then(() => {}, () => {})));
  }
  if (state === 'error') throw outcome;
  return outcome;
}

/** Send the block's vstorage writes to agd: consecutive sets (appends) batched. */
async function flushStorage(ops, chainSend) {
  let i = 0;
  while (i < ops.length) {
    const kind = ops[i][0];
    const entries = [];
    let bytes = 0;
    while (i < ops.length && ops[i][0] === kind && entries.length < STORAGE_BATCH_ENTRIES && bytes < STORAGE_BATCH_BYTES) {
      const [, path, value] = ops[i];
      entries.push([path, value]);
      bytes += path.length + (value === null ? 0 : value.length);
      i += 1;
    }
    await chainSend(kind === 'set' ? 'vstorage.Set' : 'vstorage.Append', { entries });
  }
}
