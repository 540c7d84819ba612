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

/** A FIFO and openReader over its read end, closed after the test. */
function fifoReader(t) {
  const p = fifo(t);
  // O_RDWR: opening a FIFO this way does not wait for a writer.
  const fd = fs.openSync(p, fs.constants.O_RDWR);
  const reader = openReader(fd);
  t.after(() => {
    reader.stream.destroy();
    fs.closeSync(reader.syncFd);
  });
  return { p, fd, reader };
}

test('readSync reads a blocking twin of the pipe: libuv made the original non-blocking, not the twin', async t => {
  const { p, fd, reader } = fifoReader(t);
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

test('the stream side reads the pipe too, and is read-only', async t => {
  const { p, reader } = fifoReader(t);
  assert.equal(reader.stream.writable, false);
  const got = once(reader.stream, 'data');
  fs.writeFileSync(p, 'line\n');
  assert.equal(String((await got)[0]), 'line\n');
});

test('a socket has no blocking twin: readSync waits for data without spinning (EAGAIN, pause, retry)', async t => {
  // A child's stdout is a socket pair in Node: /proc/self/fd/N will not open.
  const child = spawn('sh', ['-c', 'sleep 0.4; printf late'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => child.kill());
  const fd = child.stdout._handle.fd;
  const reader = openReader(fd);
  reader.stream.pause();
  assert.equal(reader.syncFd, fd, 'no twin: the socket itself');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const buf = Buffer.alloc(16);
  const n = reader.readSync(buf);
  const waitedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  assert.equal(buf.subarray(0, n).toString(), 'late');
  assert.ok(waitedMs >= 300, `returned after ${waitedMs} ms, before the child wrote`);
  // Pausing 1 ms between tries costs a few per cent of a core; spinning, all of one.
  assert.ok(cpuMs < waitedMs / 4, `readSync used ${cpuMs} ms of CPU in ${waitedMs} ms`);
  await once(child, 'exit');
});

test('a regular file (when debugging) is read by an fs stream, and readSync reads it too', async t => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-pipes-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'requests');
  fs.writeFileSync(file, 'abc\n');
  const reader = openReader(fs.openSync(file, 'r'));
  assert.equal(reader.stream instanceof fs.ReadStream, true);
  const buf = Buffer.alloc(16);
  assert.equal(buf.subarray(0, reader.readSync(buf)).toString(), 'abc\n');
});

test('a non-blocking pipe: write waits out EAGAIN and partial writes, and delivers every byte in order', async t => {
  const p = fifo(t);
  const rfd = fs.openSync(p, fs.constants.O_RDWR);
  const wfd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  t.after(() => [rfd, wfd].forEach(fd => fs.closeSync(fd)));
  const cat = spawn('sh', ['-c', `sleep 0.2; head -c 1048576 < /proc/${process.pid}/fd/${rfd} | sha256sum`]);
  let out = '';
  cat.stdout.on('data', d => (out += d));
  const message = Buffer.alloc(1 << 20);
  for (let i = 0; i < message.length; i += 1) message[i] = (i * 7) % 253;
  const logs = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  assert.equal(openWriter(wfd, { log: m => logs.push(m) }).write(message), true);
  const waitedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  assert.deepEqual(logs, []);
  // The reader starts 200 ms late: the writer pauses on EAGAIN, it does not spin.
  assert.ok(waitedMs >= 150, `write returned after ${waitedMs} ms, before anyone read`);
  assert.ok((cpu.user + cpu.system) / 1000 < waitedMs / 4, `write used ${(cpu.user + cpu.system) / 1000} ms of CPU in ${waitedMs} ms`);
  await once(cat, 'exit');
  const { createHash } = await import('node:crypto');
  assert.equal(out.split(' ')[0], createHash('sha256').update(message).digest('hex'));
});

test('a read error other than EAGAIN is thrown at once, not waited out', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-pipes-'));
  try {
    // A directory opens, but reading it fails with EISDIR.
    const reader = openReader(fs.openSync(dir, 'r'));
    assert.throws(() => reader.readSync(Buffer.alloc(8)), e => e.code === 'EISDIR');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
