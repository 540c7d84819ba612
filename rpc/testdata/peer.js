'use strict';
// A small JSON-RPC 1.0 peer for rpc/'s tests and benchmark: pure Node, no
// npm. It finds its pipes the way the kernel does (AGVM_FROM_AGD and
// AGVM_TO_AGD) and speaks the shapes of docs/protocol.md.
//
//   node peer.js            serve test.* methods and call back on request
//   node peer.js raw        echo bytes as they come (the benchmark's floor)
//   node peer.js drive KIND N METHOD
//                           call the Go side N times (KIND seq, pipelined,
//                           raw or slog), print one JSON result to stdout,
//                           and exit
// PEER_RECORD=path appends every line received to path, byte for byte.

const fs = require('fs');
const net = require('net');

const fromGo = Number(process.env.AGVM_FROM_AGD || 4);
const toGo = Number(process.env.AGVM_TO_AGD || 5);
const record = process.env.PEER_RECORD;

const input = new net.Socket({ fd: fromGo, readable: true, writable: false });
const output = new net.Socket({ fd: toGo, readable: false, writable: true });
input.on('end', () => process.exit(0));
output.on('error', () => process.exit(0));

const [mode = 'serve', kind, nArg, method] = process.argv.slice(2);

if (mode === 'raw') {
  input.on('data', (chunk) => output.write(chunk));
} else {
  let partial = null;
  input.on('data', (chunk) => {
    if (partial) {
      chunk = Buffer.concat([partial, chunk]);
      partial = null;
    }
    let start = 0;
    let nl;
    while ((nl = chunk.indexOf(10, start)) !== -1) {
      const line = chunk.toString('utf8', start, nl);
      start = nl + 1;
      if (record) fs.appendFileSync(record, line + '\n');
      onLine(line);
    }
    if (start < chunk.length) partial = chunk.subarray(start);
  });
  // After this module's top level has run, so every binding below exists.
  if (mode === 'drive') setImmediate(() => drive(kind, Number(nArg), method).then((r) => {
    process.stdout.write(JSON.stringify(r) + '\n', () => process.exit(0));
  }, (e) => {
    process.stderr.write(`drive failed: ${e && e.stack || e}\n`);
    process.exit(1);
  }));
}

// answered marks a request whose handler wrote its own response.
const answered = Symbol('answered');
let lastID = 0;
const pending = new Map();

function send(msg) {
  return output.write(JSON.stringify(msg) + '\n');
}

function call(m, params) {
  const id = ++lastID;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ id, method: m, params: [params] });
  });
}

function onLine(line) {
  const msg = JSON.parse(line);
  if (!msg.method) {
    const p = pending.get(msg.id);
    if (!p) return; // a test's stray response; PEER_RECORD has it
    pending.delete(msg.id);
    if (msg.error != null) p.reject(msg.error);
    else p.resolve(msg.result);
    return;
  }
  const isNotification = msg.id === null || msg.id === undefined;
  if (msg.method === 'test.Echo' && !isNotification) { // answered at once, as a kernel answers simple queries
    send({ id: msg.id, result: msg.params[0], error: null });
    return;
  }
  Promise.resolve()
    .then(() => serve(msg.method, msg.params[0], msg.id))
    .then((result) => {
      if (!isNotification && result !== answered) send({ id: msg.id, result: result === undefined ? null : result, error: null });
    }, (error) => {
      if (!isNotification) send({ id: msg.id, result: null, error });
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function writeSlowly(text, delayMs) {
  for (const b of Buffer.from(text)) {
    output.write(Buffer.from([b]));
    await sleep(delayMs);
  }
}

async function serve(m, p, requestID) {
  switch (m) {
    case 'test.Echo':
      return p;
    case 'test.Fail':
      throw p;
    case 'test.Sleep':
      await sleep(p.ms);
      return null;
    case 'test.Send': // write each message as given, then answer
      for (const msg of p.messages) send(msg);
      return true;
    case 'test.Call': // call the Go side while Go waits for this answer
      return call(p.method, p.params);
    case 'test.Burst': { // fire requests and notifications without waiting
      const calls = [];
      for (let i = 0; i < p.count; i++) {
        if (i % 3 === 2) send({ id: null, method: p.method, params: [{ n: i }] });
        else calls.push(call(p.method, { n: i }));
      }
      await Promise.all(calls);
      return p.count;
    }
    case 'test.Slow': { // a request and then this answer, each byte by byte
      const id = ++lastID;
      const answer = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
      await writeSlowly(JSON.stringify({ id, method: p.method, params: [p.params] }) + '\n', p.delayMs);
      const result = await answer;
      const outer = { id: requestID, result, error: null };
      await writeSlowly(JSON.stringify(outer) + '\n', p.delayMs);
      return answered;
    }
    case 'test.Exit':
      setImmediate(() => process.exit(p.code));
      return null;
    default:
      throw { code: -32601, message: `method not found: ${m}` };
  }
}

function percentile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// The slog objects of a typical kernel delivery, for the slog.Write load.
function slogEntry(i) {
  return {
    type: 'deliver', crankNum: 1000 + i, vatID: 'v12', deliveryNum: i,
    kd: ['message', 'ko123', { methargs: { body: '#["getBalance",["agoric1abc123"]]', slots: [] }, result: 'kp456' }],
    time: 1712345678.123456, monotime: 12.345678,
  };
}

async function drive(kind, n, m) {
  const warm = Math.min(1000, Math.max(50, n / 10));
  const params = { address: 'agoric1abc123', denom: 'uist' };
  switch (kind) {
    case 'seq': {
      for (let i = 0; i < warm; i++) await call(m, params);
      const t = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        await call(m, params);
        t[i] = Number(process.hrtime.bigint() - t0);
      }
      t.sort();
      return { n, p50_ns: percentile(t, 0.5), p90_ns: percentile(t, 0.9) };
    }
    case 'pipelined': {
      const inflight = 64;
      const run = async (count) => {
        let next = 0;
        const worker = async () => { while (next++ < count) await call(m, params); };
        await Promise.all(Array.from({ length: inflight }, worker));
      };
      await run(warm);
      const t0 = process.hrtime.bigint();
      await run(n);
      const ns = Number(process.hrtime.bigint() - t0);
      return { n, calls_per_s: n / (ns / 1e9) };
    }
    case 'raw': {
      const ping = Buffer.from('ping-pon');
      let waiting = null;
      let got = 0;
      input.removeAllListeners('data');
      input.on('data', (chunk) => {
        got += chunk.length;
        if (got >= 8 && waiting) { got -= 8; const w = waiting; waiting = null; w(); }
      });
      const once = () => new Promise((r) => { waiting = r; output.write(ping); });
      for (let i = 0; i < warm; i++) await once();
      const t = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        await once();
        t[i] = Number(process.hrtime.bigint() - t0);
      }
      t.sort();
      return { n, p50_ns: percentile(t, 0.5), p90_ns: percentile(t, 0.9) };
    }
    case 'slog': { // n batches of 100 entries, serialised once: Go's absorption is measured
      const perBatch = 100;
      const entries = Array.from({ length: perBatch }, (_, i) => slogEntry(i));
      const line = JSON.stringify({ id: null, method: 'slog.Write', params: [{ entries }] }) + '\n';
      const buf = Buffer.from(line);
      for (let i = 0; i < n; i++) {
        if (!output.write(buf)) await new Promise((r) => output.once('drain', r));
      }
      const absorbed = await call(m, { entries: n * perBatch });
      return { batches: n, entries: n * perBatch, line_bytes: buf.length, absorbed };
    }
    default:
      throw Error(`unknown drive kind ${kind}`);
  }
}
