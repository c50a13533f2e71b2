// The opcode table: the single source of truth for which encodings exist, their operation (ops.ts),
// operand forms (insn.ts Opnd), operand-size rules and the modes they are valid in.
export { OP_COUNT, Op, opName } from './ops.js';
