// tipjar: an installable contract for agd's end-to-end tests, an ordinary
// SwingSet vat module. Bundle it with
//   agvm/node_modules/.bin/bundle-source --cache-json DIR contract.js tipjar
// It receives, in vatParameters.powers, its own vstorage subtree
// (published.vats.<vatID>) and its own escrow ledger, nothing else.

import { Far, E } from '@endo/far';

export const buildRootObject = (_vatPowers, vatParameters) => {
  const { powers } = vatParameters;
  const storage = E(powers).storage();
  const escrow = E(powers).escrow();
  // heap state: lives across deliveries (transcript and heap snapshots)
  let count = 0;

  return Far('root', {
    /** 1, 2, 3, ... */
    increment() {
      count += 1;
      return count;
    },
    /** An E() call to another vat whose promise resolves: our storage root. */
    async whereAmI() {
      return E(storage).getRoot();
    },
    /** Funds attached with --funds arrive in our escrow; report them. */
    async deposit({ sender, funds }) {
      const held = await E(escrow).balances();
      for (const [denom, amount] of Object.entries(held)) await E(storage).set(`held.${denom}`, amount);
      return { from: sender, received: funds, held };
    },
    /** Pays out of our escrow only. */
    async pay(to, denom, amount) {
      await E(escrow).give(to, denom, amount);
      const left = await E(escrow).balance(denom);
      await E(storage).set(`held.${denom}`, left);
      await E(storage).set(`paid.${to}`, amount);
      return { paid: amount, to, held: left };
    },
    // Forbidden attempts: each must fail and move nothing.
    async grab(from, denom, amount) {
      return E(escrow).grab(from, denom, amount);
    },
    async writeOutside() {
      return E(storage).set('..bank.balances.x', 'forged');
    },
    // Runaway deliveries: each must terminate only this vat.
    spin() {
      for (;;);
    },
    hog() {
      const chunks = [];
      for (;;) chunks.push(new Array(1e6).fill(chunks.length));
    },
  });
};
