/* der: being written. */
#include "config.h"
