// Test contracts, bundled with agvm's bundle-source as a contract author
// would (the e2e tests' tipjar, test/e2e/testdata/tipjar).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import bundleSource from '@endo/bundle-source';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TIPJAR = path.join(repo, 'test/e2e/testdata/tipjar/contract.js');

let tipjar;
/** The tipjar contract's endoZipBase64 bundle, built once per process. */
export const tipjarBundle = () => (tipjar ??= bundleSource(TIPJAR));
