// Consensus hashing, computed exactly as Agoric's swing-store does it, so the
// activityHash that agd puts into consensus state means the same thing here:
//
//   crankhash    = SHA-256 over, for every change to a consensus key in the
//                  order made, "add\n<key>\n<value>\n" (set) or
//                  "delete\n<key>\n" (delete)
//   activityhash = SHA-256("activityhash\n" + previous + "\n" + crankhash + "\n")
//
// with previous = "" before the first crank. Hex, lower case.

import { createHash } from 'node:crypto';

/** Keys outside consensus, as in swing-store: "local." and "host." prefixes. */
export function isConsensusKey(key) {
  return !(key.startsWith('local.') || key.startsWith('host.'));
}

/** Incremental crank hasher: feed it changes, then finish(). */
export function makeCrankHasher() {
  let h = createHash('sha256');
  let changes = 0;
  return {
    set(key, value) {
      if (!isConsensusKey(key)) return;
      h.update(`add\n${key}\n${value}\n`, 'utf8');
      changes += 1;
    },
    delete(key) {
      if (!isConsensusKey(key)) return;
      h.update(`delete\n${key}\n`, 'utf8');
      changes += 1;
    },
    get changes() {
      return changes;
    },
    /** Returns the crankhash and resets for the next crank. */
    finish() {
      const digest = h.digest('hex');
      h = createHash('sha256');
      changes = 0;
      return digest;
    },
  };
}

export function nextActivityHash(previous, crankhash) {
  return createHash('sha256')
    .update(`activityhash\n${previous}\n${crankhash}\n`, 'utf8')
    .digest('hex');
}
