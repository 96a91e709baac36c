"""``clvedu deck --case CASE_DIR --out FILE.pptx [--kind KIND] [--specs DIR] [--template T.pptx] [--settings FILE] [--pdf] [--force]``.

Builds a deck from a case folder. Exit codes (shared by every command): 0 written; 1 the case or the
slide specification was read but is invalid (the validator's lines, or one line naming the file and
line of the template); 2 something could not be read or written, or the command line is wrong (an
unknown kind, a missing or damaged template deck, an output that exists without ``--force``, a folder
that is read-only or full). Every message is one line per problem, never a traceback, with control
characters shown escaped. The file is written to a temporary name and moved into place exclusively,
so nothing partial is left and an existing deck is never replaced without ``--force``.

``--pdf`` also writes the slides as ``FILE.pdf`` and the notes pages as ``FILE-notes.pdf`` through
LibreOffice (:mod:`clvedu.decks.pdf`): all three files or none; without LibreOffice, exit code 2 before
anything is built.
"""

from __future__ import annotations

import argparse
import sys

from clvedu.cases import CaseError


def register(subparsers) -> None:
    parser = subparsers.add_parser("deck", help="build the exemplar presentation or the tutor's briefing deck")
    parser.add_argument("--case", required=True, help="case folder (containing case.yaml)")
    parser.add_argument("--out", required=True, help="output .pptx file")
    parser.add_argument("--kind", default="exemplar",
                        help="which slide specification to use: exemplar (the 10-minute model answer, the default), "
                             "briefing (the task and marking deck), or any KIND.yaml in --specs")
    parser.add_argument("--specs", metavar="DIR",
                        help="a folder of slide specifications (KIND.yaml) to use instead of the kit's templates/, "
                             "for example a tutor's edited copy")
    parser.add_argument("--template", help="a .pptx whose slide master and layouts to use (layouts found by name)")
    parser.add_argument("--pdf", action="store_true",
                        help="also write the slides as FILE.pdf and the notes pages as FILE-notes.pdf "
                             "(needs LibreOffice: soffice)")
    parser.add_argument("--settings", metavar="FILE",
                        help="a tutor's settings file (YAML: dates, assessor, internal verifier, submission format) "
                             "for the briefing's administration slides; see templates/tutor_settings.example.yaml")
    parser.add_argument("--force", action="store_true", help="replace FILE if it already exists")
    parser.set_defaults(func=run)


def _fail(message: object, code: int) -> int:
    from clvedu.decks.text import for_terminal

    for line in str(message).splitlines() or [""]:
        print(f"clvedu deck: error: {for_terminal(line)}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    from clvedu.decks.build import build_deck
    from clvedu.decks.coverage import WORDS_PER_MINUTE
    from clvedu.decks.templating import TemplateError
    from clvedu.decks.text import TextTooLong, for_terminal
    from clvedu.errors import UserError
    from clvedu.io import check_output_path, os_error_message

    try:
        if not args.out.lower().endswith(".pptx"):
            return _fail(f"--out {args.out}: the deck file name must end in .pptx", 2)
        check_output_path(args.out, overwrite=args.force)  # fail now, not after the build
        pdfs: tuple = ()
        if getattr(args, "pdf", False):
            from functools import partial

            from clvedu.decks.pdf import MISSING, build_deck_with_pdfs, find_soffice, pdf_paths

            soffice = find_soffice()
            if soffice is None:
                return _fail(MISSING, 2)
            pdfs = pdf_paths(args.out)
            for path in pdfs:
                check_output_path(path, overwrite=args.force, what="--pdf")
            build_deck = partial(build_deck_with_pdfs, soffice=soffice)
        result = build_deck(args.case, args.out, kind=args.kind, template=args.template, overwrite=args.force,
                            templates_dir=args.specs, settings=getattr(args, "settings", None))
    except CaseError as exc:
        for line in exc.problems:
            print(for_terminal(line), file=sys.stderr)
        return 1
    except (TemplateError, TextTooLong) as exc:  # read, but invalid (SpecNotFound says 2)
        return _fail(exc, getattr(exc, "exit_code", 1))
    except UserError as exc:  # unreadable input, an output in the way
        return _fail(exc, getattr(exc, "exit_code", 2))
    except FileNotFoundError as exc:
        return _fail(exc, 2)
    except OSError as exc:
        return _fail(os_error_message(exc, exc.filename or args.out, action="read or write"), 2)
    except ValueError as exc:  # a case value the calculations refuse
        return _fail(exc, 1)
    except KeyboardInterrupt:
        return _fail("interrupted; no deck written", 130)
    minutes = result.words / WORDS_PER_MINUTE
    print(f"wrote {for_terminal(result.path)} ({len(result.slides)} slides, {result.words} words of notes "
          f"≈ {minutes:.1f} minutes)" + "".join(f", {for_terminal(p)}" for p in pdfs))
    return 0
