/* verify: being written. */
#include "config.h"
