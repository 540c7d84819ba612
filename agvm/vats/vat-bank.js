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
// Calls to agd block: callOutbound('agd', {method, params}) is a request to
// agd, and returns its answer, {result} or {error}, before the vat goes on.
// The answer is in the vat's transcript like any syscall result.

import { Far } from '@endo/far';
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
  /** contractID -> Map(denom -> bigint): what each contract holds in the vbank escrow */
  const escrows = new Map();

  /** agd's result, or throws agd's error. */
  const callAgd = (method, params) => {
    const answer = D(bridge).callOutbound('agd', harden({ method, params }));
    if ('error' in answer) throw Error(answer.error);
    return answer.result;
  };

  const makeStorage = root => {
    checkRelativePath(root);
    return Far(`storage ${root}`, {
      /** value: a string, or null to delete */
      set(rel, value) {
        checkRelativePath(rel);
        if (value !== null && typeof value !== 'string') throw Error('vstorage value must be a string or null');
        callAgd('vstorage.Set', { entries: [[`${root}.${rel}`, value]] });
      },
      append(rel, value) {
        checkRelativePath(rel);
        if (typeof value !== 'string') throw Error('vstorage append value must be a string');
        callAgd('vstorage.Append', { entries: [[`${root}.${rel}`, value]] });
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

  /** Pays from the vbank module account; throws agd's error. */
  const giveFromModule = (address, denom, amount) => {
    checkCoin(address, denom, amount);
    return callAgd('vbank.Give', { address, denom, amount });
  };

  /** Pays from one contract's escrow ledger, never more than it holds. */
  const giveFromEscrow = (contractID, address, denom, amount) => {
    const n = checkCoin(address, denom, amount);
    const have = held(contractID, denom);
    if (n > have) throw Error(`insufficient escrow: ${contractID} holds ${have}${denom}, wants to give ${n}${denom}`);
    const result = giveFromModule(address, denom, amount);
    setHeld(contractID, denom, have - n);
    return result;
  };

  const inboundHandler = Far('bank inbound', {
    inbound(channel, msg) {
      if (channel === 'bank' && msg.type === 'VBANK_BALANCE_UPDATE') {
        const entries = msg.updates.map(({ address, denom, amount }) => [
          `bank.balances.${safeSegment(address)}.${safeSegment(denom)}`,
          amount,
        ]);
        if (entries.length) callAgd('vstorage.Set', { entries });
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
    refund(contractID, sender, funds) {
      for (const { denom, amount } of funds) {
        const want = BigInt(amount);
        const have = held(contractID, denom);
        const back = want < have ? want : have;
        if (back > 0n) giveFromEscrow(contractID, sender, denom, String(back));
      }
    },
    /** Funds sent to no contract at all: back to the sender from the module account. */
    refundUnclaimed(sender, funds) {
      for (const { denom, amount } of funds) if (amount !== '0') giveFromModule(sender, denom, amount);
    },
  });
};
