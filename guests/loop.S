# guests/loop.S: a tight counted loop for measuring instructions per second (MIPS).
# LOOP_ITERATIONS = 100,000,000 iterations of 4 instructions (add, xor, dec, jnz): 400 M instructions, plus
# a few hundred for boot and printing. The accumulator makes the result depend on every iteration.
#
# Serial output:  "loop start\n", "loop done: 100000000 iterations acc=0x<acc>\n"
# Expected exit value: 0x16 (exit status 0x2d = 45).

        .include "pvh.inc"

.equ LOOP_ITERATIONS, 100000000

        .text
        .globl  main, loop_body
        .type   main, @function
main:
        leaq    msg_start(%rip), %rdi
        call    puts
        movl    $LOOP_ITERATIONS, %ecx
        xorl    %eax, %eax                  # acc
        movl    $0x9e3779b9, %edx           # odd constant
loop_body:
        addq    %rdx, %rax
        xorq    %rcx, %rax
        decq    %rcx
        jnz     loop_body

        leaq    msg_done(%rip), %rdi
        call    puts
        movq    $LOOP_ITERATIONS, %rdi
        call    put_dec
        leaq    msg_acc(%rip), %rdi
        call    puts
        movq    %rax, %rdi
        call    put_hex64
        movl    $'\n', %edi
        call    putc
        movl    $0x16, %eax
        ret

        .section .rodata
msg_start:   .asciz "loop start\n"
msg_done:    .asciz "loop done: "
msg_acc:     .asciz " iterations acc="
