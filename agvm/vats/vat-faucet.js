// Built-in vat `faucet`: the example contract the load generator drives.
// Outcomes are published under published.faucet as well as under
// published.swingset.deliver.<id>.
//
//   ping()                         cheapest: returns a count kept in the heap
//   record(key, value)             one vstorage write: published.faucet.records.<key>
//   drip(address, denom?, amount?) gives from the vbank module account
//                                  (default 1000uist, at most 1000000)
//   drips(address)                 how many drips an address had
//
// Every delivery from a transaction gets one extra last argument,
// {sender, funds}; methods with optional arguments check types to ignore it.

import { Far, E } from '@endo/far';

const MAX_DRIP = 1000000n;
const ADDRESS = /^agoric1[0-9a-z]{10,90}$/;
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

export const buildRootObject = () => {
  let storage;
  let give;
  let pings = 0;
  const drips = new Map();

  return Far('root', {
    async init(powers) {
      storage = await E(powers).storage();
      give = (address, denom, amount) => E(powers).give(address, denom, amount);
    },
    ping() {
      pings += 1;
      return pings;
    },
    record(key, value) {
      if (typeof key !== 'string' || !SEGMENT.test(key)) throw Error(`bad key ${JSON.stringify(key)}`);
      const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
      E(storage).set(`records.${key}`, text);
      return { key };
    },
    async drip(address, denom, amount) {
      if (typeof address !== 'string' || !ADDRESS.test(address)) throw Error(`bad address ${JSON.stringify(address)}`);
      if (typeof denom !== 'string') denom = 'uist';
      if (typeof amount !== 'string') amount = '1000';
      if (!/^[0-9]+$/.test(amount) || BigInt(amount) > MAX_DRIP) {
        throw Error(`amount must be a decimal string of at most ${MAX_DRIP}`);
      }
      await give(address, denom, amount);
      const n = (drips.get(address) ?? 0) + 1;
      drips.set(address, n);
      E(storage).set(`drips.${address}`, JSON.stringify({ count: n, denom, amount }));
      return { address, denom, amount, count: n };
    },
    drips(address) {
      return drips.get(address) ?? 0;
    },
  });
};
