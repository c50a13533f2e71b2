// Inline memory accesses: the linear address of an operand (effAddr() and linear() in the locals), and loads
// and stores through a remembered page, else the CPU's TLB (mmu.ts's fast path), else the CPU's own access.
import { CANONICAL_BOUND } from '../../../../x86/paging.js';
import { Vector } from '../../../../x86/vectors.js';
import { TLB_MASK } from '../../cpu/mmu.js';
import { memSeg } from '../../cpu/operands.js';
import { Reg, SegReg } from '../../decode/insn.js';
import type { Planned } from '../plan.js';
import type { Emission } from './context.js';
import { exitCode } from './exits.js';

/** The TLB entry of linear address `a` (mmu.ts's fast path): its slot ti, page number vp, RAM offset o (-1: not
 *  RAM) and the offset q in the page. */
const TLB_LOOKUP = `const vp = Math.floor(a / 4096), ti = vp & ${TLB_MASK}, o = TO[ti], q = a & 4095;`;

/** Whether that entry maps the page to RAM with the rights in local `need` for `size` bytes not crossing it. */
function tlbHit(need: string, size: number): string {
  return `TV[ti] === vp && (TF[ti] & ${need}) !== 0 && o >= 0 && q <= ${4096 - size}`;
}

/** linear()'s canonical check of the 64-bit number `x`: #`vector`(0) outside -2^47..2^47-1. */
export function canonical(x: string, vector: number): string {
  return `if (${x} < ${-CANONICAL_BOUND} || ${x} >= ${CANONICAL_BOUND}) cpu.raise(${vector}, 0);`;
}

/**
 * The number hi * 2^32 + lo for the int32 expression `hi` (wrapped) and the low sum `lo`: exact wherever the
 * result is a canonical address. High halves of 0 (below 4 GiB) and of all ones (the top 2 GiB, where x86-64
 * kernels live) are separate ways that need no multiplication: in a region that meets only those, V8 never
 * runs the general way and keeps the address in integer arithmetic.
 */
export function address64(hi: string, lo: string): string {
  const h = `(${hi} | 0)`;
  return `(${h} === 0 ? ${lo} : ${h} === -1 ? ${lo} - 4294967296 : ${h} * 4294967296 + ${lo})`;
}

/** An expression (after emitted setup) for the linear address of p's memory operand. */
export function linear(e: Emission, p: Planned, size: number, write: boolean): string {
  const insn = p.insn;
  const k = e.planned.indexOf(p);
  if (!e.long64 && insn.asize === 4) {
    // effAddr() at 32 bits from the locals, then linear()'s segment checks and base (it reads no register).
    const terms = [`${insn.disp}`];
    if (insn.base >= 0) terms.push(e.reg(2 * insn.base));
    if (insn.index >= 0) terms.push(`${e.reg(2 * insn.index)} * ${insn.scale}`);
    return `cpu.linear(${memSeg(insn)}, (${terms.join(' + ')}) >>> 0, ${size}, ${write})`;
  }
  if (!e.long64 || insn.asize !== 8) return `memLinear(cpu, I[${k}], ${size}, ${write})`;
  const seg = insn.seg >= 0 ? insn.seg : -1;
  const segBase = seg === SegReg.FS || seg === SegReg.GS ? ` + cpu.segBase[${seg}]` : '';
  if (insn.base === Reg.RIP) {
    const la = p.next + insn.disp;
    if (segBase === '' && la >= -CANONICAL_BOUND && la < CANONICAL_BOUND) return `${la}`;
    // effAddr() of a RIP-relative operand needs nextRip (and no register).
    return `(cpu.nextRip = ${p.next}, memLinear(cpu, I[${k}], ${size}, ${write}))`;
  }
  // effAddr()'s exact 64-bit sum in halves, then the canonical check linear() makes.
  const terms = [`${insn.disp}`];
  const hiTerms = ['0'];
  if (insn.base >= 0) {
    terms.push(e.reg(2 * insn.base));
    hiTerms.push(`(${e.reg(2 * insn.base + 1)} | 0)`);
  }
  if (insn.index >= 0) {
    terms.push(`${e.reg(2 * insn.index)} * ${insn.scale}`);
    hiTerms.push(`(${e.reg(2 * insn.index + 1)} | 0) * ${insn.scale}`);
  }
  // The high halves' sum wrapped to int32 times 2^32 plus the low terms' sum (|low| < 2^36) is the address
  // exactly wherever it is canonical; where the 64-bit sum wraps around it is far from canonical either way.
  const low = `${terms.join(' + ')}${segBase}`;
  e.emit(`const la = ${hiTerms.length === 1 ? low : address64(`(${hiTerms.slice(1).join(' + ')})`, low)};`);
  // linear(): a non-canonical address is #SS(0) for a stack-segment operand, else #GP(0) (checked where the
  // access does not hit the page its site remembers).
  const vector = memSeg(insn) === SegReg.SS ? Vector.SS : Vector.GP;
  e.canon = canonical('a', vector);
  return 'la';
}

/** The canonical check linear() left for the access's slow path (a remembered page passed it). */
function takeCanon(e: Emission): string {
  const c = e.canon;
  e.canon = '';
  return c;
}

/**
 * An inline load of `size` bytes at linear address expression `la` into the locals `lo` (and `hi` for 8),
 * for access site k. Each site remembers the last RAM page it used (locals svK: linear page, soK: RAM
 * offset, -1 until the first; a translation the TLB held, which nothing inside a region can invalidate;
 * both start as small integers, so V8 keeps the check in integer arithmetic); another page goes
 * through the canonical check, the TLB, and the CPU's read (MMIO, watched pages, page crossings; a data
 * breakpoint match sets tp, and the region ends after the instruction, see trapCheck()).
 */
export function load(e: Emission, k: number, la: string, size: number, lo: string, hi = ''): void {
  const get = (o: string) =>
    size === 1
      ? `${lo} = m[${o}];`
      : size === 2
        ? `${lo} = v.getUint16(${o}, true);`
        : size === 4
          ? `${lo} = v.getUint32(${o}, true);`
          : `${lo} = v.getUint32(${o}, true); ${hi} = v.getUint32(${o} + 4, true);`;
  const call = size === 8 ? `${lo} = cpu.read64(a, nr); ${hi} = cpu.hi;` : `${lo} = cpu.read${size * 8}(a, nr);`;
  e.sites.add(k);
  e.emit(`{ const a = ${la}, po = a - sv${k};`);
  e.emit(`if (po >= 0 && po <= ${4096 - size} && so${k} >= 0) { ${get(`so${k} + po`)} }`);
  e.emit(`else { ${takeCanon(e)} ${TLB_LOOKUP}`);
  e.emit(`if (${tlbHit('nr', size)}) { sv${k} = vp * 4096; so${k} = o; ${get('o + q')} }`);
  e.emit(`else { ${call} tp = cpu.trapPending; } } }`);
}

/**
 * An inline store of `size` bytes (lo, hi) at linear address expression `la`, after instruction p's fault
 * point: the TLB's RAM fast path, else the CPU's write (MMIO, watched pages, page crossings: an exit or a
 * data breakpoint ends the region after p). `done` runs once the write succeeded. A store into the region's
 * own page ends the region after p when its code changed (the next entry finds it stale and recompiles).
 */
export function store(
  e: Emission,
  p: Planned,
  k: number,
  la: string,
  size: number,
  lo: string,
  hi: string,
  done = '',
): void {
  const out = exitCode(e, p, `${p.next}`);
  const put = (o: string) =>
    size === 1
      ? `m[${o}] = ${lo};`
      : size === 4
        ? `v.setUint32(${o}, ${lo}, true);`
        : `v.setUint32(${o}, ${lo}, true); v.setUint32(${o} + 4, ${hi}, true);`;
  const call = size === 8 ? `cpu.write64(a, ${lo}, ${hi}, nw)` : `cpu.write${size * 8}(a, ${lo}, nw)`;
  e.sites.add(k);
  e.emit(`{ const a = ${la}, po = a - sv${k};`);
  e.emit(`if (po >= 0 && po <= ${4096 - size} && so${k} >= 0) { ${put(`so${k} + po`)} ${done} }`);
  e.emit(`else { ${takeCanon(e)} ${TLB_LOOKUP}`);
  // The region's own page is never remembered: a store there compares the code.
  e.emit(`if (${tlbHit('nw', size)}) { ${put('o + q')} ${done}`);
  e.emit(`if (o !== ${e.page}) { sv${k} = vp * 4096; so${k} = o; } else if (stale(v)) { ${out} } }`);
  // After the CPU's write the TLB usually maps the page (RAM): only a store into the region's page, to an
  // unmapped one (MMIO, a watched page) or across pages needs the code compared.
  const unsure = `(TV[ti] !== vp || TO[ti] === ${e.page} || TO[ti] < 0 || q > ${4096 - size})`;
  e.emit(
    `else { ${call}; ${done} if (cpu.exitKind !== 0 || cpu.trapPending || (${unsure} && stale(v))) { ${out} } } } }`,
  );
}
