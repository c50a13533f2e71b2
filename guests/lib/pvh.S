# guests/lib/pvh.S: common startup and runtime library linked into every guest (see pvh.inc for the API).
#
# Boot contract (docs/architecture.md): the VMM enters `_start` through the PVH note in 32-bit protected mode,
# paging off, flat segments, ebx = physical address of hvm_start_info. From there this file:
#   1. zeroes .bss and saves ebx in `pvh_start_info`;
#   2. loads its own GDT (see the selector list in pvh.inc) and reloads every segment;
#   3. identity-maps the first 1 GiB with 2 MiB pages (pvh_pml4 -> pvh_pdpt -> pvh_pd), supervisor-only;
#   4. enables CR4.PAE, EFER.LME|NXE, CR0.PG|WP and far-jumps to 64-bit code;
#   5. installs a 64-bit IDT for vectors 0-31 and a TSS (RSP0 = pvh_rsp0_stack_top, IST1 = #DF stack);
#   6. calls `main` and exits through isa-debug-exit with main's return value (al).

        .include "pvh.inc"

# ---------------------------------------------------------------------------------------------------------
# PVH ELF note. xen/include/public/elfnote.h: XEN_ELFNOTE_PHYS32_ENTRY (18) = "Physical entry point into
# the kernel" (32-bit); owner "Xen"; the note lives in a PT_NOTE segment (guest.ld puts it in one).
.equ XEN_ELFNOTE_PHYS32_ENTRY, 18

        .section .note.pvh, "a", @note
        .balign 4
        .long   2f - 1f                     # namesz (includes the NUL)
        .long   4f - 3f                     # descsz: a 4-byte entry address
        .long   XEN_ELFNOTE_PHYS32_ENTRY    # type
1:      .asciz  "Xen"
2:      .balign 4
3:      .long   _start
4:      .balign 4

# ---------------------------------------------------------------------------------------------------------
# 32-bit entry.
        .section .text.boot, "ax", @progbits
        .code32
        .globl  _start
        .type   _start, @function
_start:
        cli
        cld                                 # rep stos below counts upwards
        # Zero .bss (page tables, stacks, globals). ebx is not touched: it still holds hvm_start_info.
        movl    $__bss_start, %edi
        movl    $__bss_end, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        rep stosb
        movl    %ebx, pvh_start_info        # zero-extended: the upper half was just cleared

        lgdt    pvh_gdt_ptr                 # 32-bit LGDT uses the low 4 bytes of the 8-byte base
        ljmp    $SEL_CODE32, $1f            # reload CS from our own GDT
1:      movl    $SEL_DATA, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %fs
        movl    %eax, %gs
        movl    %eax, %ss
        movl    $pvh_stack_top, %esp

        # Identity map [0, 1 GiB): PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB (PS=1).
        movl    $pvh_pdpt + (PTE_P | PTE_W), pvh_pml4
        movl    $pvh_pd + (PTE_P | PTE_W), pvh_pdpt
        xorl    %ecx, %ecx
2:      movl    %ecx, %eax
        shll    $21, %eax
        orl     $(PTE_P | PTE_W | PTE_PS), %eax
        movl    %eax, pvh_pd(, %ecx, 8)     # upper dword stays 0 (zeroed .bss)
        incl    %ecx
        cmpl    $512, %ecx
        jb      2b

        # SDM vol. 3 10.8.5: long mode = CR4.PAE, then EFER.LME, then CR0.PG (with CR3 already loaded).
        movl    $pvh_pml4, %eax
        movl    %eax, %cr3
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $(EFER_LME | EFER_NXE), %eax
        wrmsr
        movl    %cr0, %eax
        orl     $(CR0_PG | CR0_WP | CR0_PE), %eax
        movl    %eax, %cr0
        # Paging is on, EFER.LMA is set, CS is still a 32-bit segment (compatibility mode) until this jump.
        ljmp    $SEL_CODE64, $long_entry

# ---------------------------------------------------------------------------------------------------------
# 64-bit entry.
        .code64
        .section .text, "ax", @progbits
long_entry:
        movl    $SEL_DATA, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %fs
        movl    %eax, %gs
        movl    %eax, %ss
        movq    $pvh_stack_top, %rsp
        lgdt    pvh_gdt_ptr(%rip)           # reload with the full 64-bit base
        call    pvh_setup_idt
        call    pvh_setup_tss
        xorl    %ebp, %ebp                  # outermost frame for gdb backtraces
        call    main
        movzbl  %al, %edi
        call    exit_guest

# IDT: 64-bit interrupt gates (type 0xE) for vectors 0-31 pointing at the isr_N stubs below.
# #BP (3) and #OF (4) get DPL 3 so `int3` / `into` work from ring 3 (a DPL-0 gate gives #GP there).
# #DF (8) runs on IST1 so even a broken kernel stack reaches the handler.
pvh_setup_idt:
        leaq    pvh_idt(%rip), %rdi
        leaq    isr_table(%rip), %rsi
        xorl    %ecx, %ecx
1:      movq    (%rsi, %rcx, 8), %rax
        movw    %ax, 0(%rdi)                # offset 15:0
        movw    $SEL_CODE64, 2(%rdi)
        movb    $0, 4(%rdi)                 # IST index
        movb    $0x8e, 5(%rdi)              # P=1, DPL=0, type=0xE
        cmpl    $VEC_DF, %ecx
        jne     2f
        movb    $1, 4(%rdi)
2:      cmpl    $3, %ecx
        je      3f
        cmpl    $4, %ecx
        jne     4f
3:      movb    $0xee, 5(%rdi)              # P=1, DPL=3, type=0xE
4:      shrq    $16, %rax
        movw    %ax, 6(%rdi)                # offset 31:16
        shrq    $16, %rax
        movl    %eax, 8(%rdi)               # offset 63:32
        movl    $0, 12(%rdi)
        addq    $16, %rdi
        incl    %ecx
        cmpl    $32, %ecx
        jb      1b
        lidt    pvh_idt_ptr(%rip)
        ret

# TSS: RSP0 for interrupts from ring 3, IST1 for #DF; its 16-byte descriptor at SEL_TSS is filled here
# because the base address must be split into four fields (SDM vol. 3 7.2.3).
pvh_setup_tss:
        leaq    pvh_tss(%rip), %rax
        movq    $pvh_rsp0_stack_top, %rdx
        movq    %rdx, 4(%rax)               # RSP0
        movq    $pvh_df_stack_top, %rdx
        movq    %rdx, 36(%rax)              # IST1
        movw    $104, 102(%rax)             # I/O map base = limit + 1: no I/O bitmap
        leaq    pvh_gdt + SEL_TSS(%rip), %rdi
        movw    $103, 0(%rdi)               # limit 15:0
        movw    %ax, 2(%rdi)                # base 15:0
        shrq    $16, %rax
        movb    %al, 4(%rdi)                # base 23:16
        movb    $0x89, 5(%rdi)              # P=1, DPL=0, type=9 (available 64-bit TSS)
        movb    $0, 6(%rdi)                 # limit 19:16 = 0, G=0
        movb    %ah, 7(%rdi)                # base 31:24
        shrq    $16, %rax
        movl    %eax, 8(%rdi)               # base 63:32
        movl    $0, 12(%rdi)
        movw    $SEL_TSS, %ax
        ltr     %ax
        ret

# ---------------------------------------------------------------------------------------------------------
# Exception stubs. SDM vol. 3 table 6-1: the CPU pushes an error code for vectors 8, 10-14, 17, 21, 29, 30;
# for the others the stub pushes 0 so every frame has the same layout (pvh.inc FRAME_*).
.equ ERRCODE_VECTORS, (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30)

.macro isr vec
isr_\vec:
        .if ((ERRCODE_VECTORS >> \vec) & 1) == 0
        pushq   $0
        .endif
        pushq   $\vec
        jmp     trap_common
.endm

        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        isr     \v
        .endr

        .weak   guest_trap
trap_common:
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    FRAME_VECTOR(%rsp), %rdi
        movq    %rsp, %rsi
        movq    %rsp, %rbp                  # the frame; rbp is callee-saved in the SysV ABI
        movl    $guest_trap, %eax           # an undefined weak symbol links as 0
        testq   %rax, %rax
        jz      trap_default
        andq    $-16, %rsp                  # SysV ABI: rsp is 16-byte aligned at a call
        call    *%rax
        movq    %rbp, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rbp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
        addq    $16, %rsp                   # vector and error code
        iretq

# No guest_trap: report "trap <vector> at <rip>" and exit with EXIT_TRAP.
trap_default:
        leaq    msg_trap(%rip), %rdi
        call    puts
        movq    FRAME_VECTOR(%rbp), %rdi
        call    put_dec
        leaq    msg_at(%rip), %rdi
        call    puts
        movq    FRAME_RIP(%rbp), %rdi
        call    put_hex64
        movl    $'\n', %edi
        call    putc
        movl    $EXIT_TRAP, %edi
        call    exit_guest

# ---------------------------------------------------------------------------------------------------------
# Library routines. All preserve every general register (see pvh.inc).

# putc(dil): 16550 rule: write THR only when LSR.THRE (bit 5) says the holding register is empty.
        .globl  putc
        .type   putc, @function
putc:
        pushq   %rax
        pushq   %rdx
        movw    $COM1_LSR, %dx
1:      inb     %dx, %al
        testb   $LSR_THRE, %al
        jz      1b
        movl    %edi, %eax
        movw    $COM1_BASE, %dx
        outb    %al, %dx
        popq    %rdx
        popq    %rax
        ret

# puts(rdi): bytes up to (not including) the NUL.
        .globl  puts
        .type   puts, @function
puts:
        pushq   %rdi
        pushq   %rsi
        movq    %rdi, %rsi
1:      movzbl  (%rsi), %edi
        testl   %edi, %edi
        jz      2f
        call    putc
        incq    %rsi
        jmp     1b
2:      popq    %rsi
        popq    %rdi
        ret

# put_hex64(rdi): "0x" then 16 lowercase hex digits, most significant first.
        .globl  put_hex64
        .type   put_hex64, @function
put_hex64:
        pushq   %rdi
        pushq   %rsi
        pushq   %rcx
        movq    %rdi, %rsi
        movl    $'0', %edi
        call    putc
        movl    $'x', %edi
        call    putc
        movl    $16, %ecx
1:      rolq    $4, %rsi                    # next nibble into bits 3:0
        movl    %esi, %edi
        andl    $0xf, %edi
        cmpl    $10, %edi
        jb      2f
        addl    $('a' - '0' - 10), %edi
2:      addl    $'0', %edi
        call    putc
        decl    %ecx
        jnz     1b
        popq    %rcx
        popq    %rsi
        popq    %rdi
        ret

# put_dec(rdi): unsigned decimal, no leading zeros ("0" for zero).
        .globl  put_dec
        .type   put_dec, @function
put_dec:
        pushq   %rax
        pushq   %rcx
        pushq   %rdx
        pushq   %rdi
        pushq   %rsi
        subq    $32, %rsp                   # digit buffer (20 digits max)
        movq    %rdi, %rax
        leaq    32(%rsp), %rsi              # one past the end; digits are produced last first
        movb    $0, -1(%rsi)
        decq    %rsi
        movl    $10, %ecx
1:      xorl    %edx, %edx
        divq    %rcx
        addb    $'0', %dl
        decq    %rsi
        movb    %dl, (%rsi)
        testq   %rax, %rax
        jnz     1b
        movq    %rsi, %rdi
        call    puts
        addq    $32, %rsp
        popq    %rsi
        popq    %rdi
        popq    %rdx
        popq    %rcx
        popq    %rax
        ret

# exit_guest(dil): isa-debug-exit makes the VMM exit with status (dil << 1) | 1. If no such device is
# present the write is ignored, so fall back to halting forever with interrupts off.
# First wait for LSR.TEMT: THRE only says the holding register is free, and a VMM whose host write of the
# last byte must be retried (QEMU when its stdout pipe says EAGAIN) still holds that byte in the shift
# register; exiting then would lose the end of the output.
        .globl  exit_guest
        .type   exit_guest, @function
exit_guest:
        movw    $COM1_LSR, %dx
2:      inb     %dx, %al
        testb   $LSR_TEMT, %al
        jz      2b
        movl    %edi, %eax
        outb    %al, $DEBUG_EXIT_PORT
1:      cli
        hlt
        jmp     1b

# ---------------------------------------------------------------------------------------------------------
        .section .rodata
isr_table:
        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad   isr_\v
        .endr
msg_trap:
        .asciz  "trap "
msg_at:
        .asciz  " at "

        .section .data
        .balign 16
# GDT (SDM vol. 3 3.4.5). The selectors are named in pvh.inc.
        .globl  pvh_gdt
pvh_gdt:
        .quad   0                           # 0x00 null
        .quad   0x00af9a000000ffff          # 0x08 ring-0 code, L=1 (64-bit)
        .quad   0x00cf92000000ffff          # 0x10 ring-0 data, 4 GiB, writable
        .quad   0x00cf9a000000ffff          # 0x18 ring-0 code, D=1 (32-bit), 4 GiB
        .quad   0x00cff2000000ffff          # 0x20 ring-3 data
        .quad   0x00affa000000ffff          # 0x28 ring-3 code, L=1
        .quad   0, 0                        # 0x30 64-bit TSS (filled by pvh_setup_tss)
pvh_gdt_end:

        .balign 8
        .word   0
pvh_gdt_ptr:
        .word   pvh_gdt_end - pvh_gdt - 1
        .quad   pvh_gdt

        .balign 8
        .word   0
pvh_idt_ptr:
        .word   32 * 16 - 1
        .quad   pvh_idt

        .balign 16
        .globl  pvh_tss
pvh_tss:
        .fill   104, 1, 0

# ---------------------------------------------------------------------------------------------------------
        .section .bss.pagetables, "aw", @nobits
        .balign 4096
        .globl  pvh_pml4, pvh_pdpt, pvh_pd
pvh_pml4:
        .skip   4096
pvh_pdpt:
        .skip   4096
pvh_pd:
        .skip   4096

        .section .bss, "aw", @nobits
        .balign 16
        .globl  pvh_start_info
pvh_start_info:                             # physical address of hvm_start_info (ebx at entry)
        .skip   8
        .balign 16
        .globl  pvh_idt
pvh_idt:
        .skip   32 * 16
        .balign 16
        .skip   16384
        .globl  pvh_stack_top
pvh_stack_top:                              # boot / ring-0 stack
        .skip   16384
        .globl  pvh_rsp0_stack_top
pvh_rsp0_stack_top:                         # TSS.RSP0: ring-0 stack for interrupts from ring 3
        .skip   4096
        .globl  pvh_df_stack_top
pvh_df_stack_top:                           # TSS.IST1: #DF stack
