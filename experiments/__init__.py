"""Experiments: each module's ``main()`` computes and writes ``results/<name>/``.

:data:`EXPERIMENTS` lists them for ``geomflow run``. Each module declares its
command-line options once, in ``OPTIONS``, as ``(flag, type, default, help)``
tuples (a list or tuple default takes one or more values); its own
``__main__`` block and ``geomflow run NAME`` both build their parsers from it
with :func:`add_arguments` and turn what was parsed into keyword arguments of
``main()`` with :func:`main_arguments`.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
from types import ModuleType

#: Name of each experiment and the module that runs it.
EXPERIMENTS = {
    "heat_diffusion": "experiments.heat_diffusion",
    "metric_dependence": "experiments.metric_dependence",
    "stiffness": "experiments.stiffness",
    "ricci_sphere": "experiments.ricci_sphere",
    "flat_torus": "experiments.flat_torus",
    "disk_flatten": "experiments.disk_flatten",
    "saddle": "experiments.saddle",
    "basins": "experiments.basins",
    "sphere_map": "experiments.sphere_map",
    "disk_map": "experiments.disk_map",
    "no_cycles": "experiments.no_cycles",
}


def load(name: str) -> ModuleType:
    """Import the module of experiment ``name``."""
    return importlib.import_module(EXPERIMENTS[name])


def describe(module: ModuleType) -> str:
    """The first line of the module's docstring."""
    return (module.__doc__ or "").strip().splitlines()[0].rstrip(".")


def add_arguments(parser: argparse.ArgumentParser, module: ModuleType) -> None:
    """``--out``, the module's ``OPTIONS`` and, if it draws meshes, ``--no-render``."""
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help=f"folder for the results (default: results/{module.NAME})",
    )
    for flag, kind, default, text in module.OPTIONS:
        many = isinstance(default, (list, tuple))
        parser.add_argument(
            flag,
            type=kind,
            default=list(default) if many else default,
            nargs="+" if many else None,
            help=f"{text} (default: {_show(default)})",
        )
    if "render" in inspect.signature(module.main).parameters:
        parser.add_argument(
            "--no-render",
            action="store_true",
            help="skip the mesh pictures and animations (curves are still drawn)",
        )


def main_arguments(args: argparse.Namespace, module: ModuleType) -> dict:
    """Keyword arguments of ``module.main`` from the parsed options."""
    kwargs = {"out": args.out}
    for flag, _, default, _ in module.OPTIONS:
        name = flag.lstrip("-").replace("-", "_")
        value = getattr(args, name)
        kwargs[name] = tuple(value) if isinstance(default, (list, tuple)) else value
    if hasattr(args, "no_render"):
        kwargs["render"] = not args.no_render
    return kwargs


def parse_command_line(module: ModuleType, argv=None) -> dict:
    """Parse ``argv`` (``sys.argv[1:]`` by default) for ``python -m`` a module."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {module.__spec__.name}", description=describe(module)
    )
    add_arguments(parser, module)
    return main_arguments(parser.parse_args(argv), module)


def _show(default) -> str:
    if isinstance(default, (list, tuple)):
        return " ".join(str(v) for v in default)
    return str(default)
