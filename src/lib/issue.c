/* issue: being written. */
#include "config.h"
