# guests/unhandled.S: the default trap path of guests/lib/pvh.S. This guest defines no guest_trap, so the
# #UD raised by ud2 (a fault: the saved rip is the ud2 itself, labelled unhandled_ud2) is reported by the
# library as "trap <vector> at <rip>" and the guest exits with EXIT_TRAP.
#
# Serial output:  "about to execute ud2\n", "trap 6 at 0x<unhandled_ud2>\n"
# Expected exit value: 0x7f (exit status 0xff = 255), the library's EXIT_TRAP.

        .include "pvh.inc"

        .text
        .globl  main, unhandled_ud2
        .type   main, @function
main:
        leaq    msg(%rip), %rdi
        call    puts
unhandled_ud2:
        ud2
        movl    $0x01, %eax                 # not reached
        ret

        .section .rodata
msg:    .asciz  "about to execute ud2\n"
