# guests/demo.S: the debugger demo. A short, readable loop made to be stepped, broken into and watched:
#   demo_loop   the top of the loop (a breakpoint here stops DEMO_ITERATIONS times)
#   demo_store  the store that writes the global `counter` (a write watchpoint on `counter` reports the
#               instruction after it; its pc is demo_store_done)
#   demo_func   a leaf function called once per iteration: returns its argument squared
# Each iteration prints "step <i>: counter=<counter> square=<i*i>", then a summary line.
#
# Serial output:  "demo start\n", "step 1: counter=1 square=1\n" ... "step 5: counter=5 square=25\n",
#                 "demo done: counter=5 sum=55\n"
# Expected exit value: 0x11 (exit status 0x23 = 35); 0x51 if the counter ends wrong.

        .include "pvh.inc"

.equ DEMO_ITERATIONS, 5

        .text
        .globl  main, demo_loop, demo_store, demo_store_done, demo_func
        .type   main, @function
main:
        pushq   %rbx
        pushq   %r12
        leaq    msg_start(%rip), %rdi
        call    puts
        movl    $1, %ebx                    # i
        xorl    %r12d, %r12d                # sum of squares
demo_loop:
        movq    counter(%rip), %rax
        incq    %rax
demo_store:
        movq    %rax, counter(%rip)
demo_store_done:
        movq    %rbx, %rdi
        call    demo_func
        addq    %rax, %r12
        # "step <i>: counter=<counter> square=<rax>"
        leaq    msg_step(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_dec
        leaq    msg_counter(%rip), %rdi
        call    puts
        movq    counter(%rip), %rdi
        call    put_dec
        leaq    msg_square(%rip), %rdi
        call    puts
        movq    %rax, %rdi
        call    put_dec
        movl    $'\n', %edi
        call    putc
        incq    %rbx
        cmpq    $DEMO_ITERATIONS, %rbx
        jbe     demo_loop

        leaq    msg_done(%rip), %rdi
        call    puts
        movq    counter(%rip), %rdi
        call    put_dec
        leaq    msg_sum(%rip), %rdi
        call    puts
        movq    %r12, %rdi
        call    put_dec
        movl    $'\n', %edi
        call    putc
        movl    $0x11, %eax
        cmpq    $DEMO_ITERATIONS, counter(%rip)
        je      1f
        movl    $0x51, %eax
1:      popq    %r12
        popq    %rbx
        ret

# demo_func(rdi) -> rdi * rdi
        .type   demo_func, @function
demo_func:
        movq    %rdi, %rax
        imulq   %rdi, %rax
        ret
        .size   demo_func, . - demo_func

        .section .rodata
msg_start:   .asciz "demo start\n"
msg_step:    .asciz "step "
msg_counter: .asciz ": counter="
msg_square:  .asciz " square="
msg_done:    .asciz "demo done: counter="
msg_sum:     .asciz " sum="

        .data
        .balign 8
        .globl  counter
        .type   counter, @object
        .size   counter, 8
counter:                                    # gdb: watch *(long *)&counter
        .quad   0
