# guests/hello.S: the smallest guest. Exercises the PVH boot path of guests/lib/pvh.S (32-bit entry, own
# GDT, page tables, long mode, IDT, TSS), COM1 output and isa-debug-exit.
# It also checks the boot contract: ebx at entry pointed at hvm_start_info whose magic is 0x336ec578.
#
# Serial output:  "Hello from guestdbg\n" then "hvm_start_info magic ok\n"
# Expected exit value: 0x10 (QEMU / guestdbg exit status 0x21 = 33); 0x50 if the magic is wrong.

        .include "pvh.inc"

        .text
        .globl  main
        .type   main, @function
main:
        leaq    msg_hello(%rip), %rdi
        call    puts
        movq    pvh_start_info(%rip), %rax
        cmpl    $HVM_START_MAGIC, HVM_START_INFO_MAGIC_OFF(%rax)
        jne     1f
        leaq    msg_magic_ok(%rip), %rdi
        call    puts
        movl    $0x10, %eax
        ret
1:      leaq    msg_magic_bad(%rip), %rdi
        call    puts
        movl    $0x50, %eax
        ret

        .section .rodata
msg_hello:
        .asciz  "Hello from guestdbg\n"
msg_magic_ok:
        .asciz  "hvm_start_info magic ok\n"
msg_magic_bad:
        .asciz  "hvm_start_info magic BAD\n"
