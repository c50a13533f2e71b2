// One entry per guest-debug feature: the guest code, the KVM_SET_GUEST_DEBUG setting, and the exit
// the KVM selftest debug_regs.c says must follow, bit for bit (docs/guest-debug.md, "The selftest scenario").
import { GuestDbg, type GuestDebug } from '../../abi/index.js';
import { DR6_B, DR6_BD, DR6_BS, DR6_FIXED_1, DR7_FIXED_1, DR7_GD, Dr7Rw, dr7Slot } from '../../x86/debug-regs.js';
import { Vector } from '../../x86/vectors.js';
import { CODE_ADDR, Code, DATA_ADDR, HANDLER_PORT, type ProbeCpuOptions } from './guest.js';

export type Expectation =
  /** A KVM_EXIT_DEBUG with exactly these fields (dr7 is reported but not required: kvm_pvm reports 0). */
  | { kind: 'debug'; exception: number; pc: bigint; dr6?: bigint }
  /** The guest's own handler of `vector` ran (it reports with OUT HANDLER_PORT, al = vector). */
  | { kind: 'handler'; vector: number };

export interface FeatureProbe {
  feature: string;
  /** KVM_GUESTDBG_* bits the feature needs; "advertised" = all of them in the CAP_SET_GUEST_DEBUG2 mask. */
  bits: number;
  code: readonly number[];
  cpu?: ProbeCpuOptions;
  debug: GuestDebug;
  /** Make an NMI pending (KVM_SET_VCPU_EVENTS nmi.pending) before the first run. */
  pendingNmi?: boolean;
  /** I/O exits on these ports are completed and the run continues (the trap comes after the I/O). */
  passIoPorts?: number[];
  expect: Expectation;
}

const addr = (n: number): bigint => BigInt(n);
const dr7 = (bits: number | bigint): bigint => DR7_FIXED_1 | BigInt(bits);
/** debugreg[0..7] with slot `i` = address and debugreg[7] = DR7 value. */
function debugregs(dr7Value: bigint, slot?: number, address?: bigint): bigint[] {
  const regs = [0n, 0n, 0n, 0n, 0n, 0n, 0n, dr7Value];
  if (slot !== undefined && address !== undefined) regs[slot] = address;
  return regs;
}
const SECOND_INSN = addr(CODE_ADDR + 1);
const ENABLE_HW = GuestDbg.Enable | GuestDbg.UseHwBp;

function hwExec(i: number): FeatureProbe {
  // Exec breakpoints are faults: pc = the breakpoint address, DR6.Bi set (selftest step 2).
  return {
    feature: `USE_HW_BP exec DR${i}`,
    bits: GuestDbg.UseHwBp,
    code: Code.nops,
    debug: { control: ENABLE_HW, debugreg: debugregs(dr7(dr7Slot(i, Dr7Rw.Exec, 1)), i, SECOND_INSN) },
    expect: { kind: 'debug', exception: Vector.DB, pc: SECOND_INSN, dr6: DR6_FIXED_1 | DR6_B(i) },
  };
}

export const FEATURE_PROBES: readonly FeatureProbe[] = [
  {
    // Single-step is a trap: one instruction runs, pc = the next one, DR6.BS (selftest step 4).
    feature: 'SINGLESTEP',
    bits: GuestDbg.SingleStep,
    code: Code.nops,
    debug: { control: GuestDbg.Enable | GuestDbg.SingleStep, debugreg: debugregs(DR7_FIXED_1) },
    expect: { kind: 'debug', exception: Vector.DB, pc: SECOND_INSN, dr6: DR6_FIXED_1 | DR6_BS },
  },
  {
    // A step over STI is one instruction too: STI's shadow holds back maskable interrupts only (SDM Vol. 2
    // STI), so the single-step trap follows it as any instruction. QEMU's emulated SVM runs two.
    feature: 'SINGLESTEP over STI',
    bits: GuestDbg.SingleStep,
    code: Code.stiNop,
    debug: { control: GuestDbg.Enable | GuestDbg.SingleStep, debugreg: debugregs(DR7_FIXED_1) },
    expect: { kind: 'debug', exception: Vector.DB, pc: SECOND_INSN, dr6: DR6_FIXED_1 | DR6_BS },
  },
  {
    // BLOCKIRQ "avoids injecting interrupts/NMI/SMI": a pending NMI is not delivered while stepping, so the
    // step lands on the next instruction, not in the NMI handler. Not KVM_INTERRUPT: without an in-kernel
    // irqchip KVM marks that interrupt injected at once and re-injects it ahead of the BLOCKIRQ check.
    feature: 'BLOCKIRQ',
    bits: GuestDbg.SingleStep | GuestDbg.BlockIrq,
    code: Code.nops,
    pendingNmi: true,
    debug: { control: GuestDbg.Enable | GuestDbg.SingleStep | GuestDbg.BlockIrq, debugreg: debugregs(DR7_FIXED_1) },
    expect: { kind: 'debug', exception: Vector.DB, pc: SECOND_INSN, dr6: DR6_FIXED_1 | DR6_BS },
  },
  {
    // #BP intercepted: pc = the int3 itself (selftest step 1).
    feature: 'USE_SW_BP',
    bits: GuestDbg.UseSwBp,
    code: Code.int3,
    debug: { control: GuestDbg.Enable | GuestDbg.UseSwBp, debugreg: debugregs(0n) },
    expect: { kind: 'debug', exception: Vector.BP, pc: addr(CODE_ADDR) },
  },
  hwExec(0),
  hwExec(1),
  hwExec(2),
  hwExec(3),
  {
    // Data breakpoints are traps: pc = after the store (selftest step 3), RW=01 LEN=4.
    feature: 'USE_HW_BP write watchpoint',
    bits: GuestDbg.UseHwBp,
    code: Code.store,
    debug: { control: ENABLE_HW, debugreg: debugregs(dr7(dr7Slot(0, Dr7Rw.Write, 4)), 0, addr(DATA_ADDR)) },
    expect: { kind: 'debug', exception: Vector.DB, pc: addr(CODE_ADDR + 5), dr6: DR6_FIXED_1 | DR6_B(0) },
  },
  {
    // RW=11 fires on a read too.
    feature: 'USE_HW_BP read/write watchpoint',
    bits: GuestDbg.UseHwBp,
    code: Code.load,
    debug: { control: ENABLE_HW, debugreg: debugregs(dr7(dr7Slot(0, Dr7Rw.ReadWrite, 4)), 0, addr(DATA_ADDR)) },
    expect: { kind: 'debug', exception: Vector.DB, pc: addr(CODE_ADDR + 5), dr6: DR6_FIXED_1 | DR6_B(0) },
  },
  {
    // RW=10 (I/O, only with CR4.DE) is a trap after the OUT completes.
    feature: 'USE_HW_BP I/O breakpoint',
    bits: GuestDbg.UseHwBp,
    code: Code.outPost,
    cpu: { debugExtensions: true },
    passIoPorts: [HANDLER_PORT],
    debug: { control: ENABLE_HW, debugreg: debugregs(dr7(dr7Slot(0, Dr7Rw.Io, 1)), 0, addr(HANDLER_PORT)) },
    expect: { kind: 'debug', exception: Vector.DB, pc: addr(CODE_ADDR + 2), dr6: DR6_FIXED_1 | DR6_B(0) },
  },
  {
    // DR7.GD: the MOV from DR0 faults before executing, DR6.BD (selftest step 5).
    feature: 'USE_HW_BP DR7.GD',
    bits: GuestDbg.UseHwBp,
    code: Code.movFromDr0,
    debug: { control: ENABLE_HW, debugreg: debugregs(dr7(DR7_GD)) },
    expect: { kind: 'debug', exception: Vector.DB, pc: addr(CODE_ADDR), dr6: DR6_FIXED_1 | DR6_BD },
  },
  {
    // INJECT_DB queues #DB into the guest: its vector-1 handler runs before the main code.
    feature: 'INJECT_DB',
    bits: GuestDbg.InjectDb,
    code: Code.outMain,
    debug: { control: GuestDbg.Enable | GuestDbg.InjectDb, debugreg: debugregs(0n) },
    expect: { kind: 'handler', vector: Vector.DB },
  },
  {
    feature: 'INJECT_BP',
    bits: GuestDbg.InjectBp,
    code: Code.outMain,
    debug: { control: GuestDbg.Enable | GuestDbg.InjectBp, debugreg: debugregs(0n) },
    expect: { kind: 'handler', vector: Vector.BP },
  },
];
