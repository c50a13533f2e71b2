// The JavaScript of a compiled region (see compile.ts for what it guarantees): the body's basic blocks as
// cases of one loop, the prologue that loads the locals and the epilogue that stores them. Each
// instruction's code comes from its Kind's emitter (kinds.ts).
import { Kind, type Planned, type Segment } from '../plan.js';
import { Emission } from './context.js';
import { fallOut } from './exits.js';
import { EMITTERS } from './kinds.js';

/** The region's bytes as they are now, as (RAM offset, little-endian int32) pairs covering every segment: a
 *  segment's last word may overlap the one before it; a segment shorter than 4 bytes takes the word that ends
 *  with it (or starts with it, at the start of RAM). */
export function codeWords(ram: Uint8Array, segs: Segment[]): { offs: Float64Array; words: Int32Array } {
  const offs: number[] = [];
  for (const g of segs) {
    for (let o = g.start; o < g.end; o += 4) offs.push(Math.max(0, Math.min(o, g.end - 4)));
  }
  const words = offs.map((o) => ram[o]! | (ram[o + 1]! << 8) | (ram[o + 2]! << 16) | (ram[o + 3]! << 24));
  // Offsets as doubles: RAM above 2 GiB does not fit an int32.
  return { offs: Float64Array.from(offs), words: Int32Array.from(words) };
}

/** The body's code: the basic blocks as cases. */
function body(e: Emission): string[] {
  const out: string[] = [];
  const planned = e.planned;
  for (let k = 0; k < planned.length; k++) {
    const p = planned[k]!;
    if (p.pos === 0) {
      // A basic block that branches back to its own start (an inner loop) loops in place.
      let last = k;
      while (planned[last + 1] !== undefined && planned[last + 1]!.pos !== 0) last++;
      const end = planned[last]!;
      e.selfLoop = end.kind === Kind.Jcc && end.taken === k ? k : -1;
      e.emit(`case ${p.bb}:${e.selfLoop >= 0 ? ' for (;;) {' : ''}`);
      e.enterBlock(p.bb);
    }
    const left = EMITTERS[p.kind](e, p, k);
    const next = planned[k + 1];
    if (!left && (next === undefined || next.pos === 0)) fallOut(e, p, k);
    out.push(...e.code.take());
  }
  return out;
}

/**
 * Writes a region's JavaScript: `out: for (;;) switch (L) { case <basic block>: ... }` with guest registers
 * (uint32 halves) and RFLAGS in JS locals, which always hold the truth: every register the region uses is
 * loaded on entry and again after each handler call (it may change any of them), the flags are in f/pk
 * (lazy.ts). Before a handler call the changed ones are stored; every way out sets the rip (X) and retired
 * count (n) and leaves the loop to one epilogue that stores them all; a fault in an inline access leaves
 * through the catch the same way.
 */
export class Emitter {
  constructor(
    private readonly planned: Planned[],
    /** RAM offset of the region's page. */
    private readonly page: number,
    private readonly long64: boolean,
  ) {}

  source(): string {
    // A dry run of the body finds the registers the region uses and changes: every basic block starts with
    // all of them loaded, and every way out stores all it may have changed.
    const dry = new Emission(this.planned, this.page, this.long64);
    body(dry);
    const e = new Emission(this.planned, this.page, this.long64);
    e.shared = {
      used: dry.locals.used,
      dirtyIn: dry.locals.dirtyIn(this.planned),
      flagsEverDirty: dry.flags.everDirty,
    };
    for (const h of dry.locals.used) e.reg(h);
    e.flags.load();
    const preload = e.code.take();
    const code = body(e);
    const locals = [
      ...[...e.locals.used].map((h) => `g${h} = 0`),
      ...[...e.sites].map((k) => `sv${k} = 0, so${k} = -1`),
    ];
    const store = [...dry.locals.everDirty].map((h) => `r[${h}] = g${h};`).join(' ');
    const flags = 'if (pk !== 0) f = lazyFlags(pk, p0, p1, p2, p3, f); cpu.rflags = f;';
    // An inline access that faults or exits (MMIO read) leaves the state the interpreter would have.
    const cases = e.deopt.map((c, k) => (c === undefined ? '' : `case ${k}: ${c} break;`)).join(' ');
    return [
      'const stale = (v) => { for (let i = 0; i < SO.length; i++) if (v.getInt32(SO[i], true) !== SW[i]) return true; return false; };',
      'return function block(cpu, L) {',
      'const r = cpu.regs, v = cpu.ramView, m = cpu.ram, TV = cpu.tlbVpn, TF = cpu.tlbFlags, TO = cpu.tlbOff, nr = cpu.needR, nw = cpu.needW;',
      `let base = 0, f = 0, pk = 0, pc = -1, X = 0, n = 0, tp = false, p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0${locals.length > 0 ? `, ${locals.join(', ')}` : ''};`,
      // Instructions retired in this call count from 0 (small integers); cpu.retired is r0 plus them.
      'const r0 = cpu.retired;',
      'if (stale(v)) return -1;',
      ...preload,
      'try {',
      'out: for (;;) switch (L) {',
      ...code,
      '}',
      `} catch (e) { if (pc < 0) throw e; switch (pc) { ${cases} } ${store} ${flags} cpu.rip = cpu.startRip = X; cpu.retired = r0 + n; throw e; }`,
      `${store} ${flags} cpu.rip = X; cpu.retired = r0 + n; return 0;`,
      '};',
    ].join('\n');
  }
}
