// REP STOS / REP MOVS done a page at a time (exec/string.ts bulk()) against the same instructions done one
// iteration at a time (under host single-step the emu runs every iteration on its own): random sizes,
// counts, alignments, page crossings and overlapping moves must leave identical memory and registers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitReason, GuestDbg } from '../../../src/abi/index.js';
import { assemble, DATA, longModeGuest, prot32Guest } from '../emu-harness.js';
import { rng } from './host-oracle.js';

const AREA = 3 * 4096;

function once(bits: 32 | 64, src: string, stepped: boolean): string {
  const code = assemble(`${src}\nhlt`, bits);
  const g = bits === 64 ? longModeGuest(code) : prot32Guest(code);
  for (let i = 0; i < AREA; i++) g.ram[DATA + i] = (i * 7 + 3) & 0xff;
  if (stepped) g.vcpu.setGuestDebug({ control: GuestDbg.Enable | GuestDbg.SingleStep, debugreg: Array(8).fill(0n) });
  let exit = g.vcpu.run();
  let steps = 0;
  while (exit.reason === ExitReason.Debug) {
    steps++;
    exit = g.vcpu.run();
  }
  assert.equal(exit.reason, ExitReason.Hlt);
  if (stepped) assert.ok(steps > 2, 'single-step ran the iterations one by one');
  const r = g.vcpu.getRegs();
  return `${r.rcx} ${r.rsi} ${r.rdi} ${r.rflags} ${Buffer.from(g.ram.subarray(DATA, DATA + AREA)).toString('hex')}`;
}

describe('REP STOS/MOVS a page at a time = one iteration at a time', () => {
  for (const bits of [64, 32] as const) {
    it(`${bits}-bit mode`, () => {
      const r = rng(BigInt(bits));
      const num = (n: number) => Number(r() % BigInt(n));
      for (let t = 0; t < 24; t++) {
        const sfx = ['b', 'w', 'l', ...(bits === 64 ? ['q'] : [])][num(bits === 64 ? 4 : 3)]!;
        const size = { b: 1, w: 2, l: 4, q: 8 }[sfx]!;
        const dst = DATA + num(AREA / 2);
        // Sources before, after and overlapping the destination.
        const srcAddr = Math.max(DATA, Math.min(DATA + AREA - 1, dst + num(2400) - 1200));
        const n = num(Math.floor((DATA + AREA - Math.max(dst, srcAddr)) / size));
        const movs = num(2) === 0;
        const d = bits === 64 ? 'rdi' : 'edi';
        const s = bits === 64 ? 'rsi' : 'esi';
        const prog = [
          `mov $${dst}, %${d}`,
          `mov $${srcAddr}, %${s}`,
          `mov $${n}, %ecx`,
          bits === 64 ? 'mov $0x1122334455667788, %rax' : 'mov $0x55667788, %eax',
          `rep ${movs ? 'movs' : 'stos'}${sfx}`,
        ].join('\n');
        assert.equal(once(bits, prog, false), once(bits, prog, true), prog);
      }
    });
  }
});
