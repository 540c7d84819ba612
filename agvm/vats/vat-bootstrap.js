// Built-in vat `bootstrap`: wires the kernel's vats together at the chain's
// first block and then runs every action of a transaction:
//   install(action, bundleID)   creates a contract vat through vat-admin,
//                               with a meter, and publishes
//                               published.swingset.install.<id>
//   deliver(action)             sends method(...args, {sender, funds}) to a
//                               contract (or the faucet) and publishes
//                               published.swingset.deliver.<id> once the
//                               result settles
//   publishError(kind, id, msg) publishes an action the host refused
//                               (bad bundle, bad shape)
// The host (src/host.js) queues these with controller.queueToVatRoot.
//
// Contracts are named c1, c2, ... in install order (their "vatID" in
// outcomes and their vstorage subtree published.vats.<vatID>). Each is
// given, in vatParameters.powers, only: its own storage subtree and its own
// escrow ledger. It never sees the bridge device, vbank or another subtree.

import { Far, E } from '@endo/far';
import { makePromiseKit } from '@endo/promise-kit';
import { safeSegment } from './storage-path.js';

/** JSON text of a result, or throws for values JSON cannot carry faithfully. */
const resultJSON = value =>
  JSON.stringify(value, (_k, v) => {
    if (typeof v === 'bigint') return String(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) {
      if (Object.getPrototypeOf(v) === null) return v; // hardened records pass through
      throw Error(`result is not JSON data: ${Object.prototype.toString.call(v)}`);
    }
    return v;
  }) ?? 'null';

const messageOf = e => (e && typeof e === 'object' && 'message' in e ? String(e.message) : String(e));

export const buildRootObject = vatPowers => {
  const { D } = vatPowers;
  let vatAdmin;
  let bank;
  let bridge;
  let faucet;
  let nextContract = 1;
  /** contractID -> {root, terminated?: string} */
  const contracts = new Map();
  // Actions wait for bootstrap() to have wired everything.
  const ready = makePromiseKit();

  // Outcomes go straight to the bridge device (bootstrap is a kernel vat
  // too): one crank fewer per action than through the bank vat. A write agd
  // refuses has nobody to tell here; the host reports it to agd.
  const publish = (kind, id, outcome) => {
    const entries = [[`published.swingset.${kind}.${safeSegment(id)}`, JSON.stringify(outcome)]];
    D(bridge).callOutbound('agd', harden({ method: 'vstorage.Set', params: { entries } }));
  };

  const settleDelivery = async action => {
    const { id, sender, target, method, args, funds } = action;
    const contract = target === 'faucet' ? { root: faucet } : contracts.get(target);
    // A contract still being installed (same block, or its vat not yet
    // created) is waited for.
    await contract?.created?.catch(() => {});
    if (!contract || contract.terminated) {
      if (funds.length) await E(bank).refundUnclaimed(sender, funds);
      throw Error(contract ? `vat ${target} terminated: ${contract.terminated}` : `no such vat: ${target}`);
    }
    if (funds.length) await E(bank).credit(target, funds);
    try {
      return await E(contract.root)[method](...args, harden({ sender, funds }));
    } catch (e) {
      if (funds.length) await E(bank).refund(target, sender, funds);
      if (contract.done && messageOf(e) === 'vat terminated') {
        // Say why: done() settles with the reason (meter, memory, ...).
        const reason = await contract.done.then(r => `exited: ${messageOf(r)}`, messageOf);
        throw Error(`vat ${target} terminated: ${reason}`);
      }
      throw e;
    }
  };

  return Far('root', {
    async bootstrap(vats, devices) {
      vatAdmin = await E(vats.vatAdmin).createVatAdminService(devices.vatAdmin);
      bank = vats.bank;
      bridge = devices.bridge;
      await E(bank).connect(bridge);
      faucet = vats.faucet;
      await E(faucet).init(E(bank).makeFaucetPowers());
      ready.resolve();
    },

    async install(action, bundleID) {
      await ready.promise;
      const contractID = `c${nextContract}`;
      nextContract += 1;
      // Known at once, so deliveries queued behind this install wait for it.
      const contract = { root: undefined, done: undefined, terminated: undefined, created: undefined };
      contracts.set(contractID, contract);
      const create = async () => {
        const bundlecap = await E(vatAdmin).getBundleCap(bundleID);
        // Unlimited in total, but metered: every delivery has xsnap's
        // per-crank computron limit, so a runaway delivery ends its vat.
        const meter = await E(vatAdmin).createUnlimitedMeter();
        const powers = Far(`powers ${contractID}`, {
          storage: () => E(bank).makeStorage(`published.vats.${contractID}`),
          escrow: () => E(bank).makeEscrow(contractID),
        });
        const { root, adminNode } = await E(vatAdmin).createVat(bundlecap, {
          name: contractID,
          meter,
          vatParameters: { contractID, powers },
        });
        contract.root = root;
        contract.done = E(adminNode).done();
        contract.done.then(
          reason => {
            contract.terminated = `exited: ${messageOf(reason)}`;
          },
          reason => {
            contract.terminated = messageOf(reason);
          },
        );
      };
      contract.created = create().catch(e => {
        contract.terminated = `its install failed: ${messageOf(e)}`;
        throw e;
      });
      try {
        await contract.created;
        publish('install', action.id, { vatID: contractID });
      } catch (e) {
        publish('install', action.id, { error: messageOf(e) });
      }
    },

    async publishError(kind, id, message) {
      await ready.promise;
      publish(kind, id, { error: message });
    },

    async deliver(action) {
      await ready.promise;
      let outcome;
      try {
        const result = await settleDelivery(action);
        outcome = { result: JSON.parse(resultJSON(result)) };
      } catch (e) {
        outcome = { error: messageOf(e) };
      }
      publish('deliver', action.id, outcome);
    },
  });
};
