/* audit: being written. */
#include "config.h"
