// The disassembly the demo prints, checked against objdump's rendering of the same bytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disassembleOne } from '../../src/cli/disasm.js';

describe('disassembleOne', () => {
  it('decodes 64-bit code in AT&T syntax with lower-case hex', () => {
    // 48 8b 05 10 00 00 00: mov 0x10(%rip),%rax → absolute target shown
    const d = disassembleOne(Uint8Array.of(0x48, 0x8b, 0x05, 0x10, 0, 0, 0, 0x90), 0x100000n, 64);
    assert.equal(d.length, 7);
    assert.equal(d.text, 'mov 0x100017,%rax');
    const call = disassembleOne(Uint8Array.of(0xe8, 0x00, 0x01, 0x00, 0x00), 0x1000n, 64);
    assert.equal(call.text, 'call 0x1105');
  });

  it('decodes 32-bit code', () => {
    assert.equal(disassembleOne(Uint8Array.of(0x0f, 0x21, 0xc0), 0x1000n, 32).text, 'mov %dr0,%eax');
  });
});
