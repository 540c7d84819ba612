// The kernel's ends of its two pipes to agd.
//
// Reading has two paths over the same pipe. While the kernel waits in the
// event loop, a net.Socket (non-blocking, libuv) reads. Inside a device call
// a vat must be answered at once, so jsonrpc.js callSync reads agd's answer
// from a second, blocking descriptor: opening /proc/self/fd/N makes a new
// open file description of the pipe, which does not share the O_NONBLOCK
// libuv sets on the first. Only one path reads at a time: while callSync
// blocks, the event loop does not run.
//
// Writing is synchronous, whole messages. callSync's request must be on the
// pipe before it waits: a write Node had queued would never leave, and one
// written past a queued half line would break the framing. agd reads its end
// all the time (rpc/conn.go: the reader never waits for a handler), so a
// blocking write only waits for agd to catch up.

import fs from 'node:fs';
import net from 'node:net';

const pauseCell = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread 1 ms: for a descriptor that said EAGAIN. */
const pause = () => Atomics.wait(pauseCell, 0, 0, 1);

/** A blocking descriptor of the same file as fd, or fd itself. */
function blockingTwin(fd, flags) {
  try {
    return fs.openSync(`/proc/self/fd/${fd}`, flags);
  } catch {
    return fd; // a socket (ENXIO) or no /proc: read fd, pausing on EAGAIN
  }
}

/**
 * The read end. `stream` emits 'data'/'end' for the event loop;
 * `readSync(buf)` blocks until it has read something, and returns 0 at EOF;
 * `syncFd` is the descriptor it reads.
 */
export function openReader(fd) {
  let stream;
  try {
    stream = new net.Socket({ fd, readable: true, writable: false, allowHalfOpen: true });
  } catch {
    // Not a pipe or socket (a regular file, when debugging).
    stream = fs.createReadStream(null, { fd, autoClose: false });
  }
  const twin = blockingTwin(fd, 'r');
  function readSync(buf) {
    for (;;) {
      try {
        return fs.readSync(twin, buf, 0, buf.length, null);
      } catch (e) {
        if (e.code === 'EAGAIN') pause();
        else if (e.code !== 'EINTR') throw e;
      }
    }
  }
  return { stream, readSync, syncFd: twin };
}

/**
 * The write end: write(buf) puts all of buf on the pipe before it returns.
 * After a write fails (agd went away: EPIPE), later writes are dropped; EOF
 * on the read side follows and ends the kernel.
 */
export function openWriter(fd, { log = () => {} } = {}) {
  let broken = false;
  return {
    write(buf) {
      for (let off = 0; off < buf.length && !broken; ) {
        try {
          off += fs.writeSync(fd, buf, off, buf.length - off);
        } catch (e) {
          if (e.code === 'EAGAIN') pause();
          else if (e.code !== 'EINTR') {
            broken = true;
            log(`write to agd failed: ${e.message}`);
          }
        }
      }
      return !broken;
    },
    get broken() {
      return broken;
    },
  };
}
