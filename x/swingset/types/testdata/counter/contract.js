// A fixture for x/swingset's bundle check: it is what bundle-source writes,
// not a contract the kernel could run (a vat's root object is made with
// Far from @endo/far, which this folder cannot resolve).
export const buildRootObject = () => {
  let n = 0;
  return harden({ increment: () => (n += 1) });
};
