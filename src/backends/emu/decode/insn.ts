// The decoded form of one instruction: the contract between the decoder (decode/) and execution (exec/).
// The decoder fills it from the opcode table; execution never looks at raw bytes.

/** Where an operand lives. The table gives each opcode up to three of these. */
export const Opnd = {
  None: 0,
  /** ModRM.rm: a register (mod=3) or memory. */
  E: 1,
  /** ModRM.reg: a general register. */
  G: 2,
  /** The immediate (insn.imm, already sign- or zero-extended as the table says). */
  I: 3,
  /** The second immediate (insn.imm2: ENTER's level, a far pointer's selector). */
  I2: 4,
  /** rAX/AL at the operand size. */
  Acc: 5,
  /** The register in the opcode's low 3 bits, extended by REX.B (insn.zreg). */
  Z: 6,
  /** The constant 1 (shift by one). */
  One: 7,
  /** CL. */
  CL: 8,
  /** DX as an I/O port. */
  DX: 9,
  /** ModRM.reg as a segment register (Sw). */
  SReg: 10,
  /** ModRM.reg as a control register (Cd/Cq). */
  CReg: 11,
  /** ModRM.reg as a debug register (Dd/Dq). */
  DReg: 12,
  /** Memory at seg:moffs (insn.disp/insn.dispHi hold the absolute offset). */
  Moffs: 13,
  /** ModRM.rm that must be memory (mod!=3 or #UD). */
  M: 14,
  /** ModRM.reg as an XMM register. */
  V: 15,
  /** ModRM.rm as an XMM register or memory. */
  W: 16,
  /** A relative branch target: insn.imm is the signed displacement from the next instruction. */
  Rel: 17,
} as const;

/** Prefix bits of insn.prefixes. */
export const Pfx = {
  Lock: 1,
  Rep: 2, // F3
  Repne: 4, // F2
  OpSize: 8, // 66
  AdSize: 16, // 67
} as const;

/** Register numbers (ModRM order, REX-extended). */
export const Reg = {
  RAX: 0,
  RCX: 1,
  RDX: 2,
  RBX: 3,
  RSP: 4,
  RBP: 5,
  RSI: 6,
  RDI: 7,
  R8: 8,
  R9: 9,
  R10: 10,
  R11: 11,
  R12: 12,
  R13: 13,
  R14: 14,
  R15: 15,
  /** insn.base for RIP-relative addressing. */
  RIP: 16,
} as const;

/** Segment register numbers (Sreg encoding). */
export const SegReg = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 } as const;

/** CPU mode the decoder is asked to decode for (default operand/address size and 64-bit rules). */
export const DecodeMode = { Real16: 0, Prot16: 1, Prot32: 2, Long64: 3 } as const;
export type DecodeMode = (typeof DecodeMode)[keyof typeof DecodeMode];

export interface Insn {
  /** Total length in bytes (1..15). */
  len: number;
  /** Operation id: an index into the opcode table's list of operations (see decode/table.ts). */
  op: number;
  /** Map (0 one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A) and opcode byte within it. */
  map: number;
  opcode: number;
  /** Effective operand size in bytes: 1, 2, 4 or 8. */
  osize: number;
  /** Effective address size in bytes: 2, 4 or 8. */
  asize: number;
  /** Pfx bits. */
  prefixes: number;
  /** Mandatory-prefix class for SSE-style maps: 0 none, 0x66, 0xF3, 0xF2 (the last one given). */
  mandatory: number;
  /** Segment override (SegReg) or -1. */
  seg: number;
  /** The REX byte (0x40-0x4F) or 0 when absent; with REX, byte registers 4-7 are SPL/BPL/SIL/DIL. */
  rex: number;
  /** Operand kinds (Opnd) in Intel order: destination first. */
  o1: number;
  o2: number;
  o3: number;
  /** ModRM fields; reg and rm include REX.R / REX.B. mod = -1 when there is no ModRM. */
  mod: number;
  reg: number;
  rm: number;
  /** Register from the opcode's low bits (+ REX.B), for Opnd.Z. */
  zreg: number;
  /** Memory operand: base register (Reg, RIP = 16) or -1; index register or -1; scale 1/2/4/8; signed disp. */
  base: number;
  index: number;
  scale: number;
  disp: number;
  /** High 32 bits of a 64-bit moffs (A0-A3 with 8-byte address size). */
  dispHi: number;
  /** Immediate: low 32 bits as a signed or unsigned JS number as the table says; immHi the high half of imm64. */
  imm: number;
  immHi: number;
  imm2: number;
  /** The opcode-table descriptor that matched (decode/table.ts desc* arrays), -1 for #UD. */
  desc: number;
}

/** A blank Insn for a caller to own and hand to decode() again and again (the decoder never allocates). */
export function createInsn(): Insn {
  return {
    len: 0,
    op: 0,
    map: 0,
    opcode: 0,
    osize: 4,
    asize: 4,
    prefixes: 0,
    mandatory: 0,
    seg: -1,
    rex: 0,
    o1: 0,
    o2: 0,
    o3: 0,
    mod: -1,
    reg: 0,
    rm: 0,
    zreg: 0,
    base: -1,
    index: -1,
    scale: 1,
    disp: 0,
    dispHi: 0,
    imm: 0,
    immHi: 0,
    imm2: 0,
    desc: -1,
  };
}

/** The general register operand `kind` names, or -1 when it is not a general register. */
export function regOf(insn: Insn, kind: number): number {
  switch (kind) {
    case Opnd.E:
      return insn.mod === 3 ? insn.rm : -1;
    case Opnd.G:
      return insn.reg;
    case Opnd.Acc:
      return 0;
    case Opnd.Z:
      return insn.zreg;
  }
  return -1;
}
