// The contract loadgen installs: a counter kept in the vat's heap.
// bundle-counter.json next to this folder is its bundle, embedded in
// loadgen; rebuild it after a change with
//   cd cmd/loadgen/counter &&
//   ../../../agvm/node_modules/.bin/bundle-source --cache-json /tmp/out contract.js counter &&
//   cp /tmp/out/bundle-counter.json ..

import { Far } from '@endo/far';

export const buildRootObject = () => {
  let n = 0;
  return Far('counter', {
    bump() {
      n += 1;
      return n;
    },
  });
};
