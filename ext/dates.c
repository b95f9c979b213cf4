/*
** dates.c: calendar dates as digests print them and as papers returns them.
**
** Contract:
**   - A PapersDate is a proleptic Gregorian date packed as yyyymmdd, years
**     1..9999; 0 means "no date". papers_date_to_iso() writes it as ISO 8601.
**   - papers_date_text_parse() reads "Mar 17", "Mar 17, 2024" and "March 17,
**     2024" (English month names or their three-letter forms, any case) from
**     the start of a folded line; the caller decides what may follow.
**   - papers_date_anchor() gives a date printed without a year the year that
**     puts it on or before the anchor (the latest such year), so "Dec 30" read
**     on 2026-01-02 is 2025-12-30.
**   - papers_date_today() reads the clock of SQLite's default VFS; it is only
**     used when the caller gave no date to anchor on.
*/
#include "parse.h"

#include <string.h>

static int date_is_leap_year(int iYear) {
  return (iYear % 4 == 0 && iYear % 100 != 0) || iYear % 400 == 0;
}

static int date_days_in_month(int iYear, int iMonth) {
  static const unsigned char aDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return iMonth == 2 && date_is_leap_year(iYear) ? 29 : aDays[iMonth - 1];
}

int papers_date_make(int iYear, int iMonth, int iDay, PapersDate *pDate) {
  if (iYear < 1 || iYear > 9999 || iMonth < 1 || iMonth > 12)
    return 0;
  if (iDay < 1 || iDay > date_days_in_month(iYear, iMonth))
    return 0;
  *pDate = iYear * 10000 + iMonth * 100 + iDay;
  return 1;
}

static int date_digits_value(const char *z, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (z[i] < '0' || z[i] > '9')
      return -1;
    v = v * 10 + (z[i] - '0');
  }
  return v;
}

/* Accepts exactly YYYY-MM-DD naming a real calendar day. */
int papers_date_from_iso(const char *z, i64 n, PapersDate *pDate) {
  if (n != 10 || z[4] != '-' || z[7] != '-')
    return 0;
  int iYear = date_digits_value(z, 4);
  int iMonth = date_digits_value(z + 5, 2);
  int iDay = date_digits_value(z + 8, 2);
  if (iYear < 0 || iMonth < 0 || iDay < 0)
    return 0;
  return papers_date_make(iYear, iMonth, iDay, pDate);
}

void papers_date_to_iso(PapersDate date, char *zOut11) {
  assert(date >= 101 && date <= 99991231); /* a date papers_date_make made */
  int iYear = date / 10000, iMonth = date / 100 % 100, iDay = date % 100;
  zOut11[0] = (char)('0' + iYear / 1000);
  zOut11[1] = (char)('0' + iYear / 100 % 10);
  zOut11[2] = (char)('0' + iYear / 10 % 10);
  zOut11[3] = (char)('0' + iYear % 10);
  zOut11[4] = '-';
  zOut11[5] = (char)('0' + iMonth / 10);
  zOut11[6] = (char)('0' + iMonth % 10);
  zOut11[7] = '-';
  zOut11[8] = (char)('0' + iDay / 10);
  zOut11[9] = (char)('0' + iDay % 10);
  zOut11[10] = 0;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's days-to-civil method). */
static PapersDate date_from_unix_days(i64 nDays) {
  i64 z = nDays + 719468;
  i64 era = (z >= 0 ? z : z - 146096) / 146097;
  i64 doe = z - era * 146097;
  i64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  i64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  i64 mp = (5 * doy + 2) / 153;
  int iDay = (int)(doy - (153 * mp + 2) / 5 + 1);
  int iMonth = (int)(mp < 10 ? mp + 3 : mp - 9);
  int iYear = (int)(yoe + era * 400 + (iMonth <= 2));
  PapersDate date = 0;
  papers_date_make(iYear, iMonth, iDay, &date);
  return date;
}

PapersDate papers_date_today(void) {
  /* Julian day of 1970-01-01 00:00 in milliseconds */
  const i64 kUnixEpochJulianMs = 210866760000000LL;
  sqlite3_vfs *pVfs = sqlite3_vfs_find(0);
  sqlite3_int64 iJulianMs = 0;
  if (pVfs == 0)
    return 0;
  if (pVfs->iVersion >= 2 && pVfs->xCurrentTimeInt64) {
    pVfs->xCurrentTimeInt64(pVfs, &iJulianMs);
  } else {
    double rJulianDay = 0;
    pVfs->xCurrentTime(pVfs, &rJulianDay);
    iJulianMs = (sqlite3_int64)(rJulianDay * 86400000.0);
  }
  i64 iUnixMs = iJulianMs - kUnixEpochJulianMs;
  i64 nDays = iUnixMs >= 0 ? iUnixMs / 86400000 : -((-iUnixMs + 86399999) / 86400000);
  return date_from_unix_days(nDays);
}

/* 1..12 for an English month name or its three-letter form ("Sept" too), any
** case; 0 otherwise. */
int papers_month_from_name(const char *z, i64 n) {
  /* each name with its length, and its first three letters packed as the
  ** key of an abbreviation: one integer compare a month */
#define DATES_MONTH(zName)                                                               \
  {                                                                                      \
    zName, (i64)sizeof(zName) - 1,                                                       \
        (unsigned)zName[0] | (unsigned)zName[1] << 8 | (unsigned)zName[2] << 16          \
  }
  static const struct {
    const char *zName;
    i64 nName;
    unsigned iKey3;
  } aMonth[] = {DATES_MONTH("january"), DATES_MONTH("february"), DATES_MONTH("march"),
                DATES_MONTH("april"),   DATES_MONTH("may"),      DATES_MONTH("june"),
                DATES_MONTH("july"),    DATES_MONTH("august"),   DATES_MONTH("september"),
                DATES_MONTH("october"), DATES_MONTH("november"), DATES_MONTH("december")};
#undef DATES_MONTH
  char zLower[10];
  if (n < 3 || n > 9)
    return 0;
  for (i64 i = 0; i < n; i++) {
    char c = z[i];
    zLower[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
  }
  unsigned iKey3 = (unsigned char)zLower[0] | (unsigned char)zLower[1] << 8 |
                   (unsigned)(unsigned char)zLower[2] << 16;
  for (int iMonth = 0; iMonth < 12; iMonth++) {
    if (aMonth[iMonth].iKey3 != iKey3)
      continue;
    if (n == 3 || (n == aMonth[iMonth].nName &&
                   memcmp(zLower, aMonth[iMonth].zName, (size_t)n) == 0))
      return iMonth + 1;
  }
  if (n == 4 && memcmp(zLower, "sept", 4) == 0)
    return 9;
  return 0;
}

PapersDate papers_date_anchor(int iMonth, int iDay, PapersDate anchor) {
  int iYear = anchor / 10000;
  /* Feb 29 may need up to 8 years back to find a leap year; nothing else needs 2. */
  for (int iBack = 0; iBack <= 8; iBack++) {
    PapersDate date;
    if (papers_date_make(iYear - iBack, iMonth, iDay, &date) && date <= anchor)
      return date;
  }
  return 0;
}

/* Reads "Month D" with an optional ", YYYY" from the start of a folded line. */
int papers_date_text_parse(const char *z, i64 n, PapersDateText *pOut) {
  i64 nMonth = 0;
  while (nMonth < n && z[nMonth] != ' ')
    nMonth++;
  int iMonth = papers_month_from_name(z, nMonth);
  if (iMonth == 0 || nMonth + 1 >= n)
    return 0;
  i64 iPos = nMonth + 1;
  i64 nDayDigits = papers_digits_len(z + iPos, n - iPos);
  if (nDayDigits < 1 || nDayDigits > 2)
    return 0;
  pOut->iMonth = iMonth;
  pOut->iDay = date_digits_value(z + iPos, (int)nDayDigits);
  pOut->iYear = 0;
  iPos += nDayDigits;
  pOut->nText = iPos;
  if (iPos + 2 < n && z[iPos] == ',' && z[iPos + 1] == ' ') {
    i64 nYearDigits = papers_digits_len(z + iPos + 2, n - iPos - 2);
    if (nYearDigits > 0) {
      int iYear = nYearDigits > 4 ? 0 : date_digits_value(z + iPos + 2, (int)nYearDigits);
      pOut->iYear = iYear > 0 ? iYear : -1;
      pOut->nText = iPos + 2 + nYearDigits;
    }
  }
  return 1;
}

PapersDate papers_date_text_value(const PapersDateText *pDate, PapersDate anchor) {
  PapersDate date = 0;
  if (pDate->iYear > 0) {
    papers_date_make(pDate->iYear, pDate->iMonth, pDate->iDay, &date);
  } else if (pDate->iYear == 0) {
    date = papers_date_anchor(pDate->iMonth, pDate->iDay, anchor);
  }
  return date;
}

int papers_date_line(const char *z, i64 n, PapersDate anchor, PapersDate *pDate) {
  char zBuf[PAPERS_DATE_LINE_MAX];
  PapersDateText text;
  i64 nFolded = papers_fold_short(zBuf, PAPERS_DATE_LINE_MAX, z, n);
  if (nFolded <= 0 || !papers_date_text_parse(zBuf, nFolded, &text) ||
      text.nText != nFolded)
    return 0;
  *pDate = papers_date_text_value(&text, anchor);
  return 1;
}
