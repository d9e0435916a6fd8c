#ifndef CONSOLE_H
#define CONSOLE_H
#endif
