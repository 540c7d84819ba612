// slog: the kernel's structured activity log, shipped to agd in batched
// `slog.Write` notifications (and, if SLOGFILE is set, appended to that file
// as JSON lines). Entries never affect consensus; their wall-clock fields
// exist only for humans and tooling.

import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

export const SLOG_BATCH_SIZE = 256;

/**
 * The entry of an error the kernel can only log (no response carries it):
 * {type: 'agvm-error', site, error}. agd counts each one in
 * agd_unpropagated_errors_total{site="agvm.<site>"} (docs/operating.md lists
 * the sites). A node-local fact, not consensus: `agd flightrec diff` skips it.
 */
export const ERROR_ENTRY = 'agvm-error';

/**
 * @param {object} opts
 * @param {(entries: object[]) => void} opts.send ships one batch (slog.Write)
 * @param {string} [opts.file] SLOGFILE path, appended to; throws if it
 *   cannot be opened for append
 * @param {(msg: string) => void} [opts.log]
 * @param {() => number} [opts.now] wall clock, seconds (float)
 * @param {() => number} [opts.monotime] monotonic clock, seconds (float)
 * @param {number} [opts.batchSize]
 */
export function makeSlogger({
  send,
  file,
  log = () => {},
  now = () => Date.now() / 1000,
  monotime = () => performance.now() / 1000,
  batchSize = SLOG_BATCH_SIZE,
}) {
  let batch = [];
  let fd = null;
  if (file) {
    try {
      fd = fs.openSync(file, 'a');
    } catch (e) {
      // An operator who asked for a slog file must not silently get none:
      // refuse, and let the caller stop the kernel naming the path.
      throw new Error(`cannot open SLOGFILE ${file}: ${e.message}`, { cause: e });
    }
  }

  function flush() {
    if (batch.length === 0) return;
    const entries = batch;
    batch = [];
    send(entries);
  }

  function add(entry, text = JSON.stringify(entry)) {
    if (fd !== null) {
      try {
        fs.writeSync(fd, `${text}\n`);
      } catch (e) {
        fd = null;
        // The entries still go to agd; this one tells it the file stopped.
        const message = `SLOGFILE write failed: ${e.message}; file slog disabled`;
        log(message);
        add({ type: ERROR_ENTRY, site: 'slog_file', error: message, time: now(), monotime: monotime() });
      }
    }
    batch.push(entry);
    if (batch.length >= batchSize) flush();
  }

  return {
    /** Record one entry: {type, ...fields, time, monotime}. */
    write(type, fields = {}) {
      add({ type, ...fields, time: now(), monotime: monotime() });
    },
    /**
     * Record one of SwingSet's own entries (it already carries type, time,
     * monotime). They may hold bigints (computrons), which become numbers
     * as Agoric's slog files write them.
     */
    writeEntry(entry) {
      const text = JSON.stringify(entry, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
      add(JSON.parse(text), text);
    },
    flush,
    close() {
      flush();
      if (fd !== null) {
        fs.closeSync(fd);
        fd = null;
      }
    },
  };
}
