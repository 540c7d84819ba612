// The kernel's swing-store as a folder of files, for state sync: the export
// agd puts into a snapshot, and the import a restoring node makes from one.
// Agoric's cosmic-swingset export-kernel-db.js / import-kernel-db.js do the
// same job; this is agvm's own, smaller version.
//
// An export folder holds:
//   manifest.json      {format, height, files: [{name, file, size, sha256}]}
//   export-data.jsonl  swing-store's export data, one [key, value] per line
//                      (files[0], name "export-data")
//   artifact-NNNNNN    one file per swing-store artifact (files[1..]), named
//                      by index since artifact names are not file names
//
// The export runs in its own process over the kernel's live store: it opens
// its read transaction, pins it with a first read, and only then reports
// ready. swing-store uses WAL, so the kernel goes on committing later blocks
// while the export reads the committed state of `height`.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { makeSwingStoreExporter, importSwingStore } from '@agoric/swing-store';

export const EXPORT_FORMAT = 1;
export const MANIFEST_FILE = 'manifest.json';
export const EXPORT_DATA_NAME = 'export-data';
const EXPORT_DATA_FILE = 'export-data.jsonl';

/** The kernel kv key the block crank writes every block (host.js). */
const BLOCK_HEIGHT_KEY = 'kv.agvm.blockHeight';

/** Heap snapshots, current transcript spans and bundles: what a kernel needs to go on. */
const ARTIFACT_MODE = 'operational';

const hashingTap = () => {
  const hash = crypto.createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { tap, result: () => ({ size, sha256: hash.digest('hex') }) };
};

/**
 * Exports the committed state of `height` from the swing-store at storeDir
 * into outDir (which must not exist yet).
 *
 * @param {object} opts
 * @param {string} opts.storeDir
 * @param {string} opts.outDir
 * @param {number} opts.height the height the kernel committed last
 * @param {(info: {kernelHeight: number}) => void} [opts.onReady] called once
 *   the read transaction is open and pinned: from then on the kernel may commit
 * @returns {Promise<{files: number, bytes: number}>}
 */
export async function exportKernelDB({ storeDir, outDir, height, onReady = () => {} }) {
  const exporter = makeSwingStoreExporter(storeDir, { artifactMode: ARTIFACT_MODE });
  try {
    // BEGIN is deferred in SQLite: this first read fixes what the export sees.
    const kernelHeight = Number(exporter.getHostKV('host.kernelHeight') ?? 'NaN');
    if (kernelHeight !== height) {
      // On a running node the kernel won the race; on a stopped one agd died
      // between the two commits, and only a restart's replay levels them.
      const stopped = kernelHeight === height + 1
        ? `; on a stopped node, agd died between the kernel's commit of ${kernelHeight} and its own: start it until it commits a block, stop it, and export again`
        : '';
      throw Error(`kernel store ${storeDir} is at height ${kernelHeight}, not ${height}: the export must start before the kernel commits ${height + 1}${stopped}`);
    }
    onReady({ kernelHeight });
    fs.mkdirSync(outDir);
    const files = [];

    let blockHeight;
    const dataTap = hashingTap();
    await pipeline(
      async function* lines() {
        for await (const [key, value] of exporter.getExportData()) {
          if (key === BLOCK_HEIGHT_KEY) blockHeight = value;
          yield `${JSON.stringify([key, value])}\n`;
        }
      },
      dataTap.tap,
      fs.createWriteStream(path.join(outDir, EXPORT_DATA_FILE)),
    );
    if (blockHeight !== String(height)) {
      throw Error(`kernel store's ${BLOCK_HEIGHT_KEY} is ${JSON.stringify(blockHeight)}, not ${height}`);
    }
    files.push({ name: EXPORT_DATA_NAME, file: EXPORT_DATA_FILE, ...dataTap.result() });

    for await (const name of exporter.getArtifactNames()) {
      const file = `artifact-${String(files.length).padStart(6, '0')}`;
      const t = hashingTap();
      await pipeline(exporter.getArtifact(name), t.tap, fs.createWriteStream(path.join(outDir, file)));
      files.push({ name, file, ...t.result() });
    }
    const manifest = { format: EXPORT_FORMAT, height, files };
    fs.writeFileSync(path.join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`);
    return { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) };
  } finally {
    await exporter.close();
  }
}

/** Reads and checks an export folder's manifest. */
export function readManifest(fromDir, height) {
  const manifest = JSON.parse(fs.readFileSync(path.join(fromDir, MANIFEST_FILE), 'utf8'));
  if (manifest.format !== EXPORT_FORMAT) throw Error(`kernel export format ${JSON.stringify(manifest.format)}, this kernel reads ${EXPORT_FORMAT}`);
  if (manifest.height !== height) throw Error(`kernel export is of height ${manifest.height}, not ${height}`);
  const { files } = manifest;
  if (!Array.isArray(files) || files.length === 0 || files[0].name !== EXPORT_DATA_NAME) {
    throw Error(`kernel export manifest must list ${EXPORT_DATA_NAME} first`);
  }
  for (const f of files) {
    if (typeof f.file !== 'string' || f.file !== path.basename(f.file) || f.file === MANIFEST_FILE) {
      throw Error(`kernel export manifest names a bad file ${JSON.stringify(f.file)}`);
    }
  }
  return manifest;
}

/** Checks each file's size and sha256 against the manifest. */
async function checkFiles(fromDir, files) {
  for (const f of files) {
    const hash = crypto.createHash('sha256');
    let size = 0;
    for await (const chunk of fs.createReadStream(path.join(fromDir, f.file))) {
      hash.update(chunk);
      size += chunk.length;
    }
    const got = { size, sha256: hash.digest('hex') };
    if (got.size !== f.size) throw Error(`kernel artifact ${f.name} (${f.file}) is truncated: ${got.size} bytes, the manifest says ${f.size}`);
    if (got.sha256 !== f.sha256) throw Error(`kernel artifact ${f.name} (${f.file}) has sha256 ${got.sha256}, the manifest says ${f.sha256}`);
  }
}

/**
 * Imports an export folder into a new swing-store at storeDir and records
 * the host keys an export leaves out (they are not consensus data): the
 * kernel's committed height and its chain id.
 *
 * @param {object} opts
 * @param {string} opts.fromDir
 * @param {string} opts.storeDir must not hold a swing-store yet
 * @param {number} opts.height
 * @param {string} [opts.chainID]
 */
export async function importKernelDB({ fromDir, storeDir, height, chainID }) {
  const { files } = readManifest(fromDir, height);
  await checkFiles(fromDir, files);
  const byName = new Map(files.slice(1).map(f => [f.name, f.file]));
  let blockHeight;
  const exporter = {
    async *getExportData() {
      const rl = readline.createInterface({ input: fs.createReadStream(path.join(fromDir, files[0].file)), crlfDelay: Infinity });
      for await (const line of rl) {
        if (line === '') continue;
        const entry = JSON.parse(line);
        if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') throw Error(`bad export-data line ${line.slice(0, 80)}`);
        if (entry[0] === BLOCK_HEIGHT_KEY) blockHeight = entry[1];
        yield entry;
      }
    },
    async *getArtifactNames() {
      yield* byName.keys();
    },
    getArtifact(name) {
      const file = byName.get(name);
      if (!file) throw Error(`kernel export has no artifact ${name}`);
      return fs.createReadStream(path.join(fromDir, file));
    },
    getHostKV() {
      return undefined;
    },
    async close() {},
  };
  // Checks every artifact against the hashes in the export data, and that
  // every artifact the export data names is there.
  const { hostStorage } = await importSwingStore(exporter, storeDir, { artifactMode: ARTIFACT_MODE });
  try {
    if (blockHeight !== String(height)) {
      throw Error(`kernel export's ${BLOCK_HEIGHT_KEY} is ${JSON.stringify(blockHeight)}, not ${height}`);
    }
    hostStorage.kvStore.set('host.kernelHeight', String(height));
    if (chainID) hostStorage.kvStore.set('host.chainID', chainID);
    await hostStorage.commit();
  } finally {
    await hostStorage.close();
  }
  return { files: files.length };
}
