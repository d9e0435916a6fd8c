/* lint: being written. */
#include "config.h"
