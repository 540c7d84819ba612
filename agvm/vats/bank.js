// Built-in vat `bank`: mirrors agd's vbank balance updates into its store
// and publishes each one in vstorage at bank.balances.<address>.<denom>
// (its storage root is the top of vstorage). Bundle format: see
// src/vat-loader.js; this file is evaluated in a Compartment, not imported.

function buildRootObject({ store, storage }) {
  // vstorage segments are [A-Za-z0-9_-]; denoms such as ibc/… are not.
  const segment = s => String(s).replace(/[^A-Za-z0-9_-]/g, '_');

  return {
    /** One vbank.BalanceUpdate notification: {nonce, updates: [{address, denom, amount}]}. */
    balanceUpdate({ nonce, updates }) {
      for (const { address, denom, amount } of updates) {
        store.set(`balances.${address}.${denom}`, amount);
        storage.set(`bank.balances.${segment(address)}.${segment(denom)}`, amount);
      }
      store.set('nonce', String(nonce));
      return updates.length;
    },
    /** The mirrored balance, "0" if never seen. */
    getBalance(address, denom) {
      return store.get(`balances.${address}.${denom}`) ?? '0';
    },
  };
}
