/* x509: being written. */
#include "config.h"
