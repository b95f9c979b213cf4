/*
** old_sqlite.c: loads the papers extension as if into an old SQLite, to test
** that it refuses with a message naming both versions.
**
**   old_sqlite ./papers.so      prints the load error and the return code
**
** sqlite3_papers_init() is called directly with an API table that reports
** SQLite 3.37.2; the init reads nothing else of the table before refusing
** but sqlite3_mprintf, which is the real one.
*/
#include <dlfcn.h>
#include <sqlite3ext.h>
#include <stdio.h>
#include <string.h>

/* sqlite3ext.h routes these names through an API table; the real ones are wanted */
#undef sqlite3_mprintf
#undef sqlite3_free

typedef int (*InitFunc)(sqlite3 *, char **, const sqlite3_api_routines *);

static int old_version_number(void) {
  return 3037002;
}

static const char *old_version(void) {
  return "3.37.2";
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: old_sqlite PATH-TO-papers.so\n");
    return 2;
  }
  void *pLib = dlopen(argv[1], RTLD_NOW);
  if (pLib == 0) {
    fprintf(stderr, "old_sqlite: %s\n", dlerror());
    return 2;
  }
  InitFunc xInit = (InitFunc)dlsym(pLib, "sqlite3_papers_init");
  if (xInit == 0) {
    fprintf(stderr, "old_sqlite: no sqlite3_papers_init in %s\n", argv[1]);
    return 2;
  }
  sqlite3_api_routines api;
  memset(&api, 0, sizeof(api));
  api.libversion_number = old_version_number;
  api.libversion = old_version;
  api.mprintf = sqlite3_mprintf;
  api.free = sqlite3_free;
  char *zErr = 0;
  int rc = xInit(0, &zErr, &api);
  printf("rc=%d: %s\n", rc, zErr ? zErr : "(no message)");
  sqlite3_free(zErr);
  dlclose(pLib);
  return 0;
}
