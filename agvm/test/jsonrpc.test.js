import test from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import {
  makeConnection,
  RpcError,
  RawLine,
  ErrorCodes,
  LineSplitter,
  errorFromWire,
} from '../src/jsonrpc.js';

/** A connection whose peer is the test: feed lines in, read writes out. */
function harness({ handler = () => null, maxLineBytes, afterHandle } = {}) {
  const input = new PassThrough();
  const writes = []; // one entry per output.write call
  const output = { write: buf => writes.push(buf.toString('utf8')) };
  const events = { protocolErrors: [], eof: 0, logs: [], unpropagated: [] };
  const conn = makeConnection({
    input,
    output,
    handler,
    onProtocolError: e => events.protocolErrors.push(e),
    onEOF: () => {
      events.eof += 1;
    },
    log: m => events.logs.push(m),
    onUnpropagated: (site, message) => events.unpropagated.push({ site, message }),
    afterHandle,
    maxLineBytes,
  });
  const send = obj => input.write(`${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n`);
  const messages = () => writes.map(w => JSON.parse(w));
  return { input, writes, messages, conn, events, send };
}

async function settle(n = 5) {
  for (let i = 0; i < n; i += 1) await tick();
}

test('responses have the exact pinned shapes, one write per message', async () => {
  const h = harness({
    handler: (method, params) => {
      if (method === 'ok') return { echo: params };
      if (method === 'nothing') return undefined;
      throw new RpcError(ErrorCodes.HEIGHT_MISMATCH, 'bad height', { h: 3 });
    },
  });
  h.send({ id: 1, method: 'ok', params: [{ a: 1 }] });
  h.send({ id: 2, method: 'nothing', params: [{}] });
  h.send({ id: 3, method: 'fail', params: [{}] });
  await settle();
  assert.equal(h.writes.length, 3);
  for (const w of h.writes) {
    assert.ok(w.endsWith('\n'));
    assert.equal(w.indexOf('\n'), w.length - 1, 'exactly one line per write');
  }
  assert.equal(h.writes[0], '{"id":1,"result":{"echo":{"a":1}},"error":null}\n');
  assert.equal(h.writes[1], '{"id":2,"result":null,"error":null}\n');
  assert.equal(
    h.writes[2],
    '{"id":3,"result":null,"error":{"code":-32003,"message":"bad height","data":{"h":3}}}\n',
  );
  assert.ok(!h.writes.join('').includes('jsonrpc'));
});

test('non-RpcError exceptions become -32603; unknown members are ignored', async () => {
  const h = harness({
    handler: () => {
      throw Error('boom');
    },
  });
  h.send({ id: 7, method: 'x', params: [{}], jsonrpc: '2.0', extra: true });
  await settle();
  assert.deepEqual(h.messages(), [{ id: 7, result: null, error: { code: -32603, message: 'boom' } }]);
});

test('outgoing requests are numbered from 1 with params [obj]; notifications have id null', async () => {
  const h = harness();
  const p1 = h.conn.call('vbank.GetBalance', { address: 'a', denom: 'd' });
  const p2 = h.conn.call('vstorage.Get', { path: 'x' });
  h.conn.notify('slog.Write', { entries: [] });
  assert.equal(
    h.writes[0],
    '{"id":1,"method":"vbank.GetBalance","params":[{"address":"a","denom":"d"}]}\n',
  );
  assert.equal(h.writes[1], '{"id":2,"method":"vstorage.Get","params":[{"path":"x"}]}\n');
  assert.equal(h.writes[2], '{"id":null,"method":"slog.Write","params":[{"entries":[]}]}\n');
  // answer out of order
  h.send({ id: 2, result: null, error: null });
  h.send({ id: 1, result: '654321', error: null });
  assert.equal(await p1, '654321');
  assert.equal(await p2, null);
});

test('a string error is an error whose message is that string, with code 0', async () => {
  const h = harness();
  const p = h.conn.call('vbank.Give', {});
  h.send({ id: 1, result: null, error: 'insufficient funds' });
  await assert.rejects(p, e => e instanceof RpcError && e.message === 'insufficient funds' && e.code === 0);
  assert.equal(errorFromWire({ code: -32002, message: 'no block' }).code, -32002);
});

test('a missing id is a notification: handled, never answered', async () => {
  const seen = [];
  const h = harness({
    handler: (method, params, ctx) => {
      seen.push([method, params, ctx.isNotification]);
      return 'ignored';
    },
  });
  h.send({ method: 'vbank.BalanceUpdate', params: [{ nonce: 1, updates: [] }] });
  h.send({ id: null, method: 'vbank.BalanceUpdate', params: [{ nonce: 2, updates: [] }] });
  await settle();
  assert.deepEqual(seen, [
    ['vbank.BalanceUpdate', { nonce: 1, updates: [] }, true],
    ['vbank.BalanceUpdate', { nonce: 2, updates: [] }, true],
  ]);
  assert.equal(h.writes.length, 0);
});

test('nested call: a handler awaits a call to the peer, which answers meanwhile', async () => {
  let conn;
  const order = [];
  const h = harness({
    handler: async (method, params) => {
      order.push(`start ${method}`);
      if (method === 'swingset.EndBlock') {
        const bal = await conn.call('vbank.GetBalance', { address: 'agoric1abc123', denom: 'uist' });
        order.push(`got ${bal}`);
        return { balance: bal };
      }
      return null;
    },
  });
  conn = h.conn;
  h.send({ id: 10, method: 'swingset.EndBlock', params: [{}] });
  // queued behind EndBlock: must not start before EndBlock answered
  h.send({ id: 11, method: 'swingset.Commit', params: [{}] });
  await settle();
  assert.deepEqual(h.messages(), [
    { id: 1, method: 'vbank.GetBalance', params: [{ address: 'agoric1abc123', denom: 'uist' }] },
  ]);
  assert.deepEqual(order, ['start swingset.EndBlock']);
  h.send({ id: 1, result: '654321', error: null });
  await settle();
  assert.deepEqual(order, ['start swingset.EndBlock', 'got 654321', 'start swingset.Commit']);
  assert.deepEqual(h.messages().slice(1), [
    { id: 10, result: { balance: '654321' }, error: null },
    { id: 11, result: null, error: null },
  ]);
});

test('requests are handled one at a time in arrival order', async () => {
  const log = [];
  const h = harness({
    handler: async (method, params) => {
      log.push(`begin ${params.n}`);
      await settle(params.n === 1 ? 10 : 1);
      log.push(`end ${params.n}`);
      return params.n;
    },
  });
  h.send(
    [1, 2, 3].map(n => JSON.stringify({ id: n, method: 'm', params: [{ n }] })).join('\n'),
  );
  await settle(30);
  assert.deepEqual(log, ['begin 1', 'end 1', 'begin 2', 'end 2', 'begin 3', 'end 3']);
  assert.deepEqual(h.messages().map(m => m.result), [1, 2, 3]);
});

test('messages split across chunks and several per chunk are framed right', async () => {
  const seen = [];
  const h = harness({ handler: (m, p) => seen.push(p.n) });
  const text = [1, 2, 3].map(n => JSON.stringify({ id: null, method: 'm', params: [{ n }] })).join('\n') + '\n';
  for (let i = 0; i < text.length; i += 7) h.input.write(text.slice(i, i + 7));
  await settle();
  assert.deepEqual(seen, [1, 2, 3]);
});

test('unknown method reaches the handler, which answers -32601 (kernel does)', async () => {
  const h = harness({
    handler: m => {
      throw new RpcError(ErrorCodes.METHOD_NOT_FOUND, `method not found: ${m}`);
    },
  });
  h.send({ id: 5, method: 'nope.Nope', params: [{}] });
  await settle();
  assert.equal(h.messages()[0].error.code, -32601);
});

test('a message that is neither request nor response closes the connection with -32600', async () => {
  const h = harness();
  h.send({ foo: 1 });
  h.send({ id: 2, method: 'm', params: [{}] });
  await settle();
  assert.equal(h.writes.length, 0, 'never answered: an answer could only be taken for one to the peer');
  assert.equal(h.events.protocolErrors.length, 1);
  assert.equal(h.events.protocolErrors[0].code, -32600);
});

test('a message with an id and no method is a response; a stray one is logged, not answered', async () => {
  const h = harness();
  h.send({ id: 4, foo: 1 });
  await settle();
  assert.equal(h.writes.length, 0);
  assert.equal(h.events.protocolErrors.length, 0);
  assert.match(h.events.logs.join('\n'), /unknown id 4/);
});

test('a line that is not JSON is a protocol error naming its start', async () => {
  const h = harness();
  h.send('this is not json');
  await settle();
  assert.equal(h.events.protocolErrors.length, 1);
  assert.equal(h.events.protocolErrors[0].code, -32700);
  assert.match(h.events.protocolErrors[0].message, /this is not json/);
});

test('a line over the maximum is a protocol error with its first 200 bytes', async () => {
  const h = harness({ maxLineBytes: 1000 });
  const pending = assert.rejects(h.conn.call('vbank.GetBalance', {}), /connection closed/);
  h.input.write('x'.repeat(600));
  await settle();
  assert.equal(h.events.protocolErrors.length, 0, 'not yet over');
  h.input.write('y'.repeat(600));
  await settle();
  assert.equal(h.events.protocolErrors.length, 1);
  const err = h.events.protocolErrors[0];
  assert.equal(err.code, -32700);
  assert.equal(err.head.toString(), 'x'.repeat(200));
  assert.match(err.message, /longer than 1000 bytes/);
  assert.ok(err.message.includes('x'.repeat(200)));
  assert.ok(!err.message.includes('x'.repeat(201)));
  await pending;
});

test('a line of exactly the maximum is fine', () => {
  const lines = [];
  const tooLong = [];
  const s = new LineSplitter({ maxLineBytes: 10, onLine: l => lines.push(l.toString()), onTooLong: h => tooLong.push(h) });
  s.push(Buffer.from('0123456789\n01234'));
  s.push(Buffer.from('56789\nabc'));
  assert.deepEqual(lines, ['0123456789', '0123456789']);
  assert.equal(tooLong.length, 0);
  s.push(Buffer.from('defghijk'));
  assert.equal(tooLong.length, 1);
});

test('EOF rejects outstanding calls and is reported after queued work', async () => {
  const h = harness({
    handler: async () => {
      await settle(3);
      return 1;
    },
  });
  const p = assert.rejects(h.conn.call('vbank.GetBalance', {}), /EOF/);
  h.send({ id: 1, method: 'm', params: [{}] });
  h.input.end();
  await p;
  await settle(10);
  assert.equal(h.events.eof, 1);
  assert.deepEqual(h.messages().at(-1), { id: 1, result: 1, error: null });
});

test('RawLine makes the connection write a non-JSON line (fault injection)', async () => {
  const h = harness({ handler: () => new RawLine('garbage\nhere') });
  h.send({ id: 1, method: 'm', params: [{}] });
  await settle();
  assert.deepEqual(h.writes, ['garbage here\n']);
});

test('a result that will not encode is answered -32603, and the next request still is', async () => {
  const h = harness({
    handler: method => {
      if (method === 'big') return { n: 10n };
      if (method === 'deep') {
        let v = [];
        for (let i = 0; i < 100000; i += 1) v = [v];
        return v;
      }
      return 'fine';
    },
  });
  h.send({ id: 1, method: 'big', params: [{}] });
  h.send({ id: 2, method: 'deep', params: [{}] });
  h.send({ id: 3, method: 'ok', params: [{}] });
  await settle();
  const m = h.messages();
  assert.deepEqual(m.map(x => x.id), [1, 2, 3]);
  assert.equal(m[0].error.code, -32603);
  assert.equal(m[1].error.code, -32603);
  assert.deepEqual(m[2], { id: 3, result: 'fine', error: null });
  assert.equal(h.events.protocolErrors.length, 0);
});

test('an error value that cannot be printed still fails the call', async () => {
  const h = harness();
  const p = h.conn.call('vbank.Give', {});
  const deep = `${'['.repeat(9000)}${']'.repeat(9000)}`;
  h.send(`{"id":1,"result":null,"error":{"message":7,"deep":${deep}}}`);
  await assert.rejects(p, e => e instanceof RpcError && e.code === 0);
});

test('errors no response can carry are logged and reported by site', async () => {
  let flushes = 0;
  const h = harness({
    handler: method => {
      if (method === 'note') throw Error('notification boom');
      return null;
    },
    afterHandle: () => {
      flushes += 1;
      if (flushes === 2) throw Error('flush boom');
    },
  });
  h.send({ id: null, method: 'note', params: [{}] }); // a notification that fails
  h.send({ id: 1, method: 'ok', params: [{}] }); // its afterHandle fails; still answered
  await settle();
  assert.deepEqual(h.messages(), [{ id: 1, result: null, error: null }]);
  assert.deepEqual(
    h.events.unpropagated.map(u => u.site),
    ['rpc_notification', 'rpc_after_handle'],
  );
  assert.match(h.events.unpropagated[0].message, /notification note failed: -32603 notification boom/);
  assert.match(h.events.unpropagated[1].message, /afterHandle failed: Error: flush boom/);
  for (const u of h.events.unpropagated) assert.ok(h.events.logs.includes(u.message), 'each is logged too');
});
