# guests/bench/modes.S: the mode-switch and exception workload. One iteration:
#   1. `int3` in ring 0: #BP through the IDT (pvh.S trap stubs -> guest_trap), back with iretq;
#   2. lretq into compatibility mode (SEL_CODE32), a few 32-bit instructions, ljmp back to 64-bit mode;
#   3. iretq to ring 3, `syscall` to ring 0 (asks for a sysretq), `sysretq` to ring 3, `syscall` back to ring 0.
# Every step is an instruction that retires (no faulting instruction), so every backend counts the same.
# There is no interrupt controller in guestdbg's machine yet, so external interrupts are not part of it.
#
# Serial output:  "modes n=<n> result=0x<traps taken>\n"
# Expected exit value: 0x31 (exit status 99); 0x7e on an unexpected trap.

        .include "pvh.inc"

.equ SYS_SYSRET, 1                          # return to ring 3 with sysretq
.equ SYS_KERNEL, 2                          # return to the kernel loop
.equ RFLAGS_TF, 1 << 8
.equ RFLAGS_IF, 1 << 9
.equ RFLAGS_DF, 1 << 10
.equ RFLAGS_FIXED, 1 << 1
.equ EXIT_UNEXPECTED, 0x7e

        .text
        .globl  bench_setup, bench_run, guest_trap
        .type   bench_setup, @function
bench_setup:
        # SDM vol. 3 4.6: a ring-3 access needs U/S=1 at every paging level. PD[0] maps 0-2 MiB: the image.
        orq     $PTE_U, pvh_pml4(%rip)
        orq     $PTE_U, pvh_pdpt(%rip)
        orq     $PTE_U, pvh_pd(%rip)
        movq    %cr3, %rax
        movq    %rax, %cr3
        # SYSCALL: CS = STAR[47:32], SS = +8; SYSRETQ: CS = STAR[63:48] + 16, SS = STAR[63:48] + 8.
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
        movl    $MSR_SFMASK, %ecx
        movl    $(RFLAGS_TF | RFLAGS_IF | RFLAGS_DF), %eax
        xorl    %edx, %edx
        wrmsr
        ret

# bench_run(rdi = n) -> rax = #BP traps taken (n when every iteration worked).
        .type   bench_run, @function
bench_run:
        pushq   %rbx
        pushq   %r12
        movq    %rdi, %rbx
        movq    $0, trap_count(%rip)
        testq   %rbx, %rbx
        jz      9f
1:      int3                                # 1. #BP, handled by guest_trap

        pushq   $SEL_CODE32                 # 2. SDM vol. 3 5.8.3: a far return to an L=0 segment -> compat mode
        leaq    compat_entry(%rip), %rax
        pushq   %rax
        lretq
back64:
        movq    %rsp, kernel_rsp(%rip)      # 3. iretq to ring 3: SS, RSP, RFLAGS, CS, RIP (SDM vol. 3 6.14.3)
        pushq   $SEL_UDATA
        leaq    user_stack_top(%rip), %rax
        pushq   %rax
        pushq   $RFLAGS_FIXED
        pushq   $SEL_UCODE64
        leaq    user_entry(%rip), %rax
        pushq   %rax
        iretq
back_from_user:
        decq    %rbx
        jnz     1b
9:      movq    trap_count(%rip), %rax
        popq    %r12
        popq    %rbx
        ret

        .code32
compat_entry:
        movl    %esp, %eax                  # 32-bit operand and address size
        addl    $4, %eax
        subl    $4, %eax
        ljmp    $SEL_CODE64, $back64
        .code64

# Ring 3: one sysretq round trip, then back to the kernel loop.
user_entry:
        movl    $SYS_SYSRET, %eax
        syscall
        movl    $SYS_KERNEL, %eax
        syscall
        ud2                                 # not reached

# SYSCALL entry: rcx = user rip, r11 = user rflags, rsp is still the user stack.
syscall_entry:
        cmpl    $SYS_SYSRET, %eax
        jne     1f
        sysretq
1:      movq    kernel_rsp(%rip), %rsp
        jmp     back_from_user

# guest_trap(rdi = vector, rsi = frame): counts #BP (a trap: FRAME_RIP is already after the int3).
        .type   guest_trap, @function
guest_trap:
        cmpq    $VEC_BP, %rdi
        jne     1f
        incq    trap_count(%rip)
        ret
1:      movl    $EXIT_UNEXPECTED, %edi
        call    exit_guest

        .section .rodata
        .globl  bench_name, bench_default_n
bench_name:      .asciz "modes"
        .balign 8
bench_default_n: .quad 100000

        .section .bss
        .balign 8
trap_count:  .skip 8
kernel_rsp:  .skip 8
        .balign 16
        .skip   4096
user_stack_top:
