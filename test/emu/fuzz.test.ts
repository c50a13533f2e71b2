// Bad guest input never crashes the host: random bytes run as guest code in real mode, 32-bit protected mode
// and 64-bit mode (random registers too) for a bounded time. Every run() must end in a clean exit — never a
// host exception (KVM_EXIT_INTERNAL_ERROR here) or a throw. A worker kicks the vCPU to bound endless loops.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { EmuVcpu } from '../../src/backends/emu/vcpu.js';
import { type Exit, ExitReason, type Regs } from '../../src/index.js';
import { CODE, type Guest, longModeGuest, prot32Guest, realModeGuest } from './emu-harness.js';
import { rng } from './exec/host-oracle.js';

const BUDGET_MS = 4000;
const CODE_BYTES = 96;

function fuzzMode(
  name: string,
  make: (code: Uint8Array) => Guest,
  seed: bigint,
): { runs: number; exits: Map<number, number> } {
  const r = rng(seed);
  const g = make(new Uint8Array(CODE_BYTES));
  const vcpu = g.vcpu as EmuVcpu;
  const sregs = vcpu.getSregs();
  const regs0 = vcpu.getRegs();
  const ram0 = g.ram.slice(0, 0x10000);
  // One kick flag for every run: the worker sets it every 20 ms.
  const flag = new SharedArrayBuffer(4);
  vcpu.cpu.kick = new Int32Array(flag);
  const w = new Worker(
    'const { workerData } = require("node:worker_threads"); const f = new Int32Array(workerData); setInterval(() => Atomics.store(f, 0, 1), 20);',
    { eval: true, workerData: flag },
  );
  const exits = new Map<number, number>();
  let runs = 0;
  const t0 = Date.now();
  try {
    while (Date.now() - t0 < BUDGET_MS) {
      runs++;
      g.ram.set(ram0, 0);
      for (let i = 0; i < CODE_BYTES; i++) g.ram[CODE + i] = Number(r() & 0xffn);
      vcpu.setSregs(sregs);
      const regs: Regs = { ...regs0 };
      for (const k of ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11'] as const)
        regs[k] = r() % 0x100000n;
      vcpu.setRegs(regs);
      for (let step = 0; step < 50; step++) {
        let exit: Exit;
        try {
          exit = vcpu.run();
        } catch (e) {
          assert.fail(`${name} run ${runs}: run() threw ${String(e)}`);
        }
        exits.set(exit.reason, (exits.get(exit.reason) ?? 0) + 1);
        assert.notEqual(exit.reason, ExitReason.InternalError, `${name} run ${runs}: ${vcpu.internalError()}`);
        if (exit.reason === ExitReason.Io || exit.reason === ExitReason.Mmio) continue;
        break;
      }
    }
  } finally {
    void w.terminate();
  }
  process.stderr.write(`fuzz ${name}: ${runs} runs, exits ${JSON.stringify([...exits])}\n`);
  return { runs, exits };
}

describe('fuzz: random guest code ends in clean exits', () => {
  it('64-bit mode', () => {
    const { runs } = fuzzMode('long', longModeGuest, 1n);
    assert.ok(runs > 10, `only ${runs} runs`);
  });
  it('32-bit protected mode', () => {
    const { runs } = fuzzMode('prot32', prot32Guest, 2n);
    assert.ok(runs > 10, `only ${runs} runs`);
  });
  it('real mode', () => {
    const { runs } = fuzzMode('real', realModeGuest, 3n);
    assert.ok(runs > 10, `only ${runs} runs`);
  });
});
