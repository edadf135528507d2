/* The Cortex-M start-up for the C firmware example: the vector table, and
 * a reset handler that enables the FPU (the library and newlib are built
 * for the hard-float ABI), copies .data from flash, clears .bss, opens
 * newlib's semihosting console and calls main. Nothing here is specific
 * to the locker library. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern uint32_t __stack_top[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start__[], __bss_end__[];

extern int main(void);
/* librdimon: stdin/stdout/stderr over semihosting. */
extern void initialise_monitor_handles(void);
/* newlib: runs the constructors (none here, but cheap to keep right). */
extern void __libc_init_array(void);

void reset_handler(void);
static void fault_handler(void);

/* Initial stack pointer, then the handlers: reset, NMI, hard fault,
 * memory management, bus and usage faults. */
__attribute__((section(".vectors"), used)) static void (*const vectors[])(void) = {
    (void (*)(void))__stack_top,
    reset_handler,
    fault_handler,
    fault_handler,
    fault_handler,
    fault_handler,
    fault_handler,
};

/* Coprocessor Access Control Register: full access to CP10 and CP11. */
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

void reset_handler(void) {
  CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  memcpy(__data_start, __data_load,
         (size_t)((char *)__data_end - (char *)__data_start));
  memset(__bss_start__, 0, (size_t)((char *)__bss_end__ - (char *)__bss_start__));
  initialise_monitor_handles();
  __libc_init_array();
  exit(main());
}

/* A fault is a failed run: leave with a non-zero status. */
static void fault_handler(void) { _Exit(3); }

/* newlib's __libc_init_array and exit call _init and _fini: nothing to do. */
void _init(void) {}
void _fini(void) {}
