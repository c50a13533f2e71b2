// Linear memory as instructions see it: segmentation (base, limit, canonical checks), a direct-mapped TLB in
// front of the page walk (src/x86/paging.ts), RAM fast paths, MMIO and the data-watchpoint slow path.

import { CR0, EFER, RFLAGS } from '../../../x86/control-regs.js';
import { Attr } from '../../../x86/descriptors.js';
import { Access, CANONICAL_BOUND, newWalkResult, pfErrorCode, walk } from '../../../x86/paging.js';
import { Vector } from '../../../x86/vectors.js';
import type { DebugUnit } from '../debug-hooks.js';
import { DecodeMode } from '../decode/insn.js';
import type { PhysMemory } from '../memory.js';
import { EXIT, FAULT } from '../signals.js';
import { CpuState, Seg } from './state.js';

/** TLB rights bits: read/write/execute for supervisor (S) and user (U) accesses. */
export const Need = { RS: 1, WS: 2, RU: 4, WU: 8, XS: 16, XU: 32 } as const;

const TLB_SIZE = 1024;
/** Initial capacity of the MMIO replay log (it grows to what one instruction reads). */
const MMIO_LOG = 8;
export const TLB_MASK = TLB_SIZE - 1;
const TWO32 = 4294967296;

/** What the VMM must do for the instruction to complete (kvm_run exit kinds the CPU produces itself). */
export const PendingExit = {
  None: 0,
  IoIn: 1,
  IoOut: 2,
  MmioRead: 3,
  MmioWrite: 4,
  Hlt: 5,
  Shutdown: 6,
  Debug: 7,
} as const;

export class CpuMem extends CpuState {
  readonly tlbVpn = new Float64Array(TLB_SIZE).fill(Number.NaN);
  readonly tlbPa = new Float64Array(TLB_SIZE);
  /** Byte offset of the page in the fast RAM region, or -1 (other region / MMIO: slow path). */
  readonly tlbOff = new Float64Array(TLB_SIZE);
  readonly tlbFlags = new Uint8Array(TLB_SIZE);
  readonly tlbGlobal = new Uint8Array(TLB_SIZE);
  private readonly walkOut = newWalkResult();

  /** The RAM region at guest-physical 0 (the fast path); other regions go through `mem`. */
  ram: Uint8Array = new Uint8Array(0);
  ramView: DataView = new DataView(new ArrayBuffer(0));
  ramSize = 0;

  /** Rights needed for data reads/writes and fetches at the current CPL (updated by updateMode()). */
  needR: number = Need.RS;
  needW: number = Need.WS;
  needX: number = Need.XS;

  /** High half of the last 64-bit read. */
  hi = 0;

  // The fault being raised (read by the delivery code).
  faultVector = 0;
  faultCode = -1;
  /** interrupts.ts EventKind of the event being raised (0: an exception). */
  faultKind = 0;

  // The VMM exit the current instruction produced or needs.
  exitKind: number = PendingExit.None;
  exitPort = 0;
  exitSize = 0;
  exitGpa = 0;
  readonly exitData = new Uint8Array(8);
  exitCount = 1;
  /** Data the VMM supplied for an aborted IN, consumed once by the re-executed instruction. */
  replayValid = false;
  replayPort = 0;
  readonly replayData = new Uint8Array(8);
  /**
   * The replay log: the VMM's answers to the MMIO reads of the current instruction (with the event it raises,
   * up to a triple fault, or the current iteration of a REP string instruction), in the order it made them.
   * An MMIO read exits (KVM_EXIT_MMIO) and the instruction runs again from its start, consuming the answers it
   * has in order (mmioCursor) until it reaches a read it has none for; so an instruction with n such reads
   * completes after n exits, each device register is read once per access, and two reads of one address get
   * their own answers. The log grows to the instruction's reads (FXRSTOR: 64, a fault chain: a few gates) and
   * is emptied when the instruction retires, its event is delivered, or a REP iteration completes
   * (retireMmioReads).
   */
  mmioLogN = 0;
  mmioCursor = 0;
  private mmioLogGpa = new Float64Array(MMIO_LOG);
  private mmioLogSize = new Uint8Array(MMIO_LOG);
  private mmioLogData = new Uint8Array(MMIO_LOG * 8);

  /** Records the VMM's answer to the last MMIO-read exit. */
  logMmioRead(gpa: number, data: Uint8Array): void {
    if (this.mmioLogN === this.mmioLogGpa.length) {
      const n = this.mmioLogN * 2;
      const gpas = new Float64Array(n);
      gpas.set(this.mmioLogGpa);
      this.mmioLogGpa = gpas;
      const sizes = new Uint8Array(n);
      sizes.set(this.mmioLogSize);
      this.mmioLogSize = sizes;
      const bytes = new Uint8Array(n * 8);
      bytes.set(this.mmioLogData);
      this.mmioLogData = bytes;
    }
    const i = this.mmioLogN++;
    this.mmioLogGpa[i] = gpa;
    this.mmioLogSize[i] = data.length;
    this.mmioLogData.fill(0, i * 8, i * 8 + 8);
    this.mmioLogData.set(data.subarray(0, 8), i * 8);
  }

  /** The reads logged so far belong to a completed instruction, event delivery or REP iteration. */
  retireMmioReads(): void {
    this.mmioLogN = 0;
    this.mmioCursor = 0;
  }

  /** The debug unit recorded a data/I/O breakpoint match during the current instruction: its trap-class #DB
   *  (afterInsn) is due when the instruction completes, even while the per-instruction hooks are off. */
  trapPending = false;

  /** The debug unit (debug/unit.ts), installed by the Cpu constructor. */
  dbg!: DebugUnit;

  constructor(readonly mem: PhysMemory) {
    super();
    this.refreshRam();
  }

  /** Recompute the cached mode after CR0, EFER, CS, SS or RFLAGS.VM change. */
  updateMode(): void {
    const pe = (this.cr0 & CR0.PE) !== 0;
    const csAttr = this.segAttr[Seg.CS]!;
    this.long64 = (this.efer & EFER.LMA) !== 0 && (csAttr & Attr.L) !== 0;
    const v86 = (this.rflags & RFLAGS.VM) !== 0;
    if (!pe) this.cpl = 0;
    else if (v86) this.cpl = 3;
    this.mode = this.long64
      ? DecodeMode.Long64
      : pe && !v86
        ? (csAttr & Attr.DB) !== 0
          ? DecodeMode.Prot32
          : DecodeMode.Prot16
        : DecodeMode.Real16;
    this.stack32 = (this.segAttr[Seg.SS]! & Attr.DB) !== 0;
    const user = this.cpl === 3;
    this.needR = user ? Need.RU : Need.RS;
    this.needW = user ? Need.WU : Need.WS;
    this.needX = user ? Need.XU : Need.XS;
    this.fetchVpn = Number.NaN;
    this.fetchLa = Number.NaN;
  }

  refreshRam(): void {
    const r = this.mem.find(0);
    if (r !== undefined) {
      this.ram = r.bytes;
      this.ramView = r.view;
      this.ramSize = r.size;
    }
    this.flushTlb(true);
  }

  /** Raise guest exception `vector` (errorCode -1: none). Never returns. */
  raise(vector: number, errorCode = -1): never {
    this.faultVector = vector;
    this.faultCode = errorCode;
    this.faultKind = 0;
    throw FAULT;
  }

  /** CR3 writes flush non-global entries; CR0.PG/CR4 changes and INVLPG-all flush everything. */
  flushTlb(includeGlobal: boolean): void {
    for (let i = 0; i < TLB_SIZE; i++) if (includeGlobal || this.tlbGlobal[i] === 0) this.tlbVpn[i] = Number.NaN;
    this.fetchVpn = Number.NaN;
    this.fetchLa = Number.NaN;
  }

  invlpg(la: number): void {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    if (this.tlbVpn[i] === vpn) this.tlbVpn[i] = Number.NaN;
    if (this.fetchVpn === vpn) {
      this.fetchVpn = Number.NaN;
      this.fetchLa = Number.NaN;
    }
  }

  // ---- segmentation -------------------------------------------------------------------------------------

  /**
   * Linear address of seg:off for an access of `size` bytes. 64-bit mode: "the processor treats the segment
   * base of CS, DS, ES, SS as zero" and checks canonical form (#SS for SS, else #GP). Other modes: the limit
   * check (expand-down segments valid above the limit) and unusable segments fault.
   */
  linear(seg: number, off: number, size: number, write: boolean): number {
    if (this.long64) {
      const la = seg >= Seg.FS ? this.segBase[seg]! + off : off;
      if (la < -CANONICAL_BOUND || la >= CANONICAL_BOUND) this.raise(seg === Seg.SS ? Vector.SS : Vector.GP, 0);
      return la;
    }
    const attr = this.segAttr[seg]!;
    const vec = seg === Seg.SS ? Vector.SS : Vector.GP;
    if ((attr & Attr.Unusable) !== 0) this.raise(vec, 0);
    const limit = this.segLimit[seg]!;
    const end = off + size - 1;
    if ((attr & 0x1c) === 0x14) {
      // Expand-down data segment: valid offsets are limit+1 .. 0xffff (B = 0) or 0xffffffff.
      const top = (attr & Attr.DB) !== 0 ? 0xffffffff : 0xffff;
      if (off <= limit || end > top) this.raise(vec, 0);
    } else if (end > limit) this.raise(vec, 0);
    if (write && (this.cr0 & 1) !== 0 && (attr & 0x1a) !== 0x12) {
      // "#GP(0) if the destination is located in a non-writable segment" (code or read-only data).
      if (seg !== Seg.SS || (attr & 0x18) !== 0x10) this.raise(vec, 0);
    }
    const sum = this.segBase[seg]! + off;
    // sum mod 2^32 (a subtraction for the usual non-negative sum below 2^33).
    if (sum >= 0 && sum < 2 * TWO32) return sum < TWO32 ? sum : sum - TWO32;
    return sum % TWO32;
  }

  // ---- translation ---------------------------------------------------------------------------------------

  /** Physical address of linear `la` for an access needing TLB rights `need`; #PF with CR2 on failure. */
  translate(la: number, need: number): number {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    if (this.tlbVpn[i] === vpn && (this.tlbFlags[i]! & need) !== 0) return this.tlbPa[i]! + (la & 0xfff);
    return this.translateSlow(la, need);
  }

  private translateSlow(la: number, need: number): number {
    const access =
      ((need & (Need.WS | Need.WU)) !== 0 ? Access.Write : 0) |
      ((need & (Need.RU | Need.WU | Need.XU)) !== 0 ? Access.User : 0) |
      ((need & (Need.XS | Need.XU)) !== 0 ? Access.Fetch : 0);
    const w = this.walkOut;
    if (!walk(this.mem, this, la, access, true, w)) {
      // "CR2 ... is loaded with the linear address that generated the exception" (§4.7).
      this.cr2 = la;
      this.raise(Vector.PF, pfErrorCode(w));
    }
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    const pagePa = w.gpa - (w.gpa % 4096);
    const wp = (this.cr0 & 0x10000) !== 0;
    const smep = (this.cr4 & (1 << 20)) !== 0;
    let flags = Need.RS;
    if (w.dirty && (w.writable || !wp)) flags |= Need.WS;
    if (w.user) flags |= Need.RU;
    if (w.user && w.writable && w.dirty) flags |= Need.WU;
    if (!w.nx && !(smep && w.user)) flags |= Need.XS;
    if (w.user && !w.nx) flags |= Need.XU;
    if (this.dbg.watchActive && this.dbg.watchesPage(la)) {
      // Watched pages stay out of the TLB so every access reaches the slow path's dataAccess() hook.
      this.tlbVpn[i] = Number.NaN;
    } else {
      this.tlbVpn[i] = vpn;
      this.tlbPa[i] = pagePa;
      this.tlbOff[i] = pagePa + 4096 <= this.ramSize ? pagePa : -1;
      this.tlbFlags[i] = flags;
      this.tlbGlobal[i] = w.global && (this.cr4 & 0x80) !== 0 ? 1 : 0;
    }
    return w.gpa;
  }

  // ---- data reads ----------------------------------------------------------------------------------------

  read8(la: number, need: number): number {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    if (this.tlbVpn[i] === vpn && (this.tlbFlags[i]! & need) !== 0) {
      const off = this.tlbOff[i]!;
      if (off >= 0) return this.ram[off + (la & 0xfff)]!;
    }
    return this.readSlow(la, 1, need);
  }

  read16(la: number, need: number): number {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    const po = la & 0xfff;
    if (this.tlbVpn[i] === vpn && (this.tlbFlags[i]! & need) !== 0 && po <= 4094) {
      const off = this.tlbOff[i]!;
      if (off >= 0) return this.ramView.getUint16(off + po, true);
    }
    return this.readSlow(la, 2, need);
  }

  read32(la: number, need: number): number {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    const po = la & 0xfff;
    if (this.tlbVpn[i] === vpn && (this.tlbFlags[i]! & need) !== 0 && po <= 4092) {
      const off = this.tlbOff[i]!;
      if (off >= 0) return this.ramView.getUint32(off + po, true);
    }
    return this.readSlow(la, 4, need);
  }

  /** Returns the low half; the high half is left in this.hi. */
  read64(la: number, need: number): number {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    const po = la & 0xfff;
    if (this.tlbVpn[i] === vpn && (this.tlbFlags[i]! & need) !== 0 && po <= 4088) {
      const off = this.tlbOff[i]!;
      if (off >= 0) {
        this.hi = this.ramView.getUint32(off + po + 4, true);
        return this.ramView.getUint32(off + po, true);
      }
    }
    return this.readSlow(la, 8, need);
  }

  /** Read of 1/2/4 bytes, or 8 (low half returned, high in this.hi). */
  readN(la: number, size: number, need: number): number {
    if (size === 4) return this.read32(la, need);
    if (size === 8) return this.read64(la, need);
    if (size === 1) return this.read8(la, need);
    return this.read16(la, need);
  }

  /** Whether a data access of `size` bytes at `la` touches a page the debug unit watches. */
  private watched(la: number, size: number): boolean {
    const d = this.dbg;
    return d.watchesPage(la) || ((la & 0xfff) + size > 4096 && d.watchesPage(la + size - 1));
  }

  private readSlow(la: number, size: number, need: number): number {
    if (this.dbg.watchActive && (need & (Need.XS | Need.XU)) === 0 && this.watched(la, size))
      this.dbg.dataAccess(la, size, false);
    const po = la & 0xfff;
    if (po + size <= 4096) return this.physRead(this.translate(la, need), size);
    // A page-crossing access: both pages are translated (and may fault) before any byte is used.
    const first = 4096 - po;
    const pa1 = this.translate(la, need);
    const pa2 = this.translate(la + first, need);
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < size; k++) {
      const b = this.physRead(k < first ? pa1 + k : pa2 + (k - first), 1);
      if (k < 4) lo |= b << (8 * k);
      else hi |= b << (8 * (k - 4));
    }
    this.hi = hi >>> 0;
    return lo >>> 0;
  }

  /** Physical read of RAM or MMIO (one exit per access; the instruction is replayed with the data). */
  physRead(pa: number, size: number): number {
    if (pa + size <= this.ramSize) {
      const v = this.ramView;
      if (size === 1) return v.getUint8(pa);
      if (size === 2) return v.getUint16(pa, true);
      if (size === 4) return v.getUint32(pa, true);
      this.hi = v.getUint32(pa + 4, true);
      return v.getUint32(pa, true);
    }
    const r = this.mem.find(pa);
    if (r !== undefined && pa + size <= r.gpa + r.size) {
      const o = pa - r.gpa;
      if (size === 1) return r.view.getUint8(o);
      if (size === 2) return r.view.getUint16(o, true);
      if (size === 4) return r.view.getUint32(o, true);
      this.hi = r.view.getUint32(o + 4, true);
      return r.view.getUint32(o, true);
    }
    const i = this.mmioCursor;
    if (i < this.mmioLogN) {
      if (this.mmioLogGpa[i] === pa && this.mmioLogSize[i] === size) {
        this.mmioCursor = i + 1;
        const d = this.mmioLogData;
        const o = i * 8;
        this.hi = size === 8 ? (d[o + 4]! | (d[o + 5]! << 8) | (d[o + 6]! << 16) | (d[o + 7]! << 24)) >>> 0 : 0;
        const lo = d[o]! | (size > 1 ? d[o + 1]! << 8 : 0) | (size > 2 ? (d[o + 2]! << 16) | (d[o + 3]! << 24) : 0);
        return lo >>> 0;
      }
      // The instruction took another way this time (another vCPU changed RAM it depends on): the answers from
      // here on were for reads it no longer makes.
      this.mmioLogN = i;
    }
    // KVM_EXIT_MMIO (read): the VMM fills the data; the instruction runs again from its start and consumes it.
    this.mmioCursor = 0;
    this.exitKind = PendingExit.MmioRead;
    this.exitGpa = pa;
    this.exitSize = size;
    this.exitData.fill(0);
    throw EXIT;
  }

  // ---- data writes ---------------------------------------------------------------------------------------

  write8(la: number, v: number, need: number): void {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    if (this.tlbVpn[i] === vpn && (this.tlbFlags[i]! & need) !== 0) {
      const off = this.tlbOff[i]!;
      if (off >= 0) {
        this.ram[off + (la & 0xfff)] = v;
        return;
      }
    }
    this.writeSlow(la, 1, v, 0, need);
  }

  write16(la: number, v: number, need: number): void {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    const po = la & 0xfff;
    if (this.tlbVpn[i] === vpn && (this.tlbFlags[i]! & need) !== 0 && po <= 4094) {
      const off = this.tlbOff[i]!;
      if (off >= 0) {
        this.ramView.setUint16(off + po, v, true);
        return;
      }
    }
    this.writeSlow(la, 2, v, 0, need);
  }

  write32(la: number, v: number, need: number): void {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    const po = la & 0xfff;
    if (this.tlbVpn[i] === vpn && (this.tlbFlags[i]! & need) !== 0 && po <= 4092) {
      const off = this.tlbOff[i]!;
      if (off >= 0) {
        this.ramView.setUint32(off + po, v, true);
        return;
      }
    }
    this.writeSlow(la, 4, v, 0, need);
  }

  write64(la: number, lo: number, hi: number, need: number): void {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    const po = la & 0xfff;
    if (this.tlbVpn[i] === vpn && (this.tlbFlags[i]! & need) !== 0 && po <= 4088) {
      const off = this.tlbOff[i]!;
      if (off >= 0) {
        this.ramView.setUint32(off + po, lo, true);
        this.ramView.setUint32(off + po + 4, hi, true);
        return;
      }
    }
    this.writeSlow(la, 8, lo, hi, need);
  }

  writeN(la: number, size: number, lo: number, hi: number, need: number): void {
    if (size === 4) this.write32(la, lo, need);
    else if (size === 8) this.write64(la, lo, hi, need);
    else if (size === 1) this.write8(la, lo, need);
    else this.write16(la, lo, need);
  }

  /** Checks that a later write of `size` bytes at `la` cannot fault (used before a multi-part update). */
  probeWrite(la: number, size: number, need: number): void {
    this.translate(la, need);
    if ((la & 0xfff) + size > 4096) this.translate(la + size - 1, need);
  }

  private writeSlow(la: number, size: number, lo: number, hi: number, need: number): void {
    if (this.dbg.watchActive && this.watched(la, size)) this.dbg.dataAccess(la, size, true);
    const po = la & 0xfff;
    if (po + size <= 4096) {
      this.physWrite(this.translate(la, need), size, lo, hi);
      return;
    }
    const first = 4096 - po;
    const pa1 = this.translate(la, need);
    const pa2 = this.translate(la + first, need);
    for (let k = 0; k < size; k++) {
      const b = k < 4 ? (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 4))) & 0xff;
      this.physWrite(k < first ? pa1 + k : pa2 + (k - first), 1, b, 0);
    }
  }

  physWrite(pa: number, size: number, lo: number, hi: number): void {
    const r = pa + size <= this.ramSize ? undefined : this.mem.find(pa);
    if (pa + size <= this.ramSize || (r !== undefined && pa + size <= r.gpa + r.size)) {
      const v = r === undefined ? this.ramView : r.view;
      const o = r === undefined ? pa : pa - r.gpa;
      if (size === 1) v.setUint8(o, lo);
      else if (size === 2) v.setUint16(o, lo, true);
      else {
        v.setUint32(o, lo, true);
        if (size === 8) v.setUint32(o + 4, hi, true);
      }
      return;
    }
    // KVM_EXIT_MMIO (write): the instruction completes; run() returns the exit after it.
    if (this.exitKind !== PendingExit.None) return;
    this.exitKind = PendingExit.MmioWrite;
    this.exitGpa = pa;
    this.exitSize = size;
    const d = this.exitData;
    for (let k = 0; k < 8; k++) d[k] = k < 4 ? (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 4))) & 0xff;
  }

  // ---- supervisor (implicit) accesses: descriptor tables, TSS, page-table-independent of CPL ----------------

  sysRead32(la: number): number {
    return this.read32(la, Need.RS);
  }
  sysWrite32(la: number, v: number): void {
    this.write32(la, v, Need.WS);
  }

  // ---- instruction fetch ---------------------------------------------------------------------------------

  fetchVpn = Number.NaN;
  /** Linear address of the fetch page (fetchVpn * 4096), NaN with it. */
  fetchLa = Number.NaN;
  fetchOff = 0;
  /** Linear address of the current instruction's first byte. */
  fetchBase = 0;

  /** Makes the fetch page the one holding `la` when the TLB maps it to RAM for instruction fetches (nothing
   *  is walked, nothing can fault); false when it does not. */
  fetchPageFromTlb(la: number): boolean {
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    if (this.tlbVpn[i] !== vpn || (this.tlbFlags[i]! & this.needX) === 0 || this.tlbOff[i]! < 0) return false;
    this.setFetchPage(vpn, this.tlbOff[i]!);
    return true;
  }

  /** Byte at linear `la` for execution (checks X rights). Memory no RAM region backs reads as 0xff, as data
   *  reads of it do (README: unbacked memory floats to all ones), so code there is FF FF: #UD. */
  fetchByte(la: number): number {
    const vpn = Math.floor(la / 4096);
    if (vpn === this.fetchVpn) return this.ram[this.fetchOff + (la & 0xfff)]!;
    const pa = this.translate(la, this.needX);
    const page = pa - (pa % 4096);
    if (page + 4096 <= this.ramSize) {
      this.setFetchPage(vpn, page);
      return this.ram[pa]!;
    }
    const r = this.mem.find(pa);
    if (r !== undefined) return r.bytes[pa - r.gpa]!;
    return 0xff;
  }

  /** Linear page `vpn` is fetched from RAM offset `off`. */
  private setFetchPage(vpn: number, off: number): void {
    this.fetchVpn = vpn;
    this.fetchLa = vpn * 4096;
    this.fetchOff = off;
  }
}
