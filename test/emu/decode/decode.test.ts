// Targeted decoder rules the random oracle reaches rarely or not at all: the 15-byte limit, REX placement,
// RIP-relative, mode validity, LOCK, imm64, moffs64, fault propagation, and the Insn conventions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../../src/backends/emu/decode/decoder.js';
import { createInsn, DecodeMode, type Insn, Opnd, Reg, SegReg } from '../../../src/backends/emu/decode/insn.js';
import { DecodeStatus } from '../../../src/backends/emu/decode/status.js';
import { OP_COUNT, Op, opName } from '../../../src/backends/emu/decode/table.js';

function dec(mode: number, bytes: number[]): { st: number; insn: Insn } {
  const insn = createInsn();
  const st = decode((o) => (o < bytes.length ? bytes[o] : 0x90), mode, insn);
  return { st, insn };
}
const L = DecodeMode.Long64;
const P32 = DecodeMode.Prot32;
const R16 = DecodeMode.Real16;

test('15 bytes decode, a 16th raises #GP(0) without being fetched', () => {
  const ok = dec(L, [...Array(14).fill(0x66), 0x90]);
  assert.equal(ok.st, DecodeStatus.Ok);
  assert.equal(ok.insn.len, 15);
  const fetched: number[] = [];
  const insn = createInsn();
  const st = decode(
    (o) => {
      fetched.push(o);
      return 0x66;
    },
    L,
    insn,
  );
  assert.equal(st, DecodeStatus.GP);
  assert.equal(insn.op, Op.INVALID);
  assert.equal(Math.max(...fetched), 14);
  // An immediate crossing the limit: 11 prefixes + 48 B8 imm64 = 21 bytes.
  assert.equal(dec(L, [...Array(11).fill(0x66), 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8]).st, DecodeStatus.GP);
});

test('a fault thrown by fetch propagates unchanged', () => {
  const pf = new Error('#PF');
  assert.throws(
    () =>
      decode(
        (o) => {
          if (o === 2) throw pf;
          return 0x66;
        },
        L,
        createInsn(),
      ),
    (e) => e === pf,
  );
});

test('REX counts only right before the opcode; a following legacy prefix cancels it', () => {
  const a = dec(L, [0x48, 0x01, 0xd8]).insn; // add rax, rbx
  assert.equal(a.osize, 8);
  const b = dec(L, [0x48, 0x66, 0x01, 0xd8]).insn; // REX ignored, 66 -> add ax, bx
  assert.equal(b.osize, 2);
  assert.equal(b.rex, 0);
  const c = dec(L, [0x41, 0x50]).insn; // push r8
  assert.equal(c.op, Op.PUSH);
  assert.equal(c.zreg, 8);
  assert.equal(c.osize, 8);
});

test('40-4F are INC/DEC outside 64-bit mode and REX inside it', () => {
  assert.equal(dec(P32, [0x40]).insn.op, Op.INC);
  assert.equal(dec(P32, [0x4f]).insn.op, Op.DEC);
  const r = dec(L, [0x40, 0x88, 0xe0]).insn; // mov al, spl with REX
  assert.equal(r.op, Op.MOV);
  assert.equal(r.rex, 0x40);
  assert.equal(r.len, 3);
});

test('mode validity: PUSH ES, far jumps, BCD and INTO are #UD in 64-bit mode; MOVSXD vs ARPL', () => {
  for (const bytes of [[0x06], [0x1f], [0xea, 0, 0, 0, 0, 0, 0], [0x27], [0xce], [0xd4, 0x0a], [0x60]]) {
    assert.equal(dec(L, bytes).st, DecodeStatus.UD, bytes.join(' '));
    assert.equal(dec(P32, bytes).st, DecodeStatus.Ok, bytes.join(' '));
  }
  assert.equal(dec(L, [0x63, 0xc1]).insn.op, Op.MOVSXD);
  assert.equal(dec(P32, [0x63, 0xc1]).insn.op, Op.ARPL);
  assert.equal(dec(L, [0x0f, 0x01, 0xf8]).insn.op, Op.SWAPGS);
  assert.equal(dec(P32, [0x0f, 0x01, 0xf8]).st, DecodeStatus.UD);
});

test('RIP-relative: base RIP, disp relative to the next instruction; 32-bit mode has plain disp32', () => {
  const { insn } = dec(L, [0x48, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff]); // mov rax, [rip-16]
  assert.equal(insn.base, Reg.RIP);
  assert.equal(insn.index, -1);
  assert.equal(insn.disp, -16);
  assert.equal(insn.len, 7);
  const p = dec(P32, [0x8b, 0x05, 0x10, 0, 0, 0]).insn;
  assert.equal(p.base, -1);
  assert.equal(p.disp, 16);
  // SIB with base=101 and mod=00: no base, disp32 (not RIP-relative); index 100 without REX.X: none.
  const s = dec(L, [0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12]).insn;
  assert.equal(s.base, -1);
  assert.equal(s.index, -1);
  assert.equal(s.disp, 0x12345678);
  // REX.X extends index 100 to R12.
  assert.equal(dec(L, [0x42, 0x8b, 0x04, 0xa0]).insn.index, Reg.R12);
});

test('16-bit addressing forms (SDM table 2-1)', () => {
  const a = dec(R16, [0x8b, 0x43, 0xfe]).insn; // mov ax, [bp+di-2]
  assert.deepEqual([a.base, a.index, a.disp, a.asize, a.osize], [Reg.RBP, Reg.RDI, -2, 2, 2]);
  const b = dec(R16, [0x8b, 0x06, 0x34, 0x12]).insn; // mov ax, [0x1234]
  assert.deepEqual([b.base, b.index, b.disp], [-1, -1, 0x1234]);
  const c = dec(R16, [0x67, 0x66, 0x8b, 0x04, 0x88]).insn; // mov eax, [eax+ecx*4]
  assert.deepEqual([c.base, c.index, c.scale, c.asize, c.osize], [Reg.RAX, Reg.RCX, 4, 4, 4]);
});

test('segment overrides: the last wins; FS/GS stay in force over ES/CS/SS/DS in 64-bit mode', () => {
  assert.equal(dec(P32, [0x26, 0x2e, 0x8b, 0x00]).insn.seg, SegReg.CS);
  assert.equal(dec(L, [0x64, 0x2e, 0x8b, 0x00]).insn.seg, SegReg.FS);
  assert.equal(dec(L, [0x2e, 0x65, 0x8b, 0x00]).insn.seg, SegReg.GS);
  assert.equal(dec(L, [0x8b, 0x00]).insn.seg, -1);
});

test('immediates: imm64, sign-extended Iz and Ib, moffs64, far pointers, ENTER', () => {
  const a = dec(L, [0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]).insn;
  assert.deepEqual([a.imm, a.immHi, a.len], [0x55667788, 0x11223344, 10]);
  const b = dec(L, [0x48, 0x05, 0xfe, 0xff, 0xff, 0xff]).insn; // add rax, -2
  assert.deepEqual([b.imm, b.immHi], [0xfffffffe, 0xffffffff]);
  const c = dec(P32, [0x83, 0xc0, 0x80]).insn; // add eax, -128
  assert.deepEqual([c.imm, c.immHi], [0xffffff80, 0xffffffff]);
  const d = dec(L, [0xa1, 1, 2, 3, 4, 5, 6, 7, 8]).insn; // mov eax, [moffs64]
  assert.deepEqual([d.o2, d.disp, d.dispHi, d.len], [Opnd.Moffs, 0x04030201, 0x08070605, 9]);
  const e = dec(R16, [0xea, 0x34, 0x12, 0x00, 0xf0]).insn; // jmp f000:1234
  assert.deepEqual([e.op, e.imm, e.imm2, e.len], [Op.JMPF, 0x1234, 0xf000, 5]);
  const f = dec(L, [0xc8, 0x10, 0x00, 0x02]).insn; // enter 16, 2
  assert.deepEqual([f.op, f.imm, f.imm2, f.osize], [Op.ENTER, 16, 2, 8]);
});

test('branches: rel8/rel32 signed; 66 is ignored for near branches in 64-bit mode', () => {
  const a = dec(L, [0xeb, 0xfe]).insn;
  assert.deepEqual([a.op, a.imm, a.len], [Op.JMP, -2, 2]);
  const b = dec(L, [0x66, 0xe8, 0x00, 0x00, 0x00, 0x80]).insn;
  assert.deepEqual([b.op, b.imm, b.len, b.osize], [Op.CALL, -0x80000000, 6, 8]);
  const c = dec(P32, [0x66, 0xe9, 0x00, 0x80]).insn;
  assert.deepEqual([c.imm, c.len, c.osize], [-0x8000, 4, 2]);
  assert.equal(dec(L, [0x0f, 0x84, 0, 0, 0, 0]).insn.opcode & 0xf, 4); // je: cc = opcode & 0xF
});

test('LOCK: only lockable forms with a memory destination', () => {
  assert.equal(dec(L, [0xf0, 0x01, 0x00]).st, DecodeStatus.Ok);
  assert.equal(dec(L, [0xf0, 0x01, 0xc0]).st, DecodeStatus.UD);
  assert.equal(dec(L, [0xf0, 0x8b, 0x00]).st, DecodeStatus.UD);
  assert.equal(dec(L, [0xf0, 0x48, 0x0f, 0xc7, 0x0f]).insn.op, Op.CMPXCHG16B);
  assert.equal(dec(L, [0xf0, 0x0f, 0xc7, 0x0f]).insn.op, Op.CMPXCHG8B);
});

test('mandatory prefixes: F3 selects TZCNT/LZCNT/POPCNT/PAUSE, 66 keeps sizing them', () => {
  assert.equal(dec(L, [0x0f, 0xbc, 0xc0]).insn.op, Op.BSF);
  const t = dec(L, [0x66, 0xf3, 0x0f, 0xbc, 0xc0]).insn;
  assert.deepEqual([t.op, t.osize, t.mandatory], [Op.TZCNT, 2, 0xf3]);
  assert.equal(dec(L, [0xf3, 0x90]).insn.op, Op.PAUSE);
  assert.equal(dec(L, [0x41, 0x90]).insn.op, Op.XCHG);
  assert.equal(dec(L, [0x90]).insn.op, Op.NOP);
  assert.equal(dec(L, [0x66, 0x0f, 0x6f, 0xc1]).insn.op, Op.MOVDQA);
  assert.equal(dec(L, [0x0f, 0x6f, 0xc1]).st, DecodeStatus.UD); // MMX movq: not supported
  assert.equal(dec(L, [0x0f, 0xae, 0x00]).insn.op, Op.FXSAVE);
  assert.equal(dec(L, [0x0f, 0xae, 0xe8]).insn.op, Op.LFENCE);
});

test('MOV CR/DR: mod ignored, nonexistent registers #UD; MOV Sreg: CS load and Sreg 6/7 #UD', () => {
  const a = dec(L, [0x0f, 0x20, 0x18]).insn; // mov rax, cr3 (mod=00 treated as register)
  assert.deepEqual([a.op, a.mod, a.reg, a.rm, a.osize, a.len], [Op.MOV_CR, 3, 3, 0, 8, 3]);
  assert.equal(dec(L, [0x44, 0x0f, 0x22, 0xc0]).insn.reg, 8); // mov cr8, rax
  assert.equal(dec(L, [0x0f, 0x22, 0xc8]).st, DecodeStatus.UD); // cr1
  assert.equal(dec(L, [0x8e, 0xc8]).st, DecodeStatus.UD); // mov cs, ax
  assert.equal(dec(L, [0x8e, 0xf0]).st, DecodeStatus.UD); // sreg 6
  assert.equal(dec(L, [0x8e, 0xd8]).insn.reg, SegReg.DS);
});

test('every decoded Insn field is rewritten: no state leaks from the previous instruction', () => {
  const insn = createInsn();
  const bytes1 = [0x64, 0x48, 0x8b, 0x84, 0x88, 0x44, 0x33, 0x22, 0x11]; // mov rax, fs:[rax+rcx*4+...]
  decode((o) => bytes1[o], L, insn);
  const bytes2 = [0x90];
  decode((o) => bytes2[o], L, insn);
  assert.deepEqual(
    [insn.seg, insn.rex, insn.base, insn.index, insn.scale, insn.disp, insn.mod, insn.o1, insn.len],
    [-1, 0, -1, -1, 1, 0, -1, Opnd.None, 1],
  );
});

test('opName covers every op', () => {
  for (let op = 0; op < OP_COUNT; op++) assert.doesNotMatch(opName(op), /^op#/);
  assert.equal(opName(Op.CMPXCHG16B), 'CMPXCHG16B');
});
