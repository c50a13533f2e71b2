// The opcode table compiled for the decoder: OPCODE_LINES (opcodes.ts) turned, once at load, into flat
// typed arrays indexed by (mode, map, opcode, mandatory prefix, ModRM.reg, ModRM.mod==3). This file and
// opcodes.ts are the single source of truth for which encodings exist and how their operands look.
import { Opnd } from './insn.js';
import { OPCODE_LINES } from './opcodes.js';
import { Op } from './ops.js';

export { OP_COUNT, Op, opName } from './ops.js';

/** Operand-size rule of a descriptor (how insn.osize is chosen). */
export const Size = { B: 1, W: 2, D: 3, Q: 4, V: 5, Z: 6, Y: 7, CR: 8, X: 9, P: 10 } as const;
/** Immediate kinds (how many bytes follow the ModRM/SIB/displacement and how they extend). */
export const Imm = { None: 0, Ib: 1, Ibs: 2, Iw: 3, Iz: 4, Iv: 5, Jb: 6, Jz: 7, Ap: 8, Moffs: 9 } as const;
/** Descriptor flags. */
export const F = {
  ModRM: 1,
  Lock: 2,
  ModReg: 4,
  SReg: 8,
  /** The 66 prefix selected this entry (mandatory prefix): it does not change the operand size. */
  Sse66: 16,
  D64: 32,
  F64: 64,
  /** REX.W selects the next op (CMPXCHG8B -> CMPXCHG16B). */
  WNext: 128,
  /** ENTER's second immediate (Ib) follows the first. */
  Imm2: 256,
  /** Control/debug register number must exist (MOV CR/DR). */
  CrDr: 512,
} as const;

const MAX_DESC = 1024;
export const descOp = new Uint16Array(MAX_DESC);
export const descOpnd = new Uint8Array(MAX_DESC * 3);
/** Size letter per operand (Size.*), 0 when the operand has none (1, CL, DX, Sw, Cd ...). */
export const descOpndSize = new Uint8Array(MAX_DESC * 3);
/** Fixed register of an operand (fixed segment register of PUSH ES etc.), -1 if none. */
export const descFixedSeg = new Int8Array(MAX_DESC).fill(-1);
export const descSize = new Uint8Array(MAX_DESC);
export const descImm = new Uint8Array(MAX_DESC);
export const descFlags = new Uint16Array(MAX_DESC);
let descCount = 0;

/** Lookup: index = ((((map*256 + opcode)*4 + pfxSlot)*8 + reg)*2 + isReg); value = desc, -1 none, -2 rm split. */
export const LOOKUP32 = new Int16Array(1024 * 64).fill(-1);
export const LOOKUP64 = new Int16Array(1024 * 64).fill(-1);
/** (index*8 + rm)*2 + is64 -> desc, for the register forms that ModRM.rm selects (0F 01, x87). */
export const RM_SPLIT = new Map<number, number>();
/** map*256 + opcode -> 1 when the opcode has a ModRM byte. */
export const HAS_MODRM = new Uint8Array(1024);
/** "90 NOP ... with REX.B: XCHG r8, rAX" (SDM XCHG/NOP): the desc used for 90 with REX.B. */
export let XCHG_90_REXB = -1;

export const RM_SPLIT_MARK = -2;
/** Slot of the mandatory-prefix dimension: none, 66, F3, F2. */
export const PfxSlot = { None: 0, P66: 1, F3: 2, F2: 3 } as const;

const SIZE_LETTER: Record<string, number> = {
  b: Size.B,
  w: Size.W,
  d: Size.D,
  q: Size.Q,
  v: Size.V,
  z: Size.Z,
  y: Size.Y,
  x: Size.X,
  p: Size.P,
};
const SEGS = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];

interface Parsed {
  opnd: number;
  size: number;
  imm: number;
  fixedSeg: number;
}

function parseOperand(t: string): Parsed[] {
  const sz = (s: string): number => SIZE_LETTER[s] ?? 0;
  const p = (opnd: number, size: number, imm: number = Imm.None, fixedSeg = -1): Parsed[] => [
    { opnd, size, imm, fixedSeg },
  ];
  if (SEGS.includes(t)) return p(Opnd.SReg, 0, Imm.None, SEGS.indexOf(t));
  switch (t) {
    case 'AL':
      return p(Opnd.Acc, Size.B);
    case 'AX':
      return p(Opnd.Acc, Size.W);
    case 'eAX':
      return p(Opnd.Acc, Size.Z);
    case 'rAX':
      return p(Opnd.Acc, Size.V);
    case '1':
      return p(Opnd.One, 0);
    case 'CL':
      return p(Opnd.CL, 0);
    case 'DX':
      return p(Opnd.DX, 0);
    case 'Sw':
      return p(Opnd.SReg, 0);
    case 'Cd':
      return p(Opnd.CReg, Size.CR);
    case 'Dd':
      return p(Opnd.DReg, Size.CR);
    case 'Ib':
      return p(Opnd.I, Size.B, Imm.Ib);
    case 'Ibs':
      return p(Opnd.I, Size.V, Imm.Ibs);
    case 'Iw':
      return p(Opnd.I, Size.W, Imm.Iw);
    case 'Iz':
      return p(Opnd.I, Size.V, Imm.Iz);
    case 'Iv':
      return p(Opnd.I, Size.V, Imm.Iv);
    case 'Ib2':
      return p(Opnd.I2, Size.B);
    case 'Jb':
      return p(Opnd.Rel, Size.V, Imm.Jb);
    case 'Jz':
      return p(Opnd.Rel, Size.V, Imm.Jz);
    case 'Ap':
      return [
        { opnd: Opnd.I, size: Size.Z, imm: Imm.Ap, fixedSeg: -1 },
        { opnd: Opnd.I2, size: Size.W, imm: Imm.None, fixedSeg: -1 },
      ];
    case 'M':
      return p(Opnd.M, 0);
  }
  const kind = t[0];
  const s = sz(t.slice(1));
  switch (kind) {
    case 'E':
      return p(Opnd.E, s);
    case 'G':
      return p(Opnd.G, s);
    case 'M':
      return p(Opnd.M, s);
    case 'R':
      return p(Opnd.E, s);
    case 'Z':
      return p(Opnd.Z, s);
    case 'O':
      return p(Opnd.Moffs, t === 'Ob' ? Size.B : Size.V, Imm.Moffs);
    case 'V':
      return p(Opnd.V, Size.X);
    case 'W':
      return p(Opnd.W, s);
  }
  throw new Error(`opcode table: unknown operand '${t}'`);
}

function addDesc(op: number, ops: Parsed[], size: number, flags: number): number {
  const d = descCount++;
  if (d >= MAX_DESC) throw new Error('opcode table: too many descriptors');
  descOp[d] = op;
  let imm: number = Imm.None;
  ops.forEach((o, i) => {
    descOpnd[d * 3 + i] = o.opnd;
    descOpndSize[d * 3 + i] = o.size;
    if (o.imm !== Imm.None) imm = o.imm;
    if (o.fixedSeg >= 0) descFixedSeg[d] = o.fixedSeg;
    if (o.opnd === Opnd.I2) flags |= F.Imm2;
  });
  if (imm === Imm.Ap) flags &= ~F.Imm2;
  descImm[d] = imm;
  descSize[d] = size;
  descFlags[d] = flags;
  return d;
}

interface Key {
  pfx: number; // -1 = any, 0-3 one PfxSlot, 4 = None or 66 (66 as operand size)
  map: number;
  opcodes: number[];
  reg: number; // -1 = any
  mod: number; // -1 any, 0 mem, 1 reg
  rm: number; // -1 any
}

function parseKey(key: string): Key {
  const t = key.split(' ');
  let pfx = -1;
  if (t[0] === 'NP' || t[0] === '66' || t[0] === 'F3' || t[0] === 'F2' || t[0] === 'NP66') {
    pfx = ['NP', '66', 'F3', 'F2', 'NP66'].indexOf(t.shift()!);
  }
  let map = 0;
  if (t[0] === '0F' && t.length > 1) {
    t.shift();
    map = 1;
    const esc: string = t[0] ?? '';
    if (esc === '38' || esc === '3A') map = t.shift() === '38' ? 2 : 3;
  }
  const first = t.shift()!;
  const opc = Number.parseInt(first, 16);
  const opcodes = first.endsWith('+r') ? [0, 1, 2, 3, 4, 5, 6, 7].map((i) => opc + i) : [opc];
  let reg = -1;
  let mod = -1;
  let rm = -1;
  for (const x of t) {
    if (x[0] === '/') reg = Number(x.slice(1));
    else if (x === 'mem') mod = 0;
    else if (x === 'reg') mod = 1;
    else if (x.startsWith('rm')) rm = Number(x.slice(2));
    else throw new Error(`opcode table: bad key '${key}'`);
  }
  return { pfx, map, opcodes, reg, mod, rm };
}

function sizeRule(explicit: string | undefined, ops: Parsed[]): number {
  if (explicit) return explicit === 'cr' ? Size.CR : SIZE_LETTER[explicit]!;
  for (const o of ops) {
    if (o.opnd === Opnd.I || o.opnd === Opnd.I2 || o.opnd === Opnd.Rel) continue;
    if (o.size === Size.B || o.size === Size.W || o.size === Size.D || o.size === Size.Q) return o.size;
    if (o.size === Size.V || o.size === Size.Z || o.size === Size.Y) return o.size;
  }
  return Size.V;
}

function compile(): void {
  const lines = OPCODE_LINES.map((l) => ({ l, k: parseKey(l[0]) }));
  const specificity = (k: Key): number =>
    (k.pfx >= 0 ? 8 : 0) + (k.reg >= 0 ? 4 : 0) + (k.mod >= 0 ? 2 : 0) + (k.rm >= 0 ? 1 : 0);
  lines.sort((a, b) => specificity(a.k) - specificity(b.k));
  for (const { l, k } of lines) {
    const [, opName, operands, flagStr = ''] = l;
    const op = (Op as Record<string, number>)[opName];
    if (op === undefined) throw new Error(`opcode table: unknown op ${opName}`);
    const ops = operands === '' ? [] : operands.split(',').flatMap(parseOperand);
    const fl = flagStr.split(' ').filter((x) => x !== '');
    let flags = 0;
    let memOnly = false;
    let regOnly = false;
    for (const o of operands.split(',')) {
      if (/^([EGMRVW][a-z]|M$|Sw$|Cd$|Dd$)/.test(o)) flags |= F.ModRM;
      if (o[0] === 'M') memOnly = true;
      if (o[0] === 'R') regOnly = true;
    }
    if (k.reg >= 0 || k.mod >= 0) flags |= F.ModRM;
    if (fl.includes('L')) flags |= F.Lock;
    if (fl.includes('d64')) flags |= F.D64;
    if (fl.includes('f64')) flags |= F.F64;
    if (fl.includes('modreg')) flags |= F.ModReg;
    if (fl.includes('sreg')) flags |= F.SReg;
    if (fl.includes('crdr')) flags |= F.CrDr;
    if (k.pfx === PfxSlot.P66) flags |= F.Sse66;
    if (opName === 'CMPXCHG8B') flags |= F.WNext;
    const explicit = fl.find((x) => x.startsWith('sz='))?.slice(3);
    const d = addDesc(op, ops, sizeRule(explicit, ops), flags);
    const in32 = !fl.includes('o64');
    const in64 = !fl.includes('i64');
    const mods = fl.includes('modreg') ? [0, 1] : k.mod >= 0 ? [k.mod] : memOnly ? [0] : regOnly ? [1] : [0, 1];
    // Indexed loops in this nest: it runs ~20k times once at load, in V8's interpreter, where for-of
    // allocates an iterator result per element and the garbage collections cost start-up time.
    for (let oi = 0; oi < k.opcodes.length; oi++) {
      const base = k.map * 256 + k.opcodes[oi]!;
      if (flags & F.ModRM) HAS_MODRM[base] = 1;
      for (let slot = 0; slot < 4; slot++) {
        if (k.pfx === 4 ? slot > 1 : k.pfx >= 0 && slot !== k.pfx) continue;
        for (let reg = 0; reg < 8; reg++) {
          if (k.reg >= 0 && reg !== k.reg) continue;
          for (let mi = 0; mi < mods.length; mi++) {
            const mod = mods[mi]!;
            const idx = (((base * 4 + slot) * 8 + reg) * 2 + mod) | 0;
            if (k.rm >= 0) {
              // The other rm values keep the less specific entry already in this slot.
              for (let rm = 0; rm < 8; rm++) {
                if (in32 && LOOKUP32[idx] >= 0) RM_SPLIT.set((idx * 8 + rm) * 2, LOOKUP32[idx]);
                if (in64 && LOOKUP64[idx] >= 0) RM_SPLIT.set((idx * 8 + rm) * 2 + 1, LOOKUP64[idx]);
              }
              if (in32) RM_SPLIT.set((idx * 8 + k.rm) * 2, d);
              if (in64) RM_SPLIT.set((idx * 8 + k.rm) * 2 + 1, d);
              if (in32) LOOKUP32[idx] = RM_SPLIT_MARK;
              if (in64) LOOKUP64[idx] = RM_SPLIT_MARK;
            } else {
              if (in32) LOOKUP32[idx] = d;
              if (in64) LOOKUP64[idx] = d;
            }
          }
        }
      }
    }
  }
  XCHG_90_REXB = addDesc(Op.XCHG, [...parseOperand('Zv'), ...parseOperand('rAX')], Size.V, 0);
}
compile();

/** Number of compiled descriptors. */
export function descriptorCount(): number {
  return descCount;
}
