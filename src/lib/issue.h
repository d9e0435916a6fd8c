#ifndef CLV_ISSUE_H
#define CLV_ISSUE_H
#endif
