// npm run bench: deliveries per second through the whole kernel, and the
// share of block time spent crossing to agd.
//
// The kernel runs in this process behind a real JSON-RPC connection
// (src/jsonrpc.js framing both ways, over in-memory streams), with a fake agd
// on the other end that answers vstorage/vbank calls from memory and takes the
// slog.Write notifications. Each block carries DELIVERIES deliveries of the
// faucet's ping() (one store write each, outcome published in vstorage).
// agd_crossing_share = time EndBlock spent waiting on kernel→agd calls (the
// round trip incl. encoding and the fake's answer) / EndBlock's total time.
//
// Env: BENCH_BLOCKS (default 10), BENCH_DELIVERIES (default 1000 per block).

import { PassThrough } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { makeConnection } from '../src/jsonrpc.js';
import { makeKernel } from '../src/kernel.js';
import { openStore } from '../src/store.js';
import { makeSlogger } from '../src/slog.js';
import { loadBuiltinVats } from '../src/builtin-vats.js';
import { makeFakeAgd, CHAIN } from '../test/helpers/sim.js';

const BLOCKS = Number(process.env.BENCH_BLOCKS) || 10;
const DELIVERIES = Number(process.env.BENCH_DELIVERIES) || 1000;

const toKernel = new PassThrough();
const fromKernel = new PassThrough();
const store = openStore(':memory:');
const fake = makeFakeAgd();
let slogEntries = 0;

let crossingMs = 0;
let kernelConn;
const slog = makeSlogger({ send: entries => kernelConn.notify('slog.Write', { entries }) });
const kernel = makeKernel({
  store,
  slog,
  builtinVats: loadBuiltinVats(),
  maxCranksPerBlock: DELIVERIES,
  callAgd: async (method, params) => {
    const t0 = performance.now();
    try {
      return await kernelConn.call(method, params);
    } finally {
      crossingMs += performance.now() - t0;
    }
  },
});
kernelConn = makeConnection({
  input: toKernel,
  output: fromKernel,
  handler: (m, p) => kernel.handle(m, p),
  afterHandle: () => slog.flush(),
  onProtocolError: e => {
    throw e;
  },
  onEOF: () => {},
});
const agdConn = makeConnection({
  input: fromKernel,
  output: toKernel,
  handler: (method, params) => {
    if (method === 'slog.Write') {
      slogEntries += params.entries.length;
      return null;
    }
    return fake.answer(method, params);
  },
  onProtocolError: e => {
    throw e;
  },
  onEOF: () => {},
});

await agdConn.call('swingset.Init', { protocolVersion: 1, chainID: CHAIN, cosmosHeight: 0, isBootstrap: true });
let endBlockMs = 0;
let delivered = 0;
let id = 0;
for (let h = 1; h <= BLOCKS + 1; h += 1) {
  const actions = Array.from({ length: DELIVERIES }, () => {
    id += 1;
    return { type: 'DELIVER_INBOUND', id, blockHeight: h, sender: 'agoric1bench', target: 'faucet', method: 'ping', args: [] };
  });
  await agdConn.call('swingset.BeginBlock', { blockHeight: h, blockTime: 1700000000 + h, chainID: CHAIN });
  const crossing0 = crossingMs;
  const t0 = performance.now();
  await agdConn.call('swingset.EndBlock', { blockHeight: h, blockTime: 1700000000 + h, actions });
  const dt = performance.now() - t0;
  await agdConn.call('swingset.Commit', { blockHeight: h });
  if (h === 1) {
    crossingMs = crossing0; // block 1 creates the built-in vats and warms up: not counted
    continue;
  }
  endBlockMs += dt;
  delivered += DELIVERIES;
}
const last = JSON.parse(fake.vstorage.get(`published.swingset.deliver.${id}`));
if (last.result !== id) throw Error(`bench: last ping answered ${JSON.stringify(last)}, expected ${id}`);

const perS = delivered / (endBlockMs / 1000);
const share = crossingMs / endBlockMs;
console.log(
  `agvm bench: ${BLOCKS} blocks x ${DELIVERIES} deliveries (faucet.ping, one store write each), ` +
    `EndBlock ${endBlockMs.toFixed(0)} ms, crossing to agd ${crossingMs.toFixed(1)} ms, ` +
    `${slogEntries} slog entries, agd calls: ${fake.calls.length}`,
);
console.log(`agvm: deliveries_per_s=${Math.round(perS)} agd_crossing_share=${share.toFixed(4)}`);
store.close();
process.exit(0);
