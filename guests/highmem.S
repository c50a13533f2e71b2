# guests/highmem.S: physical addresses with bit 31 set and above 4 GiB under 4-level paging, with 3 GiB of RAM
# (run with `-m 3G` / `--memory 3G`). A 2 MiB page maps linear 0x40000000 to RAM at 2.5 GiB (0xa0000000),
# where the guest builds a page table; a PD entry points at that table, whose PTEs map linear 0x40200000 +
# 4 KiB * i to these frames (SDM vol. 3 table 4-19: the frame is bits MAXPHYADDR-1:12 of the PTE):
#   i=0  0x0080002000   RAM (2-4 GiB band)
#   i=1  0x0180002000   not RAM (6-8 GiB band): a write must not land in RAM at 0x80002000
#   i=2  0x0100003000   not RAM (4-6 GiB band)
#   i=3  0xfffffff000   not RAM (the last page below MAXPHYADDR = 40)
#   i=4  0x00a0001000   RAM: code copied there and called 300 times (hot enough to be compiled)
#   i=5  0x00bffff000   RAM: the last page of the 3 GiB, the stack of that code
#   i=6  0x00fee00000   the local APIC page (QEMU microvm has one, guestdbg does not: read, not printed)
# Memory: 3G
# Values read from non-RAM are not printed (they depend on the VMM: QEMU gives 0 where guestdbg floats high).
#
# Serial output:
#   "RAM at 2 GiB + 8 KiB: 0x00000000aaaaaaaa\n"
#   "PTE for it, accessed and dirty: 0x0000000080002063\n"
#   "non-RAM at 4 GiB, 6 GiB, 2^40 - 4 KiB and the local APIC: read and written\n"
#   "code at 2.5 GiB, stack at 3 GiB - 4 KiB: 0x000000000000b05e\n"
# Expected exit value: 0x22 (exit status 0x45 = 69); 0x52 on a wrong value.

        .include "pvh.inc"

.equ PTE_PS,      1 << 7
.equ WINDOW,      0x40000000                # linear 2 MiB window onto physical 0xa0000000
.equ TABLE_PA,    0xa0000000
.equ PAGES,       0x40200000                # linear pages through the table at 2.5 GiB
.equ CODE_VA,     PAGES + 4 * 0x1000
.equ STACK_TOP,   PAGES + 6 * 0x1000
.equ CALLS,       300

        .text
        .globl  main
        .type   main, @function
main:
        pushq   %rbx
        pushq   %rbp
        # PDPT[1] -> high_pd; PD[0]: 2 MiB page at 2.5 GiB; PD[1]: the page table at 2.5 GiB.
        leaq    high_pd + (PTE_P | PTE_W)(%rip), %rax
        movq    %rax, pvh_pdpt + 8(%rip)
        movl    $(TABLE_PA | PTE_P | PTE_W | PTE_PS), %eax
        movq    %rax, high_pd(%rip)
        movl    $(TABLE_PA | PTE_P | PTE_W), %eax
        movq    %rax, high_pd + 8(%rip)
        # Fill the table through the window: PTE i = frames[i] | P | W.
        leaq    frames(%rip), %rsi
        movl    $WINDOW, %edi
        xorl    %ecx, %ecx
1:      movq    (%rsi, %rcx, 8), %rax
        orq     $(PTE_P | PTE_W), %rax
        movq    %rax, (%rdi, %rcx, 8)
        incl    %ecx
        cmpl    $7, %ecx
        jb      1b

        # RAM at 2 GiB, then a write to 6 GiB + 8 KiB (same low 32 bits) that must not reach it.
        movl    $0xaaaaaaaa, PAGES
        movl    $0xbbbbbbbb, PAGES + 0x1000
        movl    $0xcccccccc, PAGES + 0x2000
        movl    $0xdddddddd, PAGES + 0x3ffc
        movl    PAGES, %ebx
        leaq    msg_ram(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_hex64
        movl    $'\n', %edi
        call    putc
        cmpl    $0xaaaaaaaa, %ebx
        jne     bad
        # The walk set A and D in the PTE at 2.5 GiB (SDM vol. 3 §4.8).
        leaq    msg_pte(%rip), %rdi
        call    puts
        movq    WINDOW, %rdi
        call    put_hex64
        movl    $'\n', %edi
        call    putc

        movl    PAGES + 0x1000, %eax
        movl    PAGES + 0x2000, %eax
        movl    PAGES + 0x3ffc, %eax
        movl    PAGES + 0x6030, %eax        # local APIC version register
        leaq    msg_mmio(%rip), %rdi
        call    puts

        # Code at 2.5 GiB + 4 KiB (through PTE 4), its stack in the last page of RAM (PTE 5).
        leaq    sum_code(%rip), %rsi
        movl    $WINDOW + 0x1000, %edi
        movl    $sum_code_end - sum_code, %ecx
        rep movsb
        movq    %rsp, %rbp
        movl    $STACK_TOP, %esp
        xorl    %ebx, %ebx
        movl    $CALLS, %ecx
2:      movl    %ecx, %edi
        movl    $CODE_VA, %eax
        call    *%rax
        addq    %rax, %rbx
        decl    %ecx
        jnz     2b
        movq    %rbp, %rsp
        leaq    msg_code(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_hex64
        movl    $'\n', %edi
        call    putc
        cmpq    $(CALLS * (CALLS + 1) / 2), %rbx
        jne     bad
        popq    %rbp
        popq    %rbx
        movl    $0x22, %eax
        ret
bad:
        movl    $0x52, %edi
        call    exit_guest

# sum_code(edi) = edi, through a push and a pop (position-independent: it runs at CODE_VA).
sum_code:
        pushq   %rdi
        popq    %rax
        ret
sum_code_end:

        .section .rodata
msg_ram:        .asciz "RAM at 2 GiB + 8 KiB: "
msg_pte:        .asciz "PTE for it, accessed and dirty: "
msg_mmio:       .asciz "non-RAM at 4 GiB, 6 GiB, 2^40 - 4 KiB and the local APIC: read and written\n"
msg_code:       .asciz "code at 2.5 GiB, stack at 3 GiB - 4 KiB: "
        .balign 8
frames:
        .quad   0x0080002000, 0x0180002000, 0x0100003000, 0xfffffff000, 0x00a0001000, 0x00bffff000
        .quad   0x00fee00000

        .section .bss.pagetables, "aw", @nobits
        .balign 4096
high_pd:    .skip 4096
