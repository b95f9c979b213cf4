/*
** format_arxiv_mail.h: what the two files of the "arxiv-mail" format share.
**
**   format_arxiv_mail.c          the parse: detection, one entry per step
**   format_arxiv_mail_columns.c  the columns the record does not hold as
**                                they are: abstract, authors, extra, url,
**                                and those a mailing never states
**
** The parse keeps its state (MailState) in PapersParser.pState; the columns
** read the current entry's part of it.
*/
#ifndef PAPERS_FORMAT_ARXIV_MAIL_H
#define PAPERS_FORMAT_ARXIV_MAIL_H

#include "parse.h"

/* Header fields record.c has no column for, kept for the extra column. */
#define MAIL_MAX_EXTRA_FIELD 8

typedef struct MailExtraField {
  PapersSpan name;  /* "MSC-class" */
  PapersSpan value; /* the value with its continuation lines */
} MailExtraField;

typedef struct MailState {
  int inSubjects; /* the banner's "Submissions to:" list is being read */
  /* a line of the current abstract after its first starts with a space or a
  ** tab: the abstract may have more than one paragraph */
  int hasIndentedLine;
  PapersIdSet ids; /* the ids seen so far, with their announce kinds */
  /* the current entry, beyond the record */
  PapersSpan size; /* "415kb" or "37kb,D", inside the parentheses */
  int isDatePlain; /* the date text is written as arXiv writes it: it folds
                   ** to itself (mail_read_usual_date) */
  int nExtra;
  MailExtraField aExtra[MAIL_MAX_EXTRA_FIELD];
} MailState;

static inline int mail_is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* xColumn of the format: an entry's column iCol from p->rec and MailState. */
void papers_mail_column(const PapersParser *p, sqlite3_context *pCtx, int iCol);

#endif /* PAPERS_FORMAT_ARXIV_MAIL_H */
