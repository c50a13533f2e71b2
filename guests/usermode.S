# guests/usermode.S: ring 3. The kernel (main) marks its identity map user-accessible for the first 2 MiB,
# enables SYSCALL (EFER.SCE, STAR, LSTAR, SFMASK) and drops to CPL 3 with iretq into SEL_UCODE64/SEL_UDATA.
# The user task then:
#   - prints through the kernel with `syscall` (SYS_PUTS, SYS_PUT_HEX), returning with sysretq;
#   - runs `int3`: the DPL-3 gate is allowed from ring 3 and the CPU switches to TSS.RSP0 (SDM vol. 3 6.14.2);
#   - runs `cli`: privileged at CPL 3 with IOPL 0 -> #GP(0); the kernel skips the 1-byte instruction;
#   - leaves with SYS_EXIT, which resumes the kernel stack saved before the iretq.
#
# Serial output:
#   "kernel: entering ring 3\n"
#   "user: hello from ring 3 via syscall\n"
#   "user: cs=0x000000000000002b\n"
#   "kernel: #BP from ring 3 on the RSP0 stack, rip=0x<user_int3_done>\n"
#   "kernel: #GP err=0x0000000000000000 from ring 3 at 0x<user_cli>, skipping cli\n"
#   "user: exiting with 7\n"
#   "kernel: user exited with 7\n"
# Expected exit value: 0x14 (exit status 0x29 = 41); 0x54 on a wrong CPL/stack/error code, 0x7e on an
# unexpected trap.

        .include "pvh.inc"

.equ SYS_PUTS,    1
.equ SYS_PUT_HEX, 2
.equ SYS_EXIT,    60
.equ RFLAGS_TF, 1 << 8
.equ RFLAGS_IF, 1 << 9
.equ RFLAGS_DF, 1 << 10
.equ RFLAGS_FIXED, 1 << 1                   # bit 1 always reads 1
.equ RSP0_STACK_SIZE, 16384                 # pvh.S: pvh_rsp0_stack_top - RSP0_STACK_SIZE is its bottom

        .text
        .globl  main, guest_trap, syscall_entry, user_entry, user_int3_done, user_cli
        .type   main, @function
main:
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        leaq    msg_enter(%rip), %rdi
        call    puts

        # SDM vol. 3 4.6: a ring-3 access needs U/S=1 at every paging level. PD[0] maps 0-2 MiB: the image.
        orq     $PTE_U, pvh_pml4(%rip)
        orq     $PTE_U, pvh_pdpt(%rip)
        orq     $PTE_U, pvh_pd(%rip)
        movq    %cr3, %rax
        movq    %rax, %cr3                  # flush the TLB: present entries changed

        # SYSCALL: CS = STAR[47:32], SS = STAR[47:32] + 8; SYSRETQ: CS = STAR[63:48] + 16, SS = +8.
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_SCE, %eax
        wrmsr
        movl    $MSR_STAR, %ecx
        xorl    %eax, %eax
        movl    $((STAR_SYSRET_BASE << 16) | SEL_CODE64), %edx
        wrmsr
        movl    $MSR_LSTAR, %ecx
        leaq    syscall_entry(%rip), %rax
        movq    %rax, %rdx
        shrq    $32, %rdx
        wrmsr
        movl    $MSR_SFMASK, %ecx           # RFLAGS bits cleared on SYSCALL entry
        movl    $(RFLAGS_TF | RFLAGS_IF | RFLAGS_DF), %eax
        xorl    %edx, %edx
        wrmsr

        movq    %rsp, kernel_rsp(%rip)
        # iretq to ring 3: SS, RSP, RFLAGS, CS, RIP (SDM vol. 3 6.14.3).
        pushq   $SEL_UDATA
        leaq    user_stack_top(%rip), %rax
        pushq   %rax
        pushq   $RFLAGS_FIXED
        pushq   $SEL_UCODE64
        leaq    user_entry(%rip), %rax
        pushq   %rax
        iretq

# SYS_EXIT lands here on the kernel stack saved above, rdi = the user's exit code.
user_return:
        movq    %rdi, %rbx
        leaq    msg_exited(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_dec
        movl    $'\n', %edi
        call    putc
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        movl    $0x14, %eax
        ret

# SYSCALL entry: rcx = user rip, r11 = user rflags, rsp is still the user stack (SYSCALL does not switch).
syscall_entry:
        movq    %rsp, user_rsp(%rip)
        leaq    syscall_stack_top(%rip), %rsp
        cmpl    $SYS_PUTS, %eax
        je      1f
        cmpl    $SYS_PUT_HEX, %eax
        je      2f
        cmpl    $SYS_EXIT, %eax
        je      3f
        movq    $-1, %rax                   # unknown system call
        jmp     4f
1:      call    puts
        xorl    %eax, %eax
        jmp     4f
2:      call    put_hex64
        xorl    %eax, %eax
        jmp     4f
3:      movq    kernel_rsp(%rip), %rsp
        jmp     user_return
4:      movq    user_rsp(%rip), %rsp
        sysretq

# guest_trap(rdi = vector, rsi = frame): #BP and #GP from ring 3 only.
        .type   guest_trap, @function
guest_trap:
        movq    %rdi, %r8
        movq    FRAME_CS(%rsi), %rax
        andl    $3, %eax
        cmpl    $3, %eax                    # CPL of the interrupted code
        jne     wrong
        # The handler must run on TSS.RSP0's stack: [pvh_rsp0_stack_top - RSP0_STACK_SIZE, top).
        leaq    pvh_rsp0_stack_top(%rip), %rax
        cmpq    %rax, %rsi
        jae     wrong
        subq    $RSP0_STACK_SIZE, %rax
        cmpq    %rax, %rsi
        jb      wrong
        cmpq    $VEC_BP, %r8
        je      1f
        cmpq    $VEC_GP, %r8
        je      2f
        jmp     unexpected
1:      leaq    msg_bp(%rip), %rdi
        call    puts
        movq    FRAME_RIP(%rsi), %rdi       # #BP is a trap: rip is after the int3
        call    put_hex64
        movl    $'\n', %edi
        call    putc
        ret
2:      leaq    msg_gp(%rip), %rdi
        call    puts
        movq    FRAME_ERROR(%rsi), %rdi
        call    put_hex64
        leaq    msg_gp_at(%rip), %rdi
        call    puts
        movq    FRAME_RIP(%rsi), %rdi       # #GP is a fault: rip is the cli
        call    put_hex64
        leaq    msg_gp_skip(%rip), %rdi
        call    puts
        cmpq    $0, FRAME_ERROR(%rsi)
        jne     wrong
        incq    FRAME_RIP(%rsi)             # cli is one byte (0xfa)
        ret
wrong:
        leaq    msg_wrong(%rip), %rdi
        call    puts
        movl    $0x54, %edi
        call    exit_guest
unexpected:
        leaq    msg_unexpected(%rip), %rdi
        call    puts
        movq    %r8, %rdi
        call    put_dec
        movl    $'\n', %edi
        call    putc
        movl    $0x7e, %edi
        call    exit_guest

# ---- ring 3 ----
user_entry:
        leaq    umsg_hello(%rip), %rdi
        movl    $SYS_PUTS, %eax
        syscall
        leaq    umsg_cs(%rip), %rdi
        movl    $SYS_PUTS, %eax
        syscall
        movl    %cs, %edi                   # zero-extended selector; RPL 3 = CPL 3
        movl    $SYS_PUT_HEX, %eax
        syscall
        leaq    umsg_nl(%rip), %rdi
        movl    $SYS_PUTS, %eax
        syscall
        int3
user_int3_done:
user_cli:
        cli
        leaq    umsg_exit(%rip), %rdi
        movl    $SYS_PUTS, %eax
        syscall
        movl    $7, %edi
        movl    $SYS_EXIT, %eax
        syscall
        ud2                                 # not reached: SYS_EXIT does not return

        .section .rodata
msg_enter:      .asciz "kernel: entering ring 3\n"
msg_exited:     .asciz "kernel: user exited with "
msg_bp:         .asciz "kernel: #BP from ring 3 on the RSP0 stack, rip="
msg_gp:         .asciz "kernel: #GP err="
msg_gp_at:      .asciz " from ring 3 at "
msg_gp_skip:    .asciz ", skipping cli\n"
msg_wrong:      .asciz "kernel: wrong CPL, stack or error code in a trap frame\n"
msg_unexpected: .asciz "kernel: unexpected trap "
umsg_hello:     .asciz "user: hello from ring 3 via syscall\n"
umsg_cs:        .asciz "user: cs="
umsg_nl:        .asciz "\n"
umsg_exit:      .asciz "user: exiting with 7\n"

        .bss
        .balign 8
kernel_rsp:     .skip 8
user_rsp:       .skip 8
        .balign 16
                .skip 4096
syscall_stack_top:
        .balign 4096
                .skip 4096
user_stack_top:
