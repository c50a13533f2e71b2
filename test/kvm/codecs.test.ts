// Struct codecs: decode(encode(x)) === x, and fields land at the offsets the layout oracle verified.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CpuidEntry,
  type Fpu,
  REG_NAMES,
  type Regs,
  type Segment,
  type Sregs,
  type VcpuEvents,
  VcpuEventsFlag,
} from '../../src/abi/index.js';
import { decodeCpuid2, encodeCpuid2, KVM_CPUID_ENTRY2, KVM_CPUID2 } from '../../src/backends/kvm/structs/cpuid.js';
import {
  decodeDebugRegs,
  decodeGuestDebug,
  encodeDebugRegs,
  encodeGuestDebug,
  KVM_DEBUGREGS,
  KVM_GUEST_DEBUG,
} from '../../src/backends/kvm/structs/debug.js';
import { decodeVcpuEvents, encodeVcpuEvents, KVM_VCPU_EVENTS } from '../../src/backends/kvm/structs/events.js';
import { decodeFpu, encodeFpu, KVM_FPU } from '../../src/backends/kvm/structs/fpu.js';
import { allocStruct, viewOf } from '../../src/backends/kvm/structs/layout.js';
import {
  decodeMemoryRegion,
  decodeTranslation,
  encodeMemoryRegion,
  KVM_TRANSLATION,
  KVM_USERSPACE_MEMORY_REGION,
} from '../../src/backends/kvm/structs/misc.js';
import { decodeMsrs, encodeMsrs, KVM_MSR_ENTRY, KVM_MSRS } from '../../src/backends/kvm/structs/msrs.js';
import { decodeRegs, encodeRegs, KVM_REGS } from '../../src/backends/kvm/structs/regs.js';
import { decodeSregs, encodeSregs, KVM_SREGS } from '../../src/backends/kvm/structs/sregs.js';

test('kvm_regs round-trips every register, rip at offset 128', () => {
  const regs = {} as Regs;
  REG_NAMES.forEach((n, i) => {
    regs[n] = 0x1111_0000_0000_0000n * BigInt(i % 15) + BigInt(i);
  });
  regs.rflags = 0xffff_ffff_ffff_ffffn;
  const { buf, dv } = allocStruct(KVM_REGS);
  encodeRegs(regs, dv);
  assert.deepEqual(decodeRegs(dv), regs);
  assert.equal(buf.readBigUInt64LE(128), regs.rip);
  assert.equal(buf.length, 144);
});

function segment(seed: number): Segment {
  return {
    base: 0xffff_8000_0000_0000n + BigInt(seed),
    limit: 0xffff_ffff - seed,
    selector: 0x10 + seed,
    type: 11,
    present: 1,
    dpl: seed & 3,
    db: 0,
    s: 1,
    l: 1,
    g: 1,
    avl: 0,
    unusable: 0,
  };
}

test('kvm_sregs round-trips segments, tables, control registers; interrupt_bitmap is written as zeros', () => {
  const s: Sregs = {
    cs: segment(1),
    ds: segment(2),
    es: segment(3),
    fs: segment(4),
    gs: segment(5),
    ss: segment(6),
    tr: { ...segment(7), type: 11, s: 0 },
    ldt: { ...segment(8), unusable: 1 },
    gdt: { base: 0x1000n, limit: 0x27 },
    idt: { base: 0x2000n, limit: 0xfff },
    cr0: 0x8000_0011n,
    cr2: 0xdead_beefn,
    cr3: 0x9000n,
    cr4: 0x20n,
    cr8: 0n,
    efer: 0x500n,
    apicBase: 0xfee0_0900n,
  };
  const { buf, dv } = allocStruct(KVM_SREGS);
  buf.fill(0xa5); // stale bytes must not survive in padding or interrupt_bitmap
  encodeSregs(s, dv);
  assert.deepEqual(decodeSregs(dv), s);
  assert.ok(buf.subarray(KVM_SREGS.offsets.interrupt_bitmap).every((b) => b === 0));
  assert.equal(buf.readBigUInt64LE(KVM_SREGS.offsets.efer), 0x500n);
  assert.equal(buf[KVM_SREGS.offsets.ldt + 23], 0, 'kvm_segment.padding');
});

test('kvm_fpu round-trips x87, SSE and control fields', () => {
  const reg = (i: number) => Uint8Array.from({ length: 16 }, (_, j) => (i * 16 + j) & 0xff);
  const f: Fpu = {
    fpr: Array.from({ length: 8 }, (_, i) => reg(i)),
    fcw: 0x37f,
    fsw: 0x1234,
    ftwx: 0x81,
    lastOpcode: 0x7ff,
    lastIp: 0x4000_1234n,
    lastDp: 0x5000_5678n,
    xmm: Array.from({ length: 16 }, (_, i) => reg(i + 8)),
    mxcsr: 0x1f80,
  };
  const { buf, dv } = allocStruct(KVM_FPU);
  encodeFpu(f, buf, dv);
  assert.deepEqual(decodeFpu(buf, dv), f);
  assert.equal(buf.readUInt32LE(408), 0x1f80);
  assert.throws(() => encodeFpu({ ...f, xmm: f.xmm.slice(1) }, buf, dv), /16 registers/);
});

test('kvm_msrs carries nmsrs and the entries; decode stops at the count KVM_GET_MSRS returned', () => {
  const entries = [
    { index: 0xc000_0080, data: 0xd01n },
    { index: 0x10, data: 0x1234_5678_9abc_def0n },
    { index: 0x1a0, data: 1n },
  ];
  const buf = encodeMsrs(entries);
  assert.equal(buf.length, KVM_MSRS.size + 3 * KVM_MSR_ENTRY.size);
  assert.equal(buf.readUInt32LE(0), 3);
  assert.deepEqual(decodeMsrs(buf, 3), entries);
  assert.deepEqual(decodeMsrs(buf, 2), entries.slice(0, 2));
});

test('kvm_cpuid2 round-trips entries; a request buffer has room for `capacity` entries', () => {
  const entries: CpuidEntry[] = [
    { function: 0, index: 0, flags: 0, eax: 0xd, ebx: 0x756e_6547, ecx: 0x6c65_746e, edx: 0x4965_6e69 },
    { function: 7, index: 1, flags: 1, eax: 1, ebx: 2, ecx: 3, edx: 0xffff_ffff },
  ];
  assert.deepEqual(decodeCpuid2(encodeCpuid2(entries)), entries);
  const req = encodeCpuid2([], 128);
  assert.equal(req.length, KVM_CPUID2.size + 128 * KVM_CPUID_ENTRY2.size);
  assert.equal(req.readUInt32LE(0), 128);
});

test('kvm_debugregs round-trips DR0-3/6/7; flags and reserved are zeroed', () => {
  const d = {
    db: [0x1000n, 0x2000n, 0x3000n, 0xffff_ffff_ffff_f000n] as [bigint, bigint, bigint, bigint],
    dr6: 0xffff_4ff0n,
    dr7: 0x400n,
    flags: 0,
  };
  const { buf, dv } = allocStruct(KVM_DEBUGREGS);
  buf.fill(0xff);
  encodeDebugRegs(d, dv);
  assert.deepEqual(decodeDebugRegs(dv), d);
  assert.ok(buf.subarray(KVM_DEBUGREGS.offsets.reserved).every((b) => b === 0));
});

test('kvm_guest_debug puts control at 0 and debugreg[7] at 64; missing slots are zero; 9 slots are refused', () => {
  const { buf, dv } = allocStruct(KVM_GUEST_DEBUG);
  encodeGuestDebug({ control: 0x0002_0001, debugreg: [0x401000n, 0n, 0n, 0n, 0n, 0n, 0n, 0x402n] }, dv);
  assert.equal(buf.readUInt32LE(0), 0x0002_0001);
  assert.equal(buf.readBigUInt64LE(8), 0x401000n);
  assert.equal(buf.readBigUInt64LE(64), 0x402n);
  encodeGuestDebug({ control: 3, debugreg: [] }, dv);
  assert.deepEqual(decodeGuestDebug(dv), { control: 3, debugreg: Array(8).fill(0n) });
  assert.throws(() => encodeGuestDebug({ control: 1, debugreg: Array(9).fill(0n) }, dv), /8 debugreg slots/);
});

test('kvm_vcpu_events round-trips; SMM/triple-fault validity flags are dropped because their fields are not carried', () => {
  const e: VcpuEvents = {
    exception: { injected: 0, nr: 1, hasErrorCode: 0, pending: 1, errorCode: 0 },
    interrupt: { injected: 1, nr: 0x20, soft: 0, shadow: 2 },
    nmi: { injected: 0, pending: 1, masked: 1 },
    sipiVector: 0x9a,
    flags: VcpuEventsFlag.ValidShadow | VcpuEventsFlag.ValidPayload,
    exceptionHasPayload: 1,
    exceptionPayload: 0x4000n,
  };
  const { buf, dv } = allocStruct(KVM_VCPU_EVENTS);
  encodeVcpuEvents(e, dv);
  assert.deepEqual(decodeVcpuEvents(dv), e);
  assert.equal(buf.readBigUInt64LE(56), 0x4000n);
  encodeVcpuEvents({ ...e, flags: e.flags | VcpuEventsFlag.ValidSmm }, dv);
  assert.equal(decodeVcpuEvents(dv).flags, e.flags);
});

test('kvm_translation decodes the kernel answer; kvm_userspace_memory_region round-trips', () => {
  const { buf, dv } = allocStruct(KVM_TRANSLATION);
  buf.writeBigUInt64LE(0xffff_8000_0000_1000n, 0);
  buf.writeBigUInt64LE(0x1000n, 8);
  buf[16] = 1;
  buf[18] = 1;
  assert.deepEqual(decodeTranslation(dv), {
    linearAddress: 0xffff_8000_0000_1000n,
    physicalAddress: 0x1000n,
    valid: true,
    writeable: false,
    usermode: true,
  });
  const r = {
    slot: 3,
    flags: 0,
    guestPhysAddr: 0x1_0000_0000n,
    memorySize: 0x4000_0000n,
    userspaceAddr: 0x7f00_dead_0000n,
  };
  const m = allocStruct(KVM_USERSPACE_MEMORY_REGION);
  encodeMemoryRegion(r, m.dv);
  assert.deepEqual(decodeMemoryRegion(viewOf(m.buf)), r);
  assert.equal(m.buf.readBigUInt64LE(24), r.userspaceAddr);
});
