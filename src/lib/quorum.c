/* quorum: being written. */
#include "config.h"
