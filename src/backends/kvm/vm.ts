// A KVM VM: its fd, its memory slots, its vCPUs. Also the attached copy a worker thread rebuilds from a handle.
import type { CpuidEntry, MemoryRegion, MemoryRegionSpec, Vcpu, Vm, VmHandle } from '../../abi/index.js';
import { kvmIoctl } from './kvm-ioctl.js';
import { close } from './libc.js';
import { allocHostMemory, freeHostMemory, PAGE_SIZE } from './memory.js';
import { allocStruct } from './structs/layout.js';
import { encodeMemoryRegion, KVM_USERSPACE_MEMORY_REGION } from './structs/misc.js';
import { KvmVcpu } from './vcpu.js';

/** KVM_SET_IDENTITY_MAP_ADDR takes a pointer to a __u64. */
const U64_BYTES = 8;
/** kvm_userspace_memory_region.flags: plain read/write RAM, no dirty logging. */
const NO_MEMORY_FLAGS = 0;

/** What every vCPU of this VM needs from the system fd, fetched once so workers need no /dev/kvm fd. */
export interface VmSystemInfo {
  vcpuMmapSize: number;
  supportedCpuid: CpuidEntry[];
  /** KVM_CAP_XSAVE: the vCPUs' FPU state goes through KVM_GET_XSAVE/KVM_SET_XSAVE. */
  xsave: boolean;
}

/** vm.handle() for kvm: the VmHandle fields plus VmSystemInfo (all structured-clonable). */
export interface KvmVmHandle extends VmHandle, VmSystemInfo {}

export interface KvmRegion extends MemoryRegion {
  hostAddress: bigint;
}

export class KvmVm implements Vm {
  readonly backend = 'kvm';
  private readonly vcpus: KvmVcpu[] = [];
  private closed = false;

  /** `owner`: this thread created the VM and frees its fd and memory on close(); an attached copy does not. */
  constructor(
    private readonly vmFd: number,
    private readonly info: VmSystemInfo,
    private readonly slots: KvmRegion[],
    private readonly owner: boolean,
  ) {}

  addMemory(spec: MemoryRegionSpec): Uint8Array {
    checkRegionSpec(spec);
    const slot = spec.slot ?? this.nextFreeSlot();
    if (this.slots.some((r) => r.slot === slot)) {
      throw new RangeError(`memory slot ${slot} is already in use: omit 'slot' to take the next free one`);
    }
    const host = allocHostMemory(spec.size);
    const { buf, dv } = allocStruct(KVM_USERSPACE_MEMORY_REGION);
    encodeMemoryRegion(
      {
        slot,
        flags: NO_MEMORY_FLAGS,
        guestPhysAddr: spec.guestPhysAddr,
        memorySize: BigInt(spec.size),
        userspaceAddr: host.hostAddress,
      },
      dv,
    );
    try {
      kvmIoctl(
        this.vmFd,
        'KVM_SET_USER_MEMORY_REGION',
        buf,
        `slot ${slot} at guest 0x${spec.guestPhysAddr.toString(16)}`,
      );
    } catch (e) {
      freeHostMemory(host);
      throw e;
    }
    this.slots.push({
      slot,
      guestPhysAddr: spec.guestPhysAddr,
      size: spec.size,
      memory: host.memory,
      hostAddress: host.hostAddress,
    });
    return host.memory;
  }

  regions(): readonly MemoryRegion[] {
    return this.slots;
  }

  /** "KVM_SET_TSS_ADDR: a three-page region in the guest physical address space" (the argument is the address). */
  setTssAddr(addr: bigint): void {
    kvmIoctl(this.vmFd, 'KVM_SET_TSS_ADDR', addr);
  }

  /** "KVM_SET_IDENTITY_MAP_ADDR: a one-page region" (the argument points to the __u64 address). */
  setIdentityMapAddr(addr: bigint): void {
    const buf = Buffer.alloc(U64_BYTES);
    buf.writeBigUInt64LE(BigInt.asUintN(64, addr));
    kvmIoctl(this.vmFd, 'KVM_SET_IDENTITY_MAP_ADDR', buf);
  }

  createVcpu(id: number): Vcpu {
    const vcpu = KvmVcpu.create({
      vmFd: this.vmFd,
      id,
      mmapSize: this.info.vcpuMmapSize,
      cpuid: this.info.supportedCpuid,
      xsave: this.info.xsave,
    });
    this.vcpus.push(vcpu);
    return vcpu;
  }

  handle(): KvmVmHandle {
    return {
      backend: 'kvm',
      vmFd: this.vmFd,
      regions: this.slots.map((r) => ({
        slot: r.slot,
        guestPhysAddr: r.guestPhysAddr,
        size: r.size,
        hostAddress: r.hostAddress,
      })),
      vcpuMmapSize: this.info.vcpuMmapSize,
      supportedCpuid: this.info.supportedCpuid,
      xsave: this.info.xsave,
    };
  }

  /** Closes the vCPUs made here; the owner also unmaps guest RAM (views become invalid) and closes the VM fd. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const v of this.vcpus) v.close();
    if (!this.owner) return;
    for (const r of this.slots) freeHostMemory(r);
    close(this.vmFd);
  }

  private nextFreeSlot(): number {
    let slot = 0;
    while (this.slots.some((r) => r.slot === slot)) slot++;
    return slot;
  }
}

function checkRegionSpec(spec: MemoryRegionSpec): void {
  if (!Number.isInteger(spec.size) || spec.size <= 0 || spec.size % PAGE_SIZE !== 0) {
    throw new RangeError(
      `guest memory size ${spec.size} is not a positive multiple of ${PAGE_SIZE}: round it up to whole pages`,
    );
  }
  if (spec.guestPhysAddr % BigInt(PAGE_SIZE) !== 0n) {
    throw new RangeError(
      `guest physical address 0x${spec.guestPhysAddr.toString(16)} is not page-aligned: align it to ${PAGE_SIZE}`,
    );
  }
}
