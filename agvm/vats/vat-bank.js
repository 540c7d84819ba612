// Built-in vat `bank`: the only vat holding the bridge device, so the only
// one that reaches agd (vbank.*, vstorage.*). Everyone else gets attenuated
// objects from it:
//   - makeStorage(root): writes under one vstorage subtree only;
//   - makeEscrow(contractID): give from that contract's own escrow ledger
//     only (there is no way to take from an account);
//   - makeFaucetPowers(): the faucet's storage and gifts from the vbank
//     module account.
// It also mirrors every vbank.BalanceUpdate into vstorage
// bank.balances.<address>.<denom>.
//
// Calls to agd are asynchronous: callOutbound('agd', {reqID, method,
// params}) only queues the request in the host; the host sends it after the
// crank and delivers agd's answer back through the bridge's inbound
// ('agd', {reqID, result} | {reqID, error}), which settles the promise.
// reqID 0 means "no answer wanted" (vstorage writes).

import { Far } from '@endo/far';
import { makePromiseKit } from '@endo/promise-kit';
import { safeSegment, checkRelativePath } from './storage-path.js';

const AMOUNT = /^(0|[1-9][0-9]*)$/;
const DENOM = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;
const ADDRESS = /^agoric1[0-9a-z]{10,90}$/;

const checkCoin = (address, denom, amount) => {
  if (typeof address !== 'string' || !ADDRESS.test(address)) throw Error(`bad address ${JSON.stringify(address)}`);
  if (typeof denom !== 'string' || !DENOM.test(denom)) throw Error(`bad denom ${JSON.stringify(denom)}`);
  if (typeof amount !== 'string' || !AMOUNT.test(amount)) throw Error(`bad amount ${JSON.stringify(amount)}: a decimal string`);
  return BigInt(amount);
};

export const buildRootObject = vatPowers => {
  const { D } = vatPowers;
  let bridge;
  let nextReqID = 1;
  /** reqID -> promise kit of a request to agd waiting for its answer */
  const pending = new Map();
  /** contractID -> Map(denom -> bigint): what each contract holds in the vbank escrow */
  const escrows = new Map();

  const sendAgd = (method, params) => {
    D(bridge).callOutbound('agd', harden({ reqID: 0, method, params }));
  };
  const callAgd = (method, params) => {
    const reqID = nextReqID;
    nextReqID += 1;
    const kit = makePromiseKit();
    pending.set(reqID, kit);
    D(bridge).callOutbound('agd', harden({ reqID, method, params }));
    return kit.promise;
  };

  const makeStorage = root => {
    checkRelativePath(root);
    return Far(`storage ${root}`, {
      /** value: a string, or null to delete */
      set(rel, value) {
        checkRelativePath(rel);
        if (value !== null && typeof value !== 'string') throw Error('vstorage value must be a string or null');
        sendAgd('vstorage.Set', { entries: [[`${root}.${rel}`, value]] });
      },
      append(rel, value) {
        checkRelativePath(rel);
        if (typeof value !== 'string') throw Error('vstorage append value must be a string');
        sendAgd('vstorage.Append', { entries: [[`${root}.${rel}`, value]] });
      },
      getRoot: () => root,
    });
  };

  const ledger = contractID => {
    if (!escrows.has(contractID)) escrows.set(contractID, new Map());
    return escrows.get(contractID);
  };
  const held = (contractID, denom) => ledger(contractID).get(denom) ?? 0n;
  const setHeld = (contractID, denom, n) => {
    if (n === 0n) ledger(contractID).delete(denom);
    else ledger(contractID).set(denom, n);
  };

  /** Pays from the vbank module account; rejects with agd's error. */
  const giveFromModule = (address, denom, amount) => {
    checkCoin(address, denom, amount);
    return callAgd('vbank.Give', { address, denom, amount });
  };

  /** Pays from one contract's escrow ledger, never more than it holds. */
  const giveFromEscrow = async (contractID, address, denom, amount) => {
    const n = checkCoin(address, denom, amount);
    const have = held(contractID, denom);
    if (n > have) throw Error(`insufficient escrow: ${contractID} holds ${have}${denom}, wants to give ${n}${denom}`);
    setHeld(contractID, denom, have - n);
    try {
      return await giveFromModule(address, denom, amount);
    } catch (e) {
      setHeld(contractID, denom, held(contractID, denom) + n);
      throw e;
    }
  };

  const inboundHandler = Far('bank inbound', {
    inbound(channel, msg) {
      if (channel === 'agd') {
        const kit = pending.get(msg.reqID);
        if (!kit) return;
        pending.delete(msg.reqID);
        if ('error' in msg) kit.reject(Error(String(msg.error)));
        else kit.resolve(msg.result);
      } else if (channel === 'bank' && msg.type === 'VBANK_BALANCE_UPDATE') {
        const entries = msg.updates.map(({ address, denom, amount }) => [
          `bank.balances.${safeSegment(address)}.${safeSegment(denom)}`,
          amount,
        ]);
        if (entries.length) sendAgd('vstorage.Set', { entries });
      }
    },
  });

  return Far('root', {
    connect(bridgeDevice) {
      bridge = bridgeDevice;
      D(bridge).registerInboundHandler(inboundHandler);
    },
    makeStorage,
    makeFaucetPowers() {
      return Far('faucet powers', {
        storage: () => makeStorage('published.faucet'),
        give: giveFromModule,
      });
    },
    /** What a contract may do with its escrow: look, and give from it. */
    makeEscrow(contractID) {
      return Far(`escrow ${contractID}`, {
        balance: denom => String(held(contractID, denom)),
        balances: () => Object.fromEntries([...ledger(contractID)].map(([d, n]) => [d, String(n)])),
        give: (address, denom, amount) => giveFromEscrow(contractID, address, denom, amount),
      });
    },
    /** Funds agd already moved into the vbank escrow for a delivery. */
    credit(contractID, funds) {
      for (const { denom, amount } of funds) setHeld(contractID, denom, held(contractID, denom) + BigInt(amount));
    },
    /**
     * A failed delivery: gives the sender back what is left of `funds` in
     * the contract's escrow (all of it unless the contract gave some away).
     */
    async refund(contractID, sender, funds) {
      for (const { denom, amount } of funds) {
        const want = BigInt(amount);
        const have = held(contractID, denom);
        const back = want < have ? want : have;
        if (back > 0n) await giveFromEscrow(contractID, sender, denom, String(back));
      }
    },
    /** Funds sent to no contract at all: back to the sender from the module account. */
    async refundUnclaimed(sender, funds) {
      for (const { denom, amount } of funds) if (amount !== '0') await giveFromModule(sender, denom, amount);
    },
  });
};
