// The powers a vat's deliveries get: the only authority vat code has.
// Every power is a hardened kernel function that checks its arguments, logs
// itself to the slog as a syscall, acts on the delivery that is running, and
// fails between deliveries (a vat cannot keep a power and use it later).
//
//   store    get(key) / has(key) / set(key, string) / delete(key): the vat's own
//            durable kv (keys `vs.<vatID>.<key>` in the kernel store), in the
//            crank buffer, so a throwing delivery leaves no change
//   send     send(target, method, args): queue a delivery to another vat's root
//            object (fire and forget; queued only if this crank succeeds)
//   bank     getBalance(address, denom) / give(address, denom, amount) /
//            grab(address, denom, amount): vbank.* calls to agd, async
//   storage  get(path) / children(path) async; set(path, value|null) /
//            append(path, value): vstorage, paths relative to the vat's root
//   log      log(...args): a `console` slog entry
//
// Bank calls go to agd at once (a vat needs their answer) and are NOT undone
// if the crank later throws; vstorage writes wait in the crank buffer and are
// dropped with it. Unprivileged (installed) vats may only grab from the
// sender of the inbound delivery they are running, and only give what they
// grabbed before (their escrow, kept in the kernel store).

import { errorMessage } from './vat-loader.js';

const AMOUNT_RE = /^[0-9]+$/;
const SEGMENT_RE = /^[A-Za-z0-9_-]+$/;
export const MAX_KEY_CHARS = 1024;
export const MAX_VALUE_BYTES = 1024 * 1024;
// agd keeps one stream cell per path and block for appends, itself at most
// max_value_size (1 MiB) once JSON-encoded; escaping can grow a value up to
// 6x, so appends to one path stay under this many bytes per block. A refused
// vstorage write at block end would stop the chain; a refused append only
// fails its crank.
export const MAX_APPEND_BYTES_PER_BLOCK = 128 * 1024;

/** A fresh Error from our frozen intrinsics: never a kernel object. */
function fail(message) {
  return Error(message);
}

/** Deep copy of JSON data, hardened, so vat and kernel never share objects. */
export function copyData(value, what = 'value') {
  let text;
  try {
    text = JSON.stringify(value === undefined ? null : value);
  } catch (e) {
    throw fail(`${what} is not JSON data: ${errorMessage(e)}`);
  }
  if (text === undefined) throw fail(`${what} is not JSON data`);
  return harden(JSON.parse(text));
}

export function checkStoragePath(path) {
  if (typeof path !== 'string' || path === '' || !path.split('.').every(s => SEGMENT_RE.test(s))) {
    throw fail(`bad vstorage path ${JSON.stringify(path)}: dot-separated segments of [A-Za-z0-9_-]`);
  }
  return path;
}

function checkString(v, what, max = MAX_KEY_CHARS) {
  if (typeof v !== 'string' || v === '' || v.length > max) {
    throw fail(`${what} must be a non-empty string of at most ${max} characters`);
  }
  return v;
}

function checkValue(v, what, nullable = false) {
  if (nullable && v === null) return v;
  if (typeof v !== 'string') throw fail(`${what} must be a string${nullable ? ' or null' : ''}`);
  if (Buffer.byteLength(v, 'utf8') > MAX_VALUE_BYTES) throw fail(`${what} exceeds ${MAX_VALUE_BYTES} bytes`);
  return v;
}

/**
 * The powers of one vat, made (and hardened) once per vat: each call acts
 * on the delivery that is running, `current()`, and fails when there is none.
 * @param {string} vatID
 * @param {{privileged: boolean, storageRoot: string}} options
 * @param {() => object | null} current the running delivery's context:
 * @param {string | null} ctx.sender signer of the inbound delivery, if any
 * @param {ReturnType<import('./crank.js').makeCrankBuffer>} ctx.buf
 * @param {(ksc: unknown[], fn: () => unknown) => unknown} ctx.syscall
 * @param {(item: object) => void} ctx.enqueue
 * @param {(key: string, value: string) => void} ctx.keep kv change that survives an abort
 * @param {(method: string, params: object) => Promise<unknown>} ctx.chainSend
 * @param {(method: string, params: object) => Promise<unknown>} ctx.queryAgd
 * @param {(path: string) => string | null | undefined} ctx.blockStorageLookup
 * @param {(args: unknown[]) => void} ctx.log
 */
export function makeVatPowers(vatID, options, current) {
  const storePrefix = `vs.${vatID}.`;
  const escrowKey = denom => `vat.${vatID}.escrow.${denom}`;

  /** The running delivery's context; throws between deliveries. */
  function live(name) {
    const ctx = current();
    if (ctx === null) throw fail(`${name}: this vat's delivery is over; powers work only during it`);
    return ctx;
  }

  function storagePath(rel) {
    checkStoragePath(rel);
    return options.storageRoot ? `${options.storageRoot}.${rel}` : rel;
  }

  const store = {
    get(key) {
      const ctx = live('store.get');
      const { buf } = ctx;
      checkString(key, 'store key');
      return ctx.syscall(['vatstoreGet', key], () => buf.get(storePrefix + key));
    },
    has(key) {
      const ctx = live('store.has');
      const { buf } = ctx;
      checkString(key, 'store key');
      return ctx.syscall(['vatstoreHas', key], () => buf.get(storePrefix + key) !== undefined);
    },
    set(key, value) {
      const ctx = live('store.set');
      const { buf } = ctx;
      checkString(key, 'store key');
      checkValue(value, 'store value');
      ctx.syscall(['vatstoreSet', key, value], () => buf.set(storePrefix + key, value));
    },
    delete(key) {
      const ctx = live('store.delete');
      const { buf } = ctx;
      checkString(key, 'store key');
      ctx.syscall(['vatstoreDelete', key], () => buf.delete(storePrefix + key));
    },
  };

  function send(target, method, args = []) {
    const ctx = live('send');
    checkString(target, 'send target');
    checkString(method, 'send method');
    if (!Array.isArray(args)) throw fail('send args must be an array');
    const copied = copyData(args, 'send args');
    ctx.syscall(['send', target, method, copied], () =>
      ctx.enqueue({ type: 'deliver', target, method, args: copied, from: vatID }),
    );
  }

  function checkTransfer(address, denom, amount) {
    checkString(address, 'address', 256);
    checkString(denom, 'denom', 256);
    if (typeof amount !== 'string' || !AMOUNT_RE.test(amount)) throw fail('amount must be a decimal string');
  }

  // An agd error becomes a fresh Error carrying only its message.
  async function agd(promise) {
    try {
      return copyData(await promise, 'agd answer');
    } catch (e) {
      throw fail(errorMessage(e));
    }
  }

  const bank = {
    getBalance(address, denom) {
      const ctx = live('bank.getBalance');
      checkString(address, 'address', 256);
      checkString(denom, 'denom', 256);
      return ctx.syscall(['vbankGetBalance', address, denom], () =>
        agd(ctx.queryAgd('vbank.GetBalance', { address, denom })),
      );
    },
    give(address, denom, amount) {
      const ctx = live('bank.give');
      const { buf } = ctx;
      checkTransfer(address, denom, amount);
      return ctx.syscall(['vbankGive', address, denom, amount], async () => {
        let refund = null;
        if (!options.privileged) {
          // Reserve before awaiting, so two concurrent gives cannot both pass.
          const held = BigInt(buf.get(escrowKey(denom)) ?? '0');
          if (held < BigInt(amount)) throw fail(`vat ${vatID} holds ${held}${denom}, cannot give ${amount}`);
          ctx.keep(escrowKey(denom), String(held - BigInt(amount)));
          refund = () => ctx.keep(escrowKey(denom), String(BigInt(buf.get(escrowKey(denom)) ?? '0') + BigInt(amount)));
        }
        try {
          return await agd(ctx.chainSend('vbank.Give', { address, denom, amount }));
        } catch (e) {
          if (refund) refund();
          throw e;
        }
      });
    },
    grab(address, denom, amount) {
      const ctx = live('bank.grab');
      const { buf } = ctx;
      checkTransfer(address, denom, amount);
      if (!options.privileged && address !== ctx.sender) {
        throw fail(`vat ${vatID} may only grab from the sender of the delivery it runs`);
      }
      return ctx.syscall(['vbankGrab', address, denom, amount], async () => {
        const r = await agd(ctx.chainSend('vbank.Grab', { address, denom, amount }));
        if (!options.privileged) {
          ctx.keep(escrowKey(denom), String(BigInt(buf.get(escrowKey(denom)) ?? '0') + BigInt(amount)));
        }
        return r;
      });
    },
  };

  const storage = {
    get(path) {
      const ctx = live('storage.get');
      const { buf } = ctx;
      const full = storagePath(path);
      return ctx.syscall(['vstorageGet', full], async () => {
        const mine = buf.storageLookup(full);
        if (mine !== undefined) return mine;
        const block = ctx.blockStorageLookup(full);
        if (block !== undefined) return block;
        return agd(ctx.queryAgd('vstorage.Get', { path: full }));
      });
    },
    children(path) {
      const ctx = live('storage.children');
      const full = storagePath(path);
      return ctx.syscall(['vstorageChildren', full], () => agd(ctx.queryAgd('vstorage.Children', { path: full })));
    },
    set(path, value) {
      const ctx = live('storage.set');
      const { buf } = ctx;
      const full = storagePath(path);
      checkValue(value, 'vstorage value', true);
      ctx.syscall(['vstorageSet', full, value], () => buf.storageSet(full, value));
    },
    append(path, value) {
      const ctx = live('storage.append');
      const { buf } = ctx;
      const full = storagePath(path);
      checkValue(value, 'vstorage value');
      const total = ctx.blockAppendedBytes(full) + buf.appendedBytes(full) + Buffer.byteLength(value, 'utf8');
      if (total > MAX_APPEND_BYTES_PER_BLOCK) {
        throw fail(`vstorage append to ${full}: more than ${MAX_APPEND_BYTES_PER_BLOCK} bytes in one block`);
      }
      ctx.syscall(['vstorageAppend', full, value], () => buf.storageAppend(full, value));
    },
  };

  function log(...args) {
    const ctx = live('log');
    ctx.log(args.map(a => (typeof a === 'string' ? a : safeDescribe(a))));
  }

  return harden({ vatID, store, send, bank, storage, log });
}

function safeDescribe(a) {
  try {
    const s = JSON.stringify(a);
    return s === undefined ? String(a) : JSON.parse(s);
  } catch {
    return errorMessage(a);
  }
}
