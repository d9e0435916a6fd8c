/* conf: being written. */
#include "config.h"
