// A guest that never exits cannot block the probe: each feature ends at its deadline through the watchdog's kick.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Exit, ExitReason, type Hypervisor, type Vcpu, type Vm } from '../../../src/abi/index.js';
import { FEATURE_PROBES } from '../../../src/machine/probe/features.js';
import { probeGuestDebug } from '../../../src/machine/probe/probe.js';
import { emuOrSkip } from '../emu-helper.js';

const { hv, skip } = await emuOrSkip();
if (skip) console.log(`# skipping the hung-guest probe test: ${skip}`);
const DEADLINE_MS = 100;

/** The emu vCPU, except that run() never finishes a guest instruction: it only returns when kicked. */
function hungVcpu(real: Vcpu): Vcpu {
  const flag = new Int32Array(real.kicker().flag!);
  const run = (): Exit => {
    while (Atomics.load(flag, 0) === 0) {
      // a guest stuck in a loop
    }
    Atomics.store(flag, 0, 0);
    return { reason: ExitReason.Intr };
  };
  return new Proxy(real, { get: (t, p) => (p === 'run' ? run : Reflect.get(t, p)) });
}

function hungHypervisor(real: Hypervisor): Hypervisor {
  const createVm = (): Vm => {
    const vm = real.createVm();
    const createVcpu = (id: number): Vcpu => hungVcpu(vm.createVcpu(id));
    return new Proxy(vm, { get: (t, p) => (p === 'createVcpu' ? createVcpu : Reflect.get(t, p)) });
  };
  return new Proxy(real, { get: (t, p) => (p === 'createVm' ? createVm : Reflect.get(t, p)) });
}

describe('probeGuestDebug with a guest that never exits', { skip }, () => {
  it('reports "no exit within" for every feature and still finishes quickly', async () => {
    const t0 = performance.now();
    const results = await probeGuestDebug(hungHypervisor(hv!), DEADLINE_MS);
    const ms = performance.now() - t0;
    assert.equal(results.length, FEATURE_PROBES.length);
    for (const r of results) {
      assert.equal(r.works, false, r.feature);
      assert.match(r.detail, /^no exit within 100 ms; expected /, r.feature);
    }
    assert.ok(ms < FEATURE_PROBES.length * DEADLINE_MS + 5000, `took ${ms} ms`);
  });
});
