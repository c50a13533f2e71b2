# guests/debug_copy.S: code that only exists after the guest writes it. main copies `payload` (position-
# independent, payload_end - payload bytes) into the zeroed buffer `copy_dest` and calls the copy three
# times; a debugger's breakpoint on copy_dest, set before the copy, must still hit (test/emu: soft
# breakpoints, which patch no memory). It then reads `watched` once (a read-only watchpoint target) and
# writes `counter` once per call.
#   copy_dest   where the payload runs (in .bss: zero until main copies the code)
#   copied      the instruction after the copy loop
#   watched     a quad main only reads, at read_watched
#   counter     incremented by the payload
#
# Serial output:  "debug_copy: copied 14 bytes\n", "debug_copy: results 7 10 13 counter=3 watched=42\n"
# Expected exit value: 0x21 (exit status 0x43 = 67); 0x61 if a result is wrong.

        .include "pvh.inc"

        .text
        .globl  main, payload, payload_end, copy_dest, copied, watched, read_watched, counter
        .type   main, @function
main:
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        leaq    payload(%rip), %rsi
        leaq    copy_dest(%rip), %rdi
        movl    $(payload_end - payload), %ecx
        cld
        rep movsb
copied:
        leaq    msg_copied(%rip), %rdi
        call    puts
        movl    $(payload_end - payload), %edi
        call    put_dec
        leaq    msg_bytes(%rip), %rdi
        call    puts

        leaq    copy_dest(%rip), %r13
        movl    $2, %edi
        call    *%r13
        movq    %rax, %rbx
        movl    $3, %edi
        call    *%r13
        movq    %rax, %r12
        movl    $4, %edi
        call    *%r13
        movq    %rax, %r13
read_watched:
        movq    watched(%rip), %rax
        pushq   %rax

        leaq    msg_results(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_dec
        movl    $' ', %edi
        call    putc
        movq    %r12, %rdi
        call    put_dec
        movl    $' ', %edi
        call    putc
        movq    %r13, %rdi
        call    put_dec
        leaq    msg_counter(%rip), %rdi
        call    puts
        movq    counter(%rip), %rdi
        call    put_dec
        leaq    msg_watched(%rip), %rdi
        call    puts
        popq    %rdi
        call    put_dec
        movl    $'\n', %edi
        call    putc

        movl    $0x61, %eax
        cmpq    $7, %rbx
        jne     1f
        cmpq    $10, %r12
        jne     1f
        cmpq    $13, %r13
        jne     1f
        cmpq    $3, counter(%rip)
        jne     1f
        movl    $0x21, %eax
1:      popq    %r13
        popq    %r12
        popq    %rbx
        ret

# payload(rdi = x): returns 3x + 1 and increments counter; position-independent (no rip-relative operand).
payload:
        leaq    1(%rdi, %rdi, 2), %rax
        incq    counter                     # absolute disp32: the copy must reach the same variable
        ret
payload_end:

        .section .rodata
msg_copied:
        .asciz  "debug_copy: copied "
msg_bytes:
        .asciz  " bytes\n"
msg_results:
        .asciz  "debug_copy: results "
msg_counter:
        .asciz  " counter="
msg_watched:
        .asciz  " watched="

        .data
        .balign 8
watched:
        .quad   42
counter:
        .quad   0

        .bss
        .balign 4096
copy_dest:
        .skip   4096
