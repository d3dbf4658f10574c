"""Every notebook in notebooks/ executes from top to bottom on a fresh kernel. The notebooks state their
claims as assertions (minitorch's numbers against torch's), so a failing claim fails here."""
import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("nbclient")
pytest.importorskip("jupytext")

_spec = importlib.util.spec_from_file_location("execute", Path(__file__).parents[1] / "notebooks" / "execute.py")
execute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute)


@pytest.mark.parametrize("path", execute.notebook_paths(), ids=lambda p: p.stem)
def test_notebook_runs(path):
    notebook = execute.execute(path, timeout=300)
    errors = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
