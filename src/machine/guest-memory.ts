// Guest memory by address: guest-virtual (linear) addresses go through a vCPU's own translation (KVM_TRANSLATE
// on either backend), physical ones straight to the VM's RAM regions.
import type { MemoryRegion, Segment, Vcpu, Vm } from '../abi/index.js';

const PAGE = 4096n;

/** A linear address the page tables do not map, or that maps outside RAM; the message names it. */
export class UnmappedAddressError extends Error {
  override readonly name = 'UnmappedAddressError';
}

export class GuestMemory {
  constructor(private readonly vm: Vm) {}

  /** The RAM bytes at guest-physical [gpa, gpa+len) (within one region), or undefined if not RAM. */
  phys(gpa: bigint, len: number): Uint8Array | undefined {
    const r: MemoryRegion | undefined = this.vm
      .regions()
      .find((m) => gpa >= m.guestPhysAddr && gpa + BigInt(len) <= m.guestPhysAddr + BigInt(m.size));
    if (!r) return undefined;
    const off = Number(gpa - r.guestPhysAddr);
    return r.memory.subarray(off, off + len);
  }

  /** Physical address of a linear one; throws UnmappedAddressError. */
  translate(vcpu: Vcpu, gva: bigint): bigint {
    const t = vcpu.translate(BigInt.asUintN(64, gva));
    if (!t.valid)
      throw new UnmappedAddressError(`guest address 0x${gva.toString(16)} is not mapped by the page tables`);
    return t.physicalAddress;
  }

  /** Visits [gva, gva+len) page by page: fn(bytes of that piece in RAM, offset in the request). */
  private each(vcpu: Vcpu, gva: bigint, len: number, fn: (bytes: Uint8Array, at: number) => void): void {
    let at = 0;
    while (at < len) {
      const va = gva + BigInt(at);
      const n = Math.min(Number(PAGE - (va % PAGE)), len - at);
      const gpa = this.translate(vcpu, va);
      const bytes = this.phys(gpa, n);
      if (!bytes) {
        throw new UnmappedAddressError(
          `guest address 0x${va.toString(16)} maps to 0x${gpa.toString(16)}, which is not RAM`,
        );
      }
      fn(bytes, at);
      at += n;
    }
  }

  read(vcpu: Vcpu, gva: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.each(vcpu, gva, len, (bytes, at) => out.set(bytes, at));
    return out;
  }

  write(vcpu: Vcpu, gva: bigint, data: Uint8Array): void {
    this.each(vcpu, gva, data.length, (bytes, at) => bytes.set(data.subarray(at, at + bytes.length)));
  }
}

/** Code size of the current CS: 64 in long mode (CS.L), else 32 (CS.D) or 16. */
export function codeBitness(cs: Segment): 16 | 32 | 64 {
  return cs.l ? 64 : cs.db ? 32 : 16;
}
