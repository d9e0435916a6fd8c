/* crl: being written. */
#include "config.h"
