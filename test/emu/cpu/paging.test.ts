// The page walk (src/x86/paging.ts) on its own and through the CPU: 4-level with 4 KiB/2 MiB/1 GiB pages,
// PAE and 32-bit paging (4 MiB pages), accessed/dirty write-back, U/S, R/W with CR0.WP, NX with EFER.NXE,
// reserved bits, #PF error codes, and the TLB flush rules (CR3 write, INVLPG).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Access, newWalkResult, type PagingState, PfErr, type PhysWords, walk } from '../../../src/x86/paging.js';
import { assemble, haltedVector, longModeGuest, runToHlt } from '../emu-harness.js';

class Mem implements PhysWords {
  readonly view = new DataView(new ArrayBuffer(1 << 20));
  read32(pa: number): number {
    return this.view.getUint32(pa, true);
  }
  write32(pa: number, v: number): void {
    this.view.setUint32(pa, v, true);
  }
  q(pa: number, v: bigint): void {
    this.view.setBigUint64(pa, v, true);
  }
}

const PG = 0x80000000;
const LONG: PagingState = { cr0: PG | 1, cr3: 0x1000, cr4: 0x20, efer: 0x500 | 0x800 };

describe('page walk', () => {
  it('4-level: 4 KiB page, rights ANDed, XD ORed, A/D written back', () => {
    const m = new Mem();
    m.q(0x1000 + 511 * 8, 0x2000n | 7n); // PML4[511]
    m.q(0x2000 + 510 * 8, 0x3000n | 7n); // PDPT[510]
    m.q(0x3000, 0x4000n | 5n); // PD[0]: user, read-only
    m.q(0x4000 + 8, 0x7000n | 7n | (1n << 63n)); // PT[1]: XD
    const w = newWalkResult();
    const la = -0x80000000 + 0x1234; // 0xffffffff80001234
    assert.equal(walk(m, LONG, la, Access.Read, true, w), true);
    assert.equal(w.gpa, 0x7234);
    assert.equal(w.writable, false);
    assert.equal(w.user, true);
    assert.equal(w.nx, true);
    assert.equal(m.read32(0x4008) & 0x60, 0x20, 'A set, D clear after a read');
    assert.equal(walk(m, LONG, la, Access.Fetch, true, w), false);
    assert.equal(w.errorCode & 0xffff, PfErr.P | PfErr.I);
    assert.equal(walk(m, { ...LONG, cr0: PG | 1 }, la, Access.Write, true, w), true, 'supervisor write with WP = 0');
    assert.equal(m.read32(0x4008) & 0x40, 0x40, 'D set by the write');
    assert.equal(walk(m, { ...LONG, cr0: PG | 1 | 0x10000 }, la, Access.Write, true, w), false, 'WP = 1');
    assert.equal(w.errorCode & 0xffff, PfErr.P | PfErr.W);
    assert.equal(walk(m, LONG, la + 0x1000, Access.Read | Access.User, true, w), false, 'PT[2] not present');
    assert.equal(w.errorCode & 0xffff, PfErr.U);
  });

  it('2 MiB and 1 GiB pages; reserved bits are RSVD faults', () => {
    const m = new Mem();
    m.q(0x1000, 0x2000n | 7n);
    m.q(0x2000, (1n << 30n) | 0x83n); // 1 GiB page at 1 GiB
    m.q(0x2008, 0x3000n | 3n);
    m.q(0x3000 + 3 * 8, (5n << 21n) | 0x83n); // 2 MiB page at 10 MiB
    const w = newWalkResult();
    assert.equal(walk(m, LONG, 0x12345678, Access.Read, false, w), true);
    assert.equal(w.gpa, 0x40000000 + 0x12345678);
    assert.equal(w.pageSize, 1 << 30);
    assert.equal(walk(m, LONG, 0x40000000 + 3 * 0x200000 + 0x1234, Access.Read, false, w), true);
    assert.equal(w.gpa, 0xa01234);
    m.q(0x3000 + 3 * 8, (5n << 21n) | 0x83n | (1n << 13n)); // bit 13 reserved in a 2 MiB PDE
    assert.equal(walk(m, LONG, 0x40000000 + 3 * 0x200000, Access.Read, false, w), false);
    assert.equal(w.errorCode & 0xffff, PfErr.RSVD | PfErr.P);
  });

  it('PAE (3 levels from 4 PDPTEs) and 32-bit paging with 4 MiB pages', () => {
    const m = new Mem();
    m.q(0x1000 + 3 * 8, 0x2000n | 1n); // PDPTE[3]
    m.q(0x2000 + 511 * 8, 0x3000n | 7n);
    m.q(0x3000 + 511 * 8, 0x9000n | 7n);
    const w = newWalkResult();
    assert.equal(walk(m, { cr0: PG | 1, cr3: 0x1000, cr4: 0x20, efer: 0 }, 0xfffff123, Access.Read, false, w), true);
    assert.equal(w.gpa, 0x9123);
    m.q(0x5000 + 0x300 * 4, 0n);
    m.write32(0x5000 + 0x300 * 4, 0x00800087); // 4 MiB page at 8 MiB, user, writable
    assert.equal(
      walk(m, { cr0: PG | 1, cr3: 0x5000, cr4: 0x10, efer: 0 }, 0xc0012345, Access.Write | Access.User, false, w),
      true,
    );
    assert.equal(w.gpa, 0x812345);
    assert.equal(w.pageSize, 4 << 20);
  });
});

describe('paging through the CPU', () => {
  it('a CR3 reload or INVLPG makes a changed PTE visible; the stale TLB entry is used before', () => {
    // PD[1] (2 MiB at 0x200000) is remapped to 0x000000 by the guest; it reads before and after INVLPG.
    const g = longModeGuest(
      assemble(`
        movl $0x11111111, 0x100000
        movl $0x22222222, 0x300000
        mov 0x300000, %eax
        movq $0x87, 0x3008
        mov 0x300000, %ebx
        invlpg 0x300000
        mov 0x300000, %ecx
        mov %cr3, %rdx
        mov %rdx, %cr3
        mov 0x300000, %esi
        hlt
      `),
    );
    runToHlt(g);
    const r = g.vcpu.getRegs();
    assert.equal(r.rax, 0x22222222n);
    assert.equal(r.rbx, 0x22222222n, 'stale translation before INVLPG');
    assert.equal(r.rcx, 0x11111111n, 'INVLPG dropped it');
    assert.equal(r.rsi, 0x11111111n);
  });

  it('XD without EFER.NXE is a reserved-bit #PF', () => {
    const g = longModeGuest(assemble('mov 0x200000, %eax\n hlt'));
    g.view.setBigUint64(0x3008, (1n << 21n) | 0x87n | (1n << 63n), true);
    runToHlt(g);
    assert.equal(haltedVector(g), 14);
    assert.equal(g.view.getBigUint64(Number(g.vcpu.getRegs().rsp), true), BigInt(PfErr.P | PfErr.RSVD));
  });

  it('NX: fetching from an XD page with EFER.NXE is #PF with I/D set', () => {
    const g = longModeGuest(assemble('mov $0x200000, %eax\n jmp *%rax'));
    g.view.setBigUint64(0x3008, (1n << 21n) | 0x87n | (1n << 63n), true);
    const s = g.vcpu.getSregs();
    g.vcpu.setSregs({ ...s, efer: s.efer | 0x800n });
    g.ram[0x200000] = 0xf4;
    runToHlt(g);
    assert.equal(haltedVector(g), 14);
    const rsp = Number(g.vcpu.getRegs().rsp);
    assert.equal(g.view.getBigUint64(rsp, true), BigInt(PfErr.P | PfErr.I));
    assert.equal(g.view.getBigUint64(rsp + 8, true), 0x200000n);
  });
});
