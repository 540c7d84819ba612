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

// What the first full Stryker run of the connection left alive (make mutate).
function conn(opts = {}) {
  const input = new PassThrough();
  const writes = [];
  const ev = { logs: [], unpropagated: [], eof: 0, protocolErrors: [] };
  const c = makeConnection({
    input,
    output: { write: buf => writes.push(buf.toString('utf8')) },
    handler: () => null,
    onProtocolError: e => ev.protocolErrors.push(e),
    onEOF: () => (ev.eof += 1),
    log: m => ev.logs.push(m),
    onUnpropagated: (site, message) => ev.unpropagated.push([site, message]),
    ...opts,
  });
  const send = line => input.write(`${line}\n`);
  const messages = () => writes.map(w => JSON.parse(w));
  return { c, input, writes, ev, send, messages };
}

test('a handler that throws something other than an RpcError: -32603 with its message, and a log with its stack', async () => {
  const h = conn({
    handler: method => {
      if (method === 'a') throw Error('boom');
      if (method === 'b') throw null; // eslint-disable-line no-throw-literal
      throw new RpcError(-32602, 'bad');
    },
  });
  h.send('{"id":1,"method":"a","params":[{}]}');
  h.send('{"id":2,"method":"b","params":[{}]}');
  h.send('{"id":3,"method":"c","params":[{}]}');
  await settle();
  assert.deepEqual(h.messages().map(m => m.error), [
    { code: -32603, message: 'boom' },
    { code: -32603, message: 'null' },
    { code: -32602, message: 'bad' },
  ]);
  assert.equal(h.ev.logs.length, 2, `only the two that were not RpcErrors are logged: ${h.ev.logs}`);
  assert.match(h.ev.logs[0], /^handler for a failed: Error: boom\n\s+at /);
  assert.equal(h.ev.logs[1], 'handler for b failed: null');
});

test('an afterHandle that throws is reported with its stack, and the response still goes', async () => {
  const h = conn({
    afterHandle: () => {
      throw Error('flush failed');
    },
  });
  h.send('{"id":1,"method":"a","params":[{}]}');
  await settle();
  assert.deepEqual(h.messages(), [{ id: 1, result: null, error: null }]);
  assert.equal(h.ev.unpropagated.length, 1);
  assert.equal(h.ev.unpropagated[0][0], 'rpc_after_handle');
  assert.match(h.ev.unpropagated[0][1], /^afterHandle failed: Error: flush failed\n\s+at /);
});

test('a notification that succeeds reports nothing; one that fails reports its code and message', async () => {
  const h = conn({
    handler: method => {
      if (method === 'bad') throw new RpcError(-32602, 'no');
      return 'ignored';
    },
  });
  h.send('{"id":null,"method":"good","params":[{}]}');
  h.send('{"id":null,"method":"bad","params":[{}]}');
  await settle();
  assert.deepEqual(h.writes, []);
  assert.deepEqual(h.ev.unpropagated, [['rpc_notification', 'notification bad failed: -32602 no']]);
});

test('a string stream (setEncoding) is framed like a byte stream', async () => {
  const h = conn({ handler: () => 'é' });
  h.input.setEncoding('utf8');
  h.send('{"id":1,"method":"a","params":[{}]}');
  await settle();
  assert.deepEqual(h.messages(), [{ id: 1, result: 'é', error: null }]);
});

test('the JSON value null is a message that is not an object', async () => {
  const h = conn();
  h.send('null');
  await settle();
  assert.equal(h.ev.protocolErrors.length, 1);
  assert.equal(h.ev.protocolErrors[0].code, ErrorCodes.INVALID_REQUEST);
  assert.match(h.ev.protocolErrors[0].message, /^message is not a JSON object/);
});

test('after a protocol error: pending calls fail and are forgotten, later lines are not handled, a late answer is not written', async () => {
  let release;
  const handled = [];
  const h = conn({
    handler: async method => {
      handled.push(method);
      if (method === 'slow') await new Promise(r => (release = r));
      return 'done';
    },
  });
  const call = h.c.call('x.Y', {});
  call.catch(() => {}); // asserted below
  h.send('{"id":1,"method":"slow","params":[{}]}');
  await settle();
  h.send('not json');
  h.send('{"id":2,"method":"after","params":[{}]}');
  await settle();
  await assert.rejects(call, /connection closed: line is not JSON/);
  assert.equal(h.c.pendingCalls, 0);
  release();
  await settle();
  assert.deepEqual(handled, ['slow']);
  assert.deepEqual(h.messages().map(m => m.method ?? 'answer'), ['x.Y'], 'only our own call: no answer to "slow"');
});

test('EOF: pending calls fail and are forgotten, an unterminated line is logged by size, and EOF is reported once', async () => {
  const h = conn();
  const call = h.c.call('x.Y', {});
  call.catch(() => {}); // asserted below
  h.input.write('{"id":');
  h.input.end();
  await settle();
  await assert.rejects(call, /EOF from peer while waiting for x\.Y/);
  assert.equal(h.c.pendingCalls, 0);
  assert.deepEqual(h.ev.logs, ['EOF after 6 bytes of an unterminated line (ignored)']);
  assert.equal(h.ev.eof, 1);
  const clean = conn();
  clean.input.end();
  await settle();
  assert.deepEqual(clean.ev.logs, [], 'no unterminated line, no log');
});

test('after a line over the maximum, the splitter takes nothing more', async () => {
  const h = conn({ maxLineBytes: 16 });
  h.input.write('{"id":1,"method":"much too long"');
  h.send('{"id":2,"method":"a","params":[{}]}');
  await settle();
  assert.equal(h.ev.protocolErrors.length, 1);
  assert.deepEqual(h.writes, []);
});

test('notifyJSON splices the params text in as is; after a protocol error it writes nothing', async () => {
  const h = conn();
  h.c.notifyJSON('slog.Write', '{"entries":[{"type":"x"}]}');
  assert.deepEqual(h.writes, ['{"id":null,"method":"slog.Write","params":[{"entries":[{"type":"x"}]}]}\n']);
  h.send('not json');
  await settle();
  h.c.notifyJSON('slog.Write', '{"entries":[]}');
  assert.equal(h.writes.length, 1);
});

/** An output whose write throws `thrown` the first time, then counts. */
function failingOutput(thrown) {
  const out = {
    writes: 0,
    write() {
      out.writes += 1;
      if (out.writes === 1) throw thrown;
    },
  };
  return out;
}

test('a response that cannot be written is reported by site, and the requests queued behind it are still handled', async () => {
  const handled = [];
  const output = failingOutput(Error('EPIPE: broken pipe'));
  const h = conn({ output, handler: method => handled.push(method) });
  h.input.write('{"id":1,"method":"a","params":[{}]}\n{"id":2,"method":"b","params":[{}]}\n');
  await settle();
  assert.deepEqual(handled, ['a', 'b']);
  assert.equal(output.writes, 2);
  assert.equal(h.ev.unpropagated.length, 1);
  assert.equal(h.ev.unpropagated[0][0], 'rpc_handling');
  assert.match(h.ev.unpropagated[0][1], /^handling a failed: Error: EPIPE: broken pipe\n\s+at /);
});

test('lines after a protocol error in the same chunk are not handled', async () => {
  const handled = [];
  const h = conn({ handler: method => handled.push(method) });
  h.input.write('not json\n{"id":2,"method":"after","params":[{}]}\n');
  await settle();
  assert.equal(h.ev.protocolErrors.length, 1);
  assert.deepEqual(handled, []);
  assert.deepEqual(h.writes, []);
});

test('a number is a message that is not an object', async () => {
  const h = conn();
  h.send('5');
  await settle();
  assert.match(h.ev.protocolErrors[0].message, /^message is not a JSON object/);
});

test('a thrown null is reported as null by afterHandle and by a failed response write', async () => {
  const h = conn({
    afterHandle: () => {
      throw null; // eslint-disable-line no-throw-literal
    },
  });
  h.send('{"id":1,"method":"a","params":[{}]}');
  await settle();
  assert.deepEqual(h.ev.unpropagated, [['rpc_after_handle', 'afterHandle failed: null']]);
  const w = conn({ output: failingOutput(null) });
  w.send('{"id":1,"method":"a","params":[{}]}');
  await settle();
  assert.deepEqual(w.ev.unpropagated, [['rpc_handling', 'handling a failed: null']]);
});
