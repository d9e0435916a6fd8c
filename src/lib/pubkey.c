/* pubkey: being written. */
#include "config.h"
