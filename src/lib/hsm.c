/* hsm: being written. */
#include "config.h"
