/**
 * The fake arch's descriptor encoding (tests/fake-arch/mm.c): out of line, so every use is
 * checked against the seam's contract as it happens (see mm.c).
 */
#ifndef ARCH_MM_PTE_H
#define ARCH_MM_PTE_H

#include <skiff/arch_mm.h> /* the types; it includes this file back at its end */

pte_t arch_mm_pte_absent(void);
pte_t arch_mm_pte_table(paddr_t next);
pte_t arch_mm_pte_leaf(enum mm_stage stage, unsigned level, paddr_t pa, mm_mode_t mode);
bool arch_mm_pte_valid(pte_t pte);
bool arch_mm_pte_is_table(pte_t pte, unsigned level);
paddr_t arch_mm_pte_addr(pte_t pte);
mm_mode_t arch_mm_pte_mode(enum mm_stage stage, pte_t pte);
pte_t arch_mm_pte_soft(uint64_t value);
uint64_t arch_mm_pte_soft_value(pte_t pte);
bool arch_mm_pte_young(pte_t pte);
pte_t arch_mm_pte_set_young(pte_t pte, bool young);
void arch_mm_pte_write(pte_t *slot, pte_t pte);

#endif
