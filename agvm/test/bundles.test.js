// The committed bundles and their manifest: the kernel refuses bundles or
// packages that differ from what the manifest names.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBundles, BUNDLES_DIR, BUILTIN_VATS } from '../src/bundles.js';

function copyOfBundles(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agvm-bundles-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(BUNDLES_DIR, dir, { recursive: true });
  return dir;
}

test('the committed bundles match their manifest and the installed packages', () => {
  const bundles = loadBundles();
  for (const name of ['kernel', 'adminVat', 'adminDevice', 'bridgeDevice', ...BUILTIN_VATS]) {
    assert.equal(bundles[name]?.moduleFormat, 'endoZipBase64', name);
  }
});

test('an altered bundle is refused, naming the file', t => {
  const dir = copyOfBundles(t);
  const file = path.join(dir, 'faucet.json');
  const b = JSON.parse(fs.readFileSync(file, 'utf8'));
  const zip = Buffer.from(b.endoZipBase64, 'base64');
  zip[zip.length - 30] ^= 1;
  fs.writeFileSync(file, JSON.stringify({ ...b, endoZipBase64: zip.toString('base64') }));
  assert.throws(() => loadBundles(dir), /bundle .*faucet\.json has been altered/);
});

test('a bundle the manifest does not name is refused', t => {
  const dir = copyOfBundles(t);
  const file = path.join(dir, 'bank.json');
  const b = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify({ ...b, endoZipBase64Sha512: '0'.repeat(128) }));
  assert.throws(() => loadBundles(dir), /bank\.json is not the one in the manifest/);
});

test('other SwingSet packages than the manifest names are refused', t => {
  const dir = copyOfBundles(t);
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  m.dependencies.versions['@agoric/swingset-vat'] = '0.32.2';
  fs.writeFileSync(file, JSON.stringify(m));
  assert.throws(() => loadBundles(dir), /installed SwingSet packages differ/);
});
