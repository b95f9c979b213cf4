#!/bin/sh
# check_docs.sh: checks the links of Markdown pages, and that every SQL name
# the extension registers has a reference page (tests/docs.test runs it on
# README.md and docs/*.md).
#
#   tests/check_docs.sh [--names FILE] PAGE.md...
#
# Links: every [text](target) outside code blocks and code spans, whose target
# is not a URL (scheme:...), must name a file that exists, relative to the
# page's folder, and its #anchor (if any) a heading of that file (or of the
# page itself for a bare #anchor), spelled as GitHub makes anchors: lower case,
# characters other than letters, digits, spaces, - and _ dropped, spaces made
# -, a repeated heading's anchor suffixed -1, -2, ... (a non-ASCII character
# is kept; GitHub keeps letters and drops other signs, and the headings here
# are ASCII).
#
# Names (with --names FILE, one name a line, - for standard input): each must
# appear, as a whole word, in a heading of a page under a docs/ folder among
# the PAGEs.
#
# Prints one line per problem ("PAGE:LINE: link to a missing file: TARGET",
# "PAGE:LINE: link to a missing anchor: TARGET", "NAME: registered by the
# extension, but no heading of a page under docs/ names it") and exits 1 when
# there is one, else prints nothing and exits 0.

zNames=
if [ "$1" = --names ]; then
  zNames=$2
  shift 2
fi
if [ $# -eq 0 ]; then
  echo "usage: check_docs.sh [--names FILE] PAGE.md..." >&2
  exit 2
fi
if [ "$zNames" = - ]; then
  zNames=$(cat)
elif [ -n "$zNames" ]; then
  zNames=$(cat "$zNames") || exit 2
fi

LC_ALL=C exec awk -v zNames="$zNames" '
# A fence line (``` or ~~~, up to 3 spaces in) opens or closes a code block.
function is_fence(zLine) {
  return zLine ~ /^ ? ? ?(```|~~~)/
}

# The text of a heading line ("## Title ##" -> "Title"), or "" for other lines.
function heading_text(zLine) {
  if (zLine !~ /^#+[ \t]/ || zLine ~ /^#######/)
    return ""
  sub(/^#+[ \t]+/, "", zLine)
  sub(/[ \t]+#+[ \t]*$/, "", zLine)
  sub(/[ \t]+$/, "", zLine)
  return zLine
}

# The GitHub anchor of a heading text (before the -N of a repeated one).
function slug(zText,    zOut, i, c) {
  zText = tolower(zText)
  zOut = ""
  for (i = 1; i <= length(zText); i++) {
    c = substr(zText, i, 1)
    if (c ~ /[a-z0-9_-]/ || c >= "\200")
      zOut = zOut c
    else if (c == " ")
      zOut = zOut "-"
  }
  return zOut
}

# Reads the headings of zPath once: aAnchor[zPath SUBSEP anchor] for each.
function load_anchors(zPath,    zLine, inCode, zText, zSlug, nSeen) {
  if ((zPath, "") in aLoaded)
    return
  aLoaded[zPath, ""] = 1
  inCode = 0
  while ((getline zLine < zPath) > 0) {
    if (is_fence(zLine)) {
      inCode = !inCode
      continue
    }
    if (inCode || (zText = heading_text(zLine)) == "")
      continue
    zSlug = slug(zText)
    nSeen = aSlugCount[zPath, zSlug]++
    aAnchor[zPath, nSeen ? zSlug "-" nSeen : zSlug] = 1
  }
  close(zPath)
}

function file_exists(zPath) {
  if (zPath ~ /\047/)
    return 0
  return system("test -e \047" zPath "\047") == 0
}

# The folder of a page, with a final / ("" for the current folder).
function folder_of(zPage) {
  if (zPage !~ /\//)
    return ""
  sub(/[^\/]*$/, "", zPage)
  return zPage
}

function complain(zText) {
  print zText
  nProblem++
}

# Checks one link target found at zPage:iLine.
function check_target(zPage, iLine, zTarget,    zPath, zAnchor, iHash) {
  sub(/^[ \t]+/, "", zTarget)
  sub(/[ \t]+"[^"]*"[ \t]*$/, "", zTarget)
  sub(/[ \t]+$/, "", zTarget)
  if (zTarget ~ /^</) {
    sub(/^</, "", zTarget)
    sub(/>$/, "", zTarget)
  }
  if (zTarget == "" || zTarget ~ /^[a-zA-Z][a-zA-Z0-9+.-]*:/)
    return
  iHash = index(zTarget, "#")
  zPath = iHash ? substr(zTarget, 1, iHash - 1) : zTarget
  zAnchor = iHash ? substr(zTarget, iHash + 1) : ""
  zPath = zPath == "" ? zPage : folder_of(zPage) zPath
  if (!file_exists(zPath)) {
    complain(zPage ":" iLine ": link to a missing file: " zTarget)
    return
  }
  if (zAnchor == "")
    return
  load_anchors(zPath)
  if (!((zPath, zAnchor) in aAnchor))
    complain(zPage ":" iLine ": link to a missing anchor: " zTarget)
}

# Blanks the code spans of a paragraph, keeping its line breaks.
function drop_code_spans(zText,    zSpan) {
  while (match(zText, /`[^`]*`/)) {
    zSpan = substr(zText, RSTART, RLENGTH)
    gsub(/[^\n]/, "", zSpan)
    zText = substr(zText, 1, RSTART - 1) zSpan substr(zText, RSTART + RLENGTH)
  }
  return zText
}

# Checks the links of the paragraph held in zPara (page zParaPage, first line
# iParaLine).
function check_paragraph(    zText, zLink, zBefore, iLine) {
  zText = drop_code_spans(zPara)
  while (match(zText, /\[[^]]*\]\([^)]*\)/)) {
    zLink = substr(zText, RSTART, RLENGTH)
    zBefore = substr(zText, 1, RSTART - 1)
    zText = substr(zText, RSTART + RLENGTH)
    iLine = iParaLine + gsub(/\n/, "\n", zBefore)
    iParaLine = iLine + gsub(/\n/, "\n", zLink)
    sub(/^\[[^]]*\]\(/, "", zLink)
    sub(/\)$/, "", zLink)
    check_target(zParaPage, iLine, zLink)
  }
  zPara = ""
}

FNR == 1 {
  if (zPara != "")
    check_paragraph()
  inCode = 0
  isDocs = FILENAME ~ /(^|\/)docs\//
}

is_fence($0) {
  if (zPara != "")
    check_paragraph()
  inCode = !inCode
  next
}

inCode { next }

{
  if (isDocs && (zHeading = heading_text($0)) != "")
    aDocsHeading[++nDocsHeading] = zHeading
  if ($0 ~ /^[ \t]*$/) {
    if (zPara != "")
      check_paragraph()
    next
  }
  if (zPara == "") {
    zPara = $0
    zParaPage = FILENAME
    iParaLine = FNR
  } else {
    zPara = zPara "\n" $0
  }
}

END {
  if (zPara != "")
    check_paragraph()
  nName = split(zNames, aName, "\n")
  for (i = 1; i <= nName; i++) {
    if (aName[i] == "")
      continue
    isFound = 0
    for (j = 1; j <= nDocsHeading && !isFound; j++)
      isFound = (" " aDocsHeading[j] " ") ~ ("[^a-zA-Z0-9_]" aName[i] "[^a-zA-Z0-9_]")
    if (!isFound)
      complain(aName[i] ": registered by the extension, but no heading of a page under docs/ names it")
  }
  exit nProblem > 0
}
' "$@"
