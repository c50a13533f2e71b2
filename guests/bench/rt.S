# guests/bench/rt.S: the common `main` of every benchmark guest (guests/bench/README.md).
#
# Each workload guest defines:
#   bench_run(rdi = n) -> rax    the measured work: n iterations of identical work (SysV ABI)
#   bench_setup()                optional (weak): one-time preparation, outside the measured region
#   bench_name                   NUL-terminated name printed on COM1
#   bench_default_n              .quad: iterations when the command line has no `n=`
#
# The iteration count comes from the PVH command line (`n=<decimal>`, e.g. QEMU's -append "n=1000"), so one
# image runs every size. The measured region is [bench_region_start, bench_region_end): the harness counts
# the instructions retired in it (bench/count.ts) and times two sizes to cancel everything outside it.
#
# Serial output:  "<bench_name> n=<n> result=0x<16 hex digits>\n"
# Expected exit value: 0x31 (exit status 0x63 = 99).

        .include "pvh.inc"

.equ HVM_START_INFO_CMDLINE_OFF, 24         # u64 cmdline_paddr (xen/include/public/arch-x86/hvm/start_info.h)
.equ BENCH_EXIT_VALUE, 0x31

        .text
        .globl  main, bench_arg_n, bench_region_start, bench_region_end
        .weak   bench_setup
        .type   main, @function
main:
        pushq   %rbx
        pushq   %r12
        pushq   %r13                        # keeps rsp 16-byte aligned at the calls below (SysV)
        movl    $bench_setup, %eax          # an undefined weak symbol links as 0
        testq   %rax, %rax
        jz      1f
        call    *%rax
1:      call    bench_arg_n
        movq    %rax, %rbx
        movq    %rax, %rdi
bench_region_start:
        call    bench_run
bench_region_end:
        movq    %rax, %r12
        leaq    bench_name(%rip), %rdi
        call    puts
        leaq    msg_n(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_dec
        leaq    msg_result(%rip), %rdi
        call    puts
        movq    %r12, %rdi
        call    put_hex64
        movl    $'\n', %edi
        call    putc
        popq    %r13
        popq    %r12
        popq    %rbx
        movl    $BENCH_EXIT_VALUE, %eax
        ret

# bench_arg_n() -> rax: the decimal after the first "n=" that starts the command line or follows a space;
# bench_default_n when there is none (no command line, no such token, or no digits).
        .type   bench_arg_n, @function
bench_arg_n:
        movq    pvh_start_info(%rip), %rsi
        movq    HVM_START_INFO_CMDLINE_OFF(%rsi), %rsi
        testq   %rsi, %rsi
        jz      5f
        movl    $' ', %ecx                  # the byte before the current one
1:      movzbl  (%rsi), %eax
        testl   %eax, %eax
        jz      5f
        cmpb    $' ', %cl
        jne     2f
        cmpb    $'n', %al
        jne     2f
        cmpb    $'=', 1(%rsi)
        je      3f
2:      movl    %eax, %ecx
        incq    %rsi
        jmp     1b
3:      addq    $2, %rsi
        xorl    %eax, %eax
        xorl    %ecx, %ecx                  # digits seen
4:      movzbl  (%rsi), %edx
        subl    $'0', %edx
        cmpl    $9, %edx
        ja      6f
        imulq   $10, %rax, %rax
        addq    %rdx, %rax
        incq    %rsi
        incl    %ecx
        jmp     4b
6:      testl   %ecx, %ecx
        jnz     7f
5:      movq    bench_default_n(%rip), %rax
7:      ret

        .section .rodata
msg_n:      .asciz " n="
msg_result: .asciz " result="
