// Reading guest memory by linear address through the vCPU's own translation (KVM_TRANSLATE).
import type { Segment, Vcpu } from '../abi/index.js';

const PAGE = 4096n;

/** Reads `len` bytes at linear address `addr`, page by page; undefined if any page is unmapped or outside RAM. */
export function readLinear(vcpu: Vcpu, ram: Uint8Array, addr: bigint, len: number): Uint8Array | undefined {
  const out = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const lin = addr + BigInt(done);
    const t = vcpu.translate(lin);
    if (!t.valid) return undefined;
    const chunk = Math.min(len - done, Number(PAGE - (lin % PAGE)));
    const phys = Number(t.physicalAddress);
    if (phys + chunk > ram.length) return undefined;
    out.set(ram.subarray(phys, phys + chunk), done);
    done += chunk;
  }
  return out;
}

/** Physical address of a linear address, or undefined when unmapped. */
export function physicalOf(vcpu: Vcpu, addr: bigint): number | undefined {
  const t = vcpu.translate(addr);
  return t.valid ? Number(t.physicalAddress) : undefined;
}

/** Code size of the current CS: 64 in long mode (CS.L), else 32 (CS.D) or 16. */
export function codeBitness(cs: Segment): 16 | 32 | 64 {
  return cs.l ? 64 : cs.db ? 32 : 16;
}
