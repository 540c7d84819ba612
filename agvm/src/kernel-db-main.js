// The kernel's state-sync export and import as a short-lived process, so the
// running kernel never does this work (docs/state-sync.md). agd runs
//   <pinned node> src/kernel-db-main.js export STORE_DIR OUT_DIR HEIGHT [--when-told]
//   <pinned node> src/kernel-db-main.js import FROM_DIR STORE_DIR HEIGHT [CHAIN_ID]
// Each writes JSON lines on stdout: export first {"ready": true, ...} once
// its read transaction is open (agd waits for that line only, then lets the
// kernel go on), then both {"done": true, ...}. Errors go to stderr and the
// exit code is 1.
// With --when-told, agd starts the exporter a block ahead: it loads its
// modules, says {"loaded": true} and waits for a line on stdin, sent once the
// kernel has committed HEIGHT, before it opens its read transaction. If stdin
// closes first (agd stopped, or gave up on it), it exits 0 having read
// nothing.

import './lockdown.js';
import readline from 'node:readline';
import { exportKernelDB, importKernelDB } from './kernel-db.js';

const say = obj => process.stdout.write(`${JSON.stringify(obj)}\n`);

function heightArg(s) {
  const h = Number(s);
  if (!Number.isSafeInteger(h) || h <= 0) throw Error(`height must be a positive integer, got ${JSON.stringify(s)}`);
  return h;
}

/** Resolves true at stdin's first line, false if stdin closes first. */
function toldToGo() {
  return new Promise(resolve => {
    const rl = readline.createInterface({ input: process.stdin });
    let told = false;
    rl.once('line', () => {
      told = true;
      rl.close();
    });
    rl.once('close', () => resolve(told));
  });
}

async function main([cmd, ...args]) {
  let t0 = performance.now();
  const whenTold = cmd === 'export' && args.length === 4 && args[3] === '--when-told';
  if (cmd === 'export' && (args.length === 3 || whenTold)) {
    const [storeDir, outDir, h] = args;
    const height = heightArg(h);
    if (whenTold) {
      say({ loaded: true, ms: Math.round(performance.now() - t0) });
      if (!(await toldToGo())) {
        say({ done: false, reason: 'stdin closed before agd said go' });
        return;
      }
      t0 = performance.now();
      process.stdin.destroy();
    }
    const res = await exportKernelDB({ storeDir, outDir, height, onReady: info => say({ ready: true, ...info }) });
    say({ done: true, ...res, ms: Math.round(performance.now() - t0) });
  } else if (cmd === 'import' && (args.length === 3 || args.length === 4)) {
    const [fromDir, storeDir, h, chainID] = args;
    const res = await importKernelDB({ fromDir, storeDir, height: heightArg(h), chainID });
    say({ done: true, ...res, ms: Math.round(performance.now() - t0) });
  } else {
    throw Error('usage: kernel-db-main.js export STORE_DIR OUT_DIR HEIGHT [--when-told] | import FROM_DIR STORE_DIR HEIGHT [CHAIN_ID]');
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  e => {
    process.stderr.write(`agvm kernel-db: ${e.message}\n`);
    process.exit(1);
  },
);
