// Built-in vat `faucet` (also installable as a bundle): the example contract
// the load generator drives. Its vstorage root is published.faucet, so a
// client sees every outcome there as well as under
// published.swingset.deliver.<id>. Bundle format: see src/vat-loader.js.
//
//   record(key, value)          cheap, always succeeds for a valid key: one
//                               store write, one vstorage write
//   ping()                      cheapest: one store write, returns the count
//   drip(address[, denom, amount])  gives from the vbank module account
//                               (default 1000uist, at most 1000000)
//   drips(address)              how many drips an address had

function buildRootObject({ store, bank, storage, log }) {
  const MAX_DRIP = 1000000n;
  const ADDRESS = /^agoric1[0-9a-z]{10,90}$/;
  const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

  const count = key => Number(store.get(key) ?? '0');

  return {
    ping() {
      const n = count('pings') + 1;
      store.set('pings', String(n));
      return n;
    },
    record(key, value) {
      if (typeof key !== 'string' || !SEGMENT.test(key)) throw Error(`bad key ${JSON.stringify(key)}`);
      const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
      store.set(`records.${key}`, text);
      storage.set(`records.${key}`, text);
      return { key };
    },
    async drip(address, denom = 'uist', amount = '1000') {
      if (typeof address !== 'string' || !ADDRESS.test(address)) throw Error(`bad address ${JSON.stringify(address)}`);
      if (typeof amount !== 'string' || !/^[0-9]+$/.test(amount) || BigInt(amount) > MAX_DRIP) {
        throw Error(`amount must be a decimal string of at most ${MAX_DRIP}`);
      }
      await bank.give(address, denom, amount);
      const n = count(`drips.${address}`) + 1;
      store.set(`drips.${address}`, String(n));
      storage.set(`drips.${address}`, JSON.stringify({ count: n, denom, amount }));
      log('drip', address, amount, denom);
      return { address, denom, amount, count: n };
    },
    drips(address) {
      return count(`drips.${address}`);
    },
  };
}
