import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeKernel } from '../src/kernel.js';
import { openStore, storePath, KEEP_BLOCK_RECORDS } from '../src/store.js';
import { makeCrankHasher, nextActivityHash } from '../src/hash.js';
import { parseFaults, makeFaults } from '../src/faults.js';
import { RawLine } from '../src/jsonrpc.js';
import { loadBuiltinVats } from '../src/builtin-vats.js';
import { createHash } from 'node:crypto';

const CHAIN = 'agoriclocal';

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-kernel-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A kernel on a store in `dir`, with a fake agd that records calls. */
function boot(dir, { faults, builtinVats = loadBuiltinVats(), agd = () => true } = {}) {
  const store = openStore(storePath(dir));
  const calls = [];
  const slogs = [];
  const kernel = makeKernel({
    store,
    callAgd: async (method, params) => {
      calls.push({ method, params });
      return agd(method, params);
    },
    slog: { write: (type, fields) => slogs.push({ type, ...fields }) },
    faults,
    builtinVats,
  });
  return { store, kernel, calls, slogs, close: () => store.close() };
}

function init(kernel, cosmosHeight = 0, isBootstrap = cosmosHeight === 0) {
  return kernel.handle('swingset.Init', { protocolVersion: 1, chainID: CHAIN, cosmosHeight, isBootstrap });
}

/** One whole block; returns EndBlock's activityHash. */
async function block(kernel, height, { updates = [], actions = [], commit = true } = {}) {
  const blockTime = 1700000000 + height * 5;
  kernel.handle('swingset.BeginBlock', { blockHeight: height, blockTime, chainID: CHAIN });
  if (updates.length) kernel.handle('vbank.BalanceUpdate', { nonce: height, updates });
  const { activityHash } = await kernel.handle('swingset.EndBlock', { blockHeight: height, blockTime, actions });
  if (commit) {
    assert.deepEqual(kernel.handle('swingset.Commit', { blockHeight: height }), { kernelHeight: height });
  }
  return activityHash;
}

/** A deterministic varied input for height h. */
function inputFor(h) {
  return {
    updates: h % 2 ? [{ address: `agoric1addr${h}`, denom: 'uist', amount: String(h * 1000) }] : [],
    actions: Array.from({ length: h % 3 }, (_, i) => ({ type: 'deliver', h, i })),
  };
}

function rpcCode(code) {
  return e => {
    assert.equal(e.code, code, `${e.message}`);
    return true;
  };
}

// ---------------------------------------------------------------- hashing

test('crankhash and activityhash match hand-computed SHA-256', () => {
  const h = makeCrankHasher();
  h.set('k', 'v');
  h.delete('k');
  h.set('local.ignored', 'x'); // non-consensus keys are not hashed
  h.set('host.ignored', 'x');
  // sha256("add\nk\nv\ndelete\nk\n")
  assert.equal(h.finish(), 'daa9f3a8a067db079f87b355a32d88538f3931c9977bfb904652f5f10b2e6edc');
  // finish() resets: an empty crank is sha256("")
  assert.equal(h.finish(), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('block activityHashes chain per crank exactly as swing-store computes them', async t => {
  // No built-in vats, so every change can be written out here.
  const { kernel, close } = boot(tempDir(t), { builtinVats: [] });
  t.after(close);
  assert.deepEqual(init(kernel), { protocolVersion: 1, kernelHeight: 0, activityHash: '' });
  const h1 = await block(kernel, 1, { updates: [{ address: 'agoric1abc', denom: 'uist', amount: '654321' }] });
  const sha = text => createHash('sha256').update(text).digest('hex');
  const next = (prev, crankhash) => sha(`activityhash\n${prev}\n${crankhash}\n`);
  // crank 1 (block crank): its kv changes, in order
  const c1 = sha('add\nkernel.crankNum\n1\nadd\nblock.lastHeight\n1\nadd\nkernel.bootstrapped\n1\n');
  // crank 2: the balance update's delivery to `bank`, which does not exist here
  const c2 = sha('add\nkernel.crankNum\n2\n');
  assert.equal(h1, next(next('', c1), c2));
  assert.equal(nextActivityHash('', c1), next('', c1));
  const h2 = await block(kernel, 2);
  assert.equal(h2, next(h1, sha('add\nkernel.crankNum\n3\nadd\nblock.lastHeight\n2\n')));
  assert.equal(kernel.kvGet('block.lastHeight'), '2');
});

// ---------------------------------------------------------------- determinism

test('two fresh kernels fed the same blocks agree at every height', async t => {
  const a = boot(tempDir(t));
  const b = boot(tempDir(t));
  t.after(() => {
    a.close();
    b.close();
  });
  init(a.kernel);
  init(b.kernel);
  const seen = new Set();
  for (let h = 1; h <= 8; h += 1) {
    const ha = await block(a.kernel, h, inputFor(h));
    const hb = await block(b.kernel, h, inputFor(h));
    assert.equal(ha, hb, `height ${h}`);
    assert.match(ha, /^[0-9a-f]{64}$/);
    seen.add(ha);
  }
  assert.equal(seen.size, 8, 'the hash chains: every height differs');
  assert.deepEqual(a.store.kvEntries(), b.store.kvEntries());
});

test('blockTime does not affect the activityHash; inputs do', async t => {
  const a = boot(tempDir(t));
  const b = boot(tempDir(t));
  t.after(() => {
    a.close();
    b.close();
  });
  init(a.kernel);
  init(b.kernel);
  a.kernel.handle('swingset.BeginBlock', { blockHeight: 1, blockTime: 1, chainID: CHAIN });
  b.kernel.handle('swingset.BeginBlock', { blockHeight: 1, blockTime: 999, chainID: CHAIN });
  const ra = await a.kernel.handle('swingset.EndBlock', { blockHeight: 1, blockTime: 1, actions: [] });
  const rb = await b.kernel.handle('swingset.EndBlock', { blockHeight: 1, blockTime: 999, actions: [] });
  assert.equal(ra.activityHash, rb.activityHash);
  a.kernel.handle('swingset.Commit', { blockHeight: 1 });
  b.kernel.handle('swingset.Commit', { blockHeight: 1 });
  const ha = await block(a.kernel, 2, { updates: [{ address: 'agoric1a', denom: 'u', amount: '1' }] });
  const hb = await block(b.kernel, 2, { updates: [{ address: 'agoric1a', denom: 'u', amount: '2' }] });
  assert.notEqual(ha, hb);
});

// ---------------------------------------------------------------- restart

test('restart continues from committed state; an uncommitted block is lost', async t => {
  const dir = tempDir(t);
  const a = boot(dir);
  init(a.kernel);
  const hashes = [''];
  for (let h = 1; h <= 3; h += 1) hashes.push(await block(a.kernel, h, inputFor(h)));
  const uncommitted = await block(a.kernel, 4, { ...inputFor(4), actions: [{ lost: true }], commit: false });
  a.close(); // "crash" before Commit(4)

  const b = boot(dir);
  t.after(b.close);
  assert.deepEqual(init(b.kernel, 3), { protocolVersion: 1, kernelHeight: 3, activityHash: hashes[3] });
  assert.equal(b.kernel.kvGet('block.lastHeight'), '3');
  assert.equal(b.kernel.kvGet('published.swingset.rejected.4-0'), undefined, 'block 4 was never committed');
  // block 4 again, same inputs as before -> same hash as the lost attempt
  const again = await block(b.kernel, 4, { ...inputFor(4), actions: [{ lost: true }] });
  assert.equal(again, uncommitted);

  // and the chain matches an undisturbed kernel
  const c = boot(tempDir(t));
  t.after(c.close);
  init(c.kernel);
  for (let h = 1; h <= 3; h += 1) assert.equal(await block(c.kernel, h, inputFor(h)), hashes[h]);
  assert.equal(await block(c.kernel, 4, { ...inputFor(4), actions: [{ lost: true }] }), again);
});

test('Init: bootstrap initialises, chain id mismatch is refused naming both', async t => {
  const dir = tempDir(t);
  const a = boot(dir);
  // not bootstrapping on an empty db: report height 0, write nothing
  assert.deepEqual(init(a.kernel, 5, false), { protocolVersion: 1, kernelHeight: 0, activityHash: '' });
  assert.equal(a.store.getState().chainID, undefined);
  init(a.kernel, 0, true);
  assert.equal(a.store.getState().chainID, CHAIN);
  a.close();
  const b = boot(dir);
  t.after(b.close);
  assert.throws(
    () => b.kernel.handle('swingset.Init', { protocolVersion: 1, chainID: 'otherchain', cosmosHeight: 0, isBootstrap: false }),
    e => e.code === -32603 && /agoriclocal/.test(e.message) && /otherchain/.test(e.message),
  );
  assert.throws(
    () => b.kernel.handle('swingset.Init', { protocolVersion: 2, chainID: CHAIN, cosmosHeight: 0, isBootstrap: false }),
    rpcCode(-32602),
  );
});

// ---------------------------------------------------------------- replay

/** A privileged test vat making every kind of agd call. */
const TESTER = `function buildRootObject({ bank, storage, store }) {
  return {
    async work() {
      const bal = await bank.getBalance('agoric1a', 'ubld');
      storage.set('x', 'v' + bal);
      await bank.give('agoric1a', 'ubld', '5');
      storage.append('log', 'x');
      store.set('worked', 'yes');
      return bal;
    },
  };
}`;
const withTester = () => [...loadBuiltinVats(), { name: 'tester', source: TESTER, storageRoot: 'published' }];
const work = id => ({ type: 'DELIVER_INBOUND', id, target: 'tester', method: 'work', args: [], sender: 'agoric1s' });

test('replay of a block the kernel committed but agd did not', async t => {
  const dir = tempDir(t);
  let executions = 0;
  const agd = method => {
    if (method === 'vbank.GetBalance') {
      executions += 1;
      return '7';
    }
    return method === 'vbank.Give' ? { nonce: 9, updates: [] } : true;
  };
  const a = boot(dir, { agd, builtinVats: withTester() });
  init(a.kernel);
  const h1 = await block(a.kernel, 1);
  const h2 = await block(a.kernel, 2, { actions: [work(1)] });
  const originalSends = a.calls.filter(c => c.method !== 'vbank.GetBalance' && a.calls.indexOf(c) >= 0);
  assert.equal(executions, 1);
  a.close();

  // agd crashed before committing 2: it restarts at 1 and replays block 2.
  const b = boot(dir, { agd, builtinVats: withTester() });
  t.after(b.close);
  assert.deepEqual(init(b.kernel, 1), { protocolVersion: 1, kernelHeight: 2, activityHash: h2 });
  const before = b.store.kvEntries();
  b.kernel.handle('swingset.BeginBlock', { blockHeight: 2, blockTime: 1, chainID: CHAIN });
  b.kernel.handle('vbank.BalanceUpdate', { nonce: 2, updates: [{ address: 'agoric1z', denom: 'u', amount: '1' }] });
  const r = await b.kernel.handle('swingset.EndBlock', { blockHeight: 2, blockTime: 1, actions: [{ ignored: 1 }] });
  assert.deepEqual(r, { activityHash: h2 }, 'saved hash, not re-executed');
  assert.equal(executions, 1, 'block 2 not executed again');
  // block 2's chain sends are re-sent, in order, identically; reads are not
  const block2Sends = originalSends.slice(originalSends.findIndex(c => c.method === 'vbank.Give'));
  assert.deepEqual(b.calls, block2Sends);
  assert.deepEqual(b.calls, [
    { method: 'vbank.Give', params: { address: 'agoric1a', denom: 'ubld', amount: '5' } },
    // vstorage writes go at block end, in order: consecutive sets batched
    { method: 'vstorage.Set', params: { entries: [['published.x', 'v7']] } },
    { method: 'vstorage.Append', params: { entries: [['published.log', 'x']] } },
    { method: 'vstorage.Set', params: { entries: [['published.swingset.deliver.1', '{"result":"7"}']] } },
  ]);
  assert.deepEqual(b.kernel.handle('swingset.Commit', { blockHeight: 2 }), { kernelHeight: 2 });
  assert.deepEqual(b.store.kvEntries(), before, 'replayed Commit changes nothing');
  assert.equal(b.store.getState().activityHash, h2);

  // and then the chain continues exactly as an undisturbed kernel's
  const h3 = await block(b.kernel, 3, inputFor(3));
  const c = boot(tempDir(t), { agd, builtinVats: withTester() });
  t.after(c.close);
  init(c.kernel);
  assert.equal(await block(c.kernel, 1), h1);
  assert.equal(await block(c.kernel, 2, { actions: [work(1)] }), h2);
  assert.equal(await block(c.kernel, 3, inputFor(3)), h3);
});

test('chainSend and queryAgd outside EndBlock fail with -32002', async t => {
  const { kernel, close } = boot(tempDir(t));
  t.after(close);
  init(kernel);
  await assert.rejects(kernel.chainSend('vstorage.Set', { entries: [] }), rpcCode(-32002));
  await assert.rejects(kernel.queryAgd('vstorage.Get', { path: 'a' }), rpcCode(-32002));
  await assert.rejects(kernel.chainSend('vbank.GetBalance', {}), /not a state-changing/);
});

test('only the last few per-height records are kept', async t => {
  const { kernel, store, close } = boot(tempDir(t));
  t.after(close);
  init(kernel);
  const n = KEEP_BLOCK_RECORDS + 3;
  for (let h = 1; h <= n; h += 1) await block(kernel, h);
  assert.equal(store.getBlockRecord(n - KEEP_BLOCK_RECORDS), undefined);
  assert.ok(store.getBlockRecord(n - KEEP_BLOCK_RECORDS + 1));
  assert.equal(store.getBlockRecord(n).activityHash, kernel.activityHash);
});

// ---------------------------------------------------------------- shutdown

test('after SIGTERM: in-flight work is answered, Commit and BeginBlock refused, nothing persisted', async t => {
  const { kernel, store, close } = boot(tempDir(t));
  t.after(close);
  init(kernel);
  await block(kernel, 1);
  const kvBefore = store.kvEntries();
  kernel.handle('swingset.BeginBlock', { blockHeight: 2, blockTime: 1, chainID: CHAIN });
  kernel.shutdown();
  const r = await kernel.handle('swingset.EndBlock', { blockHeight: 2, blockTime: 1, actions: [{ a: 1 }] });
  assert.match(r.activityHash, /^[0-9a-f]{64}$/);
  assert.throws(
    () => kernel.handle('swingset.Commit', { blockHeight: 2 }),
    e => e.code === -32001 && e.message === 'shutting down',
  );
  assert.equal(store.getState().kernelHeight, 1);
  assert.deepEqual(store.kvEntries(), kvBefore);
  assert.throws(() => kernel.handle('swingset.BeginBlock', { blockHeight: 2, blockTime: 1, chainID: CHAIN }), rpcCode(-32001));
});

// ---------------------------------------------------------------- height checks

test('BeginBlock/EndBlock/Commit height and order checks', async t => {
  const { kernel, close } = boot(tempDir(t));
  t.after(close);
  const begin = h => kernel.handle('swingset.BeginBlock', { blockHeight: h, blockTime: 1, chainID: CHAIN });
  assert.throws(() => begin(1), e => e.code === -32603 && /before swingset.Init/.test(e.message));
  init(kernel);
  assert.throws(() => begin(0), rpcCode(-32003), 'nothing to replay at 0');
  assert.throws(() => begin(2), e => e.code === -32003 && /BeginBlock\(2\)/.test(e.message) && /is 0/.test(e.message));
  await block(kernel, 1);
  await block(kernel, 2);
  assert.throws(() => begin(1), rpcCode(-32003));
  assert.throws(() => begin(4), rpcCode(-32003));
  assert.throws(() => kernel.handle('swingset.Commit', { blockHeight: 3 }), rpcCode(-32603), 'no block in progress');
  assert.throws(
    () => kernel.handle('swingset.BeginBlock', { blockHeight: 3, blockTime: 1, chainID: 'other' }),
    rpcCode(-32602),
  );
  begin(3);
  assert.throws(() => begin(3), rpcCode(-32603), 'block already in progress');
  await assert.rejects(kernel.handle('swingset.EndBlock', { blockHeight: 4, blockTime: 1, actions: [] }), rpcCode(-32003));
  assert.throws(() => kernel.handle('swingset.Commit', { blockHeight: 3 }), rpcCode(-32603), 'Commit before EndBlock');
  await kernel.handle('swingset.EndBlock', { blockHeight: 3, blockTime: 1, actions: [] });
  assert.throws(() => kernel.handle('swingset.Commit', { blockHeight: 2 }), rpcCode(-32003));
  assert.deepEqual(kernel.handle('swingset.Commit', { blockHeight: 3 }), { kernelHeight: 3 });
  assert.throws(() => kernel.handle('swingset.Nope', {}), rpcCode(-32601));
  assert.throws(() => kernel.handle('swingset.BeginBlock', { blockHeight: '4', blockTime: 1, chainID: CHAIN }), rpcCode(-32602));
});

test('an invalid BalanceUpdate fails that block\'s EndBlock with -32602', async t => {
  const { kernel, close } = boot(tempDir(t));
  t.after(close);
  init(kernel);
  kernel.handle('swingset.BeginBlock', { blockHeight: 1, blockTime: 1, chainID: CHAIN });
  kernel.handle('vbank.BalanceUpdate', { nonce: 1, updates: [{ address: 'a', denom: 'd', amount: 12 }] });
  await assert.rejects(
    kernel.handle('swingset.EndBlock', { blockHeight: 1, blockTime: 1, actions: [] }),
    e => e.code === -32602 && /amount/.test(e.message),
  );
  assert.throws(() => kernel.handle('swingset.Commit', { blockHeight: 1 }), rpcCode(-32603));
});

// ---------------------------------------------------------------- slog

test('slog entries for each phase of a block', async t => {
  const { kernel, slogs, close } = boot(tempDir(t));
  t.after(close);
  init(kernel);
  const hash = await block(kernel, 1);
  assert.deepEqual(
    slogs.map(s => s.type).filter(type => type.startsWith('cosmic-swingset-')),
    [
      'cosmic-swingset-begin-block',
      'cosmic-swingset-end-block-start',
      'cosmic-swingset-end-block-finish',
      'cosmic-swingset-commit-block-start',
      'cosmic-swingset-commit-block-finish',
    ],
  );
  for (const s of slogs) assert.equal(s.blockHeight, 1);
  assert.equal(slogs[0].blockTime, 1700000005);
  assert.equal(slogs.find(s => s.type === 'cosmic-swingset-end-block-finish').activityHash, hash);
});

// ---------------------------------------------------------------- faults

test('fault settings parse strictly', () => {
  assert.equal(parseFaults(undefined), null);
  assert.equal(parseFaults(''), null);
  assert.deepEqual(parseFaults('{"divergeAtHeight": 7}'), { divergeAtHeight: 7 });
  assert.deepEqual(parseFaults('{"exitAtHeight": 5, "phase": "commit-after"}'), { exitAtHeight: 5, phase: 'commit-after' });
  assert.throws(() => parseFaults('1'), /JSON object/);
  assert.throws(() => parseFaults('{divergeAtHeight: 7}'), /not JSON/);
  assert.throws(() => parseFaults('{"divergeAt": 7}'), /unknown setting/);
  assert.throws(() => parseFaults('{"divergeAtHeight": "7"}'), /integer/);
  assert.throws(() => parseFaults('{"exitAtHeight": 5}'), /together/);
  assert.throws(() => parseFaults('{"exitAtHeight": 5, "phase": "later"}'), /phase/);
});

test('divergeAtHeight changes that block\'s hash (and all after)', async t => {
  const a = boot(tempDir(t));
  const b = boot(tempDir(t), { faults: makeFaults(parseFaults('{"divergeAtHeight": 2}')) });
  t.after(() => {
    a.close();
    b.close();
  });
  init(a.kernel);
  init(b.kernel);
  assert.equal(await block(a.kernel, 1), await block(b.kernel, 1));
  assert.notEqual(await block(a.kernel, 2), await block(b.kernel, 2));
  assert.equal(b.kernel.kvGet('fault.injected'), '2');
  assert.notEqual(await block(a.kernel, 3), await block(b.kernel, 3));
});

test('malformedAtHeight answers EndBlock with a RawLine', async t => {
  const { kernel, close } = boot(tempDir(t), { faults: makeFaults({ malformedAtHeight: 1 }) });
  t.after(close);
  init(kernel);
  kernel.handle('swingset.BeginBlock', { blockHeight: 1, blockTime: 1, chainID: CHAIN });
  const r = await kernel.handle('swingset.EndBlock', { blockHeight: 1, blockTime: 1, actions: [] });
  assert.ok(r instanceof RawLine);
});

for (const phase of ['commit-before', 'commit-after']) {
  test(`exitAtHeight ${phase}: block is ${phase === 'commit-before' ? 'lost' : 'durable'}`, async t => {
    const dir = tempDir(t);
    const exits = [];
    const faults = makeFaults(
      { exitAtHeight: 2, phase },
      {
        exit: code => {
          exits.push(code);
          throw Error('simulated exit'); // stands in for process.exit(9)
        },
      },
    );
    const a = boot(dir, { faults });
    init(a.kernel);
    await block(a.kernel, 1);
    await assert.rejects(block(a.kernel, 2), /simulated exit/);
    assert.deepEqual(exits, [9]);
    a.close();
    const b = boot(dir);
    t.after(b.close);
    assert.equal(init(b.kernel, 1).kernelHeight, phase === 'commit-before' ? 1 : 2);
  });
}

// ---------------------------------------------------------------- kernel + jsonrpc

test('kernel over a real jsonrpc connection: nested chainSend during EndBlock', async t => {
  const { PassThrough } = await import('node:stream');
  const { makeConnection } = await import('../src/jsonrpc.js');
  const store = openStore(':memory:');
  t.after(() => store.close());
  const input = new PassThrough();
  const out = new PassThrough();
  let conn;
  const kernel = makeKernel({
    store,
    callAgd: (m, p) => conn.call(m, p),
    builtinVats: [
      {
        name: 'giver',
        storageRoot: 'published',
        source: `function buildRootObject({ bank }) {
          return { give: () => bank.give('agoric1a', 'uist', '3') };
        }`,
      },
    ],
  });
  conn = makeConnection({
    input,
    output: out,
    handler: (m, p) => kernel.handle(m, p),
    onProtocolError: e => assert.fail(e.message),
    onEOF: () => {},
  });
  // a tiny agd: answer the kernel's requests, collect its responses
  const responses = new Map();
  let buf = '';
  out.setEncoding('utf8');
  out.on('data', chunk => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const msg = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (msg.method === 'vbank.Give') {
        assert.equal(msg.id, 1);
        input.write(`${JSON.stringify({ id: msg.id, result: { nonce: 4, updates: [] }, error: null })}\n`);
      } else if (msg.method === 'vstorage.Set') {
        input.write(`${JSON.stringify({ id: msg.id, result: true, error: null })}\n`);
      } else if (!msg.method) responses.get(msg.id)(msg);
    }
  });
  let id = 0;
  const call = (method, params) =>
    new Promise(resolve => {
      id += 1;
      responses.set(id, resolve);
      input.write(`${JSON.stringify({ id, method, params: [params] })}\n`);
    });
  await call('swingset.Init', { protocolVersion: 1, chainID: CHAIN, cosmosHeight: 0, isBootstrap: true });
  await call('swingset.BeginBlock', { blockHeight: 1, blockTime: 1, chainID: CHAIN });
  const end = await call('swingset.EndBlock', {
    blockHeight: 1,
    blockTime: 1,
    actions: [{ type: 'DELIVER_INBOUND', id: 1, target: 'giver', method: 'give', args: [] }],
  });
  assert.equal(end.error, null);
  await call('swingset.Commit', { blockHeight: 1 });
  assert.deepEqual(store.getBlockRecord(1).chainSends, [
    { method: 'vbank.Give', params: { address: 'agoric1a', denom: 'uist', amount: '3' }, result: { nonce: 4, updates: [] } },
    {
      method: 'vstorage.Set',
      params: { entries: [['published.swingset.deliver.1', '{"result":{"nonce":4,"updates":[]}}']] },
      result: true,
    },
  ]);
});
