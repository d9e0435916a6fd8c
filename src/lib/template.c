/* template: being written. */
#include "config.h"
