// The built-in vats' bundles, read from agvm/vats/ when the kernel starts.
// They are copied into the kernel store on the chain's first block, so an
// existing chain keeps running the code it started with even if these files
// change later (a vat's code is consensus state).

import fs from 'node:fs';

const VATS_DIR = new URL('../vats/', import.meta.url);

/** Created in this order on the first block: bank is v1, faucet v2. */
export function loadBuiltinVats() {
  return [
    { name: 'bank', source: fs.readFileSync(new URL('bank.js', VATS_DIR), 'utf8'), storageRoot: '' },
    { name: 'faucet', source: fs.readFileSync(new URL('faucet.js', VATS_DIR), 'utf8'), storageRoot: 'published.faucet' },
  ];
}
