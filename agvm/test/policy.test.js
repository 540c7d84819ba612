// The block policy alone (src/policy.js), without a kernel: what EndBlock's
// params may be, and where the computron budget stops a block. host.test.js
// checks the same policy end to end, at about 100 s a run; these run in
// milliseconds, so `make mutate` can afford them for every mutant.
import '../src/lockdown.js';
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  readBlockParams,
  makeComputronPolicy,
  DEFAULT_BLOCK_COMPUTRON_LIMIT,
  DEFAULT_VAT_CREATION_COMPUTRONS,
} from '../src/policy.js';

test("Agoric's defaults", () => {
  assert.equal(DEFAULT_BLOCK_COMPUTRON_LIMIT, 8_000_000n);
  assert.equal(DEFAULT_VAT_CREATION_COMPUTRONS, 300_000n);
});

test('missing params take the defaults; given ones are read as bigints', () => {
  const defaults = { blockComputronLimit: 8_000_000n, vatCreationComputrons: 300_000n };
  assert.deepEqual(readBlockParams(undefined), defaults);
  assert.deepEqual(readBlockParams({}), defaults);
  assert.deepEqual(readBlockParams({ blockComputronLimit: '5' }), { blockComputronLimit: 5n, vatCreationComputrons: 300_000n });
  assert.deepEqual(readBlockParams({ vatCreationComputrons: '7' }), { blockComputronLimit: 8_000_000n, vatCreationComputrons: 7n });
  // Vat creation may be free; a block budget of 0 may not.
  assert.deepEqual(readBlockParams({ blockComputronLimit: '1', vatCreationComputrons: '0' }), {
    blockComputronLimit: 1n,
    vatCreationComputrons: 0n,
  });
  assert.equal(readBlockParams({ blockComputronLimit: '123456789012345678901234567890' }).blockComputronLimit, 123456789012345678901234567890n);
});

test('params that are not an object are refused', () => {
  for (const params of [null, [], 'x', 5, true]) {
    assert.throws(() => readBlockParams(params), { message: 'params must be an object' }, JSON.stringify(params));
  }
});

test('each bad value is refused, naming the param and the value', () => {
  for (const name of ['blockComputronLimit', 'vatCreationComputrons']) {
    for (const v of [5, null, {}, '', '-1', '+1', '01', '1.5', '1e3', ' 1', '1 ', '0x10', 'a1', '1a']) {
      assert.throws(
        () => readBlockParams({ [name]: v }),
        { message: `params.${name} must be a decimal string, got ${JSON.stringify(v)}` },
        `${name}=${String(v)}`,
      );
    }
  }
  assert.throws(() => readBlockParams({ blockComputronLimit: '0' }), { message: 'params.blockComputronLimit must be positive' });
});

test('the budget: every crank is counted; the crank that reaches the limit is the last', () => {
  const p = makeComputronPolicy(10n, 3n);
  assert.equal(p.used(), 0n);
  assert.equal(p.exhausted(), false);
  assert.equal(p.crankComplete({ computrons: 4n }), true);
  assert.equal(p.used(), 4n);
  assert.equal(p.crankComplete({ computrons: 5n }), true, '9 of 10 used: go on');
  assert.equal(p.exhausted(), false);
  assert.equal(p.crankComplete({ computrons: 1n }), false, '10 of 10 used: stop');
  assert.equal(p.used(), 10n);
  assert.equal(p.exhausted(), true);
  // Once used up, every kind of crank says stop.
  assert.equal(p.crankFailed(), false);
  assert.equal(p.emptyCrank(), false);
  assert.equal(p.crankComplete({ computrons: 0n }), false);
});

test('vat creation is charged; cranks without a bigint count are free', () => {
  const p = makeComputronPolicy(10n, 3n);
  assert.equal(p.vatCreated(), true);
  assert.equal(p.used(), 3n);
  assert.equal(p.crankComplete(), true);
  assert.equal(p.crankComplete({}), true);
  assert.equal(p.crankComplete({ computrons: 4 }), true, 'a number is not a count');
  assert.equal(p.crankFailed(), true);
  assert.equal(p.emptyCrank(), true);
  assert.equal(p.used(), 3n);
  assert.equal(p.vatCreated(), true);
  assert.equal(p.used(), 6n);
  assert.equal(p.vatCreated(), true, '9 of 10 used');
  assert.equal(p.vatCreated(), false, '9 + 3 crosses 10');
  assert.equal(p.used(), 12n);
  assert.equal(p.exhausted(), true);
});

test('the policy is hardened', () => {
  const p = makeComputronPolicy(1n, 1n);
  assert.ok(Object.isFrozen(p));
});
