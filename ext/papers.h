/*
** papers.h: the public interface of the papers SQLite extension.
**
** A program that links papers in (built with -DSQLITE_CORE) registers it on
** every connection it opens afterwards with
**
**   sqlite3_auto_extension((void (*)(void))sqlite3_papers_init);
**
** A loadable build needs no header: SQLite finds sqlite3_papers_init from
** the library's file name.
*/
#ifndef PAPERS_H
#define PAPERS_H

#include "sqlite3.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Registers papers' functions and tables on db; SQLITE_ERROR with *pzErrMsg
** (sqlite3_malloc'd) on a SQLite older than papers needs. */
int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

#ifdef __cplusplus
}
#endif

#endif /* PAPERS_H */
