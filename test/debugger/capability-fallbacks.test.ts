// The debugger core on a host like this project's kvm_pvm (int3 interception and data breakpoints broken,
// debug-register execution breakpoints working), reproduced on emu by handing the core those features:
// gdb's Z0 must take a debug register instead of patching memory, Z2-Z4 must be refused (gdb then watches in
// software), and a fifth hardware breakpoint must be refused with a clear reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { Debugger } from '../../src/debugger/debugger.js';
import { BreakType, DebugTargetError } from '../../src/debugger/target.js';
import { openHypervisor } from '../../src/index.js';
import { ElfBytes, readHeader, readSectionHeaders, readSymbols } from '../../src/machine/boot/elf.js';
import { prepareGuest } from '../../src/machine/boot/prepare.js';

const DEMO = join(repoRoot(), 'guests', 'demo.elf');

function symbols(): Map<string, bigint> {
  const r = new ElfBytes(readFileSync(DEMO));
  const h = readHeader(r);
  return readSymbols(r, h, readSectionHeaders(r, h));
}

test('kvm_pvm-like host: Z0 takes a debug register, watchpoints are refused, slots run out cleanly', async () => {
  const hv = openHypervisor({ backend: 'emu' });
  const g = prepareGuest({ hypervisor: hv, imagePath: DEMO, memoryBytes: 64 << 20 });
  const dbg = new Debugger(
    { vm: g.vm, vcpus: [g.vcpu], bus: g.bus },
    { swBreakpoints: false, dataWatchpoints: false, soft: false },
  );
  try {
    const sym = symbols();
    const loop = sym.get('demo_loop')!;
    const func = sym.get('demo_func')!;
    const before = g.ram.slice(Number(loop), Number(loop) + 16);
    await dbg.insertBreakpoint(BreakType.Software, loop, 1);
    // Nothing was patched: the breakpoint lives in DR0.
    assert.deepEqual(g.ram.slice(Number(loop), Number(loop) + 16), before);
    const stop = await dbg.resume(new Map(), 'continue');
    assert.deepEqual(stop, { kind: 'stopped', vcpu: 0, reason: { kind: 'swbreak' } });
    assert.equal((await dbg.getRegs(0)).rip, loop);
    // Continuing steps off the breakpoint (a DR execution breakpoint would re-trigger at once) and comes back.
    await dbg.insertBreakpoint(BreakType.Hardware, func, 1);
    const next = await dbg.resume(new Map(), 'continue');
    assert.deepEqual(next, { kind: 'stopped', vcpu: 0, reason: { kind: 'hwbreak' } });
    assert.equal((await dbg.getRegs(0)).rip, func);
    await assert.rejects(
      dbg.insertBreakpoint(BreakType.Write, sym.get('counter')!, 8),
      (e: unknown) => e instanceof DebugTargetError && e.code === 'unsupported',
    );
    await dbg.insertBreakpoint(BreakType.Hardware, func + 3n, 1);
    await dbg.insertBreakpoint(BreakType.Hardware, func + 7n, 1);
    await assert.rejects(
      dbg.insertBreakpoint(BreakType.Hardware, loop + 7n, 1),
      (e: unknown) => e instanceof DebugTargetError && e.code === 'no-slot' && /four debug registers/.test(e.message),
    );
    // Removing everything and detaching lets the guest run to its end.
    for (const [t, a] of [
      [BreakType.Software, loop],
      [BreakType.Hardware, func],
      [BreakType.Hardware, func + 3n],
      [BreakType.Hardware, func + 7n],
    ] as const)
      await dbg.removeBreakpoint(t, a, 1);
    await dbg.detach();
    const end = await dbg.waitForEnd();
    assert.deepEqual(end, { kind: 'exited', status: 35 });
  } finally {
    await dbg.close();
    g.vm.close();
    hv.close();
  }
});
