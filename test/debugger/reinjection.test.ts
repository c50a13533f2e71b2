// Re-injection of the guest's own debug exceptions while the debugger owns #DB (a hardware breakpoint armed,
// so KVM_GUESTDBG_USE_HW_BP): the guest's handlers must run exactly as without a debugger.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Debugger } from '../../src/debugger/debugger.js';
import { BreakType } from '../../src/debugger/target.js';
import { createStandardBus } from '../../src/machine/devices/standard-bus.js';
import { assemble, CODE, HANDLERS, longModeGuest } from '../emu/emu-harness.js';

const KVM_STYLE = { swBreakpoints: true, dataWatchpoints: true, soft: false };
const IRETQ = [0x48, 0xcf];

test("the guest's ICEBP and int3 reach its own handlers and return after the instruction", {
  timeout: 20_000,
}, async () => {
  // rbx counts handler entries: #DB (vector 1) and #BP (vector 3) handlers do `inc %rbx; iretq`.
  const g = longModeGuest(assemble('int1\n mov $0x1234, %eax\n int3\n mov $0x5678, %ecx\n hlt'));
  for (const v of [1, 3]) g.ram.set([0x48, 0xff, 0xc3, ...IRETQ], HANDLERS + v * 16);
  const { bus } = createStandardBus(() => {});
  const dbg = new Debugger({ vm: g.vm, vcpus: [g.vcpu], bus }, KVM_STYLE);
  try {
    // Unrelated breakpoints: a DR slot (the host now owns #DB) and an int3 patched elsewhere (owns #BP).
    await dbg.insertBreakpoint(BreakType.Hardware, BigInt(CODE + 0x400), 1);
    await dbg.insertBreakpoint(BreakType.Software, BigInt(CODE + 0x410), 1);
    // A guest stuck re-executing its ICEBP would never end: stop it after a while so the test fails, not hangs.
    const deadline = setTimeout(() => dbg.interrupt(), 5_000);
    const stop = await dbg.resume(new Map(), 'continue');
    clearTimeout(deadline);
    // The guest ran to its hlt: nothing here stops the debugger but the end of the guest.
    assert.equal(stop.kind, 'terminated', `the guest did not reach its hlt: ${JSON.stringify(stop)}`);
    const r = await dbg.getRegs(0);
    assert.equal(r.rax & 0xffffn, 0x1234n, 'execution went on after the ICEBP');
    assert.equal(r.rcx & 0xffffn, 0x5678n, 'execution went on after the int3');
    assert.equal(r.rbx, 2n, 'each handler ran once');
  } finally {
    await dbg.close();
    g.vm.close();
    g.hv.close();
  }
});
