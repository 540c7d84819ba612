// The per-block run policy: a computron budget (x/swingset consensus params
// blockComputronLimit and vatCreationComputrons, Agoric's defaults), as
// Agoric's cosmic-swingset computronCounter does. Vat creation is charged
// too: uncounted vat creation made 21-45 s blocks on Agoric (agoric-sdk
// #6639). A crank that crosses the limit finishes; the rest of the
// run-queue carries over to the next block.

export const DEFAULT_BLOCK_COMPUTRON_LIMIT = 8_000_000n;
export const DEFAULT_VAT_CREATION_COMPUTRONS = 300_000n;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function decimal(params, name, fallback) {
  const v = params?.[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !DECIMAL.test(v)) throw Error(`params.${name} must be a decimal string, got ${JSON.stringify(v)}`);
  return BigInt(v);
}

/**
 * EndBlock's optional `params` ({blockComputronLimit, vatCreationComputrons},
 * decimal strings); missing ones take Agoric's defaults. Throws on bad ones.
 */
export function readBlockParams(params) {
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw Error('params must be an object');
  }
  const blockComputronLimit = decimal(params, 'blockComputronLimit', DEFAULT_BLOCK_COMPUTRON_LIMIT);
  if (blockComputronLimit === 0n) throw Error('params.blockComputronLimit must be positive');
  return {
    blockComputronLimit,
    vatCreationComputrons: decimal(params, 'vatCreationComputrons', DEFAULT_VAT_CREATION_COMPUTRONS),
  };
}

/** A SwingSet RunPolicy spending at most `limit` computrons (one crank over). */
export function makeComputronPolicy(limit, vatCreation) {
  let used = 0n;
  const more = () => used < limit;
  return harden({
    vatCreated() {
      used += vatCreation;
      return more();
    },
    crankComplete({ computrons } = {}) {
      if (typeof computrons === 'bigint') used += computrons;
      return more();
    },
    crankFailed() {
      return more();
    },
    emptyCrank() {
      return more();
    },
    exhausted: () => !more(),
    used: () => used,
  });
}
