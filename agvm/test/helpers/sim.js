// An in-process agd for kernel tests and the benchmark: the SwingSet host on
// its own state folder, and a fake agd that keeps vstorage and vbank
// balances in memory and answers the kernel's calls the way x/vstorage and
// x/vbank do.

import '../../src/lockdown.js';
import { makeHost } from '../../src/host.js';
import { loadBundles } from '../../src/bundles.js';

export const CHAIN = 'agoriclocal';
export const MODULE = 'vbank';

let bundles;
/** The committed bundles, checked once per process. */
export const getBundles = () => (bundles ??= loadBundles());

export function makeFakeAgd({ balances = {}, state } = {}) {
  const vstorage = new Map(state?.vstorage);
  const bal = state ? new Map(state.bal) : new Map(Object.entries(balances).map(([k, v]) => [k, BigInt(v)])); // "address/denom" -> bigint
  let nonce = state?.nonce ?? 0;
  const calls = [...(state?.calls ?? [])];
  const get = (a, d) => bal.get(`${a}/${d}`) ?? 0n;
  function transfer(from, to, denom, amount) {
    const n = BigInt(amount);
    if (get(from, denom) < n) {
      throw Object.assign(Error(`insufficient funds: ${from} has ${get(from, denom)}${denom}, wants ${n}${denom}`), { code: -32010 });
    }
    bal.set(`${from}/${denom}`, get(from, denom) - n);
    bal.set(`${to}/${denom}`, get(to, denom) + n);
    nonce += 1;
    const who = from === MODULE ? to : from;
    return { nonce, updates: [{ address: who, denom, amount: String(get(who, denom)) }] };
  }
  return {
    vstorage,
    calls,
    balance: get,
    /** An independent copy of this agd's state, as if committed now. */
    clone: () => makeFakeAgd({ state: { vstorage, bal, nonce, calls } }),
    /** agd's own move of `funds` into the escrow, as MsgDeliverInbound does. */
    escrow(sender, funds) {
      for (const { denom, amount } of funds) transfer(sender, MODULE, denom, amount);
    },
    answer(method, p) {
      calls.push({ method, params: p });
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
          return transfer(MODULE, p.address, p.denom, p.amount);
        case 'vbank.Grab':
          return transfer(p.address, MODULE, p.denom, p.amount);
        default:
          throw Error(`fake agd: no ${method}`);
      }
    },
  };
}

/** A kernel in state folder `dir` talking to `agd` in process. */
export function bootKernel({ dir, agd = makeFakeAgd(), slog, ...opts }) {
  const slogs = [];
  const kernel = makeHost({
    stateDir: dir,
    bundles: getBundles(),
    callAgd: (method, params) => agd.answer(method, structuredClone(params)),
    slog: slog ?? {
      write: (type, fields) => slogs.push({ type, ...fields }),
      writeEntry: entry => slogs.push(entry),
    },
    ...opts,
  });
  return { kernel, agd, slogs, close: () => kernel.close() };
}

export function init(kernel, cosmosHeight = 0, extra = {}) {
  return kernel.handle('swingset.Init', {
    protocolVersion: 1, chainID: CHAIN, cosmosHeight, isBootstrap: cosmosHeight === 0, ...extra,
  });
}

/** One whole block; returns EndBlock's activityHash. */
export async function block(kernel, height, { updates = [], actions = [], commit = true, params } = {}) {
  const blockTime = 1700000000 + height * 5;
  kernel.handle('swingset.BeginBlock', { blockHeight: height, blockTime, chainID: CHAIN });
  if (updates.length) kernel.handle('vbank.BalanceUpdate', { nonce: height, updates });
  const { activityHash } = await kernel.handle('swingset.EndBlock', { blockHeight: height, blockTime, actions, params });
  if (commit) await kernel.handle('swingset.Commit', { blockHeight: height });
  return activityHash;
}

export const install = (id, bundle) => ({ type: 'INSTALL_BUNDLE', id, blockHeight: 0, sender: 'agoric1submitter', bundle });
export const deliver = (id, target, method, args = [], { sender = 'agoric1sender0000000000', funds = [] } = {}) => ({
  type: 'DELIVER_INBOUND', id, blockHeight: 0, sender, target, method, args, funds,
});
