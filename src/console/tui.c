/* The full-screen console: being written. */
#include "config.h"
