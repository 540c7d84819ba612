// An in-process agd for kernel tests and the benchmark: a kernel on its own
// store, and a fake agd that keeps vstorage and vbank balances in memory and
// answers the kernel's calls the way x/vstorage and x/vbank do.

import { makeKernel } from '../../src/kernel.js';
import { openStore, storePath } from '../../src/store.js';
import { loadBuiltinVats } from '../../src/builtin-vats.js';

export const CHAIN = 'agoriclocal';

export function makeFakeAgd({ balances = {} } = {}) {
  const vstorage = new Map();
  const bal = new Map(Object.entries(balances)); // "address/denom" -> bigint
  let nonce = 0;
  const calls = [];
  const get = (a, d) => bal.get(`${a}/${d}`) ?? 0n;
  function transfer(from, to, denom, amount) {
    const n = BigInt(amount);
    if (get(from, denom) < n) throw Object.assign(Error(`insufficient funds: ${from} has ${get(from, denom)}${denom}`), { code: -32602 });
    bal.set(`${from}/${denom}`, get(from, denom) - n);
    bal.set(`${to}/${denom}`, get(to, denom) + n);
    nonce += 1;
    return { nonce, updates: [{ address: to, denom, amount: String(get(to, denom)) }] };
  }
  return {
    vstorage,
    calls,
    balance: get,
    answer(method, p) {
      calls.push(method);
      switch (method) {
        case 'vstorage.Set':
          for (const [path, value] of p.entries) {
            if (value === null) vstorage.delete(path);
            else vstorage.set(path, value);
          }
          return true;
        case 'vstorage.Append':
          for (const [path, value] of p.entries) vstorage.set(path, value);
          return true;
        case 'vstorage.Get':
          return vstorage.get(p.path) ?? null;
        case 'vstorage.Children':
          return [];
        case 'vbank.GetBalance':
          return String(get(p.address, p.denom));
        case 'vbank.Give':
          return transfer('vbank', p.address, p.denom, p.amount);
        case 'vbank.Grab':
          return transfer(p.address, 'vbank', p.denom, p.amount);
        default:
          throw Error(`fake agd: no ${method}`);
      }
    },
  };
}

/** A kernel on a store in `dir` (or memory) talking to `agd` in process. */
export function bootKernel({ dir, agd = makeFakeAgd(), builtinVats = loadBuiltinVats(), slog, ...opts } = {}) {
  const store = openStore(dir ? storePath(dir) : ':memory:');
  const slogs = [];
  const kernel = makeKernel({
    store,
    callAgd: async (method, params) => agd.answer(method, params),
    slog: slog ?? { write: (type, fields) => slogs.push({ type, ...fields }) },
    builtinVats,
    ...opts,
  });
  return { kernel, store, agd, slogs, close: () => store.close() };
}

export function init(kernel, cosmosHeight = 0, extra = {}) {
  return kernel.handle('swingset.Init', {
    protocolVersion: 1, chainID: CHAIN, cosmosHeight, isBootstrap: cosmosHeight === 0, ...extra,
  });
}

/** One whole block; returns EndBlock's activityHash. */
export async function block(kernel, height, { updates = [], actions = [], commit = true } = {}) {
  const blockTime = 1700000000 + height * 5;
  kernel.handle('swingset.BeginBlock', { blockHeight: height, blockTime, chainID: CHAIN });
  if (updates.length) kernel.handle('vbank.BalanceUpdate', { nonce: height, updates });
  const { activityHash } = await kernel.handle('swingset.EndBlock', { blockHeight: height, blockTime, actions });
  if (commit) kernel.handle('swingset.Commit', { blockHeight: height });
  return activityHash;
}

export const install = (id, bundle) => ({ type: 'INSTALL_BUNDLE', id, blockHeight: 0, sender: 'agoric1submitter', bundle });
export const deliver = (id, target, method, args = [], sender = 'agoric1sender') => ({
  type: 'DELIVER_INBOUND', id, blockHeight: 0, sender, target, method, args,
});
