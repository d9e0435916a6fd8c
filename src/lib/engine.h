#ifndef CLV_ENGINE_H
#define CLV_ENGINE_H
#endif
