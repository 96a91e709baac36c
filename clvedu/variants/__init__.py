"""A unique case variant and data sheet for every student of a class, and the tutor's answer key.

``clvedu variants --case DIR --roster ROSTER.csv --out DIR --seed N`` (:mod:`clvedu.commands.variants`)
runs :func:`generate_variants`. One job a module:

* :mod:`~clvedu.variants.roster`: read and check the class roster;
* :mod:`~clvedu.variants.draw`: draw one student's assumptions within the case's ranges, deterministically;
* :mod:`~clvedu.variants.sheet`: the student's one-page data sheet (HTML, and PDF through LibreOffice);
* :mod:`~clvedu.variants.key`: the answer key (CSV and workbook);
* :mod:`~clvedu.variants.generate`: the whole class, written safely.

The answers are computed by :func:`clvedu.analysis.analyse_case` of each variant, the analysis behind
the book, the decks and ``clvedu case show``; this package computes no CLV of its own.
"""

from clvedu.variants.draw import VariantDrawer, student_hash
from clvedu.variants.generate import Result, generate_variants, valid_variant
from clvedu.variants.roster import Roster, RosterError, Student, read_roster

__all__ = ["Result", "Roster", "RosterError", "Student", "VariantDrawer", "generate_variants", "read_roster",
           "student_hash", "valid_variant"]
