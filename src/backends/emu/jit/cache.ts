// Ways into compiled regions (cpu.ts Block) by the RAM offset of their first instruction (direct-mapped;
// a collision recompiles), and the visit counts that decide when an address is hot enough to compile.
import type { Block, RegionCache } from '../cpu/cpu.js';

const SIZE = 8192;
const MASK = SIZE - 1;
/** After a failed compile (the instruction cannot start a block) the address is left alone this long. */
const COOL_OFF = -1_000_000;

export class BlockCache implements RegionCache {
  /** RAM offset * 4 + decode mode of each slot's block, or -1. */
  private readonly tag = new Float64Array(SIZE).fill(-1);
  private readonly blocks: (Block | undefined)[] = new Array<Block | undefined>(SIZE).fill(undefined);
  private readonly heat = new Int32Array(SIZE);

  lookup(off: number, mode: number, rip: number, csBase: number): Block | undefined {
    const slot = off & MASK;
    if (this.tag[slot] !== off * 4 + mode) return undefined;
    const b = this.blocks[slot]!;
    return b.rip === rip && b.csBase === csBase ? b : undefined;
  }

  warm(off: number, threshold: number): boolean {
    const slot = off & MASK;
    if (++this.heat[slot]! < threshold) return false;
    this.heat[slot] = 0;
    return true;
  }

  cool(off: number): void {
    this.heat[off & MASK] = COOL_OFF;
  }

  insert(off: number, b: Block): void {
    const slot = off & MASK;
    this.tag[slot] = off * 4 + b.mode;
    this.blocks[slot] = b;
  }

  remove(off: number): void {
    const slot = off & MASK;
    this.tag[slot] = -1;
    this.blocks[slot] = undefined;
  }
}
