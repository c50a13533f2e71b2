// The condition codes (cpu/cond.ts) against the host CPU: SETcc for all 16 conditions on every combination
// of CF PF ZF SF OF, run natively (host-oracle.ts), must agree with the interpreter's condition() and with
// the expression the region compiler emits (conditionSource()).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { condition, conditionSource } from '../../../src/backends/emu/cpu/cond.js';
import { makeCases, ORACLE_REGS, runNative } from '../exec/host-oracle.js';

/** SETcc into eight byte registers: cc 0-7, then cc 8-15 (SETO SETNO SETB SETAE ... SETLE SETG). */
const DESTS = ['al', 'bl', 'cl', 'dl', 'sil', 'dil', 'r8b', 'r9b'] as const;
const FULL = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9'] as const;
const NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const SNIPPETS = [0, 8].map((first) => DESTS.map((r, i) => `set${NAMES[first + i]} %${r}`).join('\n '));

/** CF PF ZF SF OF. */
const BITS = [0x1, 0x4, 0x40, 0x80, 0x800];

describe('condition codes vs the host CPU', () => {
  // One case per combination of the five flags the conditions read (IF and bit 1 set, as POPF keeps them).
  const cases = makeCases(32, 0x5eedn).map((c, combo) => {
    const f = BITS.reduce((acc, bit, i) => ((combo >> i) & 1 ? acc | bit : acc), 0x202);
    return { ...c, flags: BigInt(f) };
  });
  const native = runNative(SNIPPETS, cases);
  for (let cc = 0; cc < 16; cc++) {
    it(`SET${NAMES[cc]!.toUpperCase()} (cc ${cc}) on 32 flag combinations`, () => {
      const compiled = new Function('f', `return ${conditionSource(cc, 'f')};`) as (f: number) => boolean;
      const reg = ORACLE_REGS.indexOf(FULL[cc & 7]!);
      for (const [k, c] of cases.entries()) {
        const host = (native[cc >> 3]![k]!.regs[reg]! & 0xffn) === 1n;
        const f = Number(c.flags);
        assert.equal(condition(f, cc), host, `condition() at flags 0x${f.toString(16)}`);
        assert.equal(compiled(f), host, `conditionSource() at flags 0x${f.toString(16)}`);
      }
    });
  }
});
