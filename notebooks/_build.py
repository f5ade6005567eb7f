"""Write the notebooks of this folder from the cell sources kept here.

Edit a cell below, then run ``python notebooks/_build.py``. The notebooks are
written without outputs, so the repository stays small and the tests
(``tests/test_notebooks.py``) execute them exactly as they are stored. Cell ids
are numbered, so rebuilding an unchanged notebook gives the same file.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

KERNELSPEC = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(textwrap.dedent(text).strip())


def code(text: str) -> nbformat.NotebookNode:
    return new_code_cell(textwrap.dedent(text).strip())


# ---------------------------------------------------------------------- shared

SETUP_TEXT = md(
    """
    ## Set-up

    The first cell finds the repository root (the folder holding
    `experiments/`), whether the notebook runs from `notebooks/` or from the
    root, so that the experiments import. The second defines `show`, which
    draws pictures rendered by `gf.viz.plot` side by side. Mesh pictures need
    off-screen rendering; cells that draw them check
    `gf.viz.rendering_available()` first and are skipped without it.
    """
)

SETUP_PATH = code(
    """
    %matplotlib inline
    import sys
    from pathlib import Path

    ROOT = next(
        (
            folder
            for folder in [Path.cwd(), *Path.cwd().parents]
            if (folder / "experiments" / "__init__.py").is_file()
        ),
        None,
    )
    if ROOT is None:
        raise RuntimeError("run this notebook inside the geomflow repository")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    """
)

SETUP_IMPORTS = code(
    '''
    import warnings

    import matplotlib.pyplot as plt
    import numpy as np

    import geomflow as gf

    # pyvista imports tqdm.auto, which warns in a kernel without ipywidgets
    warnings.filterwarnings("ignore", message="IProgress not found")


    def show(pictures, titles=(), width=4.6):
        """Draw (h, w, 3) pictures from gf.viz.plot in one row, without axes."""
        titles = [*titles, *[""] * (len(pictures) - len(titles))]
        figure, axes = plt.subplots(
            1,
            len(pictures),
            figsize=(width * len(pictures), 0.8 * width),
            squeeze=False,
            layout="constrained",
        )
        for ax, picture, title in zip(axes[0], pictures, titles, strict=True):
            ax.imshow(picture)
            ax.set_title(title)
            ax.set_axis_off()
        plt.show()
    '''
)


# ---------------------------------------------------------------------- 01

QUICKSTART = [
    md(
        """
        # Quickstart: a mesh, its metric, its curvature, its Laplacian

        A first tour of `geomflow`: a sample mesh and its topology, the
        discrete metric (one length per edge), curvature as angle defects,
        the cotangent Laplacian with its mass matrix, and the spectrum of the
        sphere. The cells only call the package and show what it returns.
        """
    ),
    SETUP_TEXT,
    SETUP_PATH,
    SETUP_IMPORTS,
    md(
        """
        ## A sample mesh and its topology

        `gf.sample_mesh` builds deterministic test surfaces;
        `gf.list_sample_meshes()` names them all. The Euler characteristic
        $\\chi = V - E + F$ of a connected orientable surface with genus $g$
        and $b$ boundary loops is $\\chi = 2 - 2g - b$: the sphere has
        $\\chi = 2$, the torus 0, the two-holed surface $-2$, the disk 1.
        """
    ),
    code(
        """
        mesh = gf.sample_mesh("bumpy_sphere")
        mesh
        """
    ),
    code(
        """
        SAMPLES = ["bumpy_sphere", "torus", "genus2", "flat_disk"]
        print(f"{'mesh':13} {'V - E + F':>20} {'chi':>4} {'genus':>6} {'loops':>6}")
        for name in SAMPLES:
            m = gf.sample_mesh(name)
            counts = f"{m.n_vertices} - {m.n_edges} + {m.n_faces}"
            print(
                f"{name:13} {counts:>20} {m.euler_characteristic:4d} "
                f"{m.genus:6d} {len(m.boundary_loops):6d}"
            )
        """
    ),
    md(
        """
        ## The metric: one length per edge

        `gf.EdgeMetric.from_mesh` keeps only the edge lengths of the mesh.
        Corner angles and triangle areas follow from them (Kahan's form of
        Heron's formula), and so does every operator below: a metric given
        by lengths alone, with no embedding, works the same way.
        """
    ),
    code(
        """
        metric = gf.EdgeMetric.from_mesh(mesh)
        lengths = metric.lengths
        print(metric)
        print(f"edge lengths from {lengths.min():.4f} to {lengths.max():.4f}")
        """
    ),
    md(
        """
        ## Curvature: angle defects and Gauss–Bonnet

        The discrete Gaussian curvature at an interior vertex $i$ is its angle
        defect $K_i = 2\\pi - \\sum \\theta$, the sum running over the corner
        angles at $i$; at a boundary vertex it is $\\pi - \\sum \\theta$ (the
        geodesic curvature of the boundary). The discrete Gauss–Bonnet
        theorem says $\\sum_i K_i = 2\\pi\\chi$ exactly, on any mesh.

        *What to look for:* the two columns agree to round-off on every
        surface, including the negative total of the genus-2 one.
        """
    ),
    code(
        """
        print(f"{'mesh':13} {'sum of K_i':>13} {'2 pi chi':>13} {'difference':>10}")
        for name in SAMPLES:
            g = gf.sample_metric(name)
            total = g.angle_defects().sum()
            expected = 2 * np.pi * g.mesh.euler_characteristic
            difference = total - expected
            print(f"{name:13} {total:13.9f} {expected:13.9f} {difference:10.1e}")
        """
    ),
    md(
        """
        A defect is curvature integrated over a patch; divided by the vertex
        area (a third of each surrounding triangle) it approximates the
        pointwise Gaussian curvature. Red is positive (the bump tops, shaped
        like a sphere); the faint blue between the bumps is negative (saddle
        shaped), and the unit sphere would be a uniform $K = 1$. The colour
        range is centred on zero and ends at the 99th percentile of $|K|$, so
        a few sharp vertices do not wash out the rest.
        """
    ),
    code(
        """
        gauss = metric.angle_defects() / gf.vertex_areas(metric)
        reach = np.quantile(np.abs(gauss), 0.99)
        print(f"K from {gauss.min():.2f} to {gauss.max():.2f}, coloured to {reach:.2f}")
        if gf.viz.rendering_available():
            picture = gf.viz.plot(
                mesh, gauss, cmap="RdBu_r", clim=(-reach, reach), scalar_name="K"
            )
            show([picture], ["Gaussian curvature of the bumpy sphere"], width=6)
        """
    ),
    md(
        """
        ## The cotangent Laplacian and the mass matrix

        $$(L u)_i = \\tfrac12 \\sum_{j \\sim i}
        (\\cot\\alpha_{ij} + \\cot\\beta_{ij})\\,(u_i - u_j)$$

        with $\\alpha_{ij}, \\beta_{ij}$ the angles opposite edge $ij$. `L` is
        the stiffness matrix of piecewise-linear functions, positive
        semidefinite; the lumped mass matrix `M` gives each vertex a third of
        the area of its triangles, and $-M^{-1}L$ approximates the
        Laplace–Beltrami operator.

        *What to look for:* `L` is symmetric, its rows sum to zero (constants
        have no energy), $1^\\top M 1$ is the area, and $u^\\top L u \\ge 0$.
        """
    ),
    code(
        """
        L = gf.cotan_laplacian(metric)
        M = gf.mass_matrix(metric, "lumped")
        ones = np.ones(mesh.n_vertices)
        z = mesh.vertices[:, 2]
        print(f"L is {L.shape[0]} x {L.shape[1]} with {L.nnz} stored entries")
        print(f"max |L - L^T|        = {abs(L - L.T).max():.1e}")
        print(f"max |L 1|            = {np.abs(L @ ones).max():.1e}")
        print(f"1^T M 1 - area       = {ones @ M @ ones - metric.total_area():.1e}")
        print(f"z^T L z  (height z)  = {z @ L @ z:.4f}")
        """
    ),
    md(
        """
        ## The spectrum of the unit sphere

        The Laplace–Beltrami eigenvalues of the unit sphere are $l(l+1)$,
        each $2l+1$ times (the spherical harmonics of degree $l$). The
        discrete ones solve $L\\varphi = \\lambda M\\varphi$; the first 25 are
        degrees $l = 0, \\dots, 4$. The table gives the mean of each cluster
        on icospheres of three levels (each level halves the edge length).

        *What to look for:* from $l = 2$ on, the relative error falls about
        fourfold per level (second order in the edge length); $l = 1$, the
        coordinate functions, does better still. The icosahedral symmetry splits
        some clusters slightly (at $l = 3$ into 3 + 4), so the spread is
        shown too.
        """
    ),
    code(
        """
        import scipy.sparse.linalg as sla


        def sphere_spectrum(level, k=36):
            \"\"\"k smallest eigenpairs of L phi = lambda M phi on an icosphere.\"\"\"
            g = gf.sample_metric("icosphere", level=level)
            L, M = gf.cotan_laplacian(g).tocsc(), gf.mass_matrix(g).tocsc()
            start = np.random.default_rng(0).normal(size=g.mesh.n_vertices)
            # Shift-invert about a point just below 0 (L itself is singular).
            # Only l <= 4 (25 values) is used: asking for l <= 5 as well keeps
            # ARPACK from missing a copy of a repeated eigenvalue at the end.
            values, vectors = sla.eigsh(L, k=k, M=M, sigma=-0.1, v0=start)
            return g, values, vectors


        LEVELS = (2, 3, 4)
        spectra = {level: sphere_spectrum(level) for level in LEVELS}
        header = "".join(f"{f'level {level}: mean (error)':>24}" for level in LEVELS)
        print(f"{'l':>2} {'l(l+1)':>6} {'2l+1':>5}{header}")
        for l in range(1, 5):
            exact = l * (l + 1)
            row = f"{l:2d} {exact:6d} {2 * l + 1:5d}"
            for level in LEVELS:
                mean = spectra[level][1][l**2 : (l + 1) ** 2].mean()
                row += f"{mean:16.4f} ({abs(mean - exact) / exact:.0e})"
            print(row)
        smallest = max(abs(spectra[level][1][0]) for level in LEVELS)
        print(f"l = 0: the constants, |eigenvalue| <= {smallest:.0e} on every level")
        spread = np.ptp(spectra[4][1][9:16])
        print(f"spread of the l = 3 cluster at level 4: {spread:.3f}")
        """
    ),
    md(
        """
        ## An eigenfunction on the mesh

        One eigenvector of the $l = 3$ cluster on the level-4 sphere: a
        discrete spherical harmonic of degree 3, with its nodal lines
        (white) cutting the sphere into patches of alternating sign. The
        cluster is (nearly) degenerate, so which combination of harmonics
        the solver returns is arbitrary.
        """
    ),
    code(
        """
        sphere, values, vectors = spectra[4]
        phi = vectors[:, 9]  # the first of the l = 3 cluster, indices 9 to 15
        title = f"eigenvalue {values[9]:.4f} (l = 3: exactly 12)"
        if gf.viz.rendering_available():
            picture = gf.viz.plot(
                sphere, phi, cmap="RdBu_r", symmetric=True, scalar_name="phi"
            )
            show([picture], [title], width=6)
        """
    ),
]


# ---------------------------------------------------------------------- 02

HEAT_AND_METRICS = [
    md(
        """
        # Heat, metrics, phase separation and stiffness

        Every flow in `geomflow` is $x' = -G(x)^{-1}\\, dE(x)$: an energy $E$,
        an inner product $G$ and a time-stepping scheme. This notebook
        changes one choice at a time and watches what changes. The
        computations come from the package and from the helpers of
        `experiments/`, run here at small sizes (`python -m
        experiments.heat_diffusion` and its siblings run them in full).
        """
    ),
    SETUP_TEXT,
    SETUP_PATH,
    SETUP_IMPORTS,
    code(
        """
        from experiments import heat_diffusion, metric_dependence, stiffness
        """
    ),
    md(
        """
        ## 1. Heat flow from a hot spot

        The heat equation is the $L^2$ gradient flow of the Dirichlet energy
        $E(u) = \\tfrac12 u^\\top L u$: $\\;M u' = -L u$. Backward Euler steps
        $(M + \\Delta t\\, L)\\, u_{k+1} = M u_k$, stable at any step.
        `heat_diffusion.hot_spot` starts from a Gaussian bump around the
        vertex of largest $x$.

        *What to look for:* the energy falls at every step (on a log scale it
        straightens out as the slowest mode takes over); the total heat
        $1^\\top M u$ moves only by round-off, since $1^\\top L = 0$; the
        temperature evens out to its mean.
        """
    ),
    code(
        """
        metric = gf.sample_metric("bumpy_sphere")
        u0 = heat_diffusion.hot_spot(metric.mesh)
        heat = gf.heat_flow(metric, u0, dt=2e-3, t_end=0.5, record_every=10)
        areas = gf.vertex_areas(metric)  # the lumped mass matrix is diag(areas)
        total = heat.frame_states @ areas
        heat
        """
    ),
    code(
        """
        change = total / total[0] - 1
        figure, (left, right) = plt.subplots(
            1, 2, figsize=(10, 3.4), layout="constrained"
        )
        left.semilogy(heat.times, heat.energies)
        left.set(xlabel="t", ylabel="Dirichlet energy", title="the energy falls")
        right.plot(heat.frame_times, change, ".-")
        right.set(
            xlabel="t",
            ylabel="relative change of $1^T M u$",
            title="the total heat stays put",
        )
        plt.show()
        low, high, mean = heat.state.min(), heat.state.max(), total[0] / areas.sum()
        print(f"largest relative change of the total heat: {np.abs(change).max():.1e}")
        print(f"at t = 0.5: u from {low:.4f} to {high:.4f}, its mean is {mean:.4f}")
        """
    ),
    code(
        """
        # look at the hot spot (+x) from a little above, off-centre to clear
        # the colour bar: (camera position, focal point, up direction)
        camera = [(5.2, -1.4, 2.4), (0.0, 0.45, 0.0), (0.0, 0.0, 1.0)]
        style = {"clim": (0, 1), "cmap": "inferno", "scalar_name": "u"}
        style["window_size"] = (480, 368)  # small pictures, larger lettering
        if gf.viz.rendering_available():
            shown = [heat.frames[i] for i in (0, 1, 5, -1)]
            pictures = [
                gf.viz.plot(metric, f.state, camera=camera, **style) for f in shown
            ]
            show(pictures, [f"t = {f.t:.2f}" for f in shown], width=3.6)
        """
    ),
    md(
        """
        ## 2. One energy, three inner products, two resolutions

        The Dirichlet energy again, on the unit square meshed sixteen times
        more finely on its left half than on its right, at spacing $h$ and
        $h/2$. Three inner products turn $dE = Lu$ into a velocity:

        | inner product | $G$ | flow |
        |---|---|---|
        | Euclidean | $I$ | $u' = -Lu$ |
        | $L^2$ | $M$ | $Mu' = -Lu$ |
        | $H^1$ | $M + L$ | $(M + L)u' = -Lu$ |

        $L^2$ and $H^1$ discretize flows of the continuous surface, so
        refining the mesh changes their result only by discretization error.
        The Euclidean flow has no such limit: each vertex moves at a rate set
        by its own triangles. `metric_dependence.compare_resolutions` runs
        each flow to the time its coarse run has lost half its energy and
        compares the two resolutions at their shared vertices.

        *What to look for:* a Euclidean difference an order of magnitude
        above the $L^2$ and $H^1$ ones; and a Euclidean half-energy time on
        another scale altogether, since $u' = -Lu$ ignores the areas.
        """
    ),
    code(
        """
        if gf.viz.rendering_available():
            square = metric_dependence.two_density_square(1 / 4)
            start = metric_dependence.initial_function(square.vertices)
            picture = gf.viz.plot(
                square, start, camera="xy", show_edges=True, scalar_name="u0"
            )
            title = "the two-density square at h = 1/4, coloured by the start"
            show([picture], [title], width=6)
        """
    ),
    code(
        """
        report = metric_dependence.compare_resolutions(h=1 / 8, steps=60)
        coarse, fine = report["n_faces"]
        print(f"faces: {coarse} at h = 1/8, {fine} at h = 1/16")
        print(f"{'inner product':14} {'half-energy t':>14} {'max |u_h - u_h/2|':>19}")
        for name in metric_dependence.INNER_PRODUCTS:
            row = report[name]
            print(f"{name:14} {row['t']:14.4f} {row['max_difference']:19.2e}")
        """
    ),
    md(
        """
        ## 3. Allen–Cahn against Cahn–Hilliard

        The Ginzburg–Landau energy
        $E(u) = \\int \\tfrac{\\varepsilon}{2} |\\nabla u|^2
        + \\tfrac{1}{\\varepsilon} W(u)$, $W(u) = \\tfrac14 (1 - u^2)^2$,
        favours the two phases $u = \\pm 1$ separated by interfaces of width
        about $\\varepsilon$. From one random start on a sphere it is descended
        in two inner products with the same convex–concave time stepping:
        $L^2$ gives Allen–Cahn, $H^{-1}$ ($G = M L^{+} M$) gives
        Cahn–Hilliard. Because $1^\\top L = 0$, the $H^{-1}$ flow cannot change
        the mass $\\int u = 1^\\top M u$. The splitting lowers the energy at
        any step size, so 60 steps of 0.005 stand in for the experiment's
        150 of 0.002 on a coarser sphere.

        *What to look for:* Allen–Cahn's mass drifts (the start leans to
        $u > 0$, and that phase takes over), Cahn–Hilliard's stays put to
        round-off and both phases survive; both energies fall at every step.
        """
    ),
    code(
        """
        phases = metric_dependence.phase_separation(level=3, dt=5e-3, steps=60)
        runs = phases["results"]
        labels = {
            "allen_cahn": "Allen-Cahn (L2)",
            "cahn_hilliard": "Cahn-Hilliard (H^-1)",
        }
        print(f"{'flow':14} {'mass drift':>11} {'E start':>8} {'E end':>8} monotone")
        for name, row in phases["summary"].items():
            print(
                f"{name:14} {row['mass_drift']:11.2e} {row['energy_start']:8.3f} "
                f"{row['energy_end']:8.3f} {row['energy_monotone']}"
            )
        """
    ),
    code(
        """
        figure, axes = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
        for name, result in runs.items():
            axes.plot(result.times, result.energies, label=labels[name])
        axes.set(xlabel="t", ylabel="energy", title="Ginzburg-Landau energy")
        axes.legend(frameon=False)
        plt.show()
        """
    ),
    code(
        """
        if gf.viz.rendering_available():
            sphere = phases["metric"].mesh
            style = {"clim": (-1, 1), "cmap": "coolwarm", "scalar_name": "u"}
            style["window_size"] = (480, 368)
            start = runs["allen_cahn"].frames[0].state
            pictures = [gf.viz.plot(sphere, start, **style)]
            pictures += [gf.viz.plot(sphere, r.state, **style) for r in runs.values()]
            show(pictures, ["the start", *labels.values()], width=4)
        """
    ),
    md(
        """
        ## 4. Stiffness: explicit steps shrink like $h^2$

        Forward Euler for the heat flow,
        $u_{k+1} = u_k - \\Delta t\\, M^{-1} L u_k$, is stable only while
        $\\Delta t < 2 / \\lambda_{\\max}(M^{-1}L)$, and $\\lambda_{\\max}$ grows
        like $1/h^2$ on a mesh of edge length $h$. `stiffness.largest_eigenvalue`
        gives the prediction; `stiffness.largest_stable_step` measures the
        limit by bisection (a step passes when the energy keeps falling for
        1500 steps). Backward Euler is then run at a hundred times the limit.

        *What to look for:* measured / predicted close to 1; a log–log slope
        near 2 (a little above: the mean edge length only stands in for the
        shortest edges, which set $\\lambda_{\\max}$); and backward
        Euler's energy still falling at every step at 100 times the limit.
        """
    ),
    code(
        """
        rng = np.random.default_rng(0)
        rows = []
        print("level       h  predicted dt  measured dt  ratio  backward Euler, 100 dt")
        for level in (1, 2, 3, 4):
            g = gf.sample_metric("icosphere", level=level)
            u = rng.normal(size=g.mesh.n_vertices)
            predicted = 2 / stiffness.largest_eigenvalue(g)
            measured = stiffness.largest_stable_step(g, u, predicted)
            implicit = gf.heat_flow(g, u, dt=100 * predicted, max_steps=50).energies
            falls = np.all(np.diff(implicit) <= 1e-12 * implicit[0])
            h = g.lengths.mean()
            rows.append((h, predicted, measured))
            print(
                f"{level:5d} {h:7.4f} {predicted:13.3e} {measured:12.3e} "
                f"{measured / predicted:6.3f}  energy falls: {falls}"
            )
        h, predicted, measured = np.array(rows).T
        slope = np.polyfit(np.log(h), np.log(measured), 1)[0]
        print(f"fitted slope: measured dt ~ h^{slope:.2f}")
        """
    ),
    code(
        """
        figure, axes = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
        axes.loglog(h, measured, "o", label="measured (explicit Euler)")
        axes.loglog(h, predicted, "-", label="predicted $2 / \\\\lambda_{max}$")
        axes.set(xlabel="mean edge length h", ylabel="largest stable dt")
        axes.legend(frameon=False)
        plt.show()
        """
    ),
]


def write(name: str, cells: list) -> Path:
    """Write ``cells`` as notebook ``name`` in this folder, without outputs."""
    notebook = new_notebook(
        cells=[nbformat.from_dict(dict(cell)) for cell in cells],
        metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
    )
    for number, cell in enumerate(notebook.cells, start=1):
        cell.id = f"cell-{number:02d}"
    nbformat.validate(notebook)
    path = HERE / name
    nbformat.write(notebook, path)
    return path


if __name__ == "__main__":
    write("01_quickstart.ipynb", QUICKSTART)
    write("02_heat_and_metrics.ipynb", HEAT_AND_METRICS)
