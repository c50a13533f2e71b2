// The page walk (src/x86/paging.ts) with page tables, CR3 and frames in every band of physical addresses up
// to MAXPHYADDR: below 2 GiB, 2-4 GiB (bit 31 set: negative as a JavaScript int32), 4-6 GiB, 6-8 GiB and the
// top of the 40-bit space, for 32-bit paging (4 KiB pages, 4 MiB pages with PSE-36), PAE and 4-level paging
// with 4 KiB, 2 MiB and 1 GiB pages. The expected address is the frame each test maps plus the offset in
// the page (SDM vol. 3 §4.3-4.5); entry formats are tables 4-4..4-20.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Access,
  MAXPHYADDR,
  newWalkResult,
  type PagingState,
  PfErr,
  type PhysWords,
  walk,
} from '../../../src/x86/paging.js';

/** Sparse physical memory: 4 KiB pages created on first write (reads of untouched pages are 0). */
class SparseMem implements PhysWords {
  private readonly pages = new Map<number, DataView>();
  private page(pa: number): DataView {
    assert.ok(pa >= 0 && pa < 2 ** MAXPHYADDR && Number.isInteger(pa), `walker used physical address ${pa}`);
    const n = Math.floor(pa / 4096);
    let p = this.pages.get(n);
    if (!p) {
      p = new DataView(new ArrayBuffer(4096));
      this.pages.set(n, p);
    }
    return p;
  }
  read32(pa: number): number {
    return this.page(pa).getUint32(pa % 4096, true);
  }
  write32(pa: number, v: number): void {
    this.page(pa).setUint32(pa % 4096, v, true);
  }
  q(pa: number, v: bigint): void {
    const p = this.page(pa);
    p.setBigUint64(pa % 4096, v, true);
  }
  d(pa: number, v: number): void {
    this.write32(pa, v);
  }
}

const TOP = 2 ** MAXPHYADDR;
/** One base per band; each test carves 4 KiB table pages and aligned frames out of it. */
const BANDS: [string, number][] = [
  ['below 2 GiB', 0x7f00_0000],
  ['2-4 GiB', 0xc000_0000],
  ['4-6 GiB', 0x1_4000_0000],
  ['6-8 GiB', 0x1_8000_0000],
  ['near MAXPHYADDR', TOP - 2 ** 31],
];
const BELOW_4G = BANDS.slice(0, 2);

const PG = 0x80000000;
const P_RW = 3n;
const PS = 0x80n;
const LONG: PagingState = { cr0: PG | 1, cr3: 0, cr4: 0x20, efer: 0x500 };
const PAE: PagingState = { cr0: PG | 1, cr3: 0, cr4: 0x20, efer: 0 };
const LEGACY: PagingState = { cr0: PG | 1, cr3: 0, cr4: 0x10, efer: 0 };

/** Table pages of one band: base + 0x1000 * i (the band's first page is left for frames of 4 KiB). */
const tablePage = (band: number, i: number): number => band + 0x20_0000 + 0x1000 * i;

function hex(v: number): string {
  return `0x${v.toString(16)}`;
}

/** Walks `la` and checks the result is `frame` + the offset of `la` in a page of `size`. */
function expectMapped(m: SparseMem, s: PagingState, la: number, frame: number, size: number, what: string): void {
  const w = newWalkResult();
  assert.equal(walk(m, s, la, Access.Write, true, w), true, `${what}: walk of ${hex(la)} faulted`);
  const off = Number(BigInt.asUintN(64, BigInt(la)) % BigInt(size));
  assert.equal(hex(w.gpa), hex(frame + off), what);
  assert.equal(w.pageSize, size, what);
}

describe('page walk: tables and frames in every physical band', () => {
  // 0xffff_8123_4567_89ab: PML4 index 258, PDPT 0x8d, PD 0x2b, PT 0x78.
  const la = -(2 ** 47) + 0x0123_4567_89ab;
  const idx = (shift: number): number => Math.floor(Number(BigInt.asUintN(64, BigInt(la)) >> BigInt(shift))) & 0x1ff;

  for (const [tName, tBand] of BANDS) {
    for (const [fName, fBand] of BANDS) {
      it(`4-level: CR3 and tables ${tName}, 4 KiB / 2 MiB / 1 GiB frames ${fName}`, () => {
        const m = new SparseMem();
        const [pml4, pdpt, pd, pt] = [0, 1, 2, 3].map((i) => tablePage(tBand, i)) as [number, number, number, number];
        m.q(pml4 + idx(39) * 8, BigInt(pdpt) | P_RW);
        m.q(pdpt + idx(30) * 8, BigInt(pd) | P_RW);
        m.q(pd + idx(21) * 8, BigInt(pt) | P_RW);
        const f4k = fBand + 0x2000;
        m.q(pt + idx(12) * 8, BigInt(f4k) | P_RW);
        const s = { ...LONG, cr3: pml4 };
        expectMapped(m, s, la, f4k, 4096, '4 KiB page');
        assert.equal(m.read32(pt + idx(12) * 8) & 0x60, 0x60, 'A and D written back to the PTE');
        const f2m = fBand + 0x60_0000;
        m.q(pd + idx(21) * 8, BigInt(f2m) | P_RW | PS);
        expectMapped(m, s, la, f2m, 2 << 20, '2 MiB page');
        const f1g = fBand - (fBand % 2 ** 30) + 2 ** 30;
        m.q(pdpt + idx(30) * 8, BigInt(f1g % TOP) | P_RW | PS);
        expectMapped(m, s, la, f1g % TOP, 1 << 30, '1 GiB page');
      });

      it(`PAE: tables ${tName}, 4 KiB / 2 MiB frames ${fName}`, () => {
        const m = new SparseMem();
        const la32 = 0xc123_4567;
        const pdptBase = tablePage(BELOW_4G[tBand >= 2 ** 31 ? 1 : 0]![1], 8) + 0x20;
        const [pd, pt] = [tablePage(tBand, 1), tablePage(tBand, 2)];
        m.q(pdptBase + 3 * 8, BigInt(pd) | 1n); // PDPTE[3]: P only (bits 2:1 are reserved)
        m.q(pd + ((la32 >>> 21) & 0x1ff) * 8, BigInt(pt) | P_RW);
        const f4k = fBand + 0x5000;
        m.q(pt + ((la32 >>> 12) & 0x1ff) * 8, BigInt(f4k) | P_RW);
        const s = { ...PAE, cr3: pdptBase };
        expectMapped(m, s, la32, f4k, 4096, '4 KiB page');
        const f2m = fBand + 0xa0_0000;
        m.q(pd + ((la32 >>> 21) & 0x1ff) * 8, BigInt(f2m) | P_RW | PS);
        expectMapped(m, s, la32, f2m, 2 << 20, '2 MiB page');
      });

      it(`32-bit: 4 MiB pages (PSE-36) ${fName}, CR3 ${tName}`, () => {
        if (tBand >= 2 ** 32) return; // CR3 and 32-bit tables are below 4 GiB by format (table 4-3).
        const m = new SparseMem();
        const la32 = 0x8765_4321;
        const pdBase = tablePage(tBand, 4);
        const f4m = fBand + 0xc0_0000;
        // PDE: bits 31:22 = address bits 31:22, bits 20:13 = address bits 39:32 (table 4-4).
        const pde = ((f4m % 2 ** 32) & 0xffc00000) | (Math.floor(f4m / 2 ** 32) << 13) | 0x83;
        m.d(pdBase + (la32 >>> 22) * 4, pde >>> 0);
        expectMapped(m, { ...LEGACY, cr3: pdBase }, la32, f4m, 4 << 20, '4 MiB page');
      });
    }
  }

  for (const [tName, tBand] of BELOW_4G) {
    for (const [fName, fBand] of BELOW_4G) {
      it(`32-bit: page directory and table ${tName}, 4 KiB frame ${fName}`, () => {
        const m = new SparseMem();
        const la32 = 0xfedc_b987;
        const [pd, pt] = [tablePage(tBand, 5), tablePage(tBand, 6)];
        m.d(pd + (la32 >>> 22) * 4, (pt | 3) >>> 0);
        const f4k = fBand + 0x7000;
        m.d(pt + ((la32 >>> 12) & 0x3ff) * 4, (f4k | 3) >>> 0);
        expectMapped(m, { ...LEGACY, cr3: pd }, la32, f4k, 4096, '4 KiB page');
        assert.equal(m.read32(pt + ((la32 >>> 12) & 0x3ff) * 4) & 0x60, 0x60, 'A and D written back');
      });
    }
  }
});

describe('page walk: reserved physical-address bits (MAXPHYADDR = 40)', () => {
  const w = newWalkResult();
  it('4-level: frame bit MAXPHYADDR-1 is an address, bit MAXPHYADDR is a reserved-bit #PF', () => {
    const m = new SparseMem();
    m.q(0x1000, 0x2000n | P_RW);
    m.q(0x2000, 0x3000n | P_RW);
    m.q(0x3000, 0x4000n | P_RW);
    m.q(0x4000, (1n << BigInt(MAXPHYADDR - 1)) | P_RW);
    assert.equal(walk(m, { ...LONG, cr3: 0x1000 }, 0x123, Access.Read, false, w), true);
    assert.equal(w.gpa, 2 ** (MAXPHYADDR - 1) + 0x123);
    m.q(0x4000, (1n << BigInt(MAXPHYADDR)) | P_RW);
    assert.equal(walk(m, { ...LONG, cr3: 0x1000 }, 0x123, Access.Write, false, w), false);
    assert.equal(w.errorCode & 0xffff, PfErr.RSVD | PfErr.P | PfErr.W);
  });

  it('32-bit 4 MiB page: PDE bit 21 is reserved (table 4-4 with M = 40)', () => {
    const m = new SparseMem();
    m.d(0x1000, 0x00c0_0083 | (1 << 21));
    assert.equal(walk(m, { ...LEGACY, cr3: 0x1000 }, 0x1234, Access.Read, false, w), false);
    assert.equal(w.errorCode & 0xffff, PfErr.RSVD | PfErr.P);
  });

  it('PAE: a PDPTE with an address bit above MAXPHYADDR is a reserved-bit #PF', () => {
    const m = new SparseMem();
    m.q(0x1000, (1n << BigInt(MAXPHYADDR)) | 0x2000n | 1n);
    assert.equal(walk(m, { ...PAE, cr3: 0x1000 }, 0x1234, Access.Read, false, w), false);
    assert.equal(w.errorCode & 0xffff, PfErr.RSVD | PfErr.P);
  });
});
