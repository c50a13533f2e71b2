// The emitter of each Kind (plan.ts): one row per kind, like exec/index.ts's handler table.
import { Kind, type Planned } from '../plan.js';
import { binaryMem, binaryReg, imul, unary } from './alu.js';
import { cmov, setcc } from './conditional.js';
import type { Emission } from './context.js';
import { branch, callRel, handlerCall, ret } from './control.js';
import { lea, memory, mov, movsx, movzx, store8 } from './moves.js';
import { shift } from './shift.js';
import { pop, pushOp } from './stack.js';

/** Emits instruction p (index k); returns whether its code ends with the ways out of its basic block. */
type KindEmitter = (e: Emission, p: Planned, k: number) => boolean;

/** An emitter whose instruction goes on to the next one. */
function goesOn(emit: (e: Emission, p: Planned, k: number) => void): KindEmitter {
  return (e, p, k) => {
    emit(e, p, k);
    return false;
  };
}

export const EMITTERS: Record<Kind, KindEmitter> = {
  [Kind.Call]: handlerCall,
  [Kind.Mov]: goesOn(mov),
  [Kind.Binary]: goesOn(binaryReg),
  [Kind.Unary]: goesOn(unary),
  [Kind.Load]: goesOn(memory),
  [Kind.Store]: goesOn(memory),
  [Kind.Lea]: goesOn(lea),
  [Kind.Shift]: goesOn(shift),
  [Kind.Movzx]: goesOn(movzx),
  [Kind.Imul]: goesOn(imul),
  [Kind.Store8]: goesOn(store8),
  [Kind.Push]: goesOn(pushOp),
  [Kind.Pop]: goesOn(pop),
  [Kind.CallRel]: callRel,
  [Kind.Ret]: ret,
  [Kind.BinaryMem]: goesOn(binaryMem),
  [Kind.Jcc]: branch,
  [Kind.Jmp]: branch,
  // NOP, PAUSE, fences, PREFETCH: nothing to do.
  [Kind.Nop]: goesOn(() => {}),
  [Kind.Movsx]: goesOn(movsx),
  [Kind.Setcc]: goesOn(setcc),
  [Kind.Cmov]: goesOn(cmov),
};
