// exec/alu/*.ts vs the host CPU: every form (family x size) on random operands and input flags, natively
// through a gcc-built harness and through our pure functions; results and all six arithmetic flags must
// agree, the SDM-"undefined" ones included (no exclusions are needed on the reference host). DIV/IDIV cases
// that would raise #DE are not run natively: our functions must return -1 for exactly those (BigInt rule).
// The larger run: `node dist/scripts/alu-oracle/run.js --per-form 20000`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAluOracle, runAluOracle } from '../../../support/alu-oracle.js';

const PER_FORM = 3000;

test('integer ALU agrees with the host CPU on every form, result and flag', (t) => {
  const r = runAluOracle(PER_FORM, 0xa1a1);
  console.log(formatAluOracle(r));
  if (r.skipped) {
    t.skip(r.skipped);
    return;
  }
  assert.ok(r.native > r.forms * PER_FORM * 0.9, 'too few cases ran natively');
  assert.equal(r.diffCount, 0, r.diffs.join('\n'));
});
