// What a vat's call to agd costs inside the kernel alone: 300 faucet pings
// (each publishes its outcome with one bridge call) on the host in process,
// with sim.js's fake agd answering at once, so no pipe and no agd. Prints
// the callNow syscalls' durations from SwingSet's own slog (kernel side).
// Compare with the same figure from an agd node's slog (docs/performance.md).
//   node bench/callnow.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootKernel, init, block, deliver, makeFakeAgd } from '../test/helpers/sim.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-callnow-'));
const k = bootKernel({ dir, agd: makeFakeAgd() });
await init(k.kernel);
for (let h = 1; h <= 3; h += 1) {
  await block(k.kernel, h, { actions: Array.from({ length: 100 }, (_, i) => deliver(h * 1000 + i, 'faucet', 'ping')) });
}
const ms = k.slogs.filter(e => e.type === 'syscall-result' && e.syscall === 'callNow').map(e => e.seconds * 1000);
ms.sort((a, b) => a - b);
const at = q => ms[Math.min(ms.length - 1, Math.floor(ms.length * q))].toFixed(3);
console.log(`callNow in process: n=${ms.length} p50=${at(0.5)} ms p90=${at(0.9)} ms`);
await k.close();
fs.rmSync(dir, { recursive: true, force: true });
