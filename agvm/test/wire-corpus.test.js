// The shared wire corpus (testdata/wire/cases.json, format in
// testdata/wire/README.md) run against the kernel's real connection,
// src/jsonrpc.js. agd's rpc package runs the same file (rpc/wire_corpus_test.go),
// so both ends answer every case alike.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeConnection, RpcError, ErrorCodes, DEFAULT_MAX_LINE_BYTES } from '../src/jsonrpc.js';
import { corpusHandler, CORPUS_PATH } from './helpers/wire-corpus.js';

const corpus = JSON.parse(fs.readFileSync(CORPUS_PATH, 'utf8'));

test('the corpus and jsonrpc.js agree on the default maximum line', () => {
  assert.equal(corpus.default_max_line, DEFAULT_MAX_LINE_BYTES);
});

/** Wait until cond() holds, giving the connection's promises time to run. */
async function until(cond, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/** Top-level member names of a JSON object text, in order. */
function topKeys(text) {
  return Object.keys(JSON.parse(text));
}

function checkWritten(got, want) {
  assert.equal(got.length, want.length, `wrote ${got.length} lines, want ${want.length}:\n${got.join('\n')}`);
  want.forEach((w, i) => {
    const line = got[i];
    if (typeof w === 'string') {
      assert.deepEqual(JSON.parse(line), JSON.parse(w), `line ${i}`);
      assert.deepEqual(topKeys(line), topKeys(w), `line ${i}: members in the pinned order`);
      return;
    }
    const m = JSON.parse(line);
    assert.deepEqual(topKeys(line), ['id', 'result', 'error'], `line ${i}: ${line}`);
    assert.deepEqual(m.id, w.id, `line ${i}: id`);
    assert.equal(m.result, null, `line ${i}: result`);
    assert.equal(m.error?.code, w.error, `line ${i}: ${line}`);
    assert.ok(typeof m.error.message === 'string' && m.error.message !== '', `line ${i}: message`);
  });
}

async function checkCallResult(i, outcome, want) {
  if (want === null) return; // a notification
  if (want === 'pending') {
    await sleep(20);
    assert.equal(outcome.settled, false, `call ${i} settled (${JSON.stringify(outcome)}); want it still waiting`);
    return;
  }
  await until(() => outcome.settled, `call ${i}`);
  if ('result' in want) {
    assert.equal(outcome.error, undefined, `call ${i} failed: ${outcome.error?.message}`);
    assert.deepEqual(outcome.result, want.result, `call ${i}`);
  } else if (want.error === 'closed') {
    assert.ok(outcome.error instanceof RpcError && /connection closed/.test(outcome.error.message), `call ${i}: ${outcome.error}`);
  } else {
    const e = outcome.error;
    assert.ok(e instanceof RpcError, `call ${i}: want an error, got ${JSON.stringify(outcome.result)}`);
    assert.equal(e.code, want.error.code, `call ${i}: code`);
    assert.equal(e.message, want.error.message, `call ${i}: message`);
    assert.deepEqual(e.data, want.error.data, `call ${i}: data`);
  }
}

for (const c of corpus.cases) {
  test(`wire case ${c.name}`, async () => {
    const input = new PassThrough();
    const writes = [];
    const output = {
      write: buf => {
        writes.push(buf.toString('utf8'));
      },
    };
    const protocolErrors = [];
    const logs = [];
    const conn = makeConnection({
      input,
      output,
      handler: corpusHandler(),
      onProtocolError: e => protocolErrors.push(e),
      onEOF: () => {},
      log: m => logs.push(m),
      maxLineBytes: c.max_line,
    });

    const outcomes = [];
    for (const call of c.calls ?? []) {
      if (call.notify) {
        conn.notify(call.method, call.params);
        outcomes.push(null);
        continue;
      }
      const o = { settled: false };
      conn.call(call.method, call.params).then(
        r => Object.assign(o, { settled: true, result: r }),
        e => Object.assign(o, { settled: true, error: e }),
      );
      outcomes.push(o);
    }

    input.write(c.raw ?? c.input.map(l => `${l}\n`).join(''));
    const open = c.expect.end === 'open';
    if (open) {
      input.write(`${corpus.probe.send}\n`);
      await until(() => writes.includes(`${corpus.probe.answer}\n`), 'the probe\'s answer');
      assert.deepEqual(protocolErrors, []);
    } else {
      await until(() => protocolErrors.length > 0, `a close with ${c.expect.end.closed}`);
      await sleep(20); // anything wrongly written after the close shows now
      assert.equal(protocolErrors.length, 1);
      const [pe] = protocolErrors;
      assert.equal(pe.code, c.expect.end.closed, pe.message);
      if (c.expect.end.head !== undefined) assert.equal(pe.head.toString('utf8'), c.expect.end.head);
    }

    for (const w of writes) assert.equal(w.indexOf('\n'), w.length - 1, `one whole line per write: ${JSON.stringify(w)}`);
    const lines = writes.map(w => w.slice(0, -1));
    if (open) lines.pop(); // the probe's answer
    checkWritten(lines, c.expect.written);

    for (const [i, want] of (c.expect.call_results ?? []).entries()) {
      await checkCallResult(i, outcomes[i], want);
    }
    if (c.expect.log) assert.ok(logs.length > 0, 'nothing was logged');
    input.end();
  });
}

test('the corpus service answers unknown methods -32601, as the kernel does', async () => {
  await assert.rejects(
    async () => corpusHandler()('nope.Nope', {}, { isNotification: false }),
    e => e instanceof RpcError && e.code === ErrorCodes.METHOD_NOT_FOUND,
  );
});
