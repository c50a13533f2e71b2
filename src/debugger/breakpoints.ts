// The VM's breakpoint table: software breakpoints (int3 patched into guest RAM) and the four debug-register
// slots shared by hardware breakpoints and watchpoints. It turns into the host half of KVM_SET_GUEST_DEBUG.
import { DR7_FIXED_1, Dr7Rw, dr7Slot } from '../x86/debug-regs.js';
import { BreakType, DebugTargetError } from './target.js';

export const INT3 = 0xcc;
export const DR_SLOTS = 4;

export interface SwBreakpoint {
  addr: bigint;
  gpa: bigint;
  /** The guest's byte under our int3. */
  orig: number;
}

export interface SlotUse {
  /** What gdb asked for (a Z0 lands here when int3 interception does not work on the host). */
  type: BreakType;
  addr: bigint;
  len: 1 | 2 | 4 | 8;
}

const isPow2Len = (n: number): n is 1 | 2 | 4 | 8 => n === 1 || n === 2 || n === 4 || n === 8;

export class BreakpointTable {
  readonly sw = new Map<bigint, SwBreakpoint>();
  readonly slots: (SlotUse | undefined)[] = new Array(DR_SLOTS).fill(undefined);

  /** Claims a free DR slot; x86 debug registers match naturally aligned 1/2/4/8-byte ranges only (SDM 18.2.5). */
  claimSlot(use: SlotUse): number {
    if (!isPow2Len(use.len) || use.addr % BigInt(use.len) !== 0n) {
      throw new DebugTargetError(
        'bad-argument',
        `a debug register watches an aligned 1, 2, 4 or 8-byte range; 0x${use.addr.toString(16)}+${use.len} is not one`,
      );
    }
    const free = this.slots.indexOf(undefined);
    if (free < 0) {
      throw new DebugTargetError(
        'no-slot',
        'all four debug registers are in use; delete a hardware breakpoint or watchpoint',
      );
    }
    this.slots[free] = use;
    return free;
  }

  releaseSlot(type: BreakType, addr: bigint, len: number): boolean {
    const i = this.slots.findIndex(
      (s) => s !== undefined && s.type === type && s.addr === addr && (type <= 1 || s.len === len),
    );
    if (i < 0) return false;
    this.slots[i] = undefined;
    return true;
  }

  get slotsInUse(): boolean {
    return this.slots.some((s) => s !== undefined);
  }

  /** debugreg[0..7] for KVM_SET_GUEST_DEBUG with USE_HW_BP: addresses in 0-3, DR7 in 7. */
  debugreg(suppressExecAt?: bigint): bigint[] {
    const regs = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
    let dr7 = Number(DR7_FIXED_1);
    this.slots.forEach((s, i) => {
      if (!s) return;
      if (s.addr === suppressExecAt && (s.type === BreakType.Software || s.type === BreakType.Hardware)) return;
      regs[i] = BigInt.asUintN(64, s.addr);
      const rw = s.type === BreakType.Write ? Dr7Rw.Write : s.type === BreakType.Access ? Dr7Rw.ReadWrite : Dr7Rw.Exec;
      // Execution breakpoints must use LEN=00 (SDM 18.2.4).
      dr7 |= dr7Slot(i, rw, rw === Dr7Rw.Exec ? 1 : s.len);
    });
    regs[7] = BigInt(dr7 >>> 0);
    return regs;
  }
}

/** Which of our slots a KVM_EXIT_DEBUG's DR6 reports (B0-B3), lowest slot first. */
export function slotHits(table: BreakpointTable, dr6: bigint): { slot: number; use: SlotUse }[] {
  const hits: { slot: number; use: SlotUse }[] = [];
  table.slots.forEach((use, slot) => {
    if (use && (dr6 & (1n << BigInt(slot))) !== 0n) hits.push({ slot, use });
  });
  return hits;
}
