// KVM ioctl request numbers, computed like asm-generic/ioctl.h: dir << 30 | size << 16 | type << 8 | nr.
import { KVM_CPUID2 } from './structs/cpuid.js';
import { KVM_DEBUGREGS, KVM_GUEST_DEBUG } from './structs/debug.js';
import { KVM_VCPU_EVENTS } from './structs/events.js';
import { KVM_FPU } from './structs/fpu.js';
import { KVM_INTERRUPT_STRUCT, KVM_TRANSLATION, KVM_USERSPACE_MEMORY_REGION } from './structs/misc.js';
import { KVM_MSRS } from './structs/msrs.js';
import { KVM_REGS } from './structs/regs.js';
import { KVM_SREGS } from './structs/sregs.js';
import { KVM_XSAVE } from './structs/xsave.js';

const IOC_NONE = 0;
const IOC_WRITE = 1;
const IOC_READ = 2;
const IOC_NRSHIFT = 0;
const IOC_TYPESHIFT = 8;
const IOC_SIZESHIFT = 16;
const IOC_DIRSHIFT = 30;
/** _IOC_SIZEBITS = 14: the argument size must fit. */
const IOC_SIZE_MAX = (1 << 14) - 1;
/** #define KVMIO 0xAE */
const KVMIO = 0xae;
const U64_SIZE = 8;

function ioc(dir: number, nr: number, size: number): number {
  if (size > IOC_SIZE_MAX) throw new RangeError(`ioctl argument size ${size} exceeds _IOC_SIZEBITS`);
  return ((dir << IOC_DIRSHIFT) | (size << IOC_SIZESHIFT) | (KVMIO << IOC_TYPESHIFT) | (nr << IOC_NRSHIFT)) >>> 0;
}
const io = (nr: number) => ioc(IOC_NONE, nr, 0);
const ior = (nr: number, size: number) => ioc(IOC_READ, nr, size);
const iow = (nr: number, size: number) => ioc(IOC_WRITE, nr, size);
const iowr = (nr: number, size: number) => ioc(IOC_READ | IOC_WRITE, nr, size);

/** Every ioctl this backend issues, by its linux/kvm.h name. */
export const KVM_IOCTLS = {
  KVM_GET_API_VERSION: io(0x00),
  KVM_CREATE_VM: io(0x01),
  KVM_CHECK_EXTENSION: io(0x03),
  KVM_GET_VCPU_MMAP_SIZE: io(0x04),
  KVM_GET_SUPPORTED_CPUID: iowr(0x05, KVM_CPUID2.size),
  KVM_CREATE_VCPU: io(0x41),
  KVM_SET_USER_MEMORY_REGION: iow(0x46, KVM_USERSPACE_MEMORY_REGION.size),
  KVM_SET_TSS_ADDR: io(0x47),
  KVM_SET_IDENTITY_MAP_ADDR: iow(0x48, U64_SIZE),
  KVM_RUN: io(0x80),
  KVM_GET_REGS: ior(0x81, KVM_REGS.size),
  KVM_SET_REGS: iow(0x82, KVM_REGS.size),
  KVM_GET_SREGS: ior(0x83, KVM_SREGS.size),
  KVM_SET_SREGS: iow(0x84, KVM_SREGS.size),
  KVM_TRANSLATE: iowr(0x85, KVM_TRANSLATION.size),
  KVM_INTERRUPT: iow(0x86, KVM_INTERRUPT_STRUCT.size),
  KVM_GET_MSRS: iowr(0x88, KVM_MSRS.size),
  KVM_SET_MSRS: iow(0x89, KVM_MSRS.size),
  KVM_GET_FPU: ior(0x8c, KVM_FPU.size),
  KVM_SET_FPU: iow(0x8d, KVM_FPU.size),
  KVM_SET_CPUID2: iow(0x90, KVM_CPUID2.size),
  KVM_SET_GUEST_DEBUG: iow(0x9b, KVM_GUEST_DEBUG.size),
  KVM_GET_VCPU_EVENTS: ior(0x9f, KVM_VCPU_EVENTS.size),
  KVM_SET_VCPU_EVENTS: iow(0xa0, KVM_VCPU_EVENTS.size),
  KVM_GET_DEBUGREGS: ior(0xa1, KVM_DEBUGREGS.size),
  KVM_SET_DEBUGREGS: iow(0xa2, KVM_DEBUGREGS.size),
  KVM_GET_XSAVE: ior(0xa4, KVM_XSAVE.size),
  KVM_SET_XSAVE: iow(0xa5, KVM_XSAVE.size),
} as const;

export type KvmIoctl = keyof typeof KVM_IOCTLS;
