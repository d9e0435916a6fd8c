/* The ceremony transcript: see transcript.c and conclave-transcript(5). */
#ifndef CLV_TRANSCRIPT_H
#define CLV_TRANSCRIPT_H
#include "clv.h"
#endif
