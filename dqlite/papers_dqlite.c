/*
** papers_dqlite.c: one node of a dqlite cluster whose SQLite knows papers.
**
**   papers-dqlite --id N --address IP:PORT --dir DIR --cluster A1,A2,...
**                 [--latency-ms MS]
**
** Contract:
**   - registers the extension with sqlite3_auto_extension before the node
**     starts, so every connection dqlite opens in this process (the leader's
**     and the followers') has papers' functions and tables;
**   - node N is the N-th address of --cluster, and --address must be that
**     address (an IPv4 address and a port: libdqlite 1.11 binds no other);
**     it listens there for clients and for the other nodes;
**   - a fresh DIR (no raft metadata yet) gets the whole cluster as its first
**     configuration (dqlite_node_recover), so the nodes of a new cluster
**     agree on it without a join step; a DIR that holds a node's state is
**     started as it is, and the node catches up from the leader;
**   - raft ids are N + 1: libdqlite 1.11 bootstraps a node whose id is 1 as
**     a cluster of its own when it starts, which would contradict the
**     configuration written here; a cluster of one address is that case: its
**     node is raft id 1 and bootstraps itself (libraft 0.15 never commits in
**     a one-voter cluster written by dqlite_node_recover);
**   - --latency-ms sets dqlite's network latency (heartbeat 1.5x, election
**     timeout 15x); without it dqlite's defaults apply;
**   - ignores SIGPIPE (a peer that dies mid-write must not end this node);
**     SIGTERM or SIGINT stops the node cleanly and exits 0;
**   - a bad argument or a failure to start prints a message naming it on
**     stderr and exits 1.
*/
#include <dqlite.h>
#include <sqlite3.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The extension's entry point, compiled into this program (-DSQLITE_CORE). */
int sqlite3_papers_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

#define NODE_MAX_NODES   16    /* addresses accepted in --cluster */
#define NODE_MAX_ADDRESS 255   /* bytes of one address (dqlite's own limit) */
#define NODE_MAX_LATENCY 10000 /* milliseconds of --latency-ms */
#define NODE_MAX_DIR     4000  /* bytes of --dir, so that its file names fit */

/* The command line, checked. */
typedef struct NodeArgs {
  int iNode;                                           /* 1-based position in aAddress */
  const char *zAddress;                                /* --address */
  const char *zDir;                                    /* --dir */
  int nAddress;                                        /* addresses in --cluster */
  char aAddress[NODE_MAX_NODES][NODE_MAX_ADDRESS + 1]; /* --cluster, split */
  int nLatencyMs; /* --latency-ms; 0: dqlite's default */
} NodeArgs;

static int usage(const char *zWhy, const char *zValue) {
  fprintf(stderr, "papers-dqlite: %s%s%s\n", zWhy, zValue ? ": " : "",
          zValue ? zValue : "");
  fprintf(stderr, "usage: papers-dqlite --id N --address IP:PORT --dir DIR "
                  "--cluster ADDR1,ADDR2,... [--latency-ms MS]\n");
  return 1;
}

/* Splits zList on commas into pArgs->aAddress. Returns 0, or 1 after a
** message naming the bad value. */
static int split_cluster(const char *zList, NodeArgs *pArgs) {
  const char *z = zList;
  pArgs->nAddress = 0;
  for (;;) {
    size_t n = strcspn(z, ",");
    if (n == 0 || n > NODE_MAX_ADDRESS)
      return usage("--cluster: each address must be 1 to 255 bytes", zList);
    if (pArgs->nAddress == NODE_MAX_NODES)
      return usage("--cluster: at most 16 addresses", zList);
    memcpy(pArgs->aAddress[pArgs->nAddress], z, n);
    pArgs->aAddress[pArgs->nAddress][n] = 0;
    pArgs->nAddress++;
    if (z[n] == 0)
      return 0;
    z += n + 1;
  }
}

/* A whole decimal number in [1, iMax], or 0. */
static int parse_count(const char *z, int iMax) {
  char *zEnd = 0;
  errno = 0;
  long v = strtol(z, &zEnd, 10);
  if (errno != 0 || zEnd == z || *zEnd != 0 || v < 1 || v > iMax)
    return 0;
  return (int)v;
}

/* Reads argv into pArgs. Returns 0, or 1 after a message. */
static int parse_args(int argc, char **argv, NodeArgs *pArgs) {
  const char *zId = 0, *zCluster = 0, *zLatency = 0;
  memset(pArgs, 0, sizeof(*pArgs));
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc)
      return usage("missing value after", argv[i]);
    const char *zValue = argv[i + 1];
    if (strcmp(argv[i], "--id") == 0)
      zId = zValue;
    else if (strcmp(argv[i], "--address") == 0)
      pArgs->zAddress = zValue;
    else if (strcmp(argv[i], "--dir") == 0)
      pArgs->zDir = zValue;
    else if (strcmp(argv[i], "--cluster") == 0)
      zCluster = zValue;
    else if (strcmp(argv[i], "--latency-ms") == 0)
      zLatency = zValue;
    else
      return usage("unknown option", argv[i]);
  }
  if (zId == 0 || pArgs->zAddress == 0 || pArgs->zDir == 0 || zCluster == 0)
    return usage("--id, --address, --dir and --cluster are required", 0);
  if (strlen(pArgs->zDir) > NODE_MAX_DIR)
    return usage("--dir must be at most 4000 bytes", pArgs->zDir);
  if (split_cluster(zCluster, pArgs))
    return 1;
  pArgs->iNode = parse_count(zId, pArgs->nAddress);
  if (pArgs->iNode == 0)
    return usage("--id must be between 1 and the number of --cluster addresses", zId);
  if (strcmp(pArgs->aAddress[pArgs->iNode - 1], pArgs->zAddress) != 0)
    return usage("--address must be the --id-th address of --cluster", pArgs->zAddress);
  if (zLatency) {
    pArgs->nLatencyMs = parse_count(zLatency, NODE_MAX_LATENCY);
    if (pArgs->nLatencyMs == 0)
      return usage("--latency-ms must be between 1 and 10000", zLatency);
  }
  return 0;
}

/* True when zDir holds no raft metadata: this node never ran there. */
static int dir_is_fresh(const char *zDir) {
  char zPath[NODE_MAX_DIR + 16];
  for (int i = 1; i <= 2; i++) {
    snprintf(zPath, sizeof(zPath), "%s/metadata%d", zDir, i);
    if (access(zPath, F_OK) == 0)
      return 0;
  }
  return 1;
}

/* The raft id of the iNode-th (1-based) node of pArgs's cluster. */
static dqlite_node_id raft_id(const NodeArgs *pArgs, int iNode) {
  return pArgs->nAddress == 1 ? 1 : (dqlite_node_id)iNode + 1;
}

/* Writes the cluster of pArgs as the first configuration of a fresh node. */
static int write_configuration(dqlite_node *pNode, const NodeArgs *pArgs) {
  dqlite_node_info aInfo[NODE_MAX_NODES];
  for (int i = 0; i < pArgs->nAddress; i++) {
    aInfo[i].id = raft_id(pArgs, i + 1);
    aInfo[i].address = pArgs->aAddress[i];
  }
  return dqlite_node_recover(pNode, aInfo, pArgs->nAddress);
}

/* Creates, configures and starts the node. Returns it, or 0 after a message. */
static dqlite_node *node_start(const NodeArgs *pArgs) {
  dqlite_node *pNode = 0;
  int isFresh = dir_is_fresh(pArgs->zDir);
  int rc = dqlite_node_create(raft_id(pArgs, pArgs->iNode), pArgs->zAddress, pArgs->zDir,
                              &pNode);
  if (rc != 0) {
    /* libdqlite versions differ on what a failed create leaves: touch nothing */
    fprintf(stderr, "papers-dqlite: node %d (%s): dqlite_node_create failed (%d)\n",
            pArgs->iNode, pArgs->zAddress, rc);
    return 0;
  }
  const char *zStep = "dqlite_node_set_bind_address (a free port? an IPv4 address?)";
  rc = dqlite_node_set_bind_address(pNode, pArgs->zAddress);
  if (rc == 0 && pArgs->nLatencyMs) {
    zStep = "dqlite_node_set_network_latency_ms";
    rc = dqlite_node_set_network_latency_ms(pNode, (unsigned)pArgs->nLatencyMs);
  }
  if (rc == 0 && isFresh && pArgs->nAddress > 1) {
    zStep = "dqlite_node_recover";
    rc = write_configuration(pNode, pArgs);
  }
  if (rc == 0) {
    zStep = "dqlite_node_start";
    rc = dqlite_node_start(pNode);
  }
  if (rc != 0) {
    const char *zWhy = dqlite_node_errmsg(pNode);
    fprintf(stderr, "papers-dqlite: node %d (%s): %s failed (%d)%s%s\n", pArgs->iNode,
            pArgs->zAddress, zStep, rc, zWhy && zWhy[0] ? ": " : "", zWhy ? zWhy : "");
    dqlite_node_destroy(pNode);
    return 0;
  }
  printf("papers-dqlite: node %d (raft id %llu) serving %s from %s (%s)\n", pArgs->iNode,
         raft_id(pArgs, pArgs->iNode), pArgs->zAddress, pArgs->zDir,
         isFresh ? "new" : "restarted");
  fflush(stdout);
  return pNode;
}

int main(int argc, char **argv) {
  NodeArgs args;
  if (parse_args(argc, argv, &args))
    return 1;
  if (mkdir(args.zDir, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "papers-dqlite: --dir %s: %s\n", args.zDir, strerror(errno));
    return 1;
  }
  int rc = sqlite3_auto_extension((void (*)(void))sqlite3_papers_init);
  if (rc != SQLITE_OK) {
    fprintf(stderr, "papers-dqlite: sqlite3_auto_extension failed (%d)\n", rc);
    return 1;
  }

  /* Block the stop signals before dqlite starts its thread, which inherits
  ** the mask, so that only sigwait() below receives them. */
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, 0);
  signal(SIGPIPE, SIG_IGN);

  dqlite_node *pNode = node_start(&args);
  if (pNode == 0)
    return 1;
  int iSignal = 0;
  sigwait(&stopSignals, &iSignal);
  rc = dqlite_node_stop(pNode);
  dqlite_node_destroy(pNode);
  if (rc != 0) {
    fprintf(stderr, "papers-dqlite: node %d: dqlite_node_stop failed (%d)\n", args.iNode,
            rc);
    return 1;
  }
  printf("papers-dqlite: node %d stopped (%s)\n", args.iNode,
         iSignal == SIGTERM ? "SIGTERM" : "SIGINT");
  return 0;
}
