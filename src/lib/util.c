/* util: being written. */
#include "config.h"
