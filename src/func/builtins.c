/*
 * src/func/builtins.c — registers every built-in function of src/func/.
 *
 * One registration call per source file; the order decides overload
 * preference between files only where names overlap (they do not).
 * Called once by func_init() (registry.c).
 *
 * INTERFACE: func_register_builtins
 */
#include "func/func_internal.h"

void func_register_builtins(void);
void func_register_builtins(void)
{
    func_register_ops_arith();
    func_register_ops_compare();
    func_register_agg_builtins();
    func_register_string();
    func_register_like();
    func_register_math();
    func_register_datetime_fn();
    func_register_misc();
    func_register_array();
    func_register_bytea();
    func_register_bit();
}
