// The probe's expectations are the selftest's values (docs/guest-debug.md); a typo here would make the probe lie.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GuestDbg } from '../../../src/abi/index.js';
import { FEATURE_PROBES } from '../../../src/machine/probe/features.js';

const byName = new Map(FEATURE_PROBES.map((f) => [f.feature, f]));

describe('probe feature table', () => {
  it('covers every feature of issue 2', () => {
    for (const name of [
      'SINGLESTEP',
      'BLOCKIRQ',
      'USE_SW_BP',
      'USE_HW_BP exec DR0',
      'USE_HW_BP exec DR1',
      'USE_HW_BP exec DR2',
      'USE_HW_BP exec DR3',
      'USE_HW_BP write watchpoint',
      'USE_HW_BP read/write watchpoint',
      'USE_HW_BP I/O breakpoint',
      'USE_HW_BP DR7.GD',
      'INJECT_DB',
      'INJECT_BP',
    ]) {
      assert.ok(byName.has(name), name);
    }
  });

  it('uses the selftest DR7 and DR6 values', () => {
    for (let i = 0; i < 4; i++) {
      const f = byName.get(`USE_HW_BP exec DR${i}`)!;
      assert.equal(f.debug.debugreg[7], 0x400n | (1n << BigInt(2 * i + 1)));
      assert.deepEqual(f.expect, { kind: 'debug', exception: 1, pc: 0x1001n, dr6: 0xffff0ff0n | (1n << BigInt(i)) });
    }
    assert.equal(byName.get('USE_HW_BP write watchpoint')!.debug.debugreg[7], 0x400n | 2n | (0xdn << 16n));
    assert.equal(byName.get('USE_HW_BP DR7.GD')!.debug.debugreg[7], 0x2400n);
    assert.deepEqual(byName.get('SINGLESTEP')!.expect, { kind: 'debug', exception: 1, pc: 0x1001n, dr6: 0xffff4ff0n });
    assert.deepEqual(byName.get('USE_HW_BP DR7.GD')!.expect, {
      kind: 'debug',
      exception: 1,
      pc: 0x1000n,
      dr6: 0xffff2ff0n,
    });
  });

  it('only uses valid control bits', () => {
    const valid = Object.values(GuestDbg).reduce((a, b) => a | b, 0);
    for (const f of FEATURE_PROBES) assert.equal(f.debug.control & ~valid, 0, f.feature);
  });
});
