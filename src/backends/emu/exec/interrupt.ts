// Software interrupts: INT n, INT3, INTO, INT1 (ICEBP). Delivery is Cpu.softwareInterrupt (then
// cpu/interrupts.ts); here only what distinguishes them: "INT3 ... the #BP is a trap (return address = next
// instruction)", INT n/INT3/INTO check the gate DPL against CPL, INT1 does not (a privileged software
// exception), INTO only when OF = 1.
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { EventKind } from '../cpu/interrupts.js';
import type { Insn } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

const OF = 0x800;

function int(cpu: Cpu, insn: Insn): void {
  const v = insn.imm & 0xff;
  // --- DEBUG hook: INT 3 in its two-byte form (CD 03) ---
  if (v === Vector.BP) cpu.dbg.breakpoint(true);
  cpu.softwareInterrupt(v, EventKind.Software);
}

function int3(cpu: Cpu): void {
  // --- DEBUG hook: INT3 (0xCC), KVM_GUESTDBG_USE_SW_BP exits here with rip still on the int3 ---
  cpu.dbg.breakpoint(false);
  cpu.softwareInterrupt(Vector.BP, EventKind.Software);
}

function into(cpu: Cpu): void {
  if ((cpu.rflags & OF) !== 0) cpu.softwareInterrupt(Vector.OF, EventKind.Software);
}

function int1(cpu: Cpu): void {
  cpu.softwareInterrupt(Vector.DB, EventKind.Icebp);
}

export function registerInterrupt(t: ExecFn[]): void {
  t[Op.INT] = int;
  t[Op.INT3] = int3;
  t[Op.INTO] = into;
  t[Op.INT1] = int1;
}
