// callSync: a call to agd that blocks until the answer is read, as a
// SwingSet device needs (host.js bridge). Here the peer is scripted: each
// readSync returns the next chunk, as the blocking pipe would.
import test from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { makeConnection, RpcError, ErrorCodes } from '../src/jsonrpc.js';

/**
 * A connection whose blocking reads return `script`'s chunks in turn (0
 * bytes, EOF, when it runs out). `script` entries may be functions of the
 * lines written so far, so an answer can echo a request's id.
 */
function harness({ script = [], handler = () => null } = {}) {
  const input = new PassThrough();
  const written = [];
  const handled = [];
  const reads = { n: 0 };
  let eof = false;
  const conn = makeConnection({
    input,
    output: { write: buf => written.push(JSON.parse(buf.toString('utf8'))) },
    handler: (method, params) => {
      handled.push(method);
      return handler(method, params);
    },
    onProtocolError: () => {},
    onEOF: () => (eof = true),
    readSync: buf => {
      reads.n += 1;
      const next = script.shift();
      if (next === undefined) return 0;
      const text = typeof next === 'function' ? next(written) : next;
      return buf.write(text, 'utf8');
    },
  });
  return { conn, input, written, handled, reads, eofSeen: () => eof };
}

const answerTo = (result, i = -1) => written => `${JSON.stringify({ id: written.at(i).id, result, error: null })}\n`;

test('callSync writes the request, then returns the answer read from the pipe', () => {
  const h = harness({ script: [answerTo({ nonce: 7 })] });
  const result = h.conn.callSync('vbank.Give', { address: 'agoric1x', denom: 'ubld', amount: '5' });
  assert.deepEqual(result, { nonce: 7 });
  assert.deepEqual(h.written, [{ id: 1, method: 'vbank.Give', params: [{ address: 'agoric1x', denom: 'ubld', amount: '5' }] }]);
  assert.equal(h.conn.pendingCalls, 0);
});

test('an answer split across reads, or after other lines in one read, is found', () => {
  const h = harness({
    script: [
      w => `{"id":${w[0].id},"res`,
      'ult":"12","error":null}\n',
    ],
  });
  assert.equal(h.conn.callSync('vbank.GetBalance', {}), '12');
  assert.equal(h.reads.n, 2);
});

test("agd's error is thrown as an RpcError with its code", () => {
  const h = harness({ script: [w => `{"id":${w[0].id},"result":null,"error":{"code":-32010,"message":"insufficient funds"}}\n`] });
  assert.throws(() => h.conn.callSync('vbank.Grab', {}), e => e instanceof RpcError && e.code === -32010 && e.message === 'insufficient funds');
});

test('EOF while waiting throws, naming the call; the connection is ended', () => {
  const h = harness({ script: [] });
  assert.throws(() => h.conn.callSync('vstorage.Get', {}), /EOF from peer while waiting for vstorage\.Get/);
  assert.throws(() => h.conn.callSync('vstorage.Get', {}), /connection closed, cannot call vstorage\.Get/);
});

test('a read that fails counts as EOF, and is logged', () => {
  const logs = [];
  const conn = makeConnection({
    input: new PassThrough(),
    output: { write() {} },
    handler: () => null,
    onProtocolError: () => {},
    onEOF: () => {},
    log: m => logs.push(m),
    readSync: () => {
      throw Object.assign(Error('EBADF: bad file descriptor'), { code: 'EBADF' });
    },
  });
  assert.throws(() => conn.callSync('vbank.Give', {}), /EOF from peer while waiting for vbank\.Give/);
  assert.deepEqual(logs, ['read from peer failed: EBADF: bad file descriptor']);
});

test('calls after EOF fail at once and write nothing, sync or not', async () => {
  const h = harness({ script: [] });
  assert.throws(() => h.conn.callSync('vstorage.Get', {}), /EOF from peer/);
  const written = h.written.length;
  assert.throws(() => h.conn.callSync('vstorage.Get', {}), /connection closed, cannot call vstorage\.Get/);
  await assert.rejects(h.conn.call('vbank.Give', {}), /connection closed, cannot call vbank\.Give/);
  h.conn.notify('slog.Write', {});
  assert.equal(h.written.length, written + 1, 'only the notification: a connection that ended may still write');
  assert.equal(h.reads.n, 1);
});

test('sync and async calls share one sequence of ids', async () => {
  const h = harness({ script: [answerTo(1), answerTo(2)] });
  h.conn.callSync('vstorage.Get', {});
  const pending = h.conn.call('vstorage.Get', {});
  h.conn.callSync('vstorage.Get', {});
  assert.deepEqual(h.written.map(m => m.id), [1, 2, 3]);
  assert.equal(h.conn.pendingCalls, 1, 'the async call still waits');
  h.input.write('{"id":2,"result":"late","error":null}\n');
  assert.equal(await pending, 'late');
});

test('a write that throws leaves no call pending', () => {
  const conn = makeConnection({
    input: new PassThrough(),
    output: {
      write() {
        throw Error('EPIPE');
      },
    },
    handler: () => null,
    onProtocolError: () => {},
    onEOF: () => {},
    readSync: () => 0,
  });
  assert.throws(() => conn.callSync('vbank.Give', {}), /EPIPE/);
  assert.equal(conn.pendingCalls, 0);
});

test('after a protocol error, nothing more is written: no call, no notification', () => {
  const h = harness({ script: ['not json\n'] });
  assert.throws(() => h.conn.callSync('vstorage.Get', {}), /connection closed: line is not JSON/);
  const written = h.written.length;
  h.conn.notify('slog.Write', {});
  assert.throws(() => h.conn.callSync('vstorage.Get', {}), /connection closed, cannot call/);
  assert.equal(h.written.length, written);
});

test('a request that arrives during the wait is handled after it, not inside it', async () => {
  const order = [];
  const h = harness({
    script: [
      '{"id":5,"method":"swingset.Commit","params":[{"blockHeight":1}]}\n',
      answerTo('ok', 0),
    ],
    handler: method => {
      order.push(`handled ${method}`);
      return null;
    },
  });
  assert.equal(h.conn.callSync('vstorage.Get', { path: 'x' }), 'ok');
  order.push('callSync returned');
  await tick();
  await tick();
  assert.deepEqual(order, ['callSync returned', 'handled swingset.Commit']);
  assert.deepEqual(h.written.at(-1), { id: 5, result: null, error: null });
});

test('answers to async calls that arrive during the wait settle those calls', async () => {
  const h = harness({
    script: [w => `{"id":${w[0].id},"result":"async answer","error":null}\n${JSON.stringify({ id: w[1].id, result: 'sync answer', error: null })}\n`],
  });
  const pending = h.conn.call('vstorage.Get', { path: 'a' });
  assert.equal(h.conn.callSync('vstorage.Get', { path: 'b' }), 'sync answer');
  assert.equal(await pending, 'async answer');
});

test("bytes Node already took from the pipe are read before the blocking reads", () => {
  const h = harness({ script: [] });
  h.input.pause(); // the stream holds what arrives, as a socket between two reads would
  h.input.write('{"id":1,"result":"buffered","error":null}\n');
  assert.equal(h.conn.callSync('vstorage.Get', {}), 'buffered');
  assert.equal(h.reads.n, 0);
});

test('without readSync, callSync refuses, naming the method', () => {
  const conn = makeConnection({ input: new PassThrough(), output: { write() {} }, handler: () => null, onProtocolError: () => {}, onEOF: () => {} });
  assert.throws(() => conn.callSync('vbank.Give', {}), e => e.code === ErrorCodes.INTERNAL_ERROR && /cannot call vbank\.Give synchronously/.test(e.message));
});
