// The prebuilt bundles agvm runs (built by scripts/build-bundles.js,
// committed in bundles/) and the check that they are exactly the ones the
// manifest names. Bundles decide every vat's behaviour and so the
// activityhash: a validator whose bundles differ would diverge, so the kernel
// refuses to start instead (loadBundles throws; main.js exits).

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const agvmDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const BUNDLES_DIR = path.join(agvmDir, 'bundles');

/** agvm's own SwingSet vats, vats/vat-<name>.js. */
export const BUILTIN_VATS = Object.freeze(['bootstrap', 'bank', 'faucet']);

/** Packages whose code ends up in a vat or the kernel; their versions are in the manifest. */
const PINNED_PACKAGES = [
  '@agoric/swingset-vat',
  '@agoric/swing-store',
  '@agoric/xsnap',
  '@agoric/xsnap-lockdown',
  '@agoric/swingset-xsnap-supervisor',
  '@agoric/swingset-liveslots',
];

const sha512File = file => crypto.createHash('sha512').update(fs.readFileSync(file)).digest('hex');

/**
 * Versions of the packages above, and the hashes of the xsnap lockdown and
 * supervisor bundles that ship prebuilt inside their npm packages (the
 * package lock pins their bytes; this catches a hand-edited node_modules).
 */
export function describeDependencies() {
  const versions = {};
  for (const name of PINNED_PACKAGES) {
    const file = path.join(agvmDir, 'node_modules', name, 'package.json');
    versions[name] = JSON.parse(fs.readFileSync(file, 'utf8')).version;
  }
  const dist = name => path.join(agvmDir, 'node_modules', name, 'dist');
  return {
    versions,
    xsnapLockdownBundleSha512: sha512File(path.join(dist('@agoric/xsnap-lockdown'), 'lockdown.bundle')),
    xsnapSupervisorBundleSha512: sha512File(path.join(dist('@agoric/swingset-xsnap-supervisor'), 'supervisor.bundle')),
  };
}

function sameJSON(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Reads bundles/manifest.json and every bundle it names; checks each
 * bundle's endoZipBase64Sha512 and the installed packages against it.
 * @param {string} [dir]
 * @returns {Record<string, {moduleFormat: string, endoZipBase64: string, endoZipBase64Sha512: string}>}
 */
export function loadBundles(dir = BUNDLES_DIR) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  } catch (e) {
    throw Error(`cannot read the bundle manifest ${path.join(dir, 'manifest.json')}: ${e.message}`);
  }
  const deps = describeDependencies();
  if (!sameJSON(deps, manifest.dependencies)) {
    throw Error(
      `installed SwingSet packages differ from the ones agvm's bundles were built with: ` +
        `installed ${JSON.stringify(deps)}, manifest ${JSON.stringify(manifest.dependencies)}; ` +
        `run npm ci in agvm (or, when upgrading on purpose, npm run build-bundles and commit)`,
    );
  }
  const bundles = {};
  for (const [name, want] of Object.entries(manifest.bundles)) {
    const file = path.join(dir, `${name}.json`);
    const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
    const zipHash = crypto
      .createHash('sha512')
      .update(Buffer.from(bundle.endoZipBase64 ?? '', 'base64'))
      .digest('hex');
    if (bundle.endoZipBase64Sha512 !== want) {
      throw Error(`bundle ${file} is not the one in the manifest (sha512 ${bundle.endoZipBase64Sha512}, manifest ${want})`);
    }
    if (manifest.zipSha512?.[name] !== zipHash) {
      throw Error(`bundle ${file} has been altered: its zip's sha512 is ${zipHash}, the manifest says ${manifest.zipSha512?.[name]}`);
    }
    bundles[name] = bundle;
  }
  return bundles;
}
