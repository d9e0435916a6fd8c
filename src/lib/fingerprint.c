/* fingerprint: being written. */
#include "config.h"
