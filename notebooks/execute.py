"""Execute the notebooks: each is a text notebook (jupytext's percent format, `# %%` cells) that this
script turns into an .ipynb, runs with nbclient on a fresh kernel and writes, with its outputs and
pictures, to `notebooks/executed/` (git-ignored).

    python notebooks/execute.py                 # all of them
    python notebooks/execute.py 00_tensors      # some of them
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def notebook_paths(names=()) -> list[Path]:
    every = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name)
    return [p for p in every if not names or p.stem in names]


def execute(path: Path, timeout: int = 600):
    """The notebook at `path`, executed in a temporary working directory (a failing cell raises
    nbclient's CellExecutionError, naming the cell)."""
    import jupytext
    from nbclient import NotebookClient
    notebook = jupytext.read(path)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    with tempfile.TemporaryDirectory() as work:
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": work}}).execute()
    return notebook


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names (file stems); all when none")
    parser.add_argument("--out", default=str(HERE / "executed"), help="where the executed .ipynb files go")
    args = parser.parse_args(argv)
    import nbformat
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in notebook_paths(args.names):
        start = time.perf_counter()
        notebook = execute(path)
        nbformat.write(notebook, out / f"{path.stem}.ipynb")
        print(f"{path.stem:28s} {time.perf_counter() - start:6.1f} s  -> {out / (path.stem + '.ipynb')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
