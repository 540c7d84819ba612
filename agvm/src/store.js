// Durable kernel state in node:sqlite (built into Node; no native addon, so
// Node's --permission model applies without --allow-addons).
//
// Everything a block changes is written in ONE transaction by commitBlock():
// the kv changes, kernelHeight, activityHash and the per-height record used
// to replay a block agd did not commit. Between commits nothing is written,
// so a crash loses exactly the uncommitted block, as the protocol requires.

import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';

export const DB_FILE = 'kernel.sqlite';
const SCHEMA_VERSION = 1;
/** How many per-height records (for replay) to keep. */
export const KEEP_BLOCK_RECORDS = 10;

function migrate(db) {
  const { user_version: version } = db.prepare('PRAGMA user_version').get();
  if (version > SCHEMA_VERSION) {
    throw Error(`database schema version ${version} is newer than this kernel's ${SCHEMA_VERSION}`);
  }
  if (version < 1) {
    db.exec(`
      BEGIN IMMEDIATE;
      -- the kernel's key-value store; consensus keys feed the activityHash
      CREATE TABLE kvStore (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      -- chainID, kernelHeight, activityHash
      CREATE TABLE kernelState (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      -- last few committed blocks, to replay a block agd did not commit
      CREATE TABLE blocks (
        height INTEGER PRIMARY KEY,
        activityHash TEXT NOT NULL,
        chainSends TEXT NOT NULL
      );
      PRAGMA user_version = 1;
      COMMIT;
    `);
  }
}

/**
 * @param {string} file path of the database file, or ':memory:'
 */
export function openStore(file) {
  const db = new DatabaseSync(file);
  if (file !== ':memory:') {
    // WAL + synchronous=FULL: a COMMIT is on disk when it returns, and a
    // crash mid-transaction rolls back cleanly.
    db.exec('PRAGMA journal_mode = WAL');
  }
  db.exec('PRAGMA synchronous = FULL');
  migrate(db);

  const q = {
    stateGet: db.prepare('SELECT value FROM kernelState WHERE key = ?'),
    stateSet: db.prepare(
      'INSERT INTO kernelState (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ),
    kvGet: db.prepare('SELECT value FROM kvStore WHERE key = ?'),
    kvSet: db.prepare(
      'INSERT INTO kvStore (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ),
    kvDelete: db.prepare('DELETE FROM kvStore WHERE key = ?'),
    kvAll: db.prepare('SELECT key, value FROM kvStore ORDER BY key'),
    blockGet: db.prepare('SELECT height, activityHash, chainSends FROM blocks WHERE height = ?'),
    blockPut: db.prepare(
      'INSERT OR REPLACE INTO blocks (height, activityHash, chainSends) VALUES (?, ?, ?)',
    ),
    blockPrune: db.prepare('DELETE FROM blocks WHERE height <= ?'),
  };

  function stateGet(key) {
    const row = q.stateGet.get(key);
    return row ? row.value : undefined;
  }

  function inTransaction(fn) {
    db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      db.exec('COMMIT');
      return r;
    } catch (e) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw e;
    }
  }

  return {
    /** Committed state: chainID is undefined on an empty database. */
    getState() {
      const h = stateGet('kernelHeight');
      return {
        chainID: stateGet('chainID'),
        kernelHeight: h === undefined ? 0 : Number(h),
        activityHash: stateGet('activityHash') ?? '',
      };
    },

    /** First start of a chain: record the chain id at height 0. */
    initialize(chainID) {
      inTransaction(() => {
        q.stateSet.run('chainID', chainID);
        q.stateSet.run('kernelHeight', '0');
        q.stateSet.run('activityHash', '');
      });
    },

    kvGet(key) {
      const row = q.kvGet.get(key);
      return row ? row.value : undefined;
    },

    /** Every kv entry, sorted by key (tests and debugging). */
    kvEntries() {
      return q.kvAll.all().map(({ key, value }) => [key, value]);
    },

    /** @returns {{height: number, activityHash: string, chainSends: Array} | undefined} */
    getBlockRecord(height) {
      const row = q.blockGet.get(height);
      if (!row) return undefined;
      return {
        height: Number(row.height),
        activityHash: row.activityHash,
        chainSends: JSON.parse(row.chainSends),
      };
    },

    /**
     * Make block `height` durable in one transaction.
     * @param {object} block
     * @param {number} block.height
     * @param {string} block.activityHash
     * @param {Array<[string, string|null]>} block.changes kv sets (value) and deletes (null), in order
     * @param {Array} block.chainSends kernel→agd state-changing calls made while executing it
     * @param {() => void} [beforeDurable] runs inside the transaction just
     *   before COMMIT (fault injection: a crash there must lose the block)
     */
    commitBlock({ height, activityHash, changes, chainSends }, beforeDurable) {
      inTransaction(() => {
        for (const [key, value] of changes) {
          if (value === null) q.kvDelete.run(key);
          else q.kvSet.run(key, value);
        }
        q.stateSet.run('kernelHeight', String(height));
        q.stateSet.run('activityHash', activityHash);
        q.blockPut.run(height, activityHash, JSON.stringify(chainSends));
        q.blockPrune.run(height - KEEP_BLOCK_RECORDS);
        if (beforeDurable) beforeDurable();
      });
    },

    close() {
      if (db.isOpen) db.close();
    },
  };
}

/** The database file inside a state directory. */
export function storePath(stateDir) {
  return path.join(stateDir, DB_FILE);
}
