// tipjar: an installable contract for agd's end-to-end tests. It moves funds
// with the kernel's bank power (vbank.Grab and vbank.Give on agd) and
// publishes results with its storage power (vstorage under
// published.vats.<vatID>). Bundle format: agvm/src/vat-loader.js.
function buildRootObject({ store, bank, storage }) {
  const held = denom => BigInt(store.get(`held.${denom}`) ?? '0');
  return {
    // deposit takes amount from `from`, who must be the delivery's sender.
    async deposit(from, denom, amount) {
      await bank.grab(from, denom, amount);
      const total = held(denom) + BigInt(amount);
      store.set(`held.${denom}`, String(total));
      storage.set(`held.${denom}`, String(total));
      return { held: String(total) };
    },
    // pay gives amount of what the jar holds to `to`.
    async pay(to, denom, amount) {
      await bank.give(to, denom, amount);
      const total = held(denom) - BigInt(amount);
      store.set(`held.${denom}`, String(total));
      storage.set(`held.${denom}`, String(total));
      storage.set(`paid.${to}`, amount);
      return { paid: amount, to };
    },
    // balanceOf asks agd for any address's balance.
    async balanceOf(address, denom) {
      return bank.getBalance(address, denom);
    },
  };
}
