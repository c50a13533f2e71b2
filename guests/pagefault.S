# guests/pagefault.S: demand paging. Three accesses to addresses above the 1 GiB identity map fault with #PF;
# guest_trap maps the page by editing the page tables (PDPT[1] -> spare_pd -> spare_pt -> a frame) and
# returns with iretq, which re-executes the faulting instruction (#PF is a fault, SDM vol. 3 6.5).
#   write 0x40201008   error code 0x2  (W/R=1, P=0)          -> frame_a
#   read  0x40202010   error code 0x0                         -> frame_b (prefilled with 0xfeedface)
#   call  0x40203000   error code 0x10 (I/D=1: EFER.NXE is on) -> frame_c (prefilled with mov $42,%eax; ret)
# CR2 holds the faulting linear address (SDM vol. 3 4.7).
#
# Serial output:
#   "#PF cr2=0x0000000040201008 err=0x0000000000000002\n"
#   "stored 0x1122334455667788, physical frame holds 0x1122334455667788\n"
#   "#PF cr2=0x0000000040202010 err=0x0000000000000000\n"
#   "read 0x00000000feedface\n"
#   "#PF cr2=0x0000000040203000 err=0x0000000000000010\n"
#   "code in the new page returned 42\n"
#   "page faults: 3\n"
# Expected exit value: 0x13 (exit status 0x27 = 39); 0x53 on a wrong value, 0x7e on an unexpected trap.

        .include "pvh.inc"

.equ VA_WRITE, 0x40201008
.equ VA_READ,  0x40202010
.equ VA_EXEC,  0x40203000
.equ VA_BASE,  0x40200000                   # PDPT[1], PD[1]: the 2 MiB region the spare PT covers
.equ PDPT_INDEX, 1
.equ PD_INDEX,   1
.equ WRITE_VALUE, 0x1122334455667788
.equ READ_VALUE,  0xfeedface

        .text
        .globl  main, guest_trap, pf_write, pf_read, pf_exec
        .type   main, @function
main:
        pushq   %rbx
        # Prefill the frames through the identity map (their physical addresses).
        movl    $READ_VALUE, %eax
        movq    %rax, frame_b + (VA_READ & 0xfff)(%rip)
        leaq    frame_c(%rip), %rdi
        movb    $0xb8, 0(%rdi)              # mov $42, %eax
        movl    $42, 1(%rdi)
        movb    $0xc3, 5(%rdi)              # ret

        movabsq $WRITE_VALUE, %rax
        movl    $VA_WRITE, %edi
pf_write:
        movq    %rax, (%rdi)
        leaq    msg_stored(%rip), %rdi
        call    puts
        movq    %rax, %rdi
        call    put_hex64
        leaq    msg_frame(%rip), %rdi
        call    puts
        movq    frame_a + (VA_WRITE & 0xfff)(%rip), %rdi
        call    put_hex64
        movl    $'\n', %edi
        call    putc
        movabsq $WRITE_VALUE, %rax
        cmpq    %rax, frame_a + (VA_WRITE & 0xfff)(%rip)
        jne     bad

        movl    $VA_READ, %esi
pf_read:
        movq    (%rsi), %rbx
        leaq    msg_read(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_hex64
        movl    $'\n', %edi
        call    putc
        movl    $READ_VALUE, %eax
        cmpq    %rax, %rbx
        jne     bad

        movl    $VA_EXEC, %eax
pf_exec:
        call    *%rax
        movq    %rax, %rbx
        leaq    msg_exec(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_dec
        movl    $'\n', %edi
        call    putc
        cmpq    $42, %rbx
        jne     bad

        leaq    msg_count(%rip), %rdi
        call    puts
        movq    fault_count(%rip), %rdi
        call    put_dec
        movl    $'\n', %edi
        call    putc
        cmpq    $3, fault_count(%rip)
        jne     bad
        popq    %rbx
        movl    $0x13, %eax
        ret
bad:
        movl    $0x53, %edi
        call    exit_guest

# guest_trap(rdi = vector, rsi = frame): only #PF inside [VA_BASE, VA_BASE + 4 pages) is expected.
        .type   guest_trap, @function
guest_trap:
        movq    %rdi, %r8                   # vector, for the unexpected-trap message
        cmpq    $VEC_PF, %rdi
        jne     unexpected
        incq    fault_count(%rip)
        movq    %cr2, %rax
        leaq    msg_pf(%rip), %rdi
        call    puts
        movq    %rax, %rdi
        call    put_hex64
        leaq    msg_err(%rip), %rdi
        call    puts
        movq    FRAME_ERROR(%rsi), %rdi
        call    put_hex64
        movl    $'\n', %edi
        call    putc

        movq    %rax, %rcx
        subq    $VA_BASE, %rcx
        shrq    $12, %rcx                   # PT index
        cmpq    $4, %rcx
        jae     unexpected
        leaq    frame_table(%rip), %rdx
        movq    (%rdx, %rcx, 8), %rdx       # physical frame for this page
        testq   %rdx, %rdx
        jz      unexpected
        orq     $(PTE_P | PTE_W), %rdx
        leaq    spare_pt(%rip), %rdi
        movq    %rdx, (%rdi, %rcx, 8)
        # The upper levels: PDPT[1] -> spare_pd, spare_pd[1] -> spare_pt (idempotent).
        leaq    spare_pt + (PTE_P | PTE_W)(%rip), %rdx
        movq    %rdx, spare_pd + PD_INDEX * 8(%rip)
        leaq    spare_pd + (PTE_P | PTE_W)(%rip), %rdx
        movq    %rdx, pvh_pdpt + PDPT_INDEX * 8(%rip)
        # SDM vol. 3 4.10.4.3: not-present entries are not cached, so no flush is required; invlpg keeps
        # the handler correct if it is ever used to change a present mapping.
        invlpg  (%rax)
        ret                                 # pvh.S returns with iretq: the access is retried

unexpected:
        leaq    msg_unexpected(%rip), %rdi
        call    puts
        movq    %r8, %rdi
        call    put_dec
        movl    $'\n', %edi
        call    putc
        movl    $0x7e, %edi
        call    exit_guest

        .section .rodata
msg_pf:         .asciz "#PF cr2="
msg_err:        .asciz " err="
msg_stored:     .asciz "stored "
msg_frame:      .asciz ", physical frame holds "
msg_read:       .asciz "read "
msg_exec:       .asciz "code in the new page returned "
msg_count:      .asciz "page faults: "
msg_unexpected: .asciz "unexpected trap "
        .balign 8
frame_table:                                # PT index -> physical frame (0: must not fault)
        .quad   0, frame_a, frame_b, frame_c

        .data
        .balign 8
fault_count:
        .quad   0

        .section .bss.pagetables, "aw", @nobits
        .balign 4096
spare_pd:   .skip 4096
spare_pt:   .skip 4096
frame_a:    .skip 4096
frame_b:    .skip 4096
frame_c:    .skip 4096
