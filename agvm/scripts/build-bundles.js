// Builds every bundle agvm runs that is not a contract: SwingSet's kernel,
// vat-admin vat and device, the bridge device and agvm's own built-in vats
// (vats/vat-*.js), into bundles/<name>.json, and writes bundles/manifest.json
// with each bundle's endoZipBase64Sha512.
//
// WHY committed, not built at install: a bundle's bytes (so its hash, so
// every vat's transcript and the activityhash) depend on the folder it was
// built in. Bundles are consensus data, so they are built once, here, by a
// developer (`npm run build-bundles`), committed, and only checked at
// start (src/bundles.js). A validator never builds them.
//
// Usage: node scripts/build-bundles.js      (rewrites bundles/)

import '@endo/init';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import bundleSource from '@endo/bundle-source';
import { buildKernelBundle } from '@agoric/swingset-vat/src/controller/initializeSwingset.js';
import { describeDependencies, BUILTIN_VATS } from '../src/bundles.js';

const agvmDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outDir = path.join(agvmDir, 'bundles');
const require = createRequire(import.meta.url);
const swingsetSrc = path.dirname(require.resolve('@agoric/swingset-vat/src/index.js'));

const sources = {
  adminDevice: path.join(swingsetSrc, 'devices/vat-admin/device-vat-admin.js'),
  adminVat: path.join(swingsetSrc, 'vats/vat-admin/vat-vat-admin.js'),
  bridgeDevice: path.join(swingsetSrc, 'devices/bridge/device-bridge.js'),
};
for (const name of BUILTIN_VATS) sources[name] = path.join(agvmDir, 'vats', `vat-${name}.js`);

fs.mkdirSync(outDir, { recursive: true });
const bundles = { kernel: await buildKernelBundle() };
for (const [name, file] of Object.entries(sources)) bundles[name] = await bundleSource(file);

const manifest = { dependencies: describeDependencies(), bundles: {}, zipSha512: {} };
for (const name of Object.keys(bundles).sort()) {
  const b = bundles[name];
  fs.writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(b)}\n`);
  manifest.bundles[name] = b.endoZipBase64Sha512;
  // endoZipBase64Sha512 covers the compartment map (which names every
  // module's hash); the zip hash covers the bytes as well.
  manifest.zipSha512[name] = crypto.createHash('sha512').update(Buffer.from(b.endoZipBase64, 'base64')).digest('hex');
  console.log(`${name}: ${b.endoZipBase64Sha512.slice(0, 16)}… ${b.endoZipBase64.length} base64 chars`);
}
fs.writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
