// The architectural state of one emu vCPU, in hot-path-friendly form: GPRs as uint32 halves, rip/rflags and
// linear addresses as (signed, canonical) doubles, segments as parallel typed arrays. BigInt appears only in
// the API codec (../vcpu-state.ts).
import { CR0 } from '../../../x86/control-regs.js';
import { Attr } from '../../../x86/descriptors.js';
import { DecodeMode } from '../decode/insn.js';

/** Segment slots: the six Sreg numbers, then LDTR and TR. */
export const Seg = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5, LDTR: 6, TR: 7 } as const;

export class CpuState {
  /** GPR i: low half at [2i], high half at [2i+1] (ModRM order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15). */
  readonly regs = new Uint32Array(32);
  /** Linear-address-width instruction pointer (in 64-bit mode a signed canonical double). */
  rip = 0xfff0;
  rflags = 2;

  readonly segSel = new Uint16Array(8);
  readonly segBase = new Float64Array(8);
  readonly segLimit = new Float64Array(8);
  /** VMX-style access rights (descriptors.ts Attr). */
  readonly segAttr = new Uint32Array(8);

  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  idtLimit = 0xffff;

  cr0 = CR0.ET | CR0.CD | CR0.NW;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  cr8 = 0;
  efer = 0;
  apicBase = 0xfee00900;

  // MSRs (64-bit ones as signed doubles where they are addresses, else lo/hi pairs).
  starLo = 0;
  starHi = 0;
  lstar = 0;
  cstar = 0;
  sfmask = 0;
  kernelGsBase = 0;
  tscAux = 0;
  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  patLo = 0x00070406;
  patHi = 0x00070406;
  miscEnable = 1;
  /** Guest TSC = host-derived counter + tscOffset (both in ticks). */
  tscOffset = 0;

  // x87/SSE state (kept for FXSAVE/FXRSTOR and KVM_GET/SET_FPU).
  fcw = 0x37f;
  fsw = 0;
  ftw = 0;
  fop = 0;
  fip = 0;
  fdp = 0;
  readonly fpr = new Uint8Array(8 * 16);
  readonly xmm = new Uint8Array(16 * 16);
  mxcsr = 0x1f80;
  xcr0 = 1;

  // Derived from the above whenever CR0/EFER/CS change (updateMode()).
  cpl = 0;
  /** DecodeMode of the current code segment. */
  mode: DecodeMode = DecodeMode.Real16;
  /** EFER.LMA && CS.L */
  long64 = false;
  /** SS.B (32-bit stack pointer) outside 64-bit mode. */
  stack32 = false;

  // Interrupt state.
  /** STI / MOV SS shadow: interrupts (and #DB) are inhibited until the instruction after next retires. */
  shadow = 0;
  /** KVM_INTERRUPT vector waiting for IF = 1, or -1. */
  pendingIrq = -1;
  nmiPending = false;
  nmiMasked = false;
  /** HLT's halt: the vCPU waits for an event, and delivering one ends it. */
  halted = false;
  requestIrqWindow = false;
  /** An exception queued by KVM_SET_VCPU_EVENTS or the debug unit, delivered at the next instruction boundary. */
  queuedVector = -1;
  queuedErrorCode = -1;
  /** DR6 payload of a queued #DB (KVM_VCPUEVENT_VALID_PAYLOAD), or -1. */
  queuedPayload = -1;

  resetSegments(): void {
    for (let i = 0; i < 8; i++) {
      this.segSel[i] = 0;
      this.segBase[i] = 0;
      this.segLimit[i] = 0xffff;
      // Data segments after reset: present, read/write, accessed (type 3).
      this.segAttr[i] = Attr.P | Attr.S | 3;
    }
    // CS after reset: F000:FFF0 with base 0xffff0000, execute/read accessed code.
    this.segSel[Seg.CS] = 0xf000;
    this.segBase[Seg.CS] = 0xffff0000;
    this.segAttr[Seg.CS] = Attr.P | Attr.S | 0xb;
    this.segAttr[Seg.LDTR] = Attr.P | 2;
    this.segAttr[Seg.TR] = Attr.P | 0xb;
  }

  /** 64-bit register value as a signed double (exact while it is within +-2^53). */
  reg64(i: number): number {
    return (this.regs[2 * i + 1]! | 0) * 4294967296 + this.regs[2 * i]!;
  }

  setReg64(i: number, v: number): void {
    this.regs[2 * i] = v >>> 0;
    this.regs[2 * i + 1] = Math.floor(v / 4294967296) >>> 0;
  }
}
