// jsonrpc.js's pieces one at a time: what `make mutate` (Stryker) found the
// connection-level tests left unchecked. Fast, no child process.
import test from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { makeConnection, RpcError, ProtocolError, ErrorCodes, errorFromWire, MAX_NESTING } from '../src/jsonrpc.js';

function harness(handler = () => null) {
  const input = new PassThrough();
  const writes = [];
  const events = { protocolErrors: [], logs: [] };
  makeConnection({
    input,
    output: { write: buf => writes.push(buf.toString('utf8')) },
    handler,
    onProtocolError: e => events.protocolErrors.push(e),
    onEOF: () => {},
    log: m => events.logs.push(m),
  });
  const send = line => input.write(`${line}\n`);
  const messages = () => writes.map(w => JSON.parse(w));
  return { send, messages, events, writes };
}

async function settle(n = 5) {
  for (let i = 0; i < n; i += 1) await tick();
}

test('the pinned error codes (PROTOCOL.md)', () => {
  assert.deepEqual(
    { ...ErrorCodes },
    {
      PARSE_ERROR: -32700,
      INVALID_REQUEST: -32600,
      METHOD_NOT_FOUND: -32601,
      INVALID_PARAMS: -32602,
      INTERNAL_ERROR: -32603,
      SHUTTING_DOWN: -32001,
      NO_BLOCK_IN_PROGRESS: -32002,
      HEIGHT_MISMATCH: -32003,
    },
  );
});

test('RpcError and ProtocolError: names, and data/head only when given', () => {
  const bare = new RpcError(1, 'm');
  assert.equal(bare.name, 'RpcError');
  assert.equal('data' in bare, false);
  assert.deepEqual(Object.keys(bare.toJSON()), ['code', 'message']);
  const withData = new RpcError(2, 'n', { k: 1 });
  assert.deepEqual(withData.toJSON(), { code: 2, message: 'n', data: { k: 1 } });
  const pe = new ProtocolError(-32700, 'x');
  assert.equal(pe.name, 'ProtocolError');
  assert.equal('head' in pe, false);
  assert.deepEqual(new ProtocolError(-32700, 'x', Buffer.from('h')).head, Buffer.from('h'));
});

test('errorFromWire reads any value the peer put in "error"', () => {
  const read = e => {
    const r = errorFromWire(e);
    return { code: r.code, message: r.message, ...('data' in r ? { data: r.data } : {}) };
  };
  assert.deepEqual(read('plain'), { code: 0, message: 'plain' });
  assert.deepEqual(read({ code: -32601, message: 'm', data: [1] }), { code: -32601, message: 'm', data: [1] });
  assert.deepEqual(read({ code: 7.9, message: 'm', data: null }), { code: 7, message: 'm' });
  assert.deepEqual(read({ code: '7', message: 'm' }), { code: 0, message: 'm' });
  assert.deepEqual(read({ code: Infinity, message: 'm' }), { code: 0, message: 'm' });
  assert.deepEqual(read({ code: 3, message: 5 }), { code: 3, message: '{"code":3,"message":5}' });
  assert.deepEqual(read([1, 2]), { code: 0, message: '[1,2]' });
  assert.deepEqual(read(null), { code: 0, message: 'null' });
  assert.deepEqual(read(12), { code: 0, message: '12' });
  assert.deepEqual(read(true), { code: 0, message: 'true' });
  const loop = { code: 1 };
  loop.self = loop;
  assert.match(errorFromWire(loop).message, /^\(a value that cannot be printed: Converting circular structure/);
});

test('bad params are answered -32602 with what is wrong; the connection carries on', async () => {
  const h = harness(() => 'ok');
  const cases = [
    ['{"id":1,"method":"m"}', 'params is missing'],
    ['{"id":2,"method":"m","params":{}}', 'params is not an array'],
    ['{"id":3,"method":"m","params":[]}', 'params holds 0 values, want exactly one object'],
    ['{"id":4,"method":"m","params":[{},{}]}', 'params holds 2 values, want exactly one object'],
    ['{"id":5,"method":"m","params":[null]}', 'params holds a value that is not an object'],
    ['{"id":6,"method":"m","params":[[]]}', 'params holds a value that is not an object'],
    ['{"id":7,"method":"m","params":[3]}', 'params holds a value that is not an object'],
  ];
  for (const [line] of cases) h.send(line);
  h.send('{"id":8,"method":"m","params":[{}]}');
  await settle(20);
  const got = h.messages();
  assert.deepEqual(
    got.slice(0, cases.length).map(m => [m.id, m.error?.code, m.error?.message]),
    cases.map(([, why], i) => [i + 1, -32602, `m: ${why}`]),
  );
  assert.deepEqual(got[cases.length], { id: 8, result: 'ok', error: null });
  assert.equal(h.events.protocolErrors.length, 0);
});

test('messages of the wrong shape are protocol errors that say why', async () => {
  for (const [line, why] of [
    ['[1]', /^message is not a JSON object; it starts "\[1\]"/],
    ['null', /^message is not a JSON object/],
    ['{"error":"boom"}', /^peer reported an error without an id: boom; line starts/],
    ['{"result":1,"error":null}', /^message has neither a method nor an id; line starts/],
    ['{"result":1}', /^message has neither a method nor an id; line starts/],
  ]) {
    const h = harness();
    h.send(line);
    await settle();
    assert.equal(h.events.protocolErrors.length, 1, line);
    assert.equal(h.events.protocolErrors[0].code, -32600, line);
    assert.match(h.events.protocolErrors[0].message, why, line);
  }
});

test('nesting: MAX_NESTING levels pass, one more is refused; brackets in strings and closed ones do not count', async () => {
  const deep = n => `{"id":1,"method":"m","params":[{"a":${'['.repeat(n)}${']'.repeat(n)}}]}`;
  // The message object, params' array and its object take 3 levels.
  const ok = deep(MAX_NESTING - 3);
  const over = deep(MAX_NESTING - 2);
  const inString = `{"id":2,"method":"m","params":[{"s":"${'[{'.repeat(MAX_NESTING)}\\"${'['.repeat(MAX_NESTING)}"}]}`;
  const closed = `{"id":3,"method":"m","params":[{"a":[${'[],{},'.repeat(MAX_NESTING)}0]}]}`;
  for (const line of [ok, inString, closed]) {
    const h = harness(() => 'ok');
    h.send(line);
    await settle();
    assert.equal(h.events.protocolErrors.length, 0, `${line.slice(0, 40)}...: ${h.events.protocolErrors[0]?.message}`);
    assert.equal(h.messages()[0].result, 'ok');
  }
  const h = harness(() => 'ok');
  h.send(over);
  await settle();
  assert.equal(h.events.protocolErrors.length, 1);
  assert.equal(h.events.protocolErrors[0].code, -32700);
  assert.match(h.events.protocolErrors[0].message, new RegExp(`^line nests deeper than ${MAX_NESTING} levels`));
});

test('a line of JSON whitespace alone (space, tab, CR) carries nothing: no answer, no error', async () => {
  const h = harness(() => 'ok');
  h.send(' \t\r ');
  h.send('\t');
  h.send('{"id":1,"method":"m","params":[{}]}');
  await settle();
  assert.equal(h.events.protocolErrors.length, 0, h.events.protocolErrors[0]?.message);
  assert.deepEqual(h.messages(), [{ id: 1, result: 'ok', error: null }]);
});
