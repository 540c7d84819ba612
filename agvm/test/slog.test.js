import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeSlogger, SLOG_BATCH_SIZE, ERROR_ENTRY, entryText } from '../src/slog.js';

test('entries carry type, fields, time and monotime; flushed in batches', () => {
  const batches = [];
  let t = 100;
  const slog = makeSlogger({ send: e => batches.push(e.map(x => JSON.parse(x))), now: () => (t += 0.5), monotime: () => 7.25 });
  slog.write('cosmic-swingset-begin-block', { blockHeight: 3, blockTime: 9 });
  assert.equal(batches.length, 0, 'buffered until flush');
  slog.flush();
  slog.flush(); // an empty batch is not sent
  assert.deepEqual(batches, [
    [{ type: 'cosmic-swingset-begin-block', blockHeight: 3, blockTime: 9, time: 100.5, monotime: 7.25 }],
  ]);
});

test(`a batch is sent as soon as it reaches ${SLOG_BATCH_SIZE} entries`, () => {
  const batches = [];
  const slog = makeSlogger({ send: e => batches.push(e.map(x => JSON.parse(x))) });
  for (let i = 0; i < SLOG_BATCH_SIZE + 1; i += 1) slog.write('x', { i });
  assert.equal(batches.length, 1);
  assert.equal(batches[0].length, SLOG_BATCH_SIZE);
  slog.close();
  assert.equal(batches.length, 2);
  assert.deepEqual(batches[1].map(e => e.i), [SLOG_BATCH_SIZE]);
});

test('SLOGFILE gets one JSON line per entry, appended', t => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-slog-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'slog.jsonl');
  fs.writeFileSync(file, '{"type":"earlier"}\n');
  const slog = makeSlogger({ send: () => {}, file });
  slog.write('a', { n: 1 });
  slog.write('b');
  slog.close();
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map(l => JSON.parse(l));
  assert.deepEqual(lines.map(l => l.type), ['earlier', 'a', 'b']);
  assert.equal(typeof lines[1].monotime, 'number');
});

test('an unusable SLOGFILE is refused, naming the path', () => {
  assert.throws(
    () => makeSlogger({ send: () => {}, file: '/nonexistent-dir/x/slog' }),
    /cannot open SLOGFILE \/nonexistent-dir\/x\/slog: ENOENT/,
  );
});

test('a SLOGFILE write that fails is logged and sent to agd as an agvm-error entry', () => {
  const batches = [];
  const logs = [];
  // /dev/full opens for append, and every write to it fails with ENOSPC.
  const slog = makeSlogger({ send: e => batches.push(e.map(x => JSON.parse(x))), file: '/dev/full', log: m => logs.push(m) });
  slog.write('a', { n: 1 });
  slog.write('b');
  slog.close();
  const entries = batches.flat();
  // The error is reported as the first entry fails to reach the file,
  // ahead of that entry.
  assert.deepEqual(entries.map(e => e.type), [ERROR_ENTRY, 'a', 'b'], 'every entry still reaches agd');
  assert.equal(entries[0].site, 'slog_file');
  assert.match(entries[0].error, /SLOGFILE write failed: ENOSPC.*file slog disabled/);
  assert.deepEqual(logs, [entries[0].error], 'logged once; the file slog is off after the first failure');
});

test("SwingSet's entries keep their key order, their bigints written as numbers at any depth", () => {
  const entries = [
    { type: 'crank-start', crankNum: 12n, crankType: 'delivery', time: 1.5, monotime: 2 },
    { type: 'deliver-result', crankNum: 3n, dr: ['ok', null, { compute: 10n, nested: [1n, { d: 2n }] }], time: 1, monotime: 2 },
    { type: 'plain', a: 'x', b: [1, 2], c: { toJSON: () => 'as JSON' }, time: 1, monotime: 2 },
  ];
  const replacer = (_k, v) => (typeof v === 'bigint' ? Number(v) : v);
  for (const e of entries) assert.equal(entryText(e), JSON.stringify(e, replacer), e.type);
  assert.equal(entryText(entries[1]), '{"type":"deliver-result","crankNum":3,"dr":["ok",null,{"compute":10,"nested":[1,{"d":2}]}],"time":1,"monotime":2}');
  const batches = [];
  const slog = makeSlogger({ send: e => batches.push(e) });
  slog.writeEntry(entries[0]);
  slog.close();
  assert.deepEqual(batches, [['{"type":"crank-start","crankNum":12,"crankType":"delivery","time":1.5,"monotime":2}']]);
});
