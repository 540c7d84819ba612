// The SwingSet host in process (src/host.js over a fake agd): determinism,
// restart, replay, the computron budget, contracts and their authority.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootKernel, init, block, deliver, install, makeFakeAgd } from './helpers/sim.js';
import { tipjarBundle } from './helpers/contracts.js';

const ME = 'agoric1me0000000000000000';
const PAYEE = 'agoric1payee000000000000';
const START = { [`${ME}/uist`]: '5000', 'vbank/uist': '1000000' };
const FUNDS = [{ denom: 'uist', amount: '1000' }];

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-host-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The blocks every test feeds: an install, heap state, an E() call, funds
 * in and out, forbidden attempts, a runaway delivery, balance updates.
 * `before(h, agd)` does what agd does inside the block's transactions.
 */
function script(bundle) {
  const blocks = [
    { updates: [{ address: ME, denom: 'uist', amount: '5000' }], actions: [install(1, bundle)] },
    { actions: [deliver(2, 'c1', 'increment'), deliver(3, 'c1', 'increment'), deliver(4, 'c1', 'whereAmI')] },
    { actions: [deliver(5, 'c1', 'increment'), deliver(6, 'c1', 'deposit', [], { sender: ME, funds: FUNDS })], escrow: FUNDS },
    {
      actions: [
        deliver(7, 'c1', 'pay', [PAYEE, 'uist', '300']),
        deliver(8, 'c1', 'pay', [PAYEE, 'uist', '3000']),
        deliver(9, 'c1', 'grab', [ME, 'uist', '1']),
        deliver(10, 'c1', 'writeOutside'),
        deliver(11, 'nobody', 'x', [], { sender: ME, funds: FUNDS }),
        deliver(12, 'faucet', 'ping'),
      ],
      escrow: FUNDS,
    },
    { actions: [install(13, { ...bundle, endoZipBase64Sha512: '0'.repeat(128) }), deliver(14, 'faucet', 'record', ['k', 'v'])] },
    { actions: [deliver(15, 'c1', 'spin'), deliver(16, 'faucet', 'ping')] },
    { actions: [deliver(17, 'c1', 'increment'), deliver(18, 'faucet', 'ping')] },
    { actions: [] },
  ];
  return blocks;
}

async function runScript(kernel, agd, blocks, from = 1, to = blocks.length) {
  const hashes = [];
  for (let h = from; h <= to; h += 1) {
    const b = blocks[h - 1];
    if (b.escrow) agd.escrow(ME, b.escrow);
    hashes.push(await block(kernel, h, b));
  }
  return hashes;
}

const outcome = (agd, kind, id) => JSON.parse(agd.vstorage.get(`published.swingset.${kind}.${id}`) ?? 'null');

test('contracts: heap state, E(), funds in and out, forbidden attempts, metering; two kernels agree on every activityhash', async t => {
  const bundle = await tipjarBundle();
  const blocks = script(bundle);
  const runs = [];
  for (const name of ['a', 'b']) {
    const agd = makeFakeAgd({ balances: START });
    const { kernel, close } = bootKernel({ dir: tempDir(t), agd });
    t.after(close);
    const initial = await init(kernel);
    runs.push({ agd, hashes: [initial.activityHash, ...(await runScript(kernel, agd, blocks))], name });
  }
  const [a, b] = runs;
  assert.deepEqual(a.hashes, b.hashes, 'the same blocks give the same activityhashes');
  assert.equal(new Set(a.hashes).size, a.hashes.length, 'every block changes the activityhash');
  assert.deepEqual([...a.agd.vstorage].sort(), [...b.agd.vstorage].sort());

  const { agd } = a;
  assert.deepEqual(outcome(agd, 'install', 1), { vatID: 'c1' });
  assert.deepEqual([2, 3, 5].map(id => outcome(agd, 'deliver', id)), [{ result: 1 }, { result: 2 }, { result: 3 }]);
  assert.deepEqual(outcome(agd, 'deliver', 4), { result: 'published.vats.c1' });
  assert.deepEqual(outcome(agd, 'deliver', 6).result.held, { uist: '1000' });
  assert.deepEqual(outcome(agd, 'deliver', 7).result, { paid: '300', to: PAYEE, held: '700' });
  assert.match(outcome(agd, 'deliver', 8).error, /insufficient escrow: c1 holds 700uist/);
  assert.match(outcome(agd, 'deliver', 9).error, /no method "grab"/);
  assert.match(outcome(agd, 'deliver', 10).error, /bad vstorage path/);
  assert.match(outcome(agd, 'deliver', 11).error, /no such vat: nobody/);
  assert.match(outcome(agd, 'install', 13).error, /bad bundle: .*SHA-512/);
  assert.deepEqual(outcome(agd, 'deliver', 14), { result: { key: 'k' } });
  assert.equal(agd.vstorage.get('published.faucet.records.k'), 'v');
  assert.equal(agd.vstorage.get(`bank.balances.${ME}.uist`), '5000');
  // The runaway delivery ends its own vat, saying why; the faucet goes on.
  assert.match(outcome(agd, 'deliver', 15).error, /vat c1 terminated: Compute meter exceeded/);
  assert.deepEqual([12, 16, 18].map(id => outcome(agd, 'deliver', id)), [{ result: 1 }, { result: 2 }, { result: 3 }]);
  assert.match(outcome(agd, 'deliver', 17).error, /vat c1 terminated/);
  // Money: 1000 in twice; 300 paid out; the unclaimed 1000 refunded; 700 stay in c1's escrow.
  assert.equal(agd.balance(ME, 'uist'), 4000n);
  assert.equal(agd.balance(PAYEE, 'uist'), 300n);
  assert.equal(agd.balance('vbank', 'uist'), 1000000n + 700n);
  const writes = agd.calls.filter(c => c.method === 'vstorage.Set').flatMap(c => c.params.entries.map(([p]) => p));
  assert.ok(writes.every(p => /^(published\.(swingset|faucet|vats\.c1)\.|bank\.balances\.)/.test(p)), 'writes stay in their subtrees');
});

test('a kernel killed mid-block and restarted agrees with one that was not; replay re-sends the saved calls', async t => {
  const bundle = await tipjarBundle();
  const blocks = script(bundle);

  const ref = makeFakeAgd({ balances: START });
  const r = bootKernel({ dir: tempDir(t), agd: ref });
  t.after(r.close);
  const want = [(await init(r.kernel)).activityHash, ...(await runScript(r.kernel, ref, blocks))];

  const dir = tempDir(t);
  const agd = makeFakeAgd({ balances: START });
  let k = bootKernel({ dir, agd });
  t.after(() => k.close().catch(() => {}));
  await init(k.kernel);
  assert.deepEqual(await runScript(k.kernel, agd, blocks, 1, 3), want.slice(1, 4));
  const agd2 = agd.clone(); // agd's committed state at height 3
  // Block 4 executes but is never committed: the process dies.
  agd.escrow(ME, blocks[3].escrow);
  await block(k.kernel, 4, { ...blocks[3], commit: false });
  await k.close();

  const t0 = performance.now();
  k = bootKernel({ dir, agd: agd2 });
  t.after(k.close);
  const again = await init(k.kernel, 3);
  const restartMs = performance.now() - t0;
  assert.equal(again.kernelHeight, 3);
  assert.equal(again.activityHash, want[3]);
  // The target is 5 s on an idle machine (README); on a loaded shared one
  // only a gross regression (e.g. building bundles at start) is an error.
  t.diagnostic(`restart over an existing store: Init answered ${Math.round(restartMs)} ms after start`);
  assert.ok(restartMs < 30_000, `restart over an existing store took ${restartMs} ms`);
  assert.deepEqual(await runScript(k.kernel, agd2, blocks, 4, 6), want.slice(4, 7));

  // The kernel commits 7, agd does not: agd comes back at 6 and sends 7 again.
  const sendsOf7 = agd2.calls.length;
  assert.equal(await block(k.kernel, 7, blocks[6]), want[7]);
  const original = agd2.calls.slice(sendsOf7).filter(c => c.method !== 'vstorage.Get');
  await k.close();
  k = bootKernel({ dir, agd: agd2 });
  t.after(k.close);
  assert.equal((await init(k.kernel, 6)).kernelHeight, 7);
  const replayFrom = agd2.calls.length;
  assert.equal(await block(k.kernel, 7, blocks[6]), want[7], 'the replay answers the saved activityhash');
  assert.deepEqual(agd2.calls.slice(replayFrom), original, 'the replay re-sends exactly the calls of the first run');
  assert.equal(await block(k.kernel, 8, blocks[7]), want[8], 'and the next block continues the same chain');
});

test('the computron budget carries work over to later blocks, with the same outcomes', async t => {
  const agd = makeFakeAgd();
  const { kernel, close } = bootKernel({ dir: tempDir(t), agd });
  t.after(close);
  await init(kernel);
  const pings = Array.from({ length: 12 }, (_, i) => deliver(i + 1, 'faucet', 'ping'));
  const params = { blockComputronLimit: '400000', vatCreationComputrons: '300000' };
  await block(kernel, 1, { actions: pings, params });
  const done = () => pings.filter(p => agd.vstorage.has(`published.swingset.deliver.${p.id}`)).length;
  const after1 = done();
  assert.ok(after1 < pings.length, `a small budget leaves work for later (${after1} done in block 1)`);
  let h = 2;
  while (done() < pings.length && h < 30) await block(kernel, h++, { params });
  assert.equal(done(), pings.length);
  assert.deepEqual(pings.map(p => outcome(agd, 'deliver', p.id).result), pings.map((_, i) => i + 1));
});

test('bad params and bad actions: EndBlock refuses bad params; a bad action publishes an error', async t => {
  const agd = makeFakeAgd();
  const { kernel, close } = bootKernel({ dir: tempDir(t), agd });
  t.after(close);
  await init(kernel);
  kernel.handle('swingset.BeginBlock', { blockHeight: 1, blockTime: 1, chainID: 'agoriclocal' });
  await assert.rejects(
    kernel.handle('swingset.EndBlock', { blockHeight: 1, blockTime: 1, actions: [], params: { blockComputronLimit: 5 } }),
    /blockComputronLimit must be a decimal string/,
  );
  await kernel.handle('swingset.EndBlock', {
    blockHeight: 1,
    blockTime: 1,
    actions: [{ type: 'INSTALL_BUNDLE', id: 1, sender: ME, bundle: '{"moduleFormat":"endoZipBase64"}' }, { type: 'WHAT', id: 2 }],
  });
  await kernel.handle('swingset.Commit', { blockHeight: 1 });
  await block(kernel, 2);
  assert.match(outcome(agd, 'install', 1).error, /bundle must be a JSON object/);
  assert.match(JSON.parse(agd.vstorage.get('published.swingset.rejected.1-1')).error, /unknown action type "WHAT"/);
});

test('a vstorage write no vat waits on that agd refuses is logged and sent to agd as an agvm-error entry', async t => {
  const fake = makeFakeAgd();
  const agd = {
    ...fake,
    answer(method, p) {
      if (method === 'vstorage.Set') throw Error('vstorage refused the write');
      return fake.answer(method, p);
    },
  };
  const logs = [];
  const k = bootKernel({ dir: tempDir(t), agd, log: m => logs.push(m) });
  t.after(() => k.close());
  await init(k.kernel);
  await block(k.kernel, 1, { actions: [deliver(1, 'faucet', 'ping')] });
  const errors = k.slogs.filter(e => e.type === 'agvm-error');
  assert.ok(errors.length >= 1, `agvm-error entries: ${JSON.stringify(errors)}`);
  for (const e of errors) {
    assert.equal(e.site, 'chain_send');
    assert.match(e.error, /^block 1: vstorage\.Set failed: vstorage refused the write$/);
    assert.ok(logs.includes(e.error), 'and logged');
  }
});

test("a vat's call to agd is answered inside its syscall: the kernel waits on agd, in the crank", async t => {
  const fake = makeFakeAgd({ balances: START });
  const given = []; // agd's answers to vbank.Give, in order
  const agd = {
    ...fake,
    answer(method, p) {
      const answer = fake.answer(method, p);
      if (method === 'vbank.Give') given.push(answer);
      return answer;
    },
  };
  const k = bootKernel({ dir: tempDir(t), agd });
  t.after(() => k.close());
  await init(k.kernel);
  await runScript(k.kernel, fake, script(await tipjarBundle()), 1, 4);
  assert.deepEqual(outcome(fake, 'deliver', 7).result, { paid: '300', to: PAYEE, held: '700' });
  // The payment of 300 and the refund of 1000 sent to no vat; not the
  // refused 3000. Each is the bank vat's callNow syscall, whose result (in
  // the slog, and so in the vat's transcript) is agd's answer itself.
  assert.deepEqual(given.map(a => a.updates[0].address).sort(), [ME, PAYEE].sort());
  const answers = k.slogs
    .filter(e => e.type === 'syscall-result' && e.syscall === 'callNow' && /"nonce"/.test(e.vsr?.[1]?.body ?? ''))
    .map(e => JSON.parse(e.vsr[1].body.replace(/^#/, '')).result);
  assert.deepEqual(answers, given);
});

test("agd's refusal reaches the vat that called, as an error it can handle", async t => {
  const fake = makeFakeAgd({ balances: START });
  const agd = {
    ...fake,
    answer(method, p) {
      if (method === 'vstorage.Set' && p.entries.some(([path]) => path.startsWith('published.vats.c1.held'))) {
        throw Error('vstorage refused: value too large');
      }
      return fake.answer(method, p);
    },
  };
  const k = bootKernel({ dir: tempDir(t), agd });
  t.after(() => k.close());
  await init(k.kernel);
  const blocks = script(await tipjarBundle());
  for (let h = 1; h <= 3; h += 1) {
    if (blocks[h - 1].escrow) fake.escrow(ME, blocks[h - 1].escrow);
    await block(k.kernel, h, blocks[h - 1]);
  }
  // deposit() writes held.uist through its storage: the contract's await
  // rejects with agd's message, so the delivery's outcome names it.
  assert.match(outcome(fake, 'deliver', 6).error, /vstorage refused: value too large/);
});

test("a kernel store whose built-in vats came from other bundles (another agvm version) is refused at Init, naming the vat", async t => {
  const dir = tempDir(t);
  let k = bootKernel({ dir });
  await init(k.kernel);
  await block(k.kernel, 1);
  await k.close();
  // What an older agvm's store holds: the bank vat from another bundle.
  const { openSwingStore } = await import('@agoric/swing-store');
  const store = openSwingStore(path.join(dir, 'swingstore'));
  const kv = store.kernelStorage.kvStore;
  const bankID = kv.get('vat.name.bank');
  const source = JSON.parse(kv.get(`${bankID}.source`));
  assert.match(source.bundleID, /^b1-[0-9a-f]{128}$/, 'the store names the bundle it made the vat from');
  kv.set(`${bankID}.source`, JSON.stringify({ ...source, bundleID: `b1-${'1'.repeat(128)}` }));
  await store.hostStorage.commit();
  await store.hostStorage.close();

  k = bootKernel({ dir });
  t.after(() => k.close());
  await assert.rejects(init(k.kernel, 1), e =>
    /kernel database was made by another agvm version: built-in vat bank \(v\d+\) runs b1-1{128}, this agvm carries b1-[0-9a-f]{128}\. Built-in vats are fixed/.test(e.message),
  );
});
