// A minimal stand-in for agd in end-to-end tests: spawns src/main.js under
// the running (pinned) node with real pipes on fds 4 and 5, speaks the wire
// protocol by hand (not through src/jsonrpc.js, so the kernel's framing is
// checked independently), and records everything the kernel says.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';

export const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/**
 * @param {string} stateDir
 * @param {object} [opts]
 * @param {Record<string,string>} [opts.env] extra env
 * @param {(method: string, params: object) => unknown} [opts.answer] answers kernel→agd requests
 */
export function startKernel(stateDir, { env = {}, answer = () => true } = {}) {
  const child = spawn(process.execPath, [MAIN], {
    cwd: stateDir,
    // fd 3 stays unused (Node reserves it for IPC); 4 = agd→agvm, 5 = agvm→agd
    stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      AGVM_FROM_AGD: '4',
      AGVM_TO_AGD: '5',
      AGVM_STATE_DIR: stateDir,
      ...env,
    },
  });
  const toKernel = child.stdio[4];
  const fromKernel = child.stdio[5];
  toKernel.on('error', () => {}); // EPIPE after the kernel died is expected in some tests

  let stdout = '';
  let stderr = '';
  child.stdout.on('data', d => {
    stdout += d;
  });
  child.stderr.on('data', d => {
    stderr += d;
    for (const w of stderrWaiters.splice(0)) {
      if (stderr.includes(w.text)) w.resolve();
      else stderrWaiters.push(w);
    }
  });
  const stderrWaiters = [];

  const lines = []; // every raw line the kernel wrote on fd 5
  const notifications = [];
  const pending = new Map();
  let nextId = 1;
  let buf = '';
  fromKernel.setEncoding('utf8');
  fromKernel.on('data', chunk => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        for (const [, p] of pending) p.resolve({ raw: line });
        pending.clear();
        continue;
      }
      if (msg.method && msg.id === null) {
        notifications.push(msg);
      } else if (msg.method) {
        Promise.resolve(answer(msg.method, msg.params[0])).then(result =>
          toKernel.write(`${JSON.stringify({ id: msg.id, result, error: null })}\n`),
        );
      } else {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        p?.resolve(msg);
      }
    }
  });

  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));

  const kernel = {
    child,
    exited,
    lines,
    notifications,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** Send a request; resolves with the whole response message (or {raw}). */
    request(method, params) {
      const id = nextId;
      nextId += 1;
      const p = new Promise(resolve => pending.set(id, { resolve }));
      toKernel.write(`${JSON.stringify({ id, method, params: [params] })}\n`);
      return p;
    },
    /** Send a request and return its result; throws on an error response. */
    async call(method, params) {
      const msg = await kernel.request(method, params);
      if (msg.error) throw Object.assign(Error(msg.error.message), { code: msg.error.code });
      return msg.result;
    },
    notify(method, params) {
      toKernel.write(`${JSON.stringify({ id: null, method, params: [params] })}\n`);
    },
    writeRaw(text) {
      toKernel.write(text);
    },
    /** Close agd's end of the pipe: the kernel sees EOF. */
    eof() {
      toKernel.end();
    },
    waitStderr(text) {
      if (stderr.includes(text)) return Promise.resolve();
      return new Promise(resolve => stderrWaiters.push({ text, resolve }));
    },
    /** Kill it (cleanup): SIGKILL, then wait. */
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
  return kernel;
}

/** Drive one whole block; returns EndBlock's activityHash. */
export async function runBlock(k, chainID, height, { updates = [], actions = [] } = {}) {
  const blockTime = 1700000000 + height;
  assert(await k.call('swingset.BeginBlock', { blockHeight: height, blockTime, chainID }) === null);
  if (updates.length) k.notify('vbank.BalanceUpdate', { nonce: height, updates });
  const { activityHash } = await k.call('swingset.EndBlock', { blockHeight: height, blockTime, actions });
  const c = await k.call('swingset.Commit', { blockHeight: height });
  assert(c.kernelHeight === height);
  return activityHash;
}

function assert(cond) {
  if (!cond) throw Error('fake-agd: unexpected answer');
}
