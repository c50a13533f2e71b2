// The dispatch table: one handler per Op, filled by each instruction family. Ops without a handler raise
// #UD in the guest and are counted per op (cpu.unimplemented) for `guestdbg run --stats`.
import { Vector } from '../../../x86/vectors.js';
import type { ExecFn } from '../cpu/cpu.js';
import { OP_COUNT } from '../decode/ops.js';
import { registerArith } from './arith.js';
import { registerAtomic } from './atomic.js';
import { registerBcd } from './bcd.js';
import { registerBits } from './bits.js';
import { registerBranch } from './branch.js';
import { registerControl } from './control.js';
import { registerFar } from './far.js';
import { registerFlags } from './flags.js';
import { registerFpu } from './fpu.js';
import { registerInterrupt } from './interrupt.js';
import { registerIo } from './io.js';
import { registerMisc } from './misc.js';
import { registerMov } from './mov.js';
import { registerMulDiv } from './muldiv.js';
import { registerProtection } from './protection.js';
import { registerSegment } from './segment.js';
import { registerShift } from './shift.js';
import { registerStack } from './stack.js';
import { registerString } from './string.js';
import { registerSyscall } from './syscall.js';
import { registerSystem } from './system.js';
import { registerTables } from './tables.js';

/** "#UD: the opcode is not implemented by this CPU" — counted so the user learns which one. */
const unimplemented: ExecFn = (cpu, insn) => {
  cpu.unimplemented[insn.op]!++;
  cpu.raise(Vector.UD);
};

export function buildHandlers(): ExecFn[] {
  const t: ExecFn[] = new Array<ExecFn>(OP_COUNT).fill(unimplemented);
  registerArith(t);
  registerAtomic(t);
  registerBranch(t);
  registerFar(t);
  registerIo(t);
  registerMov(t);
  registerStack(t);
  registerString(t);
  registerControl(t);
  registerFlags(t);
  registerInterrupt(t);
  registerMisc(t);
  registerSegment(t);
  registerSyscall(t);
  registerSystem(t);
  registerTables(t);
  registerMulDiv(t);
  registerShift(t);
  registerBits(t);
  registerBcd(t);
  registerFpu(t);
  registerProtection(t);
  return t;
}
