// A KVM vCPU: its fd, its kvm_run mapping, and one method per vCPU ioctl.
import {
  type CpuidEntry,
  type DebugRegs,
  type Exit,
  ExitReason,
  type Fpu,
  type GuestDebug,
  KvmError,
  type MsrEntry,
  type Regs,
  type Sregs,
  type Translation,
  type Vcpu,
  type VcpuEvents,
  type VcpuKicker,
} from '../../abi/index.js';
import { Errno, errnoName } from './errors/errno.js';
import { installKickHandler, unblockKickSignal } from './kick.js';
import { kvmIoctl, kvmIoctlRaw } from './kvm-ioctl.js';
import {
  close,
  gettid,
  lastErrno,
  MAP_FAILED,
  MAP_SHARED,
  mmap,
  munmap,
  PROT_READ,
  PROT_WRITE,
  viewAt,
} from './libc.js';
import { decodeExit } from './run.js';
import { encodeCpuid2 } from './structs/cpuid.js';
import { decodeDebugRegs, encodeDebugRegs, encodeGuestDebug, KVM_DEBUGREGS, KVM_GUEST_DEBUG } from './structs/debug.js';
import { decodeVcpuEvents, encodeVcpuEvents, KVM_VCPU_EVENTS } from './structs/events.js';
import { decodeFpu, encodeFpu, KVM_FPU } from './structs/fpu.js';
import { allocStruct, viewOf } from './structs/layout.js';
import {
  decodeTranslation,
  encodeInterrupt,
  encodeTranslationRequest,
  KVM_INTERRUPT_STRUCT,
  KVM_TRANSLATION,
} from './structs/misc.js';
import { decodeMsrs, encodeMsrs } from './structs/msrs.js';
import { decodeRegs, encodeRegs, KVM_REGS } from './structs/regs.js';
import { KVM_RUN_STRUCT } from './structs/run.js';
import { decodeSregs, encodeSregs, KVM_SREGS } from './structs/sregs.js';
import { decodeXsaveFpu, encodeXsaveFpu, KVM_XSAVE } from './structs/xsave.js';

const RUN = KVM_RUN_STRUCT.offsets;

export interface VcpuSetup {
  vmFd: number;
  id: number;
  /** KVM_GET_VCPU_MMAP_SIZE */
  mmapSize: number;
  /** Set with KVM_SET_CPUID2 at creation, as kvmtool does: "a vCPU without CPUID sees no features". */
  cpuid: readonly CpuidEntry[];
  /** KVM_CAP_XSAVE */
  xsave: boolean;
}

export class KvmVcpu implements Vcpu {
  private readonly run8: Uint8Array;
  private readonly runDv: DataView;
  /** The thread that created the vCPU, which is the one that runs it (and the one kicks signal). */
  private readonly threadId: number;
  private closed = false;

  private constructor(
    readonly id: number,
    private readonly fd: number,
    private readonly runAddress: bigint,
    private readonly mmapSize: number,
    private readonly xsave: boolean,
  ) {
    this.run8 = viewAt(runAddress, mmapSize);
    this.runDv = viewOf(this.run8);
    this.threadId = gettid();
  }

  static create(s: VcpuSetup): KvmVcpu {
    const fd = kvmIoctl(s.vmFd, 'KVM_CREATE_VCPU', s.id, `vCPU id ${s.id}`);
    // api.rst: "the vcpu fd can be mmap()ed at offset 0 to access struct kvm_run (size: KVM_GET_VCPU_MMAP_SIZE)".
    const addr = mmap(s.mmapSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
    if (addr === MAP_FAILED) {
      const errno = errnoName(lastErrno());
      close(fd);
      throw new KvmError('mmap(vcpu fd)', errno, 'cannot map struct kvm_run of the new vCPU');
    }
    const vcpu = new KvmVcpu(s.id, fd, addr, s.mmapSize, s.xsave);
    try {
      vcpu.setCpuid([...s.cpuid]);
      installKickHandler();
      unblockKickSignal();
    } catch (e) {
      vcpu.close();
      throw e;
    }
    return vcpu;
  }

  getRegs(): Regs {
    const { buf, dv } = allocStruct(KVM_REGS);
    kvmIoctl(this.fd, 'KVM_GET_REGS', buf);
    return decodeRegs(dv);
  }

  setRegs(regs: Regs): void {
    const { buf, dv } = allocStruct(KVM_REGS);
    encodeRegs(regs, dv);
    kvmIoctl(this.fd, 'KVM_SET_REGS', buf);
  }

  getSregs(): Sregs {
    const { buf, dv } = allocStruct(KVM_SREGS);
    kvmIoctl(this.fd, 'KVM_GET_SREGS', buf);
    return decodeSregs(dv);
  }

  setSregs(sregs: Sregs): void {
    const { buf, dv } = allocStruct(KVM_SREGS);
    encodeSregs(sregs, dv);
    kvmIoctl(this.fd, 'KVM_SET_SREGS', buf);
  }

  /** From the XSAVE image where the kernel has one: KVM_GET_FPU does not report MXCSR on x86 (Linux 6.1 gives 0). */
  getFpu(): Fpu {
    if (this.xsave) {
      const { buf, dv } = this.getXsave();
      return decodeXsaveFpu(buf, dv);
    }
    const { buf, dv } = allocStruct(KVM_FPU);
    kvmIoctl(this.fd, 'KVM_GET_FPU', buf);
    return decodeFpu(buf, dv);
  }

  /** Into the XSAVE image where the kernel has one: KVM_SET_FPU's MXCSR does not reach the guest on x86. */
  setFpu(fpu: Fpu): void {
    if (this.xsave) {
      const { buf, dv } = this.getXsave();
      encodeXsaveFpu(fpu, buf, dv);
      kvmIoctl(this.fd, 'KVM_SET_XSAVE', buf);
      return;
    }
    const { buf, dv } = allocStruct(KVM_FPU);
    encodeFpu(fpu, buf, dv);
    kvmIoctl(this.fd, 'KVM_SET_FPU', buf);
  }

  private getXsave(): { buf: Buffer; dv: DataView } {
    const x = allocStruct(KVM_XSAVE);
    kvmIoctl(this.fd, 'KVM_GET_XSAVE', x.buf);
    return x;
  }

  /** "KVM_GET_MSRS returns the number of MSRs read": entries stop at the first index KVM cannot read. */
  getMsrs(indices: number[]): MsrEntry[] {
    const buf = encodeMsrs(indices.map((index) => ({ index, data: 0n })));
    return decodeMsrs(buf, kvmIoctl(this.fd, 'KVM_GET_MSRS', buf));
  }

  /** Returns how many entries KVM wrote (it stops at the first it refuses). */
  setMsrs(entries: MsrEntry[]): number {
    return kvmIoctl(this.fd, 'KVM_SET_MSRS', encodeMsrs(entries));
  }

  setCpuid(entries: CpuidEntry[]): void {
    kvmIoctl(this.fd, 'KVM_SET_CPUID2', encodeCpuid2(entries));
  }

  getDebugRegs(): DebugRegs {
    const { buf, dv } = allocStruct(KVM_DEBUGREGS);
    kvmIoctl(this.fd, 'KVM_GET_DEBUGREGS', buf);
    return decodeDebugRegs(dv);
  }

  setDebugRegs(regs: DebugRegs): void {
    const { buf, dv } = allocStruct(KVM_DEBUGREGS);
    encodeDebugRegs(regs, dv);
    kvmIoctl(this.fd, 'KVM_SET_DEBUGREGS', buf);
  }

  getVcpuEvents(): VcpuEvents {
    const { buf, dv } = allocStruct(KVM_VCPU_EVENTS);
    kvmIoctl(this.fd, 'KVM_GET_VCPU_EVENTS', buf);
    return decodeVcpuEvents(dv);
  }

  setVcpuEvents(events: VcpuEvents): void {
    const { buf, dv } = allocStruct(KVM_VCPU_EVENTS);
    encodeVcpuEvents(events, dv);
    kvmIoctl(this.fd, 'KVM_SET_VCPU_EVENTS', buf);
  }

  setGuestDebug(dbg: GuestDebug): void {
    const { buf, dv } = allocStruct(KVM_GUEST_DEBUG);
    encodeGuestDebug(dbg, dv);
    kvmIoctl(this.fd, 'KVM_SET_GUEST_DEBUG', buf);
  }

  translate(linearAddress: bigint): Translation {
    const { buf, dv } = allocStruct(KVM_TRANSLATION);
    encodeTranslationRequest(linearAddress, dv);
    kvmIoctl(this.fd, 'KVM_TRANSLATE', buf);
    return decodeTranslation(dv);
  }

  /** KVM_INTERRUPT works only without an in-kernel irqchip, which guestdbg never creates. */
  interrupt(vector: number): void {
    const { buf, dv } = allocStruct(KVM_INTERRUPT_STRUCT);
    encodeInterrupt(vector, dv);
    kvmIoctl(this.fd, 'KVM_INTERRUPT', buf, `vector ${vector}`);
  }

  setRequestInterruptWindow(on: boolean): void {
    this.run8[RUN.request_interrupt_window] = on ? 1 : 0;
  }

  readyForInterruptInjection(): boolean {
    return this.run8[RUN.ready_for_interrupt_injection] !== 0;
  }

  run(): Exit {
    const ret = kvmIoctlRaw(this.fd, 'KVM_RUN');
    if (ret === -Errno.EINTR) {
      // The kick was consumed: clear immediate_exit so the next run() enters the guest. A kick that lands
      // after a normal exit leaves the flag set, so that next run() returns Intr at once (no kick is lost).
      this.run8[RUN.immediate_exit] = 0;
      return { reason: ExitReason.Intr };
    }
    if (ret < 0) throw new KvmError('KVM_RUN', errnoName(-ret), `vCPU ${this.id}`);
    return decodeExit(this.run8, this.runDv);
  }

  kicker(): VcpuKicker {
    return { backend: 'kvm', runAddress: this.runAddress, threadId: this.threadId };
  }

  /** Unmaps kvm_run: Exit data views from earlier run() calls become invalid. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    munmap(this.runAddress, this.mmapSize);
    close(this.fd);
  }
}
