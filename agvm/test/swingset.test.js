// The swingset kernel: vats in SES compartments, cranks, crank buffers, the
// run-queue budget, published outcomes, slog shapes, determinism.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootKernel, makeFakeAgd, init, block, install, deliver } from './helpers/sim.js';
import { makeSlogger } from '../src/slog.js';
import { makeFaults } from '../src/faults.js';

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-swingset-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const published = (agd, kind, id) => {
  const v = agd.vstorage.get(`published.swingset.${kind}.${id}`);
  return v === undefined ? undefined : JSON.parse(v);
};

const COUNTER = `
function buildRootObject({ store, send, log }) {
  let heap = 0; // re-created for every delivery: never survives one
  return {
    inc(n = 1) {
      const v = Number(store.get('count') ?? '0') + n;
      store.set('count', String(v));
      log('count is', v);
      return v;
    },
    forward(target, n) {
      send(target, 'inc', [n]);
      return 'sent';
    },
    boom() {
      store.set('count', '999');
      send('v3', 'inc', [100]);
      throw Error('boom');
    },
    heap() {
      heap += 1;
      return heap;
    },
    never() {
      return new Promise(() => {});
    },
  };
}`;

const FUNDED = 'agoric1funded00000000000';

/** A varied, deterministic chain: installs, deliveries, failures, bank. */
function scenario(h) {
  const updates = h % 2 ? [{ address: `agoric1addr${h}`, denom: 'uist', amount: String(h * 1000) }] : [];
  const actions = {
    1: [install(1, COUNTER), deliver(1, 'v3', 'inc', [5])],
    2: [deliver(2, 'v3', 'inc', [1]), deliver(3, 'v3', 'boom'), deliver(4, 'faucet', 'ping')],
    3: [deliver(5, 'v3', 'forward', ['v3', 10]), install(2, 'syntax error here'), deliver(6, 'faucet', 'record', ['k3', 'hello'])],
    4: [deliver(7, 'faucet', 'drip', [FUNDED]), deliver(8, 'nobody', 'x')],
    5: [install(3, COUNTER), deliver(9, 'v4', 'inc', [2]), deliver(10, 'v3', 'heap')],
    6: [deliver(11, 'v3', 'inc'), { type: 'BOGUS' }],
  }[h] ?? [deliver(100 + h, 'faucet', 'ping')];
  return { updates, actions };
}
const HEIGHTS = 8;
const agdFor = () => makeFakeAgd({ balances: { 'vbank/uist': 10n ** 12n } });

test('two fresh kernels agree at every height; so does one killed and restarted', async t => {
  const a = bootKernel({ agd: agdFor() });
  const b = bootKernel({ agd: agdFor() });
  const dir = tempDir(t);
  const cAgd = agdFor();
  let c = bootKernel({ dir, agd: cAgd });
  t.after(() => {
    a.close();
    b.close();
    c.close();
  });
  init(a.kernel);
  init(b.kernel);
  init(c.kernel);
  const seen = new Set();
  for (let h = 1; h <= HEIGHTS; h += 1) {
    if (h === 5) {
      // c runs block 5 but dies before Commit, then restarts from disk
      await block(c.kernel, h, { ...scenario(h), commit: false });
      c.close();
      c = bootKernel({ dir, agd: cAgd });
      assert.equal(init(c.kernel, 4).kernelHeight, 4);
    }
    const ha = await block(a.kernel, h, scenario(h));
    const hb = await block(b.kernel, h, scenario(h));
    const hc = await block(c.kernel, h, scenario(h));
    assert.equal(ha, hb, `height ${h}`);
    assert.equal(ha, hc, `height ${h} (restarted kernel)`);
    seen.add(ha);
  }
  assert.equal(seen.size, HEIGHTS);
  assert.deepEqual(a.store.kvEntries(), b.store.kvEntries());
  assert.deepEqual(a.store.kvEntries(), c.store.kvEntries());
  assert.deepEqual([...a.agd.vstorage], [...b.agd.vstorage]);

  // and the outcomes are the ones the scenario means
  const { agd, kernel } = a;
  assert.deepEqual(published(agd, 'install', 1), { vatID: 'v3' });
  assert.deepEqual(published(agd, 'deliver', 1), { result: 5 });
  assert.deepEqual(published(agd, 'deliver', 2), { result: 6 });
  assert.deepEqual(published(agd, 'deliver', 3), { error: 'boom' });
  assert.deepEqual(published(agd, 'deliver', 4), { result: 1 });
  assert.deepEqual(published(agd, 'deliver', 5), { result: 'sent' });
  assert.match(published(agd, 'install', 2).error, /does not evaluate/);
  assert.deepEqual(published(agd, 'deliver', 6), { result: { key: 'k3' } });
  assert.equal(agd.vstorage.get('published.faucet.records.k3'), 'hello');
  assert.deepEqual(published(agd, 'deliver', 7), { result: { address: FUNDED, denom: 'uist', amount: '1000', count: 1 } });
  assert.equal(agd.balance(FUNDED, 'uist'), 1000n);
  assert.deepEqual(published(agd, 'deliver', 8), { error: 'no vat "nobody"' });
  assert.deepEqual(published(agd, 'install', 3), { vatID: 'v4' });
  assert.deepEqual(published(agd, 'deliver', 9), { result: 2 });
  assert.deepEqual(published(agd, 'deliver', 10), { result: 1 }, 'heap state does not survive a delivery');
  assert.deepEqual(published(agd, 'deliver', 11), { result: 17 }, '5 + 1 + 10 (forwarded) + 1; boom left nothing');
  assert.deepEqual(published(agd, 'rejected', '6-1'), { error: 'unknown action type "BOGUS"' });
  // the bank vat mirrored every balance update, in its store and vstorage
  assert.equal(kernel.kvGet('vs.v1.balances.agoric1addr7.uist'), '7000');
  assert.equal(agd.vstorage.get('bank.balances.agoric1addr7.uist'), '7000');
  assert.equal(kernel.kvGet('vs.v1.nonce'), '7');
});

test('a throwing delivery leaves no store change or send; it is recorded; later cranks go on', async t => {
  const { kernel, agd, slogs, close } = bootKernel();
  t.after(close);
  init(kernel);
  await block(kernel, 1, { actions: [install(1, COUNTER), deliver(1, 'v3', 'inc', [1])] });
  await block(kernel, 2, { actions: [deliver(2, 'v3', 'boom'), deliver(3, 'v3', 'inc', [1])] });
  assert.deepEqual(published(agd, 'deliver', 2), { error: 'boom' });
  assert.deepEqual(published(agd, 'deliver', 3), { result: 2 }, 'count was not set to 999');
  assert.equal(kernel.kvGet('vs.v3.count'), '2');
  assert.equal(kernel.kvGet('runQueue.head'), kernel.kvGet('runQueue.tail'), 'boom\'s send was dropped');
  const failure = JSON.parse(kernel.kvGet('kernel.lastFailure'));
  assert.deepEqual({ ...failure, crankNum: 0 }, { blockHeight: 2, crankNum: 0, vatID: 'v3', deliveryNum: 2, error: 'boom' });
  const finish = slogs.filter(s => s.type === 'crank-finish' && s.blockHeight === 2);
  assert.deepEqual(finish.map(s => s.outcome), ['ok', 'aborted', 'ok']);
  assert.equal(kernel.kvGet('vat.v3.deliveryNum'), '3', 'the failed delivery still counts');

  // a result that never settles is an error, not a hang
  await block(kernel, 3, { actions: [deliver(4, 'v3', 'never'), deliver(5, 'v3', 'nosuch')] });
  assert.match(published(agd, 'deliver', 4).error, /never settles/);
  assert.deepEqual(published(agd, 'deliver', 5), { error: 'vat v3 has no method "nosuch"' });
});

test('the crank budget carries leftover work into later blocks', async t => {
  const { kernel, agd, close } = bootKernel();
  t.after(close);
  init(kernel, 0, { maxCranksPerBlock: 3 });
  const actions = Array.from({ length: 7 }, (_, i) => deliver(i + 1, 'faucet', 'ping'));
  await block(kernel, 1, { actions });
  const done = () => actions.filter(a => published(agd, 'deliver', a.id)).length;
  assert.equal(done(), 3);
  await block(kernel, 2);
  assert.equal(done(), 6);
  await block(kernel, 3, { actions: [deliver(8, 'faucet', 'ping')] });
  assert.equal(done(), 7);
  assert.deepEqual(published(agd, 'deliver', 8), { result: 8 }, 'queued behind the backlog, in order');
  assert.equal(kernel.kvGet('runQueue.head'), '8');
});

test('bad bundles are published as errors and never crash the kernel', async t => {
  const { kernel, agd, close } = bootKernel({ maxBundleBytes: 200 });
  t.after(close);
  init(kernel);
  const good = 'function buildRootObject() { return { hi: () => "hi" }; }';
  await block(kernel, 1, {
    actions: [
      install('syntax', 'function ( {'),
      install('nobuilder', 'const x = 1;'),
      install('large', `${good}\n// ${'x'.repeat(300)}`),
      install('throws', 'throw Error("top");'),
      install('import', 'import("node:fs"); function buildRootObject() { return {}; }'),
      { ...install('hash', good), bundleHash: '00'.repeat(32) },
      { type: 'INSTALL_BUNDLE', id: 'nobundle' },
      install('good', good),
      deliver('hi', 'v3', 'hi'),
    ],
  });
  assert.match(published(agd, 'install', 'syntax').error, /does not evaluate/);
  assert.match(published(agd, 'install', 'nobuilder').error, /no root builder/);
  assert.match(published(agd, 'install', 'large').error, /too large: \d+ bytes, maximum 200/);
  assert.match(published(agd, 'install', 'throws').error, /throws at top level: top/);
  assert.match(published(agd, 'install', 'import').error, /does not evaluate/);
  assert.match(published(agd, 'install', 'hash').error, /bundleHash/);
  assert.deepEqual(published(agd, 'install', 'nobundle'), { error: 'bundle must be a string' });
  assert.deepEqual(published(agd, 'install', 'good'), { vatID: 'v3' }, 'failed installs allocate no vat');
  assert.deepEqual(published(agd, 'deliver', 'hi'), { result: 'hi' });
});

const PROBE = `
function buildRootObject({ store, bank }) {
  const attempt = f => {
    try {
      return ['ok', String(f())];
    } catch (e) {
      return ['threw', e.name];
    }
  };
  return {
    probe() {
      return {
        process: typeof process,
        require: typeof require,
        globalProcess: typeof globalThis.process,
        viaFunction: attempt(() => Function('return typeof process')()),
        viaEval: attempt(() => (0, eval)('typeof require')),
        dateNow: attempt(() => Date.now()),
        newDate: attempt(() => new Date()),
        random: attempt(() => Math.random()),
        setGlobal: attempt(() => { globalThis.leak = 1; return 'set'; }),
        pollute: attempt(() => { Object.prototype.polluted = 1; return 'polluted'; }),
        otherStore: String(store.get('vs.v2.pings')),
        console: typeof console,
      };
    },
    async grabOther() {
      return bank.grab('agoric1victim0000000000', 'uist', '1');
    },
    async give() {
      return bank.give('agoric1sender', 'uist', '1');
    },
    async grabThenGive() {
      await bank.grab('agoric1sender', 'uist', '5');
      await bank.give('agoric1friend', 'uist', '3');
      return bank.give('agoric1friend', 'uist', '3');
    },
  };
}`;

test('isolation: no process, require, fs, clock, randomness, globals or other vats\' stores', async t => {
  const agd = makeFakeAgd({ balances: { 'agoric1sender/uist': 100n, 'agoric1victim0000000000/uist': 100n, 'vbank/uist': 1000n } });
  const { kernel, close } = bootKernel({ agd });
  t.after(close);
  init(kernel);
  await block(kernel, 1, { actions: [deliver(0, 'faucet', 'ping'), install(1, PROBE)] });
  await block(kernel, 2, {
    actions: [
      deliver(1, 'v3', 'probe'),
      deliver(2, 'v3', 'grabOther'),
      deliver(3, 'v3', 'give'),
      deliver(4, 'v3', 'grabThenGive'),
    ],
  });
  assert.deepEqual(published(agd, 'deliver', 1).result, {
    process: 'undefined',
    require: 'undefined',
    globalProcess: 'undefined',
    viaFunction: ['ok', 'undefined'],
    viaEval: ['ok', 'undefined'],
    dateNow: ['threw', 'TypeError'],
    newDate: ['threw', 'TypeError'],
    random: ['threw', 'TypeError'],
    setGlobal: ['threw', 'TypeError'],
    pollute: ['threw', 'TypeError'],
    otherStore: 'undefined',
    console: 'undefined',
  });
  assert.equal(kernel.kvGet('vs.v2.pings'), '1', 'the faucet has it; the probe could not read it');
  assert.match(published(agd, 'deliver', 2).error, /may only grab from the sender/);
  assert.match(published(agd, 'deliver', 3).error, /holds 0uist, cannot give 1/);
  // grabbed 5 from its sender, gave 3, the second 3 exceeds its escrow
  assert.match(published(agd, 'deliver', 4).error, /holds 2uist, cannot give 3/);
  assert.equal(agd.balance('agoric1friend', 'uist'), 3n);
  assert.equal(kernel.kvGet('vat.v3.escrow.uist'), '2', 'transfers agd made survive the abort');
  assert.equal(agd.balance('agoric1victim0000000000', 'uist'), 100n);
});

test('slog: Agoric-shaped entries for blocks and cranks, and divergeAtHeight is visible', async t => {
  const entries = [];
  const slog = makeSlogger({ send: batch => entries.push(...batch), batchSize: 1 });
  const a = bootKernel({ slog });
  t.after(a.close);
  init(a.kernel);
  await block(a.kernel, 1, { actions: [install(1, COUNTER)] });
  const hash = await block(a.kernel, 2, { actions: [deliver(1, 'v3', 'inc', [2])] });
  for (const e of entries) {
    assert.equal(typeof e.type, 'string');
    assert.equal(typeof e.time, 'number');
    assert.equal(typeof e.monotime, 'number');
  }
  const h2 = entries.filter(e => e.blockHeight === 2);
  assert.deepEqual(h2.map(e => e.type), [
    'cosmic-swingset-begin-block',
    'cosmic-swingset-end-block-start',
    'crank-start', 'crank-finish', // the block crank
    'crank-start', 'deliver',
    'syscall', 'syscall-result', // store.get
    'syscall', 'syscall-result', // store.set
    'console',
    'deliver-result', 'crank-finish',
    'cosmic-swingset-end-block-finish',
    'cosmic-swingset-commit-block-start',
    'cosmic-swingset-commit-block-finish',
  ]);
  const crankEntries = h2.filter(e => !e.type.startsWith('cosmic-swingset-'));
  for (const e of crankEntries) {
    assert.ok(Number.isInteger(e.crankNum), e.type);
    assert.ok('vatID' in e && 'deliveryNum' in e, e.type);
  }
  const d = crankEntries.find(e => e.type === 'deliver');
  assert.deepEqual([d.vatID, d.deliveryNum, d.kd.method, d.kd.args], ['v3', 1, 'inc', [2]]);
  assert.deepEqual(crankEntries.find(e => e.type === 'syscall' && e.ksc[0] === 'vatstoreSet').ksc, ['vatstoreSet', 'count', '2']);
  assert.deepEqual(crankEntries.find(e => e.type === 'deliver-result').dr, ['ok', 2]);
  assert.deepEqual(crankEntries.find(e => e.type === 'console').args, ['count is', 2]);
  const finishes = crankEntries.filter(e => e.type === 'crank-finish');
  for (const f of finishes) {
    assert.match(f.crankhash, /^[0-9a-f]{64}$/);
    assert.match(f.activityhash, /^[0-9a-f]{64}$/);
  }
  assert.equal(finishes.at(-1).activityhash, hash, 'the last crank\'s activityhash is the block\'s');
  assert.equal(entries.find(e => e.type === 'cosmic-swingset-end-block-finish' && e.blockHeight === 2).activityHash, hash);

  // divergeAtHeight 2: only block 2's block crank has another crankhash
  const bEntries = [];
  const c = bootKernel({ slog: { write: (type, f) => bEntries.push({ type, ...f }) }, faults: makeFaults({ divergeAtHeight: 2 }) });
  t.after(c.close);
  init(c.kernel);
  await block(c.kernel, 1, { actions: [install(1, COUNTER)] });
  await block(c.kernel, 2, { actions: [deliver(1, 'v3', 'inc', [2])] });
  const mine = entries.filter(e => e.type === 'crank-finish');
  const theirs = bEntries.filter(e => e.type === 'crank-finish');
  assert.equal(mine.length, theirs.length);
  const differ = mine.filter((e, i) => e.crankhash !== theirs[i].crankhash);
  assert.equal(differ.length, 1);
  assert.deepEqual([differ[0].blockHeight, differ[0].crankType], [2, 'block']);
  assert.equal(c.kernel.kvGet('fault.injected'), '2');
});
