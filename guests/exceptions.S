# guests/exceptions.S: an exception storm, each one handled by guest_trap, which prints the vector, the error
# code and the saved rip, then resumes at the instruction after the faulting one (resume_rip):
#   #DE (0)   div by zero                                   fault: rip = de_fault
#   #UD (6)   ud2                                           fault: rip = ud_fault
#   #GP (13)  load through the non-canonical 0x8000000000000000, error 0   fault: rip = gp_fault
#   #GP (13)  mov to %ds of selector 0x48 (beyond the GDT limit), error 0x48 (the selector)
#   #PF (14)  read of the unmapped 0x80000000 (above the 1 GiB map), error 0, cr2 = 0x80000000
#   #BP (3)   int3                                          trap: rip = bp_done (after the int3)
# Then a double fault: IDT[14] is marked not present and the unmapped read is repeated. Delivering #PF
# through a not-present gate raises #NP, and #PF followed by a contributory exception is #DF (SDM vol. 3
# table 6-5). The #DF handler (IST1 stack) prints its error code (always 0) but not rip, which the SDM
# leaves undefined for #DF, and exits.
#
# Serial output: one "vector <v> err=0x<err> rip=0x<rip>" line per exception (plus " cr2=0x<cr2>" for #PF),
#   then "vector 8 err=0x0000000000000000: double fault after 6 exceptions\n".
# Expected exit value: 0x15 (exit status 0x2b = 43); 0x55 if a count or value is wrong.

        .include "pvh.inc"

.equ NONCANONICAL, 0x8000000000000000
.equ UNMAPPED,     0x80000000
.equ BAD_SELECTOR, 0x48                     # index 9: the GDT has 8 entries (limit 0x3f)
.equ IDT_ENTRY_SIZE, 16
.equ IDT_TYPE_ATTR, 5                       # byte holding P (bit 7), DPL, type
.equ EXPECTED_HANDLED, 6

# arm: the next fault resumes at `resume`
.macro arm resume
        leaq    \resume(%rip), %rax
        movq    %rax, resume_rip(%rip)
.endm

        .text
        .globl  main, guest_trap
        .globl  de_fault, ud_fault, gp_fault, seg_fault, pf_fault, bp_done, df_fault
        .type   main, @function
main:
        arm     de_done
        xorl    %edx, %edx
        xorl    %ecx, %ecx
        movl    $1, %eax
de_fault:
        divl    %ecx
de_done:
        arm     ud_done
ud_fault:
        ud2
ud_done:
        arm     gp_done
        movabsq $NONCANONICAL, %rsi
gp_fault:
        movq    (%rsi), %rax
gp_done:
        arm     seg_done
        movl    $BAD_SELECTOR, %eax
seg_fault:
        movl    %eax, %ds
seg_done:
        arm     pf_done
        movl    $UNMAPPED, %esi
pf_fault:
        movq    (%rsi), %rax
pf_done:
        arm     bp_done
        int3
bp_done:
        cmpq    $EXPECTED_HANDLED, handled(%rip)
        jne     bad
        # Make the #PF gate not present: the next #PF becomes #NP during delivery, hence #DF.
        andb    $0x7f, pvh_idt + VEC_PF * IDT_ENTRY_SIZE + IDT_TYPE_ATTR(%rip)
        movl    $UNMAPPED, %esi
df_fault:
        movq    (%rsi), %rax
bad:
        movl    $0x55, %edi
        call    exit_guest

# guest_trap(rdi = vector, rsi = frame)
        .type   guest_trap, @function
guest_trap:
        pushq   %rbx
        movq    %rdi, %rbx
        leaq    msg_vector(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_dec
        leaq    msg_err(%rip), %rdi
        call    puts
        movq    FRAME_ERROR(%rsi), %rdi
        call    put_hex64
        cmpq    $VEC_DF, %rbx
        je      double_fault
        leaq    msg_rip(%rip), %rdi
        call    puts
        movq    FRAME_RIP(%rsi), %rdi
        call    put_hex64
        cmpq    $VEC_PF, %rbx
        jne     1f
        leaq    msg_cr2(%rip), %rdi
        call    puts
        movq    %cr2, %rdi
        call    put_hex64
1:      movl    $'\n', %edi
        call    putc
        incq    handled(%rip)
        movq    resume_rip(%rip), %rax
        movq    %rax, FRAME_RIP(%rsi)
        popq    %rbx
        ret

# #DF is an abort (SDM vol. 3 6.15, vector 8): no return. The error code is always 0.
double_fault:
        leaq    msg_df(%rip), %rdi
        call    puts
        movq    handled(%rip), %rdi
        call    put_dec
        leaq    msg_df_end(%rip), %rdi
        call    puts
        movl    $0x55, %edi
        cmpq    $EXPECTED_HANDLED, handled(%rip)
        jne     2f
        cmpq    $0, FRAME_ERROR(%rsi)
        jne     2f
        movl    $0x15, %edi
2:      call    exit_guest

        .section .rodata
msg_vector: .asciz "vector "
msg_err:    .asciz " err="
msg_rip:    .asciz " rip="
msg_cr2:    .asciz " cr2="
msg_df:     .asciz ": double fault after "
msg_df_end: .asciz " exceptions\n"

        .data
        .balign 8
resume_rip: .quad 0
handled:    .quad 0
