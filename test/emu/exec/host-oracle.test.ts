// Whole-instruction semantics vs the host CPU (host-oracle.ts): each family's operand forms (register,
// memory, immediate, sizes 8-64, high-byte registers, REX), run natively and on emu from the same inputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstDifference, makeCases, runEmu, runNative } from './host-oracle.js';

/** Snippets by family. r15 -> 64-byte buffer (16-aligned); pointers derived from r15 are rebased before the
 *  end so results compare equal on both sides. */
const FAMILIES: Record<string, string[]> = {
  arith: [
    'add %rbx, %rax',
    'adc %ecx, %edx',
    'sbb $5, %al',
    'sub 8(%r15), %rsi',
    'add %rax, 8(%r15)',
    'cmp %bx, %cx',
    'test %ah, %bl',
    'neg %r8',
    'not %r9d',
    'inc %r10w',
    'decb 3(%r15)',
    'xor %eax, %eax',
    'or $-1, %r11b',
    'and $0x7f, %r12',
    'lock adcl $0x12345678, 4(%r15)',
    'sbb %dh, %ch',
  ],
  mov: [
    'movzbl %bh, %eax',
    'movsbq 5(%r15), %rdx',
    'movswl %cx, %esi',
    'movslq %edi, %r8',
    'cbw',
    'cwde',
    'cdqe',
    'cwd',
    'cdq',
    'cqo',
    'lea 8(%rax,%rbx,4), %rcx',
    'lea -1(%eax), %edx',
    'lea -0x80(%rsi,%rdi,8), %r9w',
    'xchg %eax, %ebx',
    'lea (%r15), %rsi\n xchg %ah, 3(%rsi)\n sub %r15, %rsi',
    'bswap %edx',
    'bswap %r9',
    'movabs $0x123456789abcdef0, %r10',
    'mov $-3, %r11',
    'movb $7, %sil',
    'movw %r12w, 10(%r15)',
    'movq 16(%r15), %r13',
    'lea (%r15), %rbx\n and $63, %eax\n xlat\n sub %r15, %rbx',
  ],
  atomic: [
    'cmpxchg %rbx, (%r15)',
    'cmpxchg %cl, %dl',
    'mov (%r15), %eax\n cmpxchg %ecx, (%r15)',
    'lock xadd %rax, 8(%r15)',
    'xadd %bl, %cl',
    'cmpxchg8b (%r15)',
    'mov (%r15), %rax\n mov 8(%r15), %rdx\n lock cmpxchg16b (%r15)',
    'cmpxchg16b 16(%r15)',
  ],
  stack: [
    'mov %rsp, %r14\n mov %rsp, %rbp\n enter $24, $3\n mov %rsp, %rax\n sub %r14, %rax\n mov %rbp, %rbx\n sub %r14, %rbx\n leave\n mov %rsp, %rcx\n sub %r14, %rcx\n mov %rbp, %rdx\n sub %r14, %rdx\n xor %r14d, %r14d\n xor %ebp, %ebp',
    'mov %rsp, %r14\n push %rsp\n pop %rax\n sub %r14, %rax\n xor %r14d, %r14d',
    'push %rax\n pop %rbx',
    'pushfq\n popq %rcx',
    'push $-5\n pop %rdx',
    'pushw %ax\n popw %si',
    'push 8(%r15)\n pop 24(%r15)',
    'clc\n pushf\n pop %rax',
  ],
  branch: [
    'cmp %rbx, %rax\n jl 1f\n mov $1, %ecx\n1:',
    'test %eax, %eax\n jz 1f\n jp 2f\n mov $5, %edx\n jmp 1f\n2: mov $6, %edx\n1:',
    'setb %al\n seto %bl\n setle %cl\n setnp %dl\n setg %sil\n seta %dil',
    'cmovl %rbx, %rax\n cmovnp %ecx, %edx\n cmovae 8(%r15), %si',
    'and $7, %ecx\n inc %ecx\n xor %eax, %eax\n1: add %rbx, %rax\n loop 1b',
    'and $3, %ecx\n jrcxz 1f\n mov $9, %eax\n1:',
    'call 1f\n1: pop %rax\n lea 1b(%rip), %rbx\n sub %rbx, %rax\n xor %ebx, %ebx',
    'lea 1f(%rip), %rax\n jmp *%rax\n mov $1, %ebx\n1: xor %eax, %eax',
    'and $15, %ecx\n or $1, %ecx\n1: dec %edx\n loopne 1b',
  ],
  shift: [
    'shl %cl, %rax',
    'sar $3, %ebx',
    'rol %cl, %dx',
    'rcr $1, %sil',
    'shld %cl, %rbx, %rax',
    'shrd $5, %ecx, %edx',
    'shr %cl, %r8b',
    'rcll %cl, 4(%r15)',
    'sal $1, %r9w',
    'ror $13, %r10',
  ],
  muldiv: [
    'mul %rbx',
    'imul %ecx',
    'mulb 3(%r15)',
    'imul %rbx, %rax',
    'imul $-7, %rcx, %rdx',
    'imul $300, %si, %di',
    'xor %edx, %edx\n or $1, %ecx\n div %ecx',
    'and $0x7fff, %rbx\n or $2, %rbx\n cqo\n idiv %rbx',
    'movzbl %cl, %ecx\n or $0x80, %cl\n and $0x7fff, %eax\n div %cl',
  ],
  bits: [
    'bt %rbx, %rax',
    'bts $5, %ecx',
    'and $63, %rdx\n btr %rdx, (%r15)',
    'and $255, %rsi\n btc %rsi, (%r15)',
    'btcw $9, 6(%r15)',
    'or $1, %rax\n bsf %rax, %rbx',
    'or $1, %eax\n bsr %eax, %edx',
    'tzcnt %rax, %rbx',
    'lzcnt %ecx, %edx',
    'popcnt %r8, %r9',
    'popcnt 8(%r15), %r10w',
  ],
  string: [
    'lea (%r15), %rsi\n lea 32(%r15), %rdi\n and $7, %ecx\n rep movsb\n sub %r15, %rsi\n sub %r15, %rdi',
    'lea 8(%r15), %rdi\n and $3, %ecx\n rep stosq\n sub %r15, %rdi',
    'lea (%r15), %rsi\n lea 32(%r15), %rdi\n mov $16, %ecx\n repe cmpsb\n sub %r15, %rsi\n sub %r15, %rdi',
    'lea (%r15), %rdi\n mov $64, %ecx\n repne scasb\n sub %r15, %rdi',
    'lea 6(%r15), %rsi\n lodsw\n sub %r15, %rsi',
    'lea 40(%r15), %rsi\n lea 60(%r15), %rdi\n std\n movsl\n movsb\n cld\n sub %r15, %rsi\n sub %r15, %rdi',
    'lea 2(%r15), %rdi\n mov $5, %ecx\n std\n rep stosw\n cld\n sub %r15, %rdi',
  ],
  flags: ['clc\n cmc', 'stc', 'sahf', 'lahf', 'std\n pushfq\n cld\n pop %rdx'],
};

const CASES = makeCases(24, 0x9e3779b97f4a7c15n);

describe('exec vs the host CPU', () => {
  const all = Object.values(FAMILIES).flat();
  const native = runNative(all, CASES);
  const emulated = runEmu(all, CASES);
  let k = 0;
  for (const [family, snippets] of Object.entries(FAMILIES)) {
    it(`${family}: ${snippets.length} forms x ${CASES.length} cases`, () => {
      for (const s of snippets) {
        const host = native[k]!;
        const emu = emulated[k++]!;
        for (let i = 0; i < CASES.length; i++) {
          const d = firstDifference(host[i]!, emu[i]!);
          assert.equal(d, undefined, `${JSON.stringify(s)} case ${i}: ${d}`);
        }
      }
    });
  }
});
