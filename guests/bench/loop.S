# guests/bench/loop.S: the tight loop of guests/loop.S with a run-time iteration count (rt.S: `n=`):
# 4 instructions per iteration (add, xor, dec, jnz); the accumulator makes the result depend on every one.
#
# Serial output:  "loop n=<n> result=0x<acc>\n"
# Expected exit value: 0x31 (exit status 99).

        .include "pvh.inc"

        .text
        .globl  bench_run, bench_loop_body
        .type   bench_run, @function
bench_run:
        movq    %rdi, %rcx
        xorl    %eax, %eax                  # acc
        testq   %rcx, %rcx
        jz      2f
        movl    $0x9e3779b9, %edx           # odd constant
bench_loop_body:
        addq    %rdx, %rax
        xorq    %rcx, %rax
        decq    %rcx
        jnz     bench_loop_body
2:      ret

        .section .rodata
        .globl  bench_name, bench_default_n
bench_name:      .asciz "loop"
        .balign 8
bench_default_n: .quad 100000000
