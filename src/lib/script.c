/* script: being written. */
#include "config.h"
