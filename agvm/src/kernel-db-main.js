// The kernel's state-sync export and import as a short-lived process, so the
// running kernel never does this work (docs/state-sync.md). agd runs
//   <pinned node> src/kernel-db-main.js export STORE_DIR OUT_DIR HEIGHT
//   <pinned node> src/kernel-db-main.js import FROM_DIR STORE_DIR HEIGHT [CHAIN_ID]
// Each writes JSON lines on stdout: export first {"ready": true, ...} once
// its read transaction is open (agd waits for that line only, then lets the
// kernel go on), then both {"done": true, ...}. Errors go to stderr and the
// exit code is 1.

import './lockdown.js';
import { exportKernelDB, importKernelDB } from './kernel-db.js';

const say = obj => process.stdout.write(`${JSON.stringify(obj)}\n`);

function heightArg(s) {
  const h = Number(s);
  if (!Number.isSafeInteger(h) || h <= 0) throw Error(`height must be a positive integer, got ${JSON.stringify(s)}`);
  return h;
}

async function main([cmd, ...args]) {
  const t0 = performance.now();
  if (cmd === 'export' && args.length === 3) {
    const [storeDir, outDir, h] = args;
    const res = await exportKernelDB({ storeDir, outDir, height: heightArg(h), onReady: info => say({ ready: true, ...info }) });
    say({ done: true, ...res, ms: Math.round(performance.now() - t0) });
  } else if (cmd === 'import' && (args.length === 3 || args.length === 4)) {
    const [fromDir, storeDir, h, chainID] = args;
    const res = await importKernelDB({ fromDir, storeDir, height: heightArg(h), chainID });
    say({ done: true, ...res, ms: Math.round(performance.now() - t0) });
  } else {
    throw Error('usage: kernel-db-main.js export STORE_DIR OUT_DIR HEIGHT | import FROM_DIR STORE_DIR HEIGHT [CHAIN_ID]');
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  e => {
    process.stderr.write(`agvm kernel-db: ${e.message}\n`);
    process.exit(1);
  },
);
