/* transcript: being written. */
#include "config.h"
