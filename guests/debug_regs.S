# guests/debug_regs.S: the guest side of the KVM selftest debug_regs scenario
# (docs/guest-debug.md), driven by test/conformance through KVM_SET_GUEST_DEBUG. The labels are the ones the
# host steps refer to:
#   sw_bp       int3                            (step 1: USE_SW_BP exits here, pc = sw_bp)
#   hw_bp       nop                             (step 2: hw exec breakpoint on DR0..DR3)
#   write_data  the instruction after the 7-byte `mov %rax, value(%rip)` (step 3: write watchpoint on value)
#   ss_start    sti; xor; cpuid; movl $0x1a0,%ecx; rdmsr; cli   (step 4: single-step, 1+2+2+5+2 bytes)
#   bd_start    mov %dr0, %rax                  (step 5: DR7.GD under USE_HW_BP)
#   value       the 8-byte variable written at write_data - 7
# Run alone (no host debugging, e.g. under QEMU) the guest's own #BP handler takes the int3 and the run ends
# normally; under the conformance suite the host skips the int3 itself, so the handler never runs. The
# guest counts what reaches its own handlers: #BP, #DB (injected by the host) and vector 31, which the
# suite queues as an external interrupt while single-stepping with BLOCKIRQ (delivered only afterwards).
#
# Serial output:  "debug_regs: start\n", then "debug_regs: value=1234 #BP=<b> #DB=<d> irq=<i>\n"
#                 (b = 1, d = 0, i = 0 when run alone)
# Expected exit value: 0x20 (exit status 0x41 = 65); 0x60 if value is wrong, 0x7e on an unexpected trap.

        .include "pvh.inc"

.equ MSR_MISC_ENABLE, 0x1a0
.equ IRQ_VECTOR, 31                 # the interrupt test/conformance queues (the IDT has vectors 0-31)

        .text
        .globl  main, guest_trap, sw_bp, hw_bp, write_data, ss_start, bd_start, value
        .type   main, @function
main:
        leaq    msg_start(%rip), %rdi
        call    puts
sw_bp:
        int3
hw_bp:
        nop
        movq    $1234, %rax
        movq    %rax, value(%rip)
write_data:
ss_start:
        sti
        xorl    %eax, %eax
        cpuid
        movl    $MSR_MISC_ENABLE, %ecx
        rdmsr
        cli
bd_start:
        movq    %dr0, %rax

        leaq    msg_value(%rip), %rdi
        call    puts
        movq    value(%rip), %rdi
        call    put_dec
        leaq    msg_bp(%rip), %rdi
        call    puts
        movq    bp_count(%rip), %rdi
        call    put_dec
        leaq    msg_db(%rip), %rdi
        call    puts
        movq    db_count(%rip), %rdi
        call    put_dec
        leaq    msg_irq(%rip), %rdi
        call    puts
        movq    irq_count(%rip), %rdi
        call    put_dec
        movl    $'\n', %edi
        call    putc
        cmpq    $1234, value(%rip)
        jne     1f
        movl    $0x20, %eax
        ret
1:      movl    $0x60, %eax
        ret

# guest_trap(rdi = vector, rsi = frame): #BP (a trap: rip is already after the int3), #DB (injected: the
# return address is the interrupted instruction) and the suite's vector-31 interrupt are counted.
        .type   guest_trap, @function
guest_trap:
        cmpq    $VEC_BP, %rdi
        jne     1f
        incq    bp_count(%rip)
        ret
1:      cmpq    $VEC_DB, %rdi
        jne     2f
        incq    db_count(%rip)
        ret
2:      cmpq    $IRQ_VECTOR, %rdi
        jne     3f
        incq    irq_count(%rip)
        ret
3:      movq    %rdi, %rbx
        leaq    msg_unexpected(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_dec
        movl    $'\n', %edi
        call    putc
        movl    $0x7e, %edi
        call    exit_guest

        .section .rodata
msg_start:
        .asciz  "debug_regs: start\n"
msg_value:
        .asciz  "debug_regs: value="
msg_bp:
        .asciz  " #BP="
msg_db:
        .asciz  " #DB="
msg_irq:
        .asciz  " irq="
msg_unexpected:
        .asciz  "debug_regs: unexpected trap "

        .data
        .balign 8
value:
        .quad   0
bp_count:
        .quad   0
db_count:
        .quad   0
irq_count:
        .quad   0
