// EmuVm: guest-physical memory (SharedArrayBuffer-backed, so worker threads attach to the same RAM through
// handle()/attachEmuVm) and the vCPUs created on it.
import type { MemoryRegion, MemoryRegionSpec, Vcpu, Vm, VmHandle } from '../../abi/index.js';
import { KvmError } from '../../abi/index.js';
import { PhysMemory } from './memory.js';
import { EmuVcpu } from './vcpu.js';

const PAGE = 4096;
/** KVM_CAP_NR_MEMSLOTS as emu reports it. */
export const EMU_MEMSLOTS = 32;

/** Guest RAM: one SharedArrayBuffer (Node 20 allocates 3 GiB and more lazily; an address-space limit such as
 *  `ulimit -v` can refuse it, which is KVM_SET_USER_MEMORY_REGION's ENOMEM). */
function allocateRam(size: number): SharedArrayBuffer {
  try {
    return new SharedArrayBuffer(size);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const mib = Math.ceil(size / 2 ** 20);
    throw new KvmError(
      'KVM_SET_USER_MEMORY_REGION',
      'ENOMEM',
      `${mib} MiB of guest RAM could not be allocated (${e.message}): use a smaller --memory or raise the address-space limit (ulimit -v)`,
    );
  }
}

export class EmuVm implements Vm {
  readonly backend = 'emu' as const;
  readonly mem = new PhysMemory();
  private readonly vcpus = new Map<number, EmuVcpu>();
  private closed = false;

  addMemory(spec: MemoryRegionSpec): Uint8Array {
    const gpa = Number(spec.guestPhysAddr);
    if (spec.size <= 0 || spec.size % PAGE !== 0 || gpa % PAGE !== 0)
      throw new KvmError('KVM_SET_USER_MEMORY_REGION', 'EINVAL', 'address and size must be 4 KiB multiples, size > 0');
    return this.attach(spec.slot ?? this.nextSlot(), gpa, allocateRam(spec.size));
  }

  /** Adds an existing shared buffer as a region (attachEmuVm, or a caller that owns the memory). */
  attach(slot: number, gpa: number, shared: SharedArrayBuffer): Uint8Array {
    if (slot < 0 || slot >= EMU_MEMSLOTS) throw new KvmError('KVM_SET_USER_MEMORY_REGION', 'EINVAL', `slot ${slot}`);
    for (const r of this.mem.regions) {
      if (r.slot === slot) throw new KvmError('KVM_SET_USER_MEMORY_REGION', 'EEXIST', `slot ${slot} is in use`);
      if (gpa < r.gpa + r.size && r.gpa < gpa + shared.byteLength)
        throw new KvmError('KVM_SET_USER_MEMORY_REGION', 'EEXIST', 'the range overlaps another region');
    }
    const r = this.mem.add(slot, gpa, shared);
    for (const v of this.vcpus.values()) v.memoryChanged();
    return r.bytes;
  }

  private nextSlot(): number {
    let s = 0;
    while (this.mem.regions.some((r) => r.slot === s)) s++;
    return s;
  }

  regions(): readonly MemoryRegion[] {
    return this.mem.regions.map((r) => ({ slot: r.slot, guestPhysAddr: BigInt(r.gpa), size: r.size, memory: r.bytes }));
  }

  setTssAddr(_addr: bigint): void {}
  setIdentityMapAddr(_addr: bigint): void {}

  createVcpu(id: number): Vcpu {
    if (this.closed) throw new KvmError('KVM_CREATE_VCPU', 'EBADF', 'the VM was closed');
    if (this.vcpus.has(id)) throw new KvmError('KVM_CREATE_VCPU', 'EEXIST', `vCPU ${id} exists in this thread`);
    const v = new EmuVcpu(id, this.mem);
    this.vcpus.set(id, v);
    return v;
  }

  handle(): VmHandle {
    return {
      backend: 'emu',
      regions: this.mem.regions.map((r) => ({
        slot: r.slot,
        guestPhysAddr: BigInt(r.gpa),
        size: r.size,
        shared: r.shared,
      })),
    };
  }

  close(): void {
    this.closed = true;
    for (const v of this.vcpus.values()) v.close();
  }
}
