"""``kamlab teach``: the lecturer's pack and the students' packs of the teaching notebooks."""

from __future__ import annotations

from kamlab.cli.options import add_command, add_out

_EPILOG = """
    Writes DIR/lecturer/*.html (and .ipynb), with the solutions, and
    DIR/students/seed-<s>/*.ipynb + *.html, one folder per student seed, without
    them. Give each student their seed's folder; the answers differ per seed.

    examples:
      kamlab teach --seeds 1 2 3 --out teaching_packs
      kamlab teach --seeds 101 102 --notebooks 1 5 --out packs --jobs 2
"""


def cmd_teach(args) -> None:
    """build the teaching notebooks: a lecturer's pack and one pack per student seed

    Run the teaching notebooks (notebooks/teaching/) on each student's own generated
    data, without the solutions, and once with the solutions for the lecturer; render
    them as HTML with the code shown. Atomic: a failed run leaves earlier packs in DIR
    untouched.
    """
    from pathlib import Path

    from kamlab.safe import writing
    from kamlab.teaching.packs import build_packs

    # a folder that cannot be written: one line, exit 2 (the build is made beside it)
    with writing(args.out, Path(args.out).resolve().parent):
        path = build_packs(
            args.seeds,
            args.out,
            notebooks=args.notebooks,
            lecturer_seed=args.lecturer_seed,
            jobs=args.jobs,
        )
    print(f"lecturer's pack: {path / 'lecturer'}")
    print(f"students' packs: {path / 'students'} ({len(set(args.seeds))} students)")


def add_commands(sub, inputs) -> None:
    """Add ``kamlab teach`` (``inputs`` is unused: the data are generated)."""
    p = add_command(sub, cmd_teach, epilog=_EPILOG)
    p.add_argument(
        "--seeds", type=int, nargs="+", required=True, metavar="SEED", help="student seeds"
    )
    add_out(p, "folder for the packs", metavar="DIR")
    p.add_argument(
        "--notebooks",
        nargs="+",
        metavar="NAME",
        help="notebooks to run: file names or numbers, e.g. 1 5 (default: all)",
    )
    p.add_argument(
        "--lecturer-seed",
        type=int,
        metavar="SEED",
        help="seed of the lecturer's copy (default: the first of --seeds)",
    )
    p.add_argument("--jobs", type=int, default=1, help="notebooks to run at once (default 1)")
