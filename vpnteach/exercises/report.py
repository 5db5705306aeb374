"""The grade report's outputs: detailed CSV, Canvas and Moodle gradebook CSVs, Markdown, HTML.

Every text that a learner can influence (file names, recorded learner ids quoted in flags,
answers quoted in messages) is escaped for the format it goes into, so it cannot add a row, a
column or markup: Markdown cells lose line breaks and control characters, ``|`` becomes
``\\|`` and ``<``/``>``/``&`` become HTML entities (Markdown passes raw HTML through);
HTML goes through :func:`html.escape`; CSV is quoted by :mod:`csv`, and a free-text cell
starting with ``=``, ``+``, ``-``, ``@`` gets a leading ``'`` so a spreadsheet does not read a
formula (OWASP "CSV Injection").

Gradebook formats:

* **Canvas** ("How do I import grades in the Gradebook?", Canvas Instructor Guide; summarised
  at https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades):
  columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column
  per assignment named as in Canvas; a student is matched by name, Canvas ID or SIS User ID.
  ``ID`` (Canvas's internal number) is left empty: the roster's ``sis_user_id`` /
  ``sis_login_id`` identify the student.
* **Moodle** (Grade import, https://docs.moodle.org/27/en/Grade_import): a CSV with a header
  row; at import the teacher maps one identifying column ("Map from" ``ID number`` to
  ``useridnumber``, or ``Email address`` to ``useremail``) and each grade column to a grade
  item, and a feedback column to that item's feedback.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

from vpnteach.exercises.grade import CORRECT, ERROR, NOT_ATTEMPTED, WRONG, GradeReport, Submission

_MARKS = {CORRECT: "✔", WRONG: "✘", ERROR: "ERR", NOT_ATTEMPTED: "–"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
LEGEND = "✔ correct, ✘ wrong (mistake), – not attempted, ERR unreadable submission; (n) attempts"


def md_cell(text: str) -> str:
    """``text`` safe inside one Markdown table cell (one line, no ``|``, no raw HTML)."""
    flat = _CONTROL.sub(" ", text).replace("\\", "\\\\").replace("|", "\\|")
    return html.escape(flat, quote=False)


def csv_text(text: str) -> str:
    """A free-text CSV cell a spreadsheet will not evaluate as a formula."""
    flat = _CONTROL.sub(" ", text)
    return "'" + flat if flat[:1] in ("=", "+", "-", "@") else flat


def _points(value: float) -> str:
    return f"{value:g}"


def write_csv(report: GradeReport, path: Path) -> Path:
    """One row per learner and exercise: status, mistake, attempts, score, message."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        head = ["learner", "notebook", "exercise", "status", "mistake", "attempts", "score"]
        writer.writerow([*head, "message"])
        for r in report.rows:
            writer.writerow(
                [
                    *(r.learner, csv_text(r.notebook), r.exercise, r.status, r.mistake),
                    *(r.attempts, _points(r.score), csv_text(r.message)),
                ]
            )
    return path


def _roster_fields(report: GradeReport, learner: str) -> dict[str, str]:
    known = report.course.roster.get(learner, {}) if report.course else {}
    return {k: known.get(k, "") for k in ("name", "email", "sis_user_id", "sis_login_id")} | {
        "section": known.get("section", "")
    }


def _best(report: GradeReport) -> dict[str, Submission]:
    """One submission per learner (the highest total), for the gradebooks."""
    best: dict[str, Submission] = {}
    for sub in report.submissions:
        if sub.learner == "?":
            continue
        if sub.learner not in best or report.total(sub) > report.total(best[sub.learner]):
            best[sub.learner] = sub
    return best


def write_canvas_csv(report: GradeReport, path: Path, assignment: str) -> Path:
    """The Canvas gradebook import (see the module docstring): one row per learner."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
        for learner, sub in _best(report).items():
            who = _roster_fields(report, learner)
            writer.writerow(
                [
                    csv_text(who["name"] or learner),
                    "",
                    who["sis_user_id"] or learner,
                    who["sis_login_id"] or learner,
                    csv_text(who["section"]),
                    _points(report.total(sub)),
                ]
            )
    return path


def write_moodle_csv(report: GradeReport, path: Path, assignment: str) -> Path:
    """The Moodle grade import (see the module docstring): ID number, email, grade, feedback."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        head = ["ID number", "Email address", "Full name", assignment, f"{assignment} feedback"]
        writer.writerow(head)
        for learner, sub in _best(report).items():
            who = _roster_fields(report, learner)
            done = [
                f"{r.exercise}: {r.status}"
                for r in report.rows
                if r.notebook == sub.name and r.status != NOT_ATTEMPTED
            ]
            writer.writerow(
                [
                    who["sis_user_id"] or learner,
                    who["email"],
                    csv_text(who["name"]),
                    _points(report.total(sub)),
                    csv_text("; ".join(done)),
                ]
            )
    return path


def _mark(report: GradeReport, sub: Submission, exercise: str) -> str:
    row = next(r for r in report.rows if r.notebook == sub.name and r.exercise == exercise)
    mark = _MARKS[row.status]
    if row.status == WRONG and row.mistake:
        mark = f"{mark} {row.mistake}"
    return f"{mark} ({row.attempts})" if row.attempts else mark


def _notes(report: GradeReport) -> list[tuple[str, str]]:
    notes = []
    for sub in report.submissions:
        for text in [*([sub.error] if sub.error else []), *sub.flags]:
            notes.append((sub.name, text))
    return notes


def summary(report: GradeReport) -> str:
    """A Markdown table (learners by exercises, score) with attempts, then the flags."""
    head = ["learner", "notebook", *report.exercises, "score"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for sub in report.submissions:
        cells = [_mark(report, sub, e) for e in report.exercises]
        score = f"{_points(report.total(sub))}/{len(report.exercises)}"
        row = [sub.learner, sub.name, *cells, score]
        lines.append("| " + " | ".join(md_cell(c) for c in row) + " |")
    notes = [f"- {md_cell(name)}: {md_cell(text)}" for name, text in _notes(report)]
    return "\n".join([*lines, "", LEGEND, *(["", *notes] if notes else [])])


def summary_html(report: GradeReport) -> str:
    """The same summary as a standalone HTML page (every text escaped)."""
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in ["learner", "notebook", *report.exercises])
    body = []
    for sub in report.submissions:
        cells = [sub.learner, sub.name, *(_mark(report, sub, e) for e in report.exercises)]
        score = f"{_points(report.total(sub))}/{len(report.exercises)}"
        body.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in [*cells, score]) + "</tr>")
    notes = "".join(f"<li>{esc(n)}: {esc(t)}</li>" for n, t in _notes(report))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>vpnteach grades</title>"
        f"</head><body><table border='1'><tr>{head}<th>score</th></tr>{''.join(body)}</table>"
        f"<p>{esc(LEGEND)}</p><ul>{notes}</ul></body></html>\n"
    )
