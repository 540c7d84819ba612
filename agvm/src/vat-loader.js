// Turns a vat bundle (JavaScript source text) into something that builds a
// root object, inside an SES Compartment with no ambient authority.
//
// Bundle format: the source is the BODY of a function, evaluated in strict
// mode inside its own Compartment. It either declares
//     function buildRootObject(vatPowers) { ... return { method() {} }; }
// or ends with `return <builder function>;`. The builder gets the vat's
// powers (powers.js) and returns the root object whose own function-valued
// properties are the methods deliveries may call.
//
// The body is re-run for EVERY delivery, so closure state ("heap state")
// never outlives a delivery: the vat's store is its only memory. That makes a
// vat's behaviour a function of committed state and its inputs alone, so a
// restarted kernel (which lost its heap) computes exactly what a kernel that
// kept running computes, without transcripts or heap snapshots.

import './lockdown.js';

export const DEFAULT_MAX_BUNDLE_BYTES = 10 * 1024 * 1024; // x/swingset's default max_bundle_size

/** A bundle the kernel refuses; its message is published for the client. */
export class BundleError extends Error {}

/**
 * Evaluate a bundle once; returns `instantiate(powers) -> root`.
 * Throws BundleError for anything wrong with the bundle itself.
 * @param {string} source
 * @param {{maxBytes?: number}} [opts]
 */
export function compileBundle(source, { maxBytes = DEFAULT_MAX_BUNDLE_BYTES } = {}) {
  if (typeof source !== 'string' || source === '') throw new BundleError('bundle must be a non-empty string');
  const size = Buffer.byteLength(source, 'utf8');
  if (size > maxBytes) throw new BundleError(`bundle too large: ${size} bytes, maximum ${maxBytes}`);

  // A fresh Compartment per vat: its own global object and evaluators over
  // the shared frozen intrinsics. Its globalThis is hardened too, so a vat
  // cannot stash state there between deliveries.
  const compartment = new Compartment({}, {}, { name: 'vat' });
  harden(compartment.globalThis);

  // The trailing newline before `;` ends a trailing line comment in the body.
  const wrapped =
    '(function vatBundle() {\n' +
    "'use strict';\n" +
    `${source}\n;\n` +
    "return typeof buildRootObject === 'function' ? buildRootObject : undefined;\n" +
    '})';
  let body;
  try {
    body = compartment.evaluate(wrapped);
  } catch (e) {
    throw new BundleError(`bundle does not evaluate: ${errorMessage(e)}`);
  }
  if (typeof body !== 'function') throw new BundleError('bundle does not evaluate to a function body');
  // A syntactically valid body may still fail at its top level or lack a
  // builder: check it once now, with no powers, so install can refuse it.
  let builder;
  try {
    builder = body();
  } catch (e) {
    throw new BundleError(`bundle throws at top level: ${errorMessage(e)}`);
  }
  if (typeof builder !== 'function') {
    throw new BundleError('bundle has no root builder: declare function buildRootObject(vatPowers) or return one');
  }

  /** A fresh root object for one delivery. */
  return function instantiate(powers) {
    const build = body();
    if (typeof build !== 'function') throw Error('bundle stopped returning a builder');
    const root = build(powers);
    if (root === null || typeof root !== 'object') throw Error('buildRootObject did not return an object');
    return root;
  };
}

/** A message for anything thrown, including non-Errors; never throws. */
export function errorMessage(e) {
  try {
    if (e !== null && typeof e === 'object' && typeof e.message === 'string') return e.message;
    return `thrown non-error: ${String(e)}`;
  } catch {
    return 'thrown value cannot be described';
  }
}
