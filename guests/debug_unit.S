# guests/debug_unit.S: the guest debugging itself — the scenarios of kvm-unit-tests x86/debug.c, written
# anew as a PVH guest. Every check prints "PASS: <what>" or "FAIL: <what>" (a failure first prints the #DBs
# it recorded); the exit value is 0x30 plus the number of failures.
#   - DR4 aliases DR6 with CR4.DE = 0; DR4 raises #UD with CR4.DE = 1
#   - int3: the #BP handler's return address is the instruction after the int3
#   - DR2 instruction breakpoint: #DB before the instruction, DR6 = base | B2; BS left set when software set it
#   - single-step (TF): basic, over cpuid/in, with MOV SS blocking; each again at CPL 3 with IOPL 3
#   - 4-byte write watchpoint on DR1: trap after the store, BS kept when set and not added when clear
# With the PVH command line "strict" it adds the checks where QEMU TCG 7.2 departs from hardware (STI does
# not delay #DB; ICEBP; DR7.GD; I/O breakpoints; MOV SS + watchpoint + ICEBP / INT 1 / INT3 deliver the
# held #DB once):
#   - single-step after STI, MOV SS + ICEBP, MOV SS + DR7.GD (CPL 0 only); ICEBP; an I/O breakpoint
#     (R/W = 10 counts only with CR4.DE; QEMU TCG has no I/O breakpoints); the three "precise" ones
# The list runs twice, with DR6 written as 0xffff0ff0 and as 0 before each check (it reads 0xffff0ff0 back).
#
# Serial output: guests/debug_unit.serial (26 "PASS: " lines, then "debug_unit: 0 failures"); with "strict",
#   a "debug_unit: strict ..." line first and 43 "PASS: " lines.
# Expected exit value: 0x30 (exit status 0x61 = 97); 0x30 + n with n failures, 0x7e on an unexpected trap.

        .include "pvh.inc"

.equ TF, 1 << 8
.equ RF, 1 << 16
.equ IOPL3, 3 << 12
.equ CR4_DE, 1 << 3
.equ DR6_FIXED, 0xffff0ff0
.equ DR6_B0, 1 << 0
.equ DR6_B1, 1 << 1
.equ DR6_B2, 1 << 2
.equ DR6_BD, 1 << 13
.equ DR6_BS, 1 << 14
.equ DR7_FIXED, 0x400
.equ DR7_G2, 1 << 5
.equ DR7_GD, 1 << 13
.equ DR7_WP_DR1_W4, 0x00d0040a    # G0|G1, R/W1 = 01 (write), LEN1 = 11 (4 bytes)
.equ DR7_WP_DR1_RW4, 0x00f0040a   # G0|G1, R/W1 = 11 (read/write), LEN1 = 11
.equ DR7_IO_DR0, 0x00020402       # G0, R/W0 = 10 (I/O, with CR4.DE), LEN0 = 00
.equ IO_PORT, 0x80                # the POST-code port: writes are harmless
.equ MAX_DB, 10
.equ COM1_LSR_PORT, 0x3fd
.equ HVM_START_INFO_CMDLINE_OFF, 24   # u64 cmdline_paddr (0: none)
# kinds of an expected #DB in the single-step tables
.equ K_BS, 0                      # DR6 = base | BS
.equ K_ICEBP, 1                   # DR6 = base
.equ K_BD, 2                      # DR6 = base | BD

# ss_test fn, name, cpl3, count, then count (offset, kind) pairs
.macro ss_test fn, name, cpl3, count
        .quad   \fn, \name, \cpl3, \count
.endm

        .text
        .globl  main, guest_trap, sw_bp, hw_bp1, hw_bp2, hw_wp1, hw_wp2, sw_icebp, sw_bp2, value
        .type   main, @function
main:
        pushq   %rbx
        pushq   %r12
        # Ring 3 needs U/S = 1 at every level for the first 2 MiB (the image) (SDM vol. 3 4.6).
        orq     $PTE_U, pvh_pml4(%rip)
        orq     $PTE_U, pvh_pdpt(%rip)
        orq     $PTE_U, pvh_pd(%rip)
        movq    %cr3, %rax
        movq    %rax, %cr3
        movq    %cr4, %rax
        movq    %rax, saved_cr4(%rip)
        call    parse_cmdline

        movl    $DR6_FIXED, %edi
        call    run_tests
        xorl    %edi, %edi
        call    run_tests
        cmpq    $0, strict(%rip)
        je      1f
        call    precise_tests
1:

        leaq    msg_summary(%rip), %rdi
        call    puts
        movq    fails(%rip), %rdi
        call    put_dec
        leaq    msg_failures(%rip), %rdi
        call    puts
        movq    fails(%rip), %rax
        cmpq    $0x1f, %rax
        jbe     1f
        movl    $0x1f, %eax
1:      addl    $0x30, %eax
        popq    %r12
        popq    %rbx
        ret

# parse_cmdline: strict = 1 when the PVH command line (hvm_start_info.cmdline_paddr) is exactly "strict".
parse_cmdline:
        movq    pvh_start_info(%rip), %rax
        movq    HVM_START_INFO_CMDLINE_OFF(%rax), %rsi
        testq   %rsi, %rsi
        jz      2f
        leaq    cmd_strict(%rip), %rdi
1:      movb    (%rdi), %al
        cmpb    (%rsi), %al
        jne     2f
        incq    %rdi
        incq    %rsi
        testb   %al, %al
        jnz     1b
        movq    $1, strict(%rip)
        leaq    msg_strict(%rip), %rdi
        call    puts
2:      ret

# ---------------------------------------------------------------------------------------------------------
# report(rdi = name): PASS/FAIL from `bad` (then cleared), with the "Usermode " prefix when `in_user_report`.
report:
        pushq   %rdi
        cmpq    $0, bad(%rip)
        jne     1f
        leaq    msg_pass(%rip), %rdi
        jmp     2f
1:      leaq    msg_fail(%rip), %rdi
        incq    fails(%rip)
        call    puts
        call    print_dbs
        leaq    msg_fail(%rip), %rdi
2:      call    puts
        cmpq    $0, in_user_report(%rip)
        je      3f
        leaq    msg_usermode(%rip), %rdi
        call    puts
3:      popq    %rdi
        call    puts
        movl    $'\n', %edi
        call    putc
        movq    $0, bad(%rip)
        ret

# print_dbs: "n=<n> #DB rip/dr6: <rip> <dr6> ..." (the recorded #DBs of a failed check)
print_dbs:
        pushq   %rbx
        leaq    msg_n(%rip), %rdi
        call    puts
        movq    n(%rip), %rdi
        call    put_dec
        xorl    %ebx, %ebx
1:      cmpq    n(%rip), %rbx
        jae     2f
        cmpq    $MAX_DB, %rbx
        jae     2f
        movl    $' ', %edi
        call    putc
        leaq    db_addr(%rip), %rax
        movq    (%rax, %rbx, 8), %rdi
        call    put_hex64
        movl    $'/', %edi
        call    putc
        leaq    db_dr6(%rip), %rax
        movq    (%rax, %rbx, 8), %rdi
        call    put_hex64
        incq    %rbx
        jmp     1b
2:      movl    $'\n', %edi
        call    putc
        popq    %rbx
        ret

# expect(rdi = condition): bad |= !condition
expect:
        testq   %rdi, %rdi
        jnz     1f
        movq    $1, bad(%rip)
1:      ret

# expect_db(rdi = index, rsi = rip, rdx = dr6): #DB number index had that return address and DR6
expect_db:
        leaq    db_addr(%rip), %rax
        cmpq    %rsi, (%rax, %rdi, 8)
        jne     1f
        leaq    db_dr6(%rip), %rax
        cmpq    %rdx, (%rax, %rdi, 8)
        jne     1f
        ret
1:      movq    $1, bad(%rip)
        ret

expect_n:
        cmpq    %rdi, n(%rip)
        je      1f
        movq    $1, bad(%rip)
1:      ret

reset_db:
        movq    $0, n(%rip)
        movq    dr6_control(%rip), %rax
        movq    %rax, %dr6
        ret

# ---------------------------------------------------------------------------------------------------------
# run_tests(rdi = the value written to DR6 before each check)
run_tests:
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        movq    %rdi, dr6_control(%rip)
        movl    $DR6_FIXED, %eax
        orq     %rax, %rdi
        movl    %edi, %edi
        movq    %rdi, dr6_base(%rip)

        # DR4 is DR6 while CR4.DE = 0 ...
        movq    $0, got_ud(%rip)
        movq    saved_cr4(%rip), %rax
        andq    $~CR4_DE, %rax
        movq    %rax, %cr4
        xorl    %eax, %eax
        movq    %rax, %dr4
        movq    dr6_control(%rip), %rax
        orq     $(DR6_BS | DR6_B1), %rax
        movq    %rax, %dr6
        movq    %dr4, %rbx
        movq    %dr6, %rax
        cmpq    %rax, %rbx
        sete    %dil
        movzbl  %dil, %edi
        call    expect
        cmpq    $0, got_ud(%rip)
        sete    %dil
        movzbl  %dil, %edi
        call    expect
        leaq    t_dr4(%rip), %rdi
        call    report
        # ... and #UD while CR4.DE = 1 (the #UD handler clears CR4.DE and the read runs again).
        movq    %cr4, %rax
        orq     $CR4_DE, %rax
        movq    %rax, %cr4
        movq    %dr4, %rax
        movq    got_ud(%rip), %rdi
        call    expect
        leaq    t_dr4_ud(%rip), %rdi
        call    report
        movq    dr6_control(%rip), %rax
        movq    %rax, %dr6

        # int3: the return address is after it.
        movq    $0, bp_addr(%rip)
        int3
sw_bp:
        leaq    sw_bp(%rip), %rax
        cmpq    %rax, bp_addr(%rip)
        sete    %dil
        movzbl  %dil, %edi
        call    expect
        leaq    t_bp(%rip), %rdi
        call    report

        # DR2 instruction breakpoint: B2 set, BS not set.
        movq    $0, n(%rip)
        leaq    hw_bp1(%rip), %rax
        movq    %rax, %dr2
        movq    $(DR7_FIXED | DR7_G2), %rax
        movq    %rax, %dr7
hw_bp1:
        nop
        movl    $1, %edi
        call    expect_n
        xorl    %edi, %edi
        leaq    hw_bp1(%rip), %rsi
        movq    dr6_base(%rip), %rdx
        orq     $DR6_B2, %rdx
        call    expect_db
        leaq    t_hw_bp1(%rip), %rdi
        call    report

        # Again with BS|B1 written by software: B1 is replaced by B2, BS stays.
        movq    $0, n(%rip)
        leaq    hw_bp2(%rip), %rax
        movq    %rax, %dr2
        movq    dr6_control(%rip), %rax
        orq     $(DR6_BS | DR6_B1), %rax
        movq    %rax, %dr6
hw_bp2:
        nop
        movl    $1, %edi
        call    expect_n
        xorl    %edi, %edi
        leaq    hw_bp2(%rip), %rsi
        movq    dr6_base(%rip), %rdx
        orq     $(DR6_BS | DR6_B2), %rdx
        call    expect_db
        leaq    t_hw_bp2(%rip), %rdi
        call    report
        movq    $DR7_FIXED, %rax
        movq    %rax, %dr7

        # Single-step tests, each described by a table entry.
        leaq    ss_tests(%rip), %rdi
        leaq    ss_tests_end(%rip), %rsi
        call    run_ss_tests
        cmpq    $0, strict(%rip)
        je      1f
        leaq    strict_ss_tests(%rip), %rdi
        leaq    strict_ss_tests_end(%rip), %rsi
        call    run_ss_tests
1:
        # 4-byte write watchpoint on DR1, BS set beforehand: kept.
        movq    $0, n(%rip)
        leaq    value(%rip), %rax
        movq    %rax, %dr1
        movq    dr6_control(%rip), %rax
        orq     $DR6_BS, %rax
        movq    %rax, %dr6
        movq    $DR7_WP_DR1_W4, %rax
        movq    %rax, %dr7
        movq    $42, %rax
        movq    %rax, value(%rip)
hw_wp1:
        movl    $1, %edi
        call    expect_n
        xorl    %edi, %edi
        leaq    hw_wp1(%rip), %rsi
        movq    dr6_base(%rip), %rdx
        orq     $(DR6_BS | DR6_B1), %rdx
        call    expect_db
        leaq    t_hw_wp1(%rip), %rdi
        call    report
        # ... and BS not set when it was clear.
        call    reset_db
        movq    $42, %rax
        movq    %rax, value(%rip)
hw_wp2:
        movl    $1, %edi
        call    expect_n
        xorl    %edi, %edi
        leaq    hw_wp2(%rip), %rsi
        movq    dr6_base(%rip), %rdx
        orq     $DR6_B1, %rdx
        call    expect_db
        leaq    t_hw_wp2(%rip), %rdi
        call    report

        # ICEBP: #DB after it, no status bit.
        cmpq    $0, strict(%rip)
        je      1f
        call    reset_db
        .byte   0xf1
sw_icebp:
        movl    $1, %edi
        call    expect_n
        xorl    %edi, %edi
        leaq    sw_icebp(%rip), %rsi
        movq    dr6_base(%rip), %rdx
        call    expect_db
        leaq    t_icebp(%rip), %rdi
        call    report

        # I/O breakpoint on port 0x80 (R/W = 10): nothing while CR4.DE = 0, a trap after the OUT with it.
        call    reset_db
        movq    saved_cr4(%rip), %rax
        andq    $~CR4_DE, %rax
        movq    %rax, %cr4
        movq    $IO_PORT, %rax
        movq    %rax, %dr0
        movq    $DR7_IO_DR0, %rax
        movq    %rax, %dr7
        outb    %al, $IO_PORT
        movq    %cr4, %rax
        orq     $CR4_DE, %rax
        movq    %rax, %cr4
        movq    n(%rip), %rbx               # #DBs while CR4.DE was 0 (expected: none)
        outb    %al, $IO_PORT
io_bp:
        movq    $DR7_FIXED, %rax
        movq    %rax, %dr7
        movq    saved_cr4(%rip), %rax
        movq    %rax, %cr4
        testq   %rbx, %rbx
        sete    %dil
        movzbl  %dil, %edi
        call    expect
        movl    $1, %edi
        call    expect_n
        xorl    %edi, %edi
        leaq    io_bp(%rip), %rsi
        movq    dr6_base(%rip), %rdx
        orq     $DR6_B0, %rdx
        call    expect_db
        leaq    t_io(%rip), %rdi
        call    report
1:

        movq    $DR7_FIXED, %rax
        movq    %rax, %dr7
        xorl    %eax, %eax
        movq    %rax, %dr0
        movq    %rax, %dr1
        movq    %rax, %dr2
        movq    %rax, %dr3
        movl    $DR6_FIXED, %eax
        movq    %rax, %dr6
        movq    saved_cr4(%rip), %rax
        movq    %rax, %cr4
        movq    $0, n(%rip)
        movq    $0, value(%rip)
        popq    %r13
        popq    %r12
        popq    %rbx
        ret

# run_ss_tests(rdi = first table entry, rsi = end of the table)
run_ss_tests:
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        movq    %rdi, %rbx
        movq    %rsi, %r13
1:      cmpq    %r13, %rbx
        jae     2f
        movq    %rbx, %rdi
        call    run_ss_test
        movq    24(%rbx), %rax              # count
        shlq    $4, %rax
        leaq    32(%rbx, %rax), %rbx
        jmp     1b
2:      popq    %r13
        popq    %r12
        popq    %rbx
        ret

# run_ss_test(rdi = table entry): at CPL 0, then (if the entry says so) at CPL 3 with IOPL 3.
run_ss_test:
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        movq    %rdi, %rbx
        call    reset_db
        call    *0(%rbx)
        movq    %rax, %r12                  # the test's start address
        movq    %rbx, %rdi
        movq    %r12, %rsi
        call    check_ss
        movq    8(%rbx), %rdi
        call    report
        cmpq    $0, 16(%rbx)
        je      1f
        call    reset_db
        movq    0(%rbx), %rdi
        call    run_in_user
        movq    %rbx, %rdi
        movq    %r12, %rsi
        call    check_ss
        movq    $1, in_user_report(%rip)
        movq    8(%rbx), %rdi
        call    report
        movq    $0, in_user_report(%rip)
1:      popq    %r13
        popq    %r12
        popq    %rbx
        ret

# check_ss(rdi = table entry, rsi = start): n and every (offset, kind) of the table.
check_ss:
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        movq    %rdi, %rbx
        movq    %rsi, %r12
        movq    24(%rbx), %rdi
        call    expect_n
        xorl    %r13d, %r13d
1:      cmpq    24(%rbx), %r13
        jae     4f
        movq    %r13, %rax
        shlq    $4, %rax
        leaq    32(%rbx, %rax), %r14
        movq    dr6_base(%rip), %rdx
        movq    8(%r14), %rax
        cmpq    $K_BS, %rax
        jne     2f
        orq     $DR6_BS, %rdx
2:      cmpq    $K_BD, %rax
        jne     3f
        orq     $DR6_BD, %rdx
3:      movq    %r13, %rdi
        movq    %r12, %rsi
        addq    0(%r14), %rsi
        call    expect_db
        incq    %r13
        jmp     1b
4:      popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        ret

# run_in_user(rdi = function): calls it at CPL 3 (IOPL 3, interrupts off) and returns here at CPL 0.
# The user side ends with an int3 at user_exit; guest_trap recognises it and resumes kernel_resume.
run_in_user:
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rdi, user_fn(%rip)
        movq    %rsp, kernel_rsp(%rip)
        pushq   $SEL_UDATA
        leaq    user_stack_top(%rip), %rax
        pushq   %rax
        pushq   $(IOPL3 | 2)
        pushq   $SEL_UCODE64
        leaq    user_tramp(%rip), %rax
        pushq   %rax
        iretq
user_tramp:
        call    *user_fn(%rip)
        int3
user_exit:
kernel_resume:
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        ret

# ---------------------------------------------------------------------------------------------------------
# The single-step tests. Each returns in rax the address its expected #DBs are relative to. TF goes on
# with popf, which takes effect one instruction late (the trap follows the instruction after the popf).
.macro tf_on
        pushfq
        popq    %rax
        orq     $TF, %rax
        pushq   %rax
        popfq
.endm

ss_basic:
        tf_on
        andq    $~TF, %rax                  # 6 bytes; first #DB after it
1:      pushq   %rax
        popfq
        leaq    1b(%rip), %rax
        ret

ss_emulated:
        pushq   %rbx
        tf_on
        andq    $~TF, %rax
1:      pushq   %rax
        xorq    %rax, %rax                  # 3 bytes
        cpuid                               # 2
        movl    $COM1_LSR_PORT, %edx        # 5
        inb     %dx, %al                    # 1
        popfq                               # 1
        leaq    1b(%rip), %rax
        popq    %rbx
        ret

ss_sti:
        cli
        tf_on
        sti                                 # STI blocking does not delay #DB: it follows the sti
1:      andq    $~TF, %rax
        pushq   %rax
        popfq
        leaq    1b(%rip), %rax
        cli
        ret

ss_movss:
        pushfq
        popq    %rax
        orq     $TF, %rax
        pushq   %rax
        movw    %ss, %ax
        popfq
        movw    %ax, %ss                    # MOV SS blocking: its #DB merges with the next one's
        andq    $~TF, %rax
1:      pushq   %rax
        popfq
        leaq    1b(%rip), %rax
        ret

ss_movss_icebp:
        pushfq
        popq    %rax
        orq     $TF, %rax
        pushq   %rax
        movw    %ss, %ax
        popfq
        movw    %ax, %ss
        .byte   0xf1                        # ICEBP in the MOV SS shadow: one #DB, no BS
1:      .byte   0xf1
        andq    $~TF, %rax
        pushq   %rax
        popfq
        leaq    1b(%rip), %rax
        ret

ss_movss_gd:
        movq    dr6_control(%rip), %rdx
        movq    $DR7_GD, %rax
        movq    %rax, %dr7
        pushfq
        popq    %rax
        orq     $TF, %rax
        pushq   %rax
        movw    %ss, %ax
        popfq
        movw    %ax, %ss
1:      movq    %rdx, %dr6                  # general detect: a fault, BS of the MOV SS is lost
        andq    $~TF, %rax
        pushq   %rax
        popfq
        leaq    1b(%rip), %rax
        ret

# ---------------------------------------------------------------------------------------------------------
# MOV SS + watchpoint: the read of `value` by MOV SS matches DR1 and its #DB is held for one instruction.
precise_tests:
        movq    $DR7_FIXED, %rax
        movq    %rax, %dr7
        leaq    value(%rip), %rax
        movq    %rax, %dr1
        movq    $SEL_DATA, value(%rip)
        movq    $DR7_WP_DR1_RW4, %rax
        movq    %rax, %dr7
        movq    $1, precise(%rip)

        movq    $1, n(%rip)
        movw    value(%rip), %ss
        .byte   0x2e, 0x2e, 0xf1            # cs cs icebp: one #DB for both
        cmpq    $3, n(%rip)
        sete    %dil
        movzbl  %dil, %edi
        call    expect
        leaq    t_precise_icebp(%rip), %rdi
        call    report

        movq    $1, n(%rip)
        movw    value(%rip), %ss
        int     $1                          # the held #DB, then the software interrupt: two entries
        cmpq    $7, n(%rip)
        sete    %dil
        movzbl  %dil, %edi
        call    expect
        leaq    t_precise_int1(%rip), %rdi
        call    report

        movq    $1, n(%rip)
        movq    $0, bp_addr(%rip)
        movw    value(%rip), %ss
        .byte   0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0xcc
sw_bp2:
        cmpq    $3, n(%rip)
        sete    %dil
        movzbl  %dil, %edi
        call    expect
        leaq    sw_bp2(%rip), %rax
        cmpq    %rax, bp_addr(%rip)
        sete    %dil
        movzbl  %dil, %edi
        call    expect
        leaq    t_precise_int3(%rip), %rdi
        call    report

        movq    $0, precise(%rip)
        movq    $DR7_FIXED, %rax
        movq    %rax, %dr7
        xorl    %eax, %eax
        movq    %rax, %dr1
        movl    $DR6_FIXED, %eax
        movq    %rax, %dr6
        ret

# ---------------------------------------------------------------------------------------------------------
# guest_trap(rdi = vector, rsi = frame)
        .type   guest_trap, @function
guest_trap:
        cmpq    $VEC_DB, %rdi
        je      trap_db
        cmpq    $VEC_BP, %rdi
        je      trap_bp
        cmpq    $VEC_UD, %rdi
        je      trap_ud
        jmp     trap_unexpected

trap_db:
        cmpq    $0, precise(%rip)
        je      1f
        movq    n(%rip), %rax               # precise mode: n = 2n + 1 per entry
        leaq    1(%rax, %rax), %rax
        movq    %rax, n(%rip)
        ret
1:      movq    n(%rip), %rcx
        cmpq    $MAX_DB, %rcx
        jae     3f
        movq    FRAME_RIP(%rsi), %rax
        leaq    db_addr(%rip), %rdx
        movq    %rax, (%rdx, %rcx, 8)
        movq    %dr6, %rax
        leaq    db_dr6(%rip), %rdx
        movq    %rax, (%rdx, %rcx, 8)
        # An instruction breakpoint fires again on return unless RF is set in the frame.
        testq   $DR6_B2, %rax
        jz      2f
        orq     $RF, FRAME_RFLAGS(%rsi)
2:      incq    %rcx
        movq    %rcx, n(%rip)
        cmpq    $MAX_DB, %rcx
        jb      4f
3:      andq    $~TF, FRAME_RFLAGS(%rsi)
        movq    $DR7_FIXED, %rax
        movq    %rax, %dr7
4:      ret

trap_bp:
        movq    FRAME_RIP(%rsi), %rax
        leaq    user_exit(%rip), %rdx
        cmpq    %rdx, %rax
        jne     1f
        # The end of a ring-3 test: resume kernel_resume at CPL 0 on the saved kernel stack.
        leaq    kernel_resume(%rip), %rax
        movq    %rax, FRAME_RIP(%rsi)
        movq    $SEL_CODE64, FRAME_CS(%rsi)
        movq    $2, FRAME_RFLAGS(%rsi)
        movq    kernel_rsp(%rip), %rax
        movq    %rax, FRAME_RSP(%rsi)
        movq    $SEL_DATA, FRAME_SS(%rsi)
        ret
1:      movq    %rax, bp_addr(%rip)
        ret

trap_ud:
        movq    %cr4, %rax
        andq    $~CR4_DE, %rax
        movq    %rax, %cr4
        movq    $1, got_ud(%rip)
        ret

trap_unexpected:
        movq    %rdi, %rbx
        movq    %rsi, %r12
        leaq    msg_unexpected(%rip), %rdi
        call    puts
        movq    %rbx, %rdi
        call    put_dec
        leaq    msg_at(%rip), %rdi
        call    puts
        movq    FRAME_RIP(%r12), %rdi
        call    put_hex64
        movl    $'\n', %edi
        call    putc
        movl    $0x7e, %edi
        call    exit_guest

        .section .rodata
        .balign 8
ss_tests:
        ss_test ss_basic, t_ss_basic, 1, 3
        .quad   0, K_BS, 1, K_BS, 2, K_BS
        ss_test ss_emulated, t_ss_emulated, 1, 7
        .quad   0, K_BS, 1, K_BS, 4, K_BS, 6, K_BS, 11, K_BS, 12, K_BS, 13, K_BS
        ss_test ss_movss, t_ss_movss, 1, 3
        .quad   0, K_BS, 1, K_BS, 2, K_BS
ss_tests_end:
strict_ss_tests:
        ss_test ss_sti, t_ss_sti, 1, 4
        .quad   0, K_BS, 6, K_BS, 7, K_BS, 8, K_BS
        ss_test ss_movss_icebp, t_ss_movss_icebp, 1, 5
        .quad   0, K_ICEBP, 1, K_ICEBP, 7, K_BS, 8, K_BS, 9, K_BS
        ss_test ss_movss_gd, t_ss_movss_gd, 0, 5
        .quad   0, K_BD, 3, K_BS, 9, K_BS, 10, K_BS, 11, K_BS
strict_ss_tests_end:

t_dr4:            .asciz "DR4 == DR6 with CR4.DE = 0"
t_dr4_ud:         .asciz "DR4 read raises #UD with CR4.DE = 1"
t_bp:             .asciz "#BP return address is after the int3"
t_hw_bp1:         .asciz "DR2 instruction breakpoint (DR6.BS not set)"
t_hw_bp2:         .asciz "DR2 instruction breakpoint (DR6.BS not cleared)"
t_ss_basic:       .asciz "single-step #DB basic"
t_ss_emulated:    .asciz "single-step #DB over cpuid and in"
t_ss_sti:         .asciz "single-step #DB with STI blocking"
t_ss_movss:       .asciz "single-step #DB with MOV SS blocking"
t_ss_movss_icebp: .asciz "single-step + ICEBP #DB with MOV SS blocking"
t_ss_movss_gd:    .asciz "single-step #DB with MOV SS blocking and DR7.GD"
t_hw_wp1:         .asciz "4-byte write watchpoint (DR6.BS not cleared)"
t_hw_wp2:         .asciz "4-byte write watchpoint (DR6.BS not set)"
t_icebp:          .asciz "ICEBP"
t_io:             .asciz "I/O breakpoint only with CR4.DE, trap after the OUT"
t_precise_icebp:  .asciz "MOV SS + watchpoint + ICEBP: one #DB"
t_precise_int1:   .asciz "MOV SS + watchpoint + INT 1: #DB then the interrupt"
t_precise_int3:   .asciz "MOV SS + watchpoint + INT3: one #DB and one #BP"
msg_pass:         .asciz "PASS: "
msg_fail:         .asciz "FAIL: "
msg_usermode:     .asciz "CPL3 "
msg_summary:      .asciz "debug_unit: "
msg_failures:     .asciz " failures\n"
msg_unexpected:   .asciz "debug_unit: unexpected trap "
msg_at:           .asciz " at "
msg_n:            .asciz "n="
cmd_strict:       .asciz "strict"
msg_strict:       .asciz "debug_unit: strict (hardware-exact checks QEMU TCG 7.2 gets wrong)\n"

        .data
        .balign 8
value:          .quad 0
n:              .quad 0
bad:            .quad 0
fails:          .quad 0
bp_addr:        .quad 0
got_ud:         .quad 0
precise:        .quad 0
in_user_report: .quad 0
strict:         .quad 0
dr6_control:    .quad 0
dr6_base:       .quad 0
saved_cr4:      .quad 0
kernel_rsp:     .quad 0
user_fn:        .quad 0
db_addr:        .fill MAX_DB, 8, 0
db_dr6:         .fill MAX_DB, 8, 0

        .bss
        .balign 16
user_stack:     .skip 4096
user_stack_top:
