// The crank buffer: every kv change and vstorage write one crank makes,
// held back until the crank ends. A crank that succeeds commits the buffer
// into the block (hashing its consensus changes into the crankhash); a crank
// whose vat throws discards it whole, so a failed delivery leaves no trace in
// the store beyond what the kernel records about the failure.

import { makeCrankHasher } from './hash.js';

/**
 * @param {(key: string) => string | undefined} readBelow the block's view
 *   of the store (this block's earlier cranks, then committed state)
 */
export function makeCrankBuffer(readBelow) {
  /** key -> value, or null for deleted; reads see the crank's own writes. */
  const overlay = new Map();
  /** [key, value|null] in the order made: the crankhash depends on order. */
  const changes = [];
  /** vstorage writes, in order: ['set', path, value|null] | ['append', path, value]. */
  const storageOps = [];
  /** path -> value of this crank's vstorage sets, for read-your-writes. */
  const storageSets = new Map();
  /** path -> bytes this crank appended there. */
  const appended = new Map();

  return {
    get(key) {
      if (overlay.has(key)) {
        const v = overlay.get(key);
        return v === null ? undefined : v;
      }
      return readBelow(key);
    },
    set(key, value) {
      if (typeof value !== 'string') throw TypeError(`kv value for ${key} must be a string`);
      overlay.set(key, value);
      changes.push([key, value]);
    },
    delete(key) {
      overlay.set(key, null);
      changes.push([key, null]);
    },
    storageSet(path, value) {
      storageOps.push(['set', path, value]);
      storageSets.set(path, value);
    },
    storageAppend(path, value) {
      storageOps.push(['append', path, value]);
      appended.set(path, (appended.get(path) ?? 0) + Buffer.byteLength(value, 'utf8'));
    },
    appendedBytes(path) {
      return appended.get(path) ?? 0;
    },
    /** undefined if this crank did not set `path`; else its value (or null). */
    storageLookup(path) {
      return storageSets.has(path) ? storageSets.get(path) : undefined;
    },
    changes,
    storageOps,
    /** The crankhash of this buffer's consensus changes, in order. */
    crankhash() {
      const h = makeCrankHasher();
      for (const [key, value] of changes) {
        if (value === null) h.delete(key);
        else h.set(key, value);
      }
      return h.finish();
    },
  };
}
