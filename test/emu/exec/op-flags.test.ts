// The flags columns of the op rows (src/backends/emu/decode/ops.ts) against the interpreter: random instances
// of every opcode-table encoding run as one instruction (64-bit mode, or 32-bit protected mode where the
// encoding is invalid in 64-bit mode) on random registers, memory and status flags/DF.
//  - written: RFLAGS bits outside the op's written set come out as they went in;
//  - read: the same instruction on flags that differ only in status/DF bits outside its read set leaves the
//    same registers and memory, written bits equal and the other bits as different as they went in.
// An instruction that faults or exits is not counted; every op a region may hold must be counted.
// The rows are what jit/plan.ts relies on for flag liveness, so a row that is too small is a miscompilation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../../src/backends/emu/decode/decoder.js';
import { createInsn, DecodeMode } from '../../../src/backends/emu/decode/insn.js';
import {
  ARITH,
  COMPILE,
  Compile,
  FLAGS_READ,
  FLAGS_WRITTEN,
  OP_COUNT,
  Op,
  opName,
} from '../../../src/backends/emu/decode/ops.js';
import { CpuSignal } from '../../../src/backends/emu/signals.js';
import type { EmuVcpu } from '../../../src/backends/emu/vcpu.js';
import type { Regs, Sregs } from '../../../src/index.js';
import { CR0, CR4, RFLAGS } from '../../../src/x86/control-regs.js';
import { CODE, DATA, type Guest, longModeGuest, prot32Guest, STACK_TOP } from '../emu-harness.js';
import { ENCODINGS } from '../op-encodings.js';
import { rng } from './host-oracle.js';

const SAMPLES = 32;
/** The bits varied: the status flags and DF (TF, IF and the rest change how the CPU runs around the op). */
const VARIED = ARITH | RFLAGS.DF;
const GPRS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

interface Outcome {
  regs: Regs;
  ram: Buffer;
  flags: number;
}

/** The pages a sample may use, mapped 4 KiB each and nothing else (an access elsewhere faults: no verdict), so
 *  that restoring and comparing them per run is cheap: the system tables and handlers, the code, the stack
 *  around rsp and the data. */
const PAGES = [1, 2, 3, 5, 6, 7, 8, CODE >> 12, (STACK_TOP >> 12) - 1, STACK_TOP >> 12, DATA >> 12, (DATA >> 12) + 1];
/** Page tables: 64-bit mode's (under longModeGuest's PML4 and PDPT), 32-bit paging's directory and table. */
const PD64 = 0x3000;
const PT64 = 0x4000;
const PD32 = 0xa000;
const PT32 = 0xb000;
const PAGE = 4096;

class Bench {
  readonly vcpu: EmuVcpu;
  private readonly sregs: Sregs;
  private readonly saved: Uint8Array[];
  private readonly restored: number[];
  constructor(
    readonly g: Guest,
    long64: boolean,
  ) {
    this.vcpu = g.vcpu as EmuVcpu;
    const { view } = g;
    const s = this.vcpu.getSregs();
    if (long64) {
      for (let i = 0; i < 512; i++) view.setBigUint64(PD64 + i * 8, 0n, true);
      view.setBigUint64(PD64, BigInt(PT64 | 7), true);
      for (const p of PAGES) view.setBigUint64(PT64 + p * 8, BigInt((p << 12) | 7), true);
      // SSE and XSAVE enabled (else #UD).
      this.sregs = { ...s, cr4: s.cr4 | BigInt(CR4.OSFXSR | CR4.OSXSAVE) };
      this.restored = [...PAGES, PT64 >> 12];
    } else {
      view.setUint32(PD32, PT32 | 7, true);
      for (const p of PAGES) view.setUint32(PT32 + p * 4, (p << 12) | 7, true);
      this.sregs = { ...s, cr3: BigInt(PD32), cr0: s.cr0 | BigInt(CR0.PG) };
      this.restored = [...PAGES, PD32 >> 12, PT32 >> 12];
    }
    this.saved = this.restored.map((p) => g.ram.slice(p * PAGE, (p + 1) * PAGE));
  }
  /** Runs `bytes` at CODE from `regs` with rflags `flags` and memory `data` at DATA; undefined: it faulted or
   *  needs the VMM. */
  run(bytes: number[], regs: Regs, flags: number, data: Uint8Array): Outcome | undefined {
    const { g, vcpu } = this;
    for (let i = 0; i < this.restored.length; i++) g.ram.set(this.saved[i]!, this.restored[i]! * PAGE);
    g.ram.set(bytes, CODE);
    g.ram.set(data, DATA);
    vcpu.setSregs(this.sregs);
    vcpu.setRegs({ ...regs, rip: BigInt(CODE), rflags: BigInt(flags) });
    const cpu = vcpu.cpu;
    cpu.exitKind = 0;
    try {
      cpu.step();
    } catch (e) {
      if (e instanceof CpuSignal) return undefined;
      throw e;
    }
    if (cpu.exitKind !== 0) return undefined;
    const ram = Buffer.concat(this.restored.map((p) => g.ram.subarray(p * PAGE, (p + 1) * PAGE)));
    return { regs: vcpu.getRegs(), ram, flags: cpu.rflags };
  }
}

/** Ops a region may hold whose handler raises #UD on every instance (exec/protection.ts: CPUID does not offer
 *  XSAVE), so no sample can run. */
const ALWAYS_UD: readonly number[] = [Op.XSAVE, Op.XRSTOR];

const hex = (v: number): string => v.toString(16);

function sameState(a: Outcome, b: Outcome): boolean {
  for (const k of [...GPRS, 'rsp', 'rip'] as const)
    if (a.regs[k as keyof Regs] !== b.regs[k as keyof Regs]) return false;
  return a.ram.equals(b.ram);
}

test('every op leaves the flags outside its written set alone and depends on no flag outside its read set', () => {
  const r = rng(0xf1a95n);
  const n = (k: number): number => Number(r() % BigInt(k));
  const reg = (): bigint => {
    switch (n(4)) {
      case 0:
        return BigInt(DATA + 64 * n(32));
      case 1:
        return BigInt(n(4));
      case 2:
        return r();
      default:
        return r() & 0xffffffffn;
    }
  };
  const counted = new Uint8Array(OP_COUNT);
  /** The first disagreement per op (all of them reported at once). */
  const failures = new Map<number, string>();
  const fail = (op: number, why: string): void => {
    if (!failures.has(op)) failures.set(op, why);
  };
  const insn = createInsn();
  const data = new Uint8Array(0x1000);
  for (const e of ENCODINGS) {
    const long64 = !e.i64;
    const bench = new Bench(long64 ? longModeGuest(new Uint8Array(1)) : prot32Guest(new Uint8Array(1)), long64);
    const base = bench.vcpu.getRegs();
    for (let k = 0; k < SAMPLES; k++) {
      const bytes = e.make(r, long64);
      if (decode((o) => bytes[o]!, long64 ? DecodeMode.Long64 : DecodeMode.Prot32, insn) !== 0) continue;
      const op = insn.op;
      const where = `${opName(op)} (${bytes.slice(0, insn.len).map((b) => b.toString(16).padStart(2, '0'))})`;
      const regs: Regs = { ...base, rsp: BigInt(STACK_TOP - 0x100) };
      // Half the samples point every register into the data (64-byte aligned: FXSAVE, XSAVE, CMPXCHG16B).
      const pointers = n(2) === 0;
      for (const g of GPRS) regs[g as keyof Regs] = pointers ? BigInt(DATA + 64 * n(32)) : reg();
      if (!long64) for (const g of GPRS) regs[g as keyof Regs] &= 0xffffffffn;
      // Half the samples zero data: a valid MXCSR, FXRSTOR/XRSTOR image.
      const zeros = n(2) === 0;
      for (let i = 0; i < data.length; i++) data[i] = zeros ? 0 : n(256);
      const fa = RFLAGS.FIXED1 | (Number(r() & 0xffffffffn) & VARIED);
      const a = bench.run(bytes, regs, fa, data);
      if (a === undefined) continue;
      counted[op] = 1;
      const written = FLAGS_WRITTEN[op]!;
      if (((a.flags ^ fa) & ~written) !== 0)
        fail(op, `${where}: rflags ${hex(fa)} -> ${hex(a.flags)} changes bits its row does not write`);
      const flip = Number(r() & 0xffffffffn) & VARIED & ~FLAGS_READ[op]!;
      const b = bench.run(bytes, regs, fa ^ flip, data);
      // The same instruction on the same input must repeat itself (RDTSC, RDRAND do not): else no verdict.
      const again = bench.run(bytes, regs, fa, data);
      if (b === undefined || again === undefined || !sameState(a, again) || again.flags !== a.flags) continue;
      const why = `${where}: rflags ${hex(fa)} and ${hex(fa ^ flip)}`;
      if (!sameState(a, b)) fail(op, `${why} give different registers or memory: it reads a flag its row does not`);
      else if ((a.flags ^ b.flags) !== (flip & ~written))
        fail(op, `${why} -> ${hex(a.flags)} and ${hex(b.flags)}: its row's read or written set is wrong`);
    }
  }
  for (let op = 0; op < OP_COUNT; op++)
    if (COMPILE[op] !== Compile.Never && !ALWAYS_UD.includes(op) && counted[op] === 0)
      fail(op, `${opName(op)}: no instance ran without a fault`);
  assert.deepEqual([...failures.values()], []);
});
