#ifndef PLANPORTAL_CARGON2_SHIM_H
#define PLANPORTAL_CARGON2_SHIM_H
#include <argon2.h>
#endif
