import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeSlogger, SLOG_BATCH_SIZE } from '../src/slog.js';

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
