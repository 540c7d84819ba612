// A killed xsnap worker: the host's EndBlock fails naming the worker's pid
// and its vat, and nothing of the block is committed.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootKernel, init, block } from './helpers/sim.js';

const ME = 'agoric1me0000000000000000';

/** The kernel's xsnap workers by vat display name ("v3:bank"). */
function xsnapWorkers() {
  const workers = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let stat;
    let argv;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid && argv[0].endsWith('xsnap-worker')) workers.set(argv[1], Number(entry));
  }
  return workers;
}

test('a worker killed by SIGKILL fails EndBlock naming its pid and vat; the block is not committed', async t => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-workers-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { kernel } = bootKernel({ dir });
  t.after(() => kernel.close().catch(() => {})); // its bank worker is dead
  await init(kernel);
  await block(kernel, 1, { updates: [{ address: ME, denom: 'uist', amount: '5' }] });

  const [vat, pid] = [...xsnapWorkers()].find(([name]) => name.endsWith(':bank')) ?? [];
  assert.ok(pid, `no bank worker among ${JSON.stringify([...xsnapWorkers()])}`);
  process.kill(pid, 'SIGKILL');

  await assert.rejects(
    block(kernel, 2, { updates: [{ address: ME, denom: 'uist', amount: '6' }] }),
    e => {
      assert.match(e.message, new RegExp(`xsnap worker pid ${pid} of vat ${vat} was killed by SIGKILL`));
      return true;
    },
  );
  assert.equal(kernel.phase, 'failed');
  assert.equal(kernel.kernelHeight, 1);
  await assert.rejects(kernel.handle('swingset.Commit', { blockHeight: 2 }), /not allowed now/);
});
