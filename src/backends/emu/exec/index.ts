// The dispatch table: one handler per Op, filled by each instruction family. Ops without a handler raise
// #UD in the guest and are counted per op (cpu.unimplemented) for `guestdbg run --stats`.
import { Vector } from '../../../x86/vectors.js';
import type { ExecFn } from '../cpu/cpu.js';
import { OP_COUNT } from '../decode/ops.js';
import { registerArith } from './arith.js';
import { registerAtomic } from './atomic.js';
import { registerBranch } from './branch.js';
import { registerFar } from './far.js';
import { registerIo } from './io.js';
import { registerMov } from './mov.js';
import { registerStack } from './stack.js';
import { registerString } from './string.js';

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
  return t;
}
