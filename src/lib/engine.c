/* engine: being written. */
#include "config.h"
