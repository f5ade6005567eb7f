"""The README's first example runs as printed."""

from __future__ import annotations

import re

from conftest import REPO


def test_first_look_example_runs(capsys):
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert blocks, "the README has no python example"
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out.split("\n")
    assert printed[0].startswith("t_end")  # the heat flow ran to its end time
    assert float(printed[1]) < 1e-3  # the sphere map is nearly conformal
    morse, chi = printed[-2].split()
    assert morse == chi  # Morse count equals the Euler characteristic
    assert namespace["finer"].conformality_gap < namespace["sphere"].conformality_gap
