// Which xsnap worker process runs which vat, and which of them died by a
// signal the kernel did not send.
//
// SwingSet starts each vat's xsnap worker with the vat's display name
// ("v3:bank") as argv[0] but never tells its host the worker's pid, and the
// error a dead worker leaves in controller.run ("v3:bank exited due to
// signal SIGKILL") does not name it either. An operator looking at a stopped
// node needs both, so the host hands SwingSet this spawn (its documented
// runtimeOptions.spawn) and remembers every worker it starts.
//
// A worker killed from outside (kill -9, the OOM killer) is not a vat
// outcome: it is not consensus-visible, so the kernel must not go on as if
// the vat had failed. The host stops the block instead; this module only
// says which worker and vat it was.

import { spawn as ambientSpawn } from 'node:child_process';
import { constants } from 'node:os';

const signalName = n => Object.keys(constants.signals).find(k => constants.signals[k] === n) ?? String(n);

/**
 * @param {typeof ambientSpawn} [spawn]
 */
export function makeWorkerTracker(spawn = ambientSpawn) {
  /** Deaths by a signal the kernel did not send, oldest first. */
  const deaths = [];
  /** Workers started and not yet exited. */
  let alive = 0;

  /** @type {typeof ambientSpawn} */
  function trackingSpawn(command, args, options) {
    const child = spawn(command, args, options);
    const vat = Array.isArray(args) && typeof args[0] === 'string' ? args[0] : '<unnamed>';
    const { pid } = child;
    alive += 1;
    // The signals the kernel itself sent (terminate() of a vat it stopped
    // or evicted; SwingSet also signals a worker that already died, so
    // child.killed alone cannot tell).
    const sent = new Set();
    const kill = child.kill.bind(child);
    child.kill = (signal = 'SIGTERM') => {
      sent.add(typeof signal === 'number' ? signalName(signal) : signal);
      return kill(signal);
    };
    child.once('exit', (code, signal) => {
      alive -= 1;
      if (signal !== null && !sent.has(signal)) deaths.push({ pid, vat, signal });
    });
    return child;
  }

  return {
    spawn: trackingSpawn,
    /** Whether any worker started is still running (or not yet reaped). */
    anyAlive: () => alive > 0,
    /** Workers that died by a signal the kernel did not send: {pid, vat, signal}. */
    deaths: () => deaths.slice(),
  };
}

/** One sentence naming each dead worker: pid, vat, signal. */
export const describeDeaths = deaths =>
  deaths.map(({ pid, vat, signal }) => `xsnap worker pid ${pid} of vat ${vat} was killed by ${signal}`).join('; ');
