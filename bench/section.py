"""section.py - replaces one benchmark's section of bench/RESULTS.md.

Usage: section.py RESULTS.md KEY TITLE SCRIPT REPORT

The section lies between "<!-- KEY begin -->" and "<!-- KEY end -->"; it is
replaced by the report (a file), under "## TITLE", or appended when the
markers are absent. Text after the end marker (notes written by hand) stays.
"""
import sys

path, key, title, script, report_path = sys.argv[1:6]
report = open(report_path).read()
begin, end = "<!-- %s begin -->" % key, "<!-- %s end -->" % key
text = open(path).read()
section = (begin + "\n## " + title + " (" + script + ")\n\n"
           "Written by `make bench` (" + script + "); the newest run replaces this section.\n\n"
           + report + end + "\n")
if begin in text and end in text:
    a = text.index(begin)
    b = text.index(end) + len(end)
    text = text[:a] + section + text[b:].lstrip("\n")
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
