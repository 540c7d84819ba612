// Where a restart's time goes: a kernel over a store with the counter
// contract and 60 deliveries is closed and started again; prints the
// kernel's own slog markers of the second start, in ms after makeHost.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootKernel, init, block, deliver, install, makeFakeAgd } from '../test/helpers/sim.js';

const bundle = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../cmd/loadgen/bundle-counter.json', import.meta.url)), 'utf8'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-restart-'));
const agd = makeFakeAgd();
const quiet = { write() {}, writeEntry() {} };
let k = bootKernel({ dir, agd, slog: quiet });
await init(k.kernel);
await block(k.kernel, 1, { actions: [install(1, bundle)] });
const vat = JSON.parse(agd.vstorage.get('published.swingset.install.1')).vatID;
await block(k.kernel, 2, { actions: Array.from({ length: 60 }, (_, i) => deliver(10 + i, vat, 'bump')) });
await k.close();

const t0 = performance.now();
const marks = [];
const slog = {
  write(type) { marks.push([performance.now() - t0, type]); },
  writeEntry(e) { marks.push([performance.now() - t0, `${e.type}${e.vatID ? ` ${e.vatID}` : ''}`]); },
};
k = bootKernel({ dir, agd: agd.clone(), slog });
await init(k.kernel, 2);
const ready = performance.now() - t0;
for (const [ms, what] of marks) if (!/^(crank|deliver|syscall|clist)/.test(what)) console.log(ms.toFixed(0).padStart(6), what);
console.log(`restart: Init answered ${ready.toFixed(0)} ms after makeHost`);
await k.close();
fs.rmSync(dir, { recursive: true, force: true });
