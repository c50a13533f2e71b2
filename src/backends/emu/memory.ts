// Guest-physical memory of one VM: RAM regions backed by SharedArrayBuffers (so a worker thread can attach to
// the same bytes). Everything outside RAM is MMIO (KVM_EXIT_MMIO). Physical addresses are positive doubles.
import type { PhysWords } from '../../x86/paging.js';

export interface RamRegion {
  slot: number;
  gpa: number;
  size: number;
  shared: SharedArrayBuffer;
  bytes: Uint8Array;
  view: DataView;
}

export class PhysMemory implements PhysWords {
  readonly regions: RamRegion[] = [];

  add(slot: number, gpa: number, shared: SharedArrayBuffer): RamRegion {
    const bytes = new Uint8Array(shared);
    const r: RamRegion = { slot, gpa, size: bytes.length, shared, bytes, view: new DataView(shared) };
    this.regions.push(r);
    this.regions.sort((a, b) => a.gpa - b.gpa);
    return r;
  }

  /** The region holding gpa, or undefined (MMIO). */
  find(gpa: number): RamRegion | undefined {
    for (const r of this.regions) if (gpa >= r.gpa && gpa < r.gpa + r.size) return r;
    return undefined;
  }

  /** Page-walk reads of non-RAM see all ones (an open bus), like reads of an unassigned address. */
  read32(pa: number): number {
    const r = this.find(pa);
    if (r === undefined || pa + 4 > r.gpa + r.size) return 0xffffffff;
    return r.view.getUint32(pa - r.gpa, true);
  }

  write32(pa: number, value: number): void {
    const r = this.find(pa);
    if (r === undefined || pa + 4 > r.gpa + r.size) return;
    r.view.setUint32(pa - r.gpa, value, true);
  }

  read8(pa: number): number {
    const r = this.find(pa);
    return r === undefined ? 0xff : r.bytes[pa - r.gpa]!;
  }

  write8(pa: number, value: number): void {
    const r = this.find(pa);
    if (r !== undefined) r.bytes[pa - r.gpa] = value;
  }
}
