// pipes.js on a real FIFO (a pipe, as agd's os.Pipe gives the kernel):
// the blocking twin callSync reads, and the synchronous writer.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openReader, openWriter } from '../src/pipes.js';

const O_NONBLOCK = 0o4000;
/** The open file description's flags, from /proc/self/fdinfo. */
const flagsOf = fd => parseInt(/^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))[1], 8);

function fifo(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-pipes-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const p = path.join(dir, 'fifo');
  execFileSync('mkfifo', [p]);
  return p;
}

test('readSync reads a blocking twin of the pipe: libuv made the original non-blocking, not the twin', async t => {
  const p = fifo(t);
  // O_RDWR: opening a FIFO this way does not wait for a writer.
  const fd = fs.openSync(p, fs.constants.O_RDWR);
  const reader = openReader(fd);
  t.after(() => {
    reader.stream.destroy();
    fs.closeSync(reader.syncFd);
  });
  assert.notEqual(reader.syncFd, fd);
  assert.equal(flagsOf(fd) & O_NONBLOCK, O_NONBLOCK, 'the stream side is non-blocking');
  assert.equal(flagsOf(reader.syncFd) & O_NONBLOCK, 0, 'the twin blocks');
  reader.stream.pause(); // only readSync reads in this test, as inside callSync
  // A writer that writes 300 ms from now; readSync must wait for it.
  const writer = spawn('sh', ['-c', `sleep 0.3; printf 'answer\\n' > ${p}`]);
  const t0 = performance.now();
  const buf = Buffer.alloc(64);
  const n = reader.readSync(buf);
  const waited = performance.now() - t0;
  assert.equal(buf.subarray(0, n).toString(), 'answer\n');
  assert.ok(waited >= 250, `readSync returned after ${waited} ms, before the writer wrote`);
  await once(writer, 'exit');
});

test('write puts all of a message bigger than the pipe on it before it returns, in order', async t => {
  const p = fifo(t);
  const rfd = fs.openSync(p, fs.constants.O_RDWR);
  const wfd = fs.openSync(p, fs.constants.O_WRONLY);
  t.after(() => [rfd, wfd].forEach(fd => fs.closeSync(fd)));
  // A reader in another process drains the pipe while we write 1 MiB.
  const cat = spawn('sh', ['-c', `head -c 1048576 < /proc/${process.pid}/fd/${rfd} | sha256sum`]);
  let out = '';
  cat.stdout.on('data', d => (out += d));
  const message = Buffer.alloc(1 << 20);
  for (let i = 0; i < message.length; i += 1) message[i] = i % 251;
  assert.equal(openWriter(wfd).write(message), true);
  await once(cat, 'exit');
  const { createHash } = await import('node:crypto');
  assert.equal(out.split(' ')[0], createHash('sha256').update(message).digest('hex'));
});

test('a write to a pipe nobody reads any more fails once, logged, and later writes are dropped', t => {
  const p = fifo(t);
  const rfd = fs.openSync(p, fs.constants.O_RDWR);
  const wfd = fs.openSync(p, fs.constants.O_WRONLY);
  fs.closeSync(rfd); // the only reader (agd) is gone
  t.after(() => fs.closeSync(wfd));
  const logs = [];
  const w = openWriter(wfd, { log: m => logs.push(m) });
  assert.equal(w.write(Buffer.from('x\n')), false);
  assert.equal(w.broken, true);
  assert.equal(w.write(Buffer.from('y\n')), false);
  assert.equal(logs.length, 1);
  assert.match(logs[0], /^write to agd failed: EPIPE/);
});
