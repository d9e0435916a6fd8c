/* store: being written. */
#include "config.h"
