#ifndef CLV_LINT_H
#define CLV_LINT_H
#endif
