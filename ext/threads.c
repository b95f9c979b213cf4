/*
** threads.c: work run on a second thread where there is one, else inline.
**
** Contract:
**   - papers_side_start(p, xRun, pArg, isThreadable) runs xRun(pArg) on a
**     new thread when the build has threads (PAPERS_THREADS), isThreadable
**     says the caller allows it, and the thread can be started; otherwise it
**     runs xRun(pArg) on the calling thread before returning. Either way
**     papers_side_join(p) returns once xRun has returned, so the caller sees
**     the same result: the build without threads (the allocation-failure
**     harness, WebAssembly, Windows) does the same work, in an order of its
**     own that no result depends on.
**   - xRun must not call SQLite on the connection (interrupts, progress
**     handlers and every write stay on the connection's thread), and it may
**     allocate only where the caller knows SQLite's allocator is safe from
**     two threads (index_build_may_thread()).
**   - papers_side_mutex_new() and its lock, unlock and free guard what the
**     two threads share; without threads there is no lock (0) and they do
**     nothing, so a build without mutex functions (SQLITE_THREADSAFE=0,
**     WebAssembly) links.
**   - Used by the latent fit's halves (latent.c), rebuild's weighing and
**     postings (index_build.c) and rebuild's analysis (index_build_rows.c).
*/
#include "papers_internal.h"

#if PAPERS_THREADS
static void *threads_side_main(void *pArg) {
  PapersSide *p = pArg;
  p->xRun(p->pArg);
  return 0;
}
#endif

void papers_side_start(PapersSide *p, void (*xRun)(void *), void *pArg,
                       int isThreadable) {
  p->xRun = xRun;
  p->pArg = pArg;
  p->hasThread = 0;
#if PAPERS_THREADS
  if (isThreadable)
    p->hasThread = pthread_create(&p->thread, 0, threads_side_main, p) == 0;
#else
  (void)isThreadable;
#endif
  if (!p->hasThread)
    xRun(pArg);
}

void papers_side_join(PapersSide *p) {
#if PAPERS_THREADS
  if (p->hasThread)
    pthread_join(p->thread, 0);
#endif
  p->hasThread = 0;
}

sqlite3_mutex *papers_side_mutex_new(void) {
#if PAPERS_THREADS
  return sqlite3_mutex_alloc(SQLITE_MUTEX_FAST);
#else
  return 0;
#endif
}

void papers_side_mutex_free(sqlite3_mutex *pMutex) {
#if PAPERS_THREADS
  sqlite3_mutex_free(pMutex);
#else
  assert(pMutex == 0);
#endif
}

void papers_side_lock(sqlite3_mutex *pMutex) {
#if PAPERS_THREADS
  sqlite3_mutex_enter(pMutex);
#else
  assert(pMutex == 0);
#endif
}

void papers_side_unlock(sqlite3_mutex *pMutex) {
#if PAPERS_THREADS
  sqlite3_mutex_leave(pMutex);
#else
  assert(pMutex == 0);
#endif
}
