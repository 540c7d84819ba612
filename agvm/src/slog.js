// slog: the kernel's structured activity log, shipped to agd in batched
// `slog.Write` notifications (and, if SLOGFILE is set, appended to that file
// as JSON lines). Entries never affect consensus; their wall-clock fields
// exist only for humans and tooling.
//
// SwingSet writes a dozen entries per delivery from inside its crank, so
// each entry is turned into JSON text once, and a batch goes to the file in
// one write and to agd as the same texts (send gets the texts; main.js
// splices them into the notification without parsing them again). The file
// and agd get a batch at the same moments: when it is full and after each
// request agd made (main.js's afterHandle).

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
 * @param {(texts: string[]) => void} opts.send ships one batch (slog.Write),
 *   each entry as its JSON text
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
    const texts = batch;
    batch = [];
    if (fd !== null) {
      try {
        fs.writeSync(fd, `${texts.join('\n')}\n`);
      } catch (e) {
        fd = null;
        // The entries still go to agd, after one that tells it the file
        // stopped (sent with them: close() flushes only once).
        const message = `SLOGFILE write failed: ${e.message}; file slog disabled`;
        log(message);
        texts.unshift(JSON.stringify({ type: ERROR_ENTRY, site: 'slog_file', error: message, time: now(), monotime: monotime() }));
      }
    }
    send(texts);
  }

  function add(text) {
    batch.push(text);
    if (batch.length >= batchSize) flush();
  }

  return {
    /** Record one entry: {type, ...fields, time, monotime}. */
    write(type, fields = {}) {
      add(JSON.stringify({ type, ...fields, time: now(), monotime: monotime() }));
    },
    /**
     * Record one of SwingSet's own entries (it already carries type, time,
     * monotime). They may hold bigints (computrons), which become numbers
     * as Agoric's slog files write them.
     */
    writeEntry(entry) {
      add(entryText(entry));
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

const bigintAsNumber = (_k, v) => (typeof v === 'bigint' ? Number(v) : v);

/**
 * One of SwingSet's entries as JSON, its bigints as numbers. SwingSet puts
 * bigints (crankNum, computrons, ...) at the top level of nearly every
 * entry; turning those in a shallow copy and stringifying without a
 * replacer takes half the time of a replacer called on every value, which
 * for a block of 100 deliveries (~3,500 entries) was ~20 ms of the kernel's
 * EndBlock. An entry with a bigint deeper down takes the replacer.
 */
export function entryText(entry) {
  const flat = {};
  for (const key of Object.keys(entry)) {
    const v = entry[key];
    flat[key] = typeof v === 'bigint' ? Number(v) : v;
  }
  try {
    return JSON.stringify(flat);
  } catch {
    return JSON.stringify(entry, bigintAsNumber);
  }
}
