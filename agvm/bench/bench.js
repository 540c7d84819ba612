// npm run bench: metered deliveries per second through the SwingSet host,
// in process (no agd, no pipes): the anchor for the end-to-end figure
// (`make bench-kernel` runs this with the block schedule agd saw).
//
// A fresh kernel installs the loadgen's counter contract (a dynamic vat in
// an xsnap worker, with a meter) and then delivers its trivial `bump()`
// through the same host loop agd drives (src/host.js: actions into the
// bootstrap vat, run under the block's computron budget, outcomes published
// to a fake agd answering from memory), block after block, until the last
// delivery's outcome is published.
//
// Modes:
//   BENCH_SCHEDULE=100,100,37   the actions of each block, as agd's slog
//                               reported them; every block runs under
//                               x/swingset's default params (the budget agd
//                               gives), so work carries over as in agd.
//   BENCH_STDIN=1               prints "ready" once warm, then runs one such
//                               schedule per stdin line, printing a figures
//                               line for each, on one kernel that keeps its
//                               history from round to round as agd's does.
//   otherwise                   BENCH_BLOCKS (5) blocks of BENCH_DELIVERIES
//                               (200) each, with a budget raised so every
//                               delivery of a block runs in it.
//
// The time is what agd's bench reads from its slog: from the first timed
// block's cosmic-swingset-begin-block to the commit-block-finish of the block
// that published the last outcome.
//
// BENCH_FULL_SLOG=FILE also does the slog work agd's kernel does (src/slog.js
// writing FILE and building the slog.Write lines), to see what it costs.
//
// Last line: agvm: deliveries=N blocks=B seconds=S deliveries_per_s=X
//   ms_per_block=Y kernel_ms_per_block=K computrons=C computrons_per_s=Z

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bootKernel, init, block, deliver, install, makeFakeAgd } from '../test/helpers/sim.js';

function parseSchedule(text) {
  const counts = text.split(',').map(Number);
  if (!counts.every(n => Number.isSafeInteger(n) && n >= 0)) throw Error(`bad schedule ${JSON.stringify(text)}`);
  return counts;
}
const agdBlocks = Boolean(process.env.BENCH_SCHEDULE || process.env.BENCH_STDIN);
const schedule = process.env.BENCH_SCHEDULE
  ? parseSchedule(process.env.BENCH_SCHEDULE)
  : Array.from({ length: Number(process.env.BENCH_BLOCKS) || 5 }, () => Number(process.env.BENCH_DELIVERIES) || 200);
// agd's default x/swingset params for agd's blocks, else a budget every
// delivery of a block fits in.
const params = agdBlocks ? undefined : { blockComputronLimit: '100000000000' };
const bundlePath = fileURLToPath(new URL('../../cmd/loadgen/bundle-counter.json', import.meta.url));
const bundle = JSON.parse(fs.readFileSync(bundlePath, 'utf8'));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-bench-'));
const agd = makeFakeAgd();
/** height -> {begin, endStart, endFinish, commitFinish (seconds), computrons} */
const blocks = new Map();
const at = h => blocks.get(h) ?? blocks.set(h, {}).get(h);
const slog = {
  write(type, fields) {
    const t = performance.now() / 1000;
    const b = at(fields.blockHeight);
    if (type === 'cosmic-swingset-begin-block') b.begin = t;
    if (type === 'cosmic-swingset-end-block-start') b.endStart = t;
    if (type === 'cosmic-swingset-end-block-finish') b.endFinish = t;
    if (type === 'cosmic-swingset-commit-block-finish') b.commitFinish = t;
    if (type === 'cosmic-swingset-run-finish') b.computrons = BigInt(fields.computrons);
  },
  writeEntry() {},
};
if (process.env.BENCH_FULL_SLOG) {
  // The slog work agd's kernel does besides (src/slog.js: JSON text, the
  // SLOGFILE, the slog.Write line), to see what it costs.
  const { makeSlogger } = await import('../src/slog.js');
  const full = makeSlogger({ send: texts => `{"entries":[${texts.join(',')}]}`, file: process.env.BENCH_FULL_SLOG });
  const w = slog.write;
  slog.write = (type, fields) => { w(type, fields); full.write(type, fields); full.flush(); };
  slog.writeEntry = entry => full.writeEntry(entry);
}
const { kernel, close } = bootKernel({ dir, agd, slog });
// Warm: the contract vat's first heap snapshots (SwingSet takes one early in
// a vat's life) fall before the timed blocks, as in agd's bench.
const WARM = 5;
let vat;
let id = 10;
let h = 3;
let bumps = WARM;

/** Runs one schedule of blocks; returns the figures line. */
async function runRound(schedule) {
  const first = h;
  for (const n of schedule) {
    const actions = Array.from({ length: n }, () => deliver((id += 1), vat, 'bump'));
    await block(kernel, h, { actions, params });
    h += 1;
  }
  // Work left over by the budget carries into empty blocks, as on the chain.
  while (!agd.vstorage.has(`published.swingset.deliver.${id}`)) {
    if (h > first + schedule.length + 1000) throw Error('the last delivery never settled');
    await block(kernel, h, { params });
    h += 1;
  }
  const last = h - 1;
  const n = schedule.reduce((a, b) => a + b, 0);
  bumps += n;
  const answer = JSON.parse(agd.vstorage.get(`published.swingset.deliver.${id}`));
  if (answer.result !== bumps) throw Error(`last bump answered ${JSON.stringify(answer)}, want ${bumps}`);
  const timed = [...blocks.entries()].filter(([height]) => height >= first && height <= last).map(([, b]) => b);
  const seconds = blocks.get(last).commitFinish - blocks.get(first).begin;
  const kernelMs = timed.reduce((a, b) => a + (b.endFinish - b.endStart) * 1000, 0) / timed.length;
  const computrons = timed.reduce((a, b) => a + b.computrons, 0n);
  console.log(`${timed.length} blocks (schedule ${schedule.join(',')}), ${n} metered deliveries of ${vat}.bump()`);
  return (
    `agvm: deliveries=${n} blocks=${timed.length} seconds=${seconds.toFixed(3)} ` +
    `deliveries_per_s=${(n / seconds).toFixed(1)} ms_per_block=${((seconds * 1000) / timed.length).toFixed(1)} ` +
    `kernel_ms_per_block=${kernelMs.toFixed(1)} computrons=${computrons} ` +
    `computrons_per_s=${(Number(computrons) / seconds).toFixed(0)}`
  );
}

try {
  await init(kernel);
  await block(kernel, 1, { actions: [install(1, bundle)], params });
  vat = JSON.parse(agd.vstorage.get('published.swingset.install.1')).vatID;
  await block(kernel, 2, { actions: Array.from({ length: WARM }, (_, i) => deliver(2 + i, vat, 'bump')), params });
  if (process.env.BENCH_STDIN) {
    // One schedule per line, until EOF: the kernel keeps its history from
    // round to round, as agd's does.
    console.log('ready');
    for await (const line of readline.createInterface({ input: process.stdin })) {
      if (line.trim() === '') continue;
      console.log(await runRound(parseSchedule(line.trim())));
    }
  } else {
    console.log(await runRound(schedule));
  }
} finally {
  await close();
  fs.rmSync(dir, { recursive: true, force: true });
}
