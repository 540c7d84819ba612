// Test-only fault injection. It can never be enabled by accident: only a
// JSON object in the env variable AGVM_TEST_FAULTS turns it on, unknown or
// malformed settings are fatal errors (not silently ignored), and main.js
// logs a loud warning whenever any fault is configured.
//
//   {"divergeAtHeight": 7}       extra kv change `fault.injected`=7 in block 7,
//                                so its activityHash differs from other nodes
//   {"malformedAtHeight": 5}     write a non-JSON line instead of the
//                                EndBlock(5) response
//   {"exitAtHeight": 5, "phase": "commit-before" | "commit-after"}
//                                process.exit(9) just before / just after
//                                Commit(5) is made durable
//   {"holdCommitAtHeight": 5}    once Commit(5) is durable, withhold its
//                                answer until the kernel gets SIGTERM (at
//                                most a minute), so a test can signal agd
//                                while the kernel's commit is outstanding
//
// Settings may be combined in one object.

export const FAULTS_ENV = 'AGVM_TEST_FAULTS';
export const FAULT_EXIT_CODE = 9;

const HEIGHT_KEYS = ['divergeAtHeight', 'malformedAtHeight', 'exitAtHeight', 'holdCommitAtHeight'];
const HOLD_AT_MOST_MS = 60_000;
const PHASES = ['commit-before', 'commit-after'];

/**
 * Parse the env value. Returns null when no fault is configured.
 * Throws on anything malformed.
 * @param {string | undefined} raw
 */
export function parseFaults(raw) {
  if (raw === undefined || raw === '') return null;
  let spec;
  try {
    spec = JSON.parse(raw);
  } catch (e) {
    throw Error(`${FAULTS_ENV} is not JSON: ${e.message}`);
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw Error(`${FAULTS_ENV} must be a JSON object, got ${raw}`);
  }
  for (const key of Object.keys(spec)) {
    if (!HEIGHT_KEYS.includes(key) && key !== 'phase') {
      throw Error(`${FAULTS_ENV}: unknown setting ${JSON.stringify(key)}`);
    }
  }
  for (const key of HEIGHT_KEYS) {
    if (key in spec && !(Number.isSafeInteger(spec[key]) && spec[key] >= 1)) {
      throw Error(`${FAULTS_ENV}: ${key} must be an integer >= 1`);
    }
  }
  if ('exitAtHeight' in spec !== 'phase' in spec) {
    throw Error(`${FAULTS_ENV}: exitAtHeight and phase go together`);
  }
  if ('phase' in spec && !PHASES.includes(spec.phase)) {
    throw Error(`${FAULTS_ENV}: phase must be one of ${PHASES.join(', ')}`);
  }
  if (Object.keys(spec).length === 0) return null;
  return Object.freeze({ ...spec });
}

/**
 * The kernel's view of the configured faults. `exit` is injected so tests
 * can observe it without dying.
 * @param {ReturnType<typeof parseFaults>} spec
 * @param {{exit?: (code: number) => never, log?: (msg: string) => void, untilSignal?: () => Promise<void>}} [io]
 */
export function makeFaults(spec, { exit = code => process.exit(code), log = () => {}, untilSignal = untilSIGTERM } = {}) {
  const s = spec ?? {};
  return Object.freeze({
    enabled: spec !== null && spec !== undefined,
    spec,
    divergeAt: height => s.divergeAtHeight === height,
    malformedAt: height => s.malformedAtHeight === height,
    /** Call at each commit phase; exits the process when configured. */
    maybeExit(height, phase) {
      if (s.exitAtHeight === height && s.phase === phase) {
        log(`AGVM_TEST_FAULTS: exiting with ${FAULT_EXIT_CODE} at height ${height} phase ${phase}`);
        exit(FAULT_EXIT_CODE);
      }
    },
    /** Call once Commit(height) is durable; settles when it may be answered. */
    async maybeHold(height) {
      if (s.holdCommitAtHeight === height) {
        log(`AGVM_TEST_FAULTS: holding the answer to Commit(${height}) until SIGTERM`);
        await untilSignal();
        log(`AGVM_TEST_FAULTS: answering Commit(${height})`);
      }
    },
  });
}

function untilSIGTERM() {
  return new Promise(resolve => {
    const timer = setTimeout(resolve, HOLD_AT_MOST_MS);
    process.once('SIGTERM', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export const NO_FAULTS = makeFaults(null);
