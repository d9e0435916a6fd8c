/* sigalg: being written. */
#include "config.h"
