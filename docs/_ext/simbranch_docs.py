"""Pages of the documentation that the code writes: the API reference (from `public_api`), the command
line (from the CLI's argparse parser), the scenario schema (from `simbranch.levers`), the KPIs (from
`simbranch.kpis`) and the example notebooks (copies of notebooks/, executed on request).

A Sphinx extension: at `builder-inited` it writes everything into docs/_generated/ (not in git), so
the reference cannot drift from the code. A file is rewritten only when its text changes, so an
incremental build rereads only what changed.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"
NOTEBOOKS = ROOT / "notebooks"

#: Set to 1 to execute the example notebooks before they are rendered (`make docs` does; the test
#: build does not: tests/test_notebooks.py runs them, and at full size they take minutes).
EXECUTE_NOTEBOOKS_ENV = "SIMBRANCH_DOCS_EXECUTE_NOTEBOOKS"

#: Seconds a notebook cell may take when `EXECUTE_NOTEBOOKS_ENV` is set.
NOTEBOOK_CELL_TIMEOUT = 1200

#: Width of the command line's help text in the reference, in characters.
HELP_WIDTH = 100


def write_if_changed(path: Path, text: str) -> None:
    """Write `text` to `path` unless it already holds it (Sphinx rereads a source whose time changes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def rst_text(value: object) -> str:
    """`value` as plain reST text: the characters that start inline markup are escaped, and so is "--"
    (an option's dashes), which smart quotes would otherwise turn into an en dash."""
    text = " ".join(str(value).split())
    for char in "\\*`_|":
        text = text.replace(char, "\\" + char)
    return text.replace("--", "\\-\\-")


def rst_literal(value: object) -> str:
    """`value` as an inline literal, or nothing when it is empty."""
    text = " ".join(str(value).split())
    return f"``{text}``" if text else ""


def heading(title: str, underline: str) -> str:
    return f"{title}\n{underline * len(title)}\n"


def list_table(header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int] | None = None) -> str:
    """A reST list-table; cells are already reST (escape them with `rst_text` or `rst_literal`)."""
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append(f"   :widths: {' '.join(str(w) for w in widths)}")
    lines.append("")
    for row in [header, *rows]:
        for i, cell in enumerate(row):
            lines.append(f"   {'* -' if i == 0 else '  -'} {cell}".rstrip())
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- API


def api_by_module() -> dict[str, list[tuple[str, Any, list[str]]]]:
    """The public interface by module: (dotted name, object, its public members) in `__all__` order."""
    from simbranch.discover import PUBLIC_MODULES, public_api

    api = public_api()
    grouped: dict[str, list[tuple[str, Any, list[str]]]] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        entries = []
        for name in getattr(module, "__all__", ()):
            dotted = f"{module_name}.{name}"
            if dotted not in api:
                continue
            members = [key.rsplit(".", 1)[1] for key in api if key.startswith(dotted + ".")]
            entries.append((dotted, api[dotted], members))
        grouped[module_name] = entries
    return grouped


def module_summary(module_name: str) -> str:
    """The first paragraph of a module's docstring, joined into one line."""
    doc = inspect.getdoc(importlib.import_module(module_name)) or ""
    return " ".join(doc.split("\n\n")[0].split())


def api_page(module_name: str, entries: Sequence[tuple[str, Any, list[str]]]) -> str:
    """One module's reference: its summary, then every public function and class with its public members."""
    parts = [heading(module_name, "="), f".. py:module:: {module_name}", "",
             rst_text(module_summary(module_name)), ""]
    classes = [e for e in entries if inspect.isclass(e[1])]
    functions = [e for e in entries if not inspect.isclass(e[1])]
    for title, group in (("Classes", classes), ("Functions", functions)):
        if not group:
            continue
        parts += [heading(title, "-")]
        for dotted, obj, members in group:
            if inspect.isclass(obj):
                parts.append(f".. autoclass:: {dotted}")
                if members:
                    parts.append(f"   :members: {', '.join(members)}")
            else:
                parts.append(f".. autofunction:: {dotted}")
            parts.append("")
    return "\n".join(parts)


def write_api() -> None:
    """One page per public module, named after it (docs/reference/api.md lists them)."""
    modules = api_by_module()
    for module_name, entries in modules.items():
        write_if_changed(GENERATED / "api" / f"{module_name}.rst", api_page(module_name, entries))
    for stale in (GENERATED / "api").glob("*.rst"):
        if stale.stem not in modules:
            stale.unlink()


# --------------------------------------------------------------------------- command line


def subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """Each subcommand of `parser`: its name, its one-line help and its own parser."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            found += [(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]
    return found


def help_text(parser: argparse.ArgumentParser) -> str:
    """The parser's --help at a fixed width, whatever the terminal that builds the docs."""
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=HELP_WIDTH)
    return parser.format_help()


def literal_block(text: str) -> str:
    return ".. code-block:: text\n\n" + "\n".join(f"   {line}".rstrip() for line in text.splitlines()) + "\n"


def cli_page() -> str:
    from simbranch.cli import _parser

    parser = _parser()
    commands = subcommands(parser)
    parts = [list_table(["command", "what it does"],
                        [(f"`simbranch {name}`_", rst_text(summary)) for name, summary, _ in commands],
                        widths=[25, 75]), "", heading(f"{parser.prog}", "-"), literal_block(help_text(parser))]
    for name, _, sub in commands:
        parts += [heading(f"simbranch {name}", "-"), literal_block(help_text(sub))]
    return "\n".join(parts)


# --------------------------------------------------------------------------- scenario schema and KPIs


def schema_page() -> str:
    import simbranch as sb
    from simbranch import meanings

    labels = dict(zip(meanings.levers()["name"], meanings.levers()["label_en"], strict=True))
    parts = []
    for section in sb.Scenario.model_fields:
        title = f"{section}: {labels[section]}" if section in labels else section
        frame = sb.levers(section)
        rows = [(rst_literal(r.path), rst_literal(r.type), rst_literal(r.default), rst_literal(r.allowed),
                 rst_text(r.unit), rst_text(r.kind), rst_text(r.description)) for r in frame.itertuples()]
        parts += [heading(title, "-"),
                  list_table(["path", "type", "default", "allowed", "unit", "kind", "description"], rows,
                             widths=[18, 6, 12, 14, 10, 8, 32]), ""]
    return "\n".join(parts)


def kpis_page() -> str:
    import simbranch as sb

    frame = sb.kpis()
    rows = [(rst_literal(r.name), rst_text(r.label_en), rst_text(r.label_zh), rst_text(r.unit_en),
             rst_text(r.unit_zh), rst_text(r.better), rst_text(r.format)) for r in frame.itertuples()]
    return list_table(["name", "label", "label (zh)", "unit", "unit (zh)", "better", "format"], rows,
                      widths=[20, 24, 16, 14, 12, 7, 7])


# --------------------------------------------------------------------------- example notebooks


def execute_notebook(path: Path) -> str:
    """Run a notebook from its own folder (where its relative paths point), at its own sizes."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=NOTEBOOK_CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nbformat.writes(nb)


def write_notebooks() -> None:
    """Copy notebooks/ into the source tree (myst-nb reads only there), executed when asked to."""
    execute = os.environ.get(EXECUTE_NOTEBOOKS_ENV, "0") == "1"
    target = GENERATED / "notebooks"
    names = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        text = execute_notebook(path) if execute else path.read_text(encoding="utf-8")
        write_if_changed(target / path.name, text)
        names.append(path.name)
    for stale in target.glob("*.ipynb"):
        if stale.name not in names:
            stale.unlink()


# --------------------------------------------------------------------------- Sphinx


def generate(app: Any = None) -> None:
    """Write every generated page (the `builder-inited` hook)."""
    write_api()
    write_if_changed(GENERATED / "cli.inc", cli_page())
    write_if_changed(GENERATED / "schema.inc", schema_page())
    write_if_changed(GENERATED / "kpis.inc", kpis_page())
    write_notebooks()


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
