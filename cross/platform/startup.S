/* SPDX-License-Identifier: MIT */
/* Start-up code for tinymem's bare-metal Cortex-M builds (QEMU mps2-an385 / mps2-an386, or a
 * real board with the same memory map). Thumb assembly that every Cortex-M (v6-M, v7-M, v7E-M)
 * can execute.
 *
 * The cross files list this file in cpp_link_args, so the compiler driver assembles it into every
 * program it links, Meson's sanity check included. Newlib's _start (rdimon-crt0, selected by
 * --specs=rdimon.specs) then clears .bss, runs the constructors, sets up semihosting (printf goes
 * to the host, exit(n) becomes QEMU's exit status) and calls main.
 */
    .syntax unified
    .thumb

/* ---- vector table: placed first in ROM by mps2.ld (address 0 is where the core boots) ---- */
    .section .vectors, "a", %progbits
    .align 2
    .global __vectors
__vectors:
    .word __stack_top          /* initial main stack pointer, loaded by the hardware */
    .word Reset_Handler        /* reset */
    .word Fault_Handler        /* NMI */
    .word Fault_Handler        /* HardFault */
    .word Fault_Handler        /* MemManage (v7-M) */
    .word Fault_Handler        /* BusFault (v7-M) */
    .word Fault_Handler        /* UsageFault (v7-M): unaligned access, divide by 0, undefined */
    .word 0, 0, 0, 0           /* reserved */
    .word Fault_Handler        /* SVCall */
    .word Fault_Handler        /* DebugMonitor */
    .word 0                    /* reserved */
    .word Fault_Handler        /* PendSV */
    .word Fault_Handler        /* SysTick */

    .text

/* ---- reset: enable the FPU, copy .data, hand over to newlib ---- */
    .align 1
    .global Reset_Handler
    .thumb_func
    .type Reset_Handler, %function
Reset_Handler:
#if defined(__ARM_FP)
    /* Hard-float code traps (NOCP UsageFault) until CPACR grants access to CP10 and CP11.
     * newlib's _start does not do this, so it must happen before any C code runs. */
    ldr r0, =0xE000ED88        /* CPACR */
    ldr r1, [r0]
    ldr r2, =(0xF << 20)       /* CP10 and CP11: full access */
    orrs r1, r1, r2
    str r1, [r0]
    dsb
    isb
#endif
    /* .data is linked to run in RAM but stored in ROM (a real board loses RAM at power-off):
     * copy it word by word. QEMU loads both images, so the copy is idempotent there. */
    ldr r0, =__data_start
    ldr r1, =__data_end
    ldr r2, =__data_load
1:  cmp r0, r1
    bhs 2f
    ldr r3, [r2]
    str r3, [r0]
    adds r0, r0, #4
    adds r2, r2, #4
    b 1b
2:  ldr r0, =_start            /* newlib: clears .bss, constructors, main, exit */
    bx r0
    .size Reset_Handler, . - Reset_Handler

/* ---- any fault or unexpected interrupt: report and stop QEMU with a failure status ---- */
    .align 1
    .global Fault_Handler
    .weak Fault_Handler
    .thumb_func
    .type Fault_Handler, %function
Fault_Handler:
    /* Semihosting SYS_WRITE0 (0x04): print the message. */
    movs r0, #0x04
    ldr r1, =fault_message
    bkpt 0xAB
    /* Semihosting SYS_EXIT (0x18) with ADP_Stopped_RunTimeErrorUnknown: QEMU exits with 1. */
    movs r0, #0x18
    ldr r1, =0x20023
    bkpt 0xAB
3:  b 3b
    .size Fault_Handler, . - Fault_Handler

    .section .rodata
fault_message:
    .asciz "*** Cortex-M fault or unexpected exception: stopping\n"
