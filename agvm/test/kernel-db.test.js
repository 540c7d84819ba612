// State sync of the kernel (src/kernel-db.js, swingset.Restore): an export
// of height H taken while the kernel goes on, imported and swapped into a
// fresh kernel, gives the same activityhash and the same heap; bad folders
// are refused before anything is replaced.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { bootKernel, init, block, deliver, install, makeFakeAgd } from './helpers/sim.js';
import { tipjarBundle } from './helpers/contracts.js';
import { exportKernelDB, importKernelDB, MANIFEST_FILE } from '../src/kernel-db.js';

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-kdb-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const outcome = (agd, id) => JSON.parse(agd.vstorage.get(`published.swingset.deliver.${id}`) ?? 'null');

/** A kernel at height 3 with a counter at 2, exported at 3 while it commits 4. */
async function exportedChain(t) {
  const bundle = await tipjarBundle();
  const dir = tempDir(t);
  const agd = makeFakeAgd();
  const k = bootKernel({ dir, agd });
  t.after(k.close);
  await init(k.kernel);
  const hashes = [];
  hashes.push(await block(k.kernel, 1, { actions: [install(1, bundle)] }));
  hashes.push(await block(k.kernel, 2, { actions: [deliver(2, 'c1', 'increment')] }));
  hashes.push(await block(k.kernel, 3, { actions: [deliver(3, 'c1', 'increment')] }));
  const out = path.join(tempDir(t), 'export');
  let block4;
  const res = await exportKernelDB({
    storeDir: path.join(dir, 'swingstore'),
    outDir: out,
    height: 3,
    // The kernel commits 4 while the export reads 3.
    onReady: () => {
      block4 = block(k.kernel, 4, { actions: [deliver(4, 'c1', 'increment')] });
    },
  });
  hashes.push(await block4);
  assert.deepEqual(outcome(agd, 4), { result: 3 });
  return { out, res, hashes, agd, storeDir: path.join(dir, 'swingstore') };
}

test('an export of height 3, taken while the kernel commits 4, restores into a fresh kernel that goes on alike', async t => {
  const { out, res, hashes } = await exportedChain(t);
  t.diagnostic(`export: ${res.files} files, ${res.bytes} bytes`);
  assert.ok(res.files >= 5, 'export data plus bundles, heap snapshots or transcript spans');

  const dir = tempDir(t);
  const agd = makeFakeAgd();
  const k = bootKernel({ dir, agd });
  t.after(k.close);
  await init(k.kernel);
  const staged = path.join(dir, 'swingstore.restored');
  await importKernelDB({ fromDir: out, storeDir: staged, height: 3, chainID: 'agoriclocal' });
  // A store of another height is refused, and the kernel's own is put back.
  await assert.rejects(k.kernel.handle('swingset.Restore', { blockHeight: 4, swingStore: staged }), /restore failed: restored kernel store is at height 3, not 4/);
  assert.equal(fs.existsSync(staged), true, 'the staged store is back where it was');
  assert.equal(k.kernel.kernelHeight, 0);
  const restored = await k.kernel.handle('swingset.Restore', { blockHeight: 3, swingStore: staged });
  assert.deepEqual(restored, { kernelHeight: 3, activityHash: hashes[2] });
  assert.equal(fs.existsSync(staged), false, 'the staged store moved into place');
  assert.equal(await block(k.kernel, 4, { actions: [deliver(4, 'c1', 'increment')] }), hashes[3], 'block 4 gives the same activityhash');
  assert.deepEqual(outcome(agd, 4), { result: 3 }, 'the counter continues: its heap came along');
  await assert.rejects(k.kernel.handle('swingset.Restore', { blockHeight: 3, swingStore: staged }), /refusing to replace a kernel that has committed block 4/);
});

test('bad export folders are refused before anything is written into place', async t => {
  const { out, storeDir } = await exportedChain(t);
  // A store one block ahead of the height asked for (agd died between the
  // two commits) is refused with what to do, and no folder is made.
  const early = path.join(tempDir(t), 'early');
  await assert.rejects(exportKernelDB({ storeDir, outDir: early, height: 3 }),
    /is at height 4, not 3: the export must start before the kernel commits 4; on a stopped node, agd died between the kernel's commit of 4 and its own: start it until it commits a block/);
  assert.equal(fs.existsSync(early), false);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8'));
  const artifact = manifest.files.find(f => f.name.startsWith('snapshot.'));
  assert.ok(artifact, 'the export has a heap snapshot');
  const copy = () => {
    const c = path.join(tempDir(t), 'copy');
    fs.cpSync(out, c, { recursive: true });
    return c;
  };
  const importInto = from => importKernelDB({ fromDir: from, storeDir: path.join(tempDir(t), 'store'), height: 3 });

  // truncated
  let c = copy();
  fs.truncateSync(path.join(c, artifact.file), artifact.size - 1);
  await assert.rejects(importInto(c), new RegExp(`kernel artifact ${artifact.name} .* is truncated: ${artifact.size - 1} bytes, the manifest says ${artifact.size}`));

  // a changed byte
  c = copy();
  const p = path.join(c, artifact.file);
  const bytes = fs.readFileSync(p);
  bytes[bytes.length >> 1] ^= 0xff;
  fs.writeFileSync(p, bytes);
  await assert.rejects(importInto(c), new RegExp(`kernel artifact ${artifact.name} .* has sha256 [0-9a-f]{64}, the manifest says ${artifact.sha256}`));

  // a changed byte and a manifest made to match: swing-store's own check against the export data
  const m2 = structuredClone(manifest);
  const bad = m2.files.find(f => f.name === artifact.name);
  const { createHash } = await import('node:crypto');
  bad.sha256 = createHash('sha256').update(bytes).digest('hex');
  fs.writeFileSync(path.join(c, MANIFEST_FILE), JSON.stringify(m2));
  await assert.rejects(importInto(c), new RegExp(`snapshot "${artifact.name.replaceAll('.', '\\.')}" hash is "[0-9a-f]{64}", metadata says "[0-9a-f]{64}"`));

  // the wrong height
  await assert.rejects(importKernelDB({ fromDir: out, storeDir: path.join(tempDir(t), 'store'), height: 4 }), /kernel export is of height 3, not 4/);
});

/** Runs kernel-db-main.js export ... --when-told; returns its stdout lines as they come and its exit. */
function spawnWaitingExporter(storeDir, outDir, height) {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, '../src/kernel-db-main.js'), 'export', storeDir, outDir, String(height), '--when-told'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = [];
  const waiters = [];
  readline.createInterface({ input: child.stdout }).on('line', l => {
    lines.push(JSON.parse(l));
    waiters.splice(0).forEach(w => w());
  });
  const nextLine = async n => {
    while (lines.length < n) await new Promise(r => waiters.push(r));
    return lines[n - 1];
  };
  const exited = new Promise(resolve => child.on('exit', code => resolve(code)));
  return { child, lines, nextLine, exited };
}

test('an exporter started ahead (--when-told) reads nothing until told, and exits untold when its stdin closes', async t => {
  const dir = tempDir(t);
  const k = bootKernel({ dir });
  await init(k.kernel);
  for (let h = 1; h <= 3; h += 1) await block(k.kernel, h);
  k.close();
  const storeDir = path.join(dir, 'swingstore');

  const out = path.join(tempDir(t), 'export');
  const told = spawnWaitingExporter(storeDir, out, 3);
  assert.equal((await told.nextLine(1)).loaded, true);
  assert.equal(fs.existsSync(out), false, 'nothing exported before it is told');
  told.child.stdin.write('go\n');
  assert.equal(await told.exited, 0);
  assert.deepEqual(told.lines.slice(1).map(l => Object.keys(l)[0]), ['ready', 'done']);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8')).height, 3);

  const out2 = path.join(tempDir(t), 'export');
  const untold = spawnWaitingExporter(storeDir, out2, 3);
  await untold.nextLine(1);
  untold.child.stdin.end();
  assert.equal(await untold.exited, 0);
  assert.deepEqual(untold.lines.at(-1), { done: false, reason: 'stdin closed before agd said go' });
  assert.equal(fs.existsSync(out2), false);
});
