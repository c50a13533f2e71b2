# guests/modes.S: switching between 64-bit mode and compatibility mode (IA-32e sub-modes, SDM vol. 3 5.2.1)
# through the 32-bit code segment SEL_CODE32 (L=0, D=1), and printing from both.
#   1. 64-bit: shows that push is 8 bytes wide.
#   2. lretq to SEL_CODE32:compat_entry -> compatibility mode: push is 4 bytes wide and 0x40 is `inc %eax`
#      (in 64-bit mode the same byte is a REX prefix); prints through its own 32-bit putc.
#   3. ljmp $SEL_CODE64 back to 64-bit mode.
#   4. A far call through an m16:32 pointer (`lcall *`, 32-bit operand size: pushes 4-byte CS and EIP) into
#      compatibility mode, which returns with a 32-bit `lret`.
#
# Serial output:
#   "64-bit mode: push size 8\n"
#   "compat mode: push size 4, inc via 0x40: A -> B\n"
#   "back in 64-bit mode\n"
#   "compat mode via far call\n"
#   "modes done\n"
# Expected exit value: 0x12 (exit status 0x25 = 37).

        .include "pvh.inc"

        .text
        .globl  main, compat_entry, compat_far_called, back64
        .type   main, @function
main:
        pushq   %rbx
        leaq    msg_64(%rip), %rdi
        call    puts
        movq    %rsp, %rbx
        pushq   $0
        subq    %rsp, %rbx                  # bytes one push moved the stack
        popq    %rax
        leaq    '0'(%rbx), %rdi
        call    putc
        movl    $'\n', %edi
        call    putc

        # SDM vol. 3 5.8.3 / RET: a far return to a code segment with L=0 enters compatibility mode.
        pushq   $SEL_CODE32
        leaq    compat_entry(%rip), %rax
        pushq   %rax
        lretq

back64:
        leaq    msg_back(%rip), %rdi
        call    puts

        lcall   *far_ptr(%rip)              # m16:32 -> SEL_CODE32:compat_far_called
        leaq    msg_done(%rip), %rdi
        call    puts
        popq    %rbx
        movl    $0x12, %eax
        ret

        .code32
# Compatibility mode: 32-bit addresses and operand sizes; the stack (SS base 0) is the low 32 bits of rsp.
compat_entry:
        movl    $msg_compat, %esi
        call    puts32
        movl    %esp, %ebx
        pushl   $0
        subl    %esp, %ebx
        popl    %eax
        leal    '0'(%ebx), %eax
        call    putc32
        movl    $msg_inc, %esi
        call    puts32
        movl    $'A', %eax
        call    putc32
        movl    $msg_arrow, %esi
        call    puts32
        movl    $'A', %eax
        .byte   0x40                        # inc %eax (0x40-0x47 are REX prefixes only in 64-bit mode)
        call    putc32
        movl    $'\n', %eax
        call    putc32
        ljmp    $SEL_CODE64, $back64

compat_far_called:
        movl    $msg_farcall, %esi
        call    puts32
        lret                                # 32-bit far return: pops EIP then CS (4 bytes each)

# putc32(al), 32-bit code: same 16550 rule as putc (wait for LSR.THRE). Preserves edx.
putc32:
        pushl   %edx
        pushl   %eax
        movw    $COM1_LSR, %dx
1:      inb     %dx, %al
        testb   $LSR_THRE, %al
        jz      1b
        popl    %eax
        movw    $COM1_BASE, %dx
        outb    %al, %dx
        popl    %edx
        ret

# puts32(esi): NUL-terminated string. Preserves esi.
puts32:
        pushl   %esi
        pushl   %eax
1:      movzbl  (%esi), %eax
        testl   %eax, %eax
        jz      2f
        call    putc32
        incl    %esi
        jmp     1b
2:      popl    %eax
        popl    %esi
        ret
        .code64

        .section .rodata
msg_64:       .asciz "64-bit mode: push size "
msg_compat:   .asciz "compat mode: push size "
msg_inc:      .asciz ", inc via 0x40: "
msg_arrow:    .asciz " -> "
msg_back:     .asciz "back in 64-bit mode\n"
msg_farcall:  .asciz "compat mode via far call\n"
msg_done:     .asciz "modes done\n"
        .balign 8
far_ptr:
        .long   compat_far_called
        .word   SEL_CODE32
