// npm run bench: metered deliveries per second through the SwingSet host,
// in process (no agd, no pipes): the anchor for the end-to-end figure.
//
// A fresh kernel installs the loadgen's counter contract (a dynamic vat in
// an xsnap worker, with a meter) and then runs BENCH_BLOCKS blocks of
// BENCH_DELIVERIES deliveries of its trivial `bump()` each, through the same
// host loop agd drives (src/host.js: actions into the bootstrap vat, run
// under the block's computron budget, outcomes published to a fake agd
// answering from memory). A block's budget is raised so that every delivery
// of the block runs in it.
//
// Last line: agvm: deliveries_per_s=X ms_per_block=Y computrons_per_s=Z
//
// Env: BENCH_BLOCKS (default 5), BENCH_DELIVERIES (default 200 per block).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootKernel, init, block, deliver, install, makeFakeAgd } from '../test/helpers/sim.js';

const BLOCKS = Number(process.env.BENCH_BLOCKS) || 5;
const DELIVERIES = Number(process.env.BENCH_DELIVERIES) || 200;
const bundlePath = fileURLToPath(new URL('../../cmd/loadgen/bundle-counter.json', import.meta.url));
const bundle = JSON.parse(fs.readFileSync(bundlePath, 'utf8'));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-bench-'));
const agd = makeFakeAgd();
let computrons = 0n;
const slog = {
  write(type, fields) {
    if (type === 'cosmic-swingset-run-finish') computrons += BigInt(fields.computrons);
  },
  writeEntry() {},
};
const { kernel, close } = bootKernel({ dir, agd, slog });
try {
  await init(kernel);
  const params = { blockComputronLimit: '100000000000' };
  await block(kernel, 1, { actions: [install(1, bundle)], params });
  const vat = JSON.parse(agd.vstorage.get('published.swingset.install.1')).vatID;
  await block(kernel, 2, { actions: [deliver(2, vat, 'bump')], params }); // worker warm
  computrons = 0n;
  let id = 10;
  const t0 = performance.now();
  for (let h = 3; h < 3 + BLOCKS; h += 1) {
    const actions = Array.from({ length: DELIVERIES }, () => deliver((id += 1), vat, 'bump'));
    await block(kernel, h, { actions, params });
  }
  const ms = performance.now() - t0;
  const last = JSON.parse(agd.vstorage.get(`published.swingset.deliver.${id}`));
  if (last.result !== BLOCKS * DELIVERIES + 1) throw Error(`last bump answered ${JSON.stringify(last)}`);
  const n = BLOCKS * DELIVERIES;
  console.log(`${BLOCKS} blocks x ${DELIVERIES} metered deliveries of ${vat}.bump() in ${ms.toFixed(0)} ms`);
  console.log(
    `agvm: deliveries_per_s=${((n * 1000) / ms).toFixed(1)} ms_per_block=${(ms / BLOCKS).toFixed(1)} ` +
      `computrons_per_s=${((Number(computrons) * 1000) / ms).toFixed(0)}`,
  );
} finally {
  await close();
  fs.rmSync(dir, { recursive: true, force: true });
}
