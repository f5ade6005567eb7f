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

# ---------------------------------------------------------------------- 03

HARMONIC_MAPS = [
    md(
        """
        # Harmonic maps: a surface onto the sphere, a disk onto the disk

        A map $f$ of a surface is *harmonic* when it is a critical point of
        the Dirichlet energy $E(f) = \\tfrac12 \\int |df|^2$. Discretely
        $E(f) = \\tfrac12 \\sum_d f_d^\\top L f_d$, with the cotangent
        Laplacian $L$ of the source surface, which never changes. A map is
        judged by its flipped faces and by how far it is from conformal
        (`gf.map_quality`). The computations come from the package and from
        the helpers of `experiments/sphere_map.py` and
        `experiments/disk_map.py`.
        """
    ),
    SETUP_TEXT,
    SETUP_PATH,
    SETUP_IMPORTS,
    code(
        """
        import time

        from experiments import disk_map, sphere_map
        """
    ),
    md(
        """
        ## 1. The bumpy sphere onto the unit sphere

        `gf.harmonic_map_to_sphere` runs the harmonic map heat flow
        $\\partial_t f = \\Delta f + |df|^2 f$, whose right-hand side is the
        part of $\\Delta f$ tangent to the sphere. Each step is an implicit
        step with the fixed matrix $M + \\Delta t\\, L$, a projection
        $f_i \\leftarrow f_i / |f_i|$ back to the sphere and the Möbius gauge
        of section 2. On a genus-0 surface a harmonic map of degree one is
        conformal.

        Two measures of conformality. Face by face $E \\ge A(f)$, the area of
        the image, with equality only where the map is a similarity, so the
        *conformality gap* $E/A - 1$ vanishes exactly for a conformal map.
        The Beltrami coefficient
        $|\\mu| = (\\sigma_1 - \\sigma_2) / (\\sigma_1 + \\sigma_2)$, from the
        singular values of each face's Jacobian, says where it does not.

        *What to look for:* the energy falls at every step and levels off
        just below $4\\pi$ (for a conformal map $E$ is the image area, and
        the inscribed polyhedron has a little less than the sphere); the
        tension falls geometrically to the tolerance, while the gap stops
        at a floor of about $10^{-5}$: the discrete harmonic map is
        conformal only up to the mesh's discretization error; no face is
        flipped; the centre of mass of the image stays at the origin.
        """
    ),
    code(
        """
        surface = sphere_map.load_surface("bumpy_sphere")
        start = time.perf_counter()
        result = gf.harmonic_map_to_sphere(surface, record_every=1)
        seconds = time.perf_counter() - start
        metric = result.extras["metric"]
        result
        """
    ),
    code(
        """
        steps = [frame.step for frame in result.frames]
        gaps = [gf.map_quality.conformality_gap(metric, f.state) for f in result.frames]
        print(f"{'step':>4} {'energy':>9} {'E/A - 1':>9} {'tension':>9} {'flipped':>7}")
        for frame, gap in zip(result.frames, gaps, strict=True):
            flips = len(gf.map_quality.flipped_faces(surface, frame.state))
            tension = result.residuals[frame.step]
            print(
                f"{frame.step:4d} {frame.energy:9.5f} {gap:9.2e} "
                f"{tension:9.2e} {flips:7d}"
            )
        """
    ),
    code(
        """
        figure, (left, right) = plt.subplots(
            1, 2, figsize=(10, 3.4), layout="constrained"
        )
        left.plot(result.energies, ".-")
        left.set(xlabel="step", ylabel="Dirichlet energy E", title="the energy")
        left.ticklabel_format(axis="y", useOffset=False)
        right.semilogy(steps, gaps, ".-", label="conformality gap E/A - 1")
        right.semilogy(result.residuals, ".-", label="tension")
        right.set(xlabel="step", title="what goes to zero, and what does not")
        right.legend(frameon=False)
        plt.show()
        report = sphere_map.summary("bumpy_sphere", surface, result, seconds)
        for key in (
            "steps",
            "seconds",
            "flipped_faces",
            "degree",
            "mean_mu",
            "max_mu",
            "centre_of_mass_error",
            "max_radius_error",
        ):
            print(f"{key:21} {report[key]:.3g}")
        """
    ),
    md(
        """
        Before and after: the surface, and its image on the sphere, each
        face coloured by the log of its share of the image area over its
        share of the surface area. Conformal maps keep angles, not areas:
        the bumps (blue) are shrunk, the dents between them (red) widened.
        """
    ),
    code(
        """
        stretch = gf.map_quality.area_distortion(metric, result.state)
        style = {"cmap": "coolwarm", "symmetric": True, "window_size": (480, 368)}
        style["scalar_name"] = "log area ratio"
        if gf.viz.rendering_available():
            image = surface.with_vertices(result.state)
            pictures = [
                gf.viz.plot(surface, stretch, **style),
                gf.viz.plot(image, stretch, **style),
            ]
            show(pictures, ["the bumpy sphere", "its harmonic map"], width=4.6)
        """
    ),
    md(
        """
        ### The floor is the mesh's

        The gap stops falling while the tension still does: the flow has
        found the discrete harmonic map, and that map is conformal only up to
        the discretization. To see it, refine a coarse bumpy sphere by
        midpoint subdivision (`gf.subdivide`), which keeps its polyhedral
        surface, its metric and its cone angles, so that the conformal map of
        the surface is the same at every level and only the mesh changes.

        *What to look for:* the gap falls with the edge length $h$, its
        log-log slope approaching 2 (ratios between levels approaching 4):
        second-order discretization error, at about the same number of
        steps on every level.
        """
    ),
    code(
        """
        coarse = gf.sample_mesh("bumpy_sphere", level=2)
        levels, sizes, floors = range(4), [], []
        for level in levels:
            fine = gf.subdivide(coarse, level)
            run = gf.harmonic_map_to_sphere(fine, tol=1e-8)
            lengths = gf.EdgeMetric.from_mesh(fine).lengths
            sizes.append(lengths.mean())
            floors.append(run.conformality_gap)
            print(
                f"level {level}: {fine.n_faces:6d} faces, {run.n_steps} steps, "
                f"gap {run.conformality_gap:.2e}"
            )
        slopes = np.diff(np.log(floors)) / np.diff(np.log(sizes))
        print("log-log slopes between levels:", np.round(slopes, 2))
        figure, axes = plt.subplots(figsize=(4.5, 3.4), layout="constrained")
        axes.loglog(sizes, floors, "o-", label="conformality gap")
        axes.loglog(sizes, floors[-1] * (np.array(sizes) / sizes[-1]) ** 2, "--",
                    label="slope 2")
        axes.set(xlabel="mean edge length h", title="the gap under refinement")
        axes.legend(frameon=False)
        plt.show()
        """
    ),
    md(
        """
        ## 2. Why the Möbius gauge

        The conformal maps of the sphere onto itself form a six-dimensional
        group: three rotations and three *boosts*, which push the sphere
        towards a point. The energy of a conformal map is the same after any
        of them, so nothing in the energy stops the flow from sliding along
        the boosts into a map that squeezes the whole surface into one
        point, where $E \\to 0$. The gauge (Gu and Yau) undoes the slide
        after every step: a Möbius map of the sphere brings the
        area-weighted centre of mass $\\sum_i a_i f_i / \\sum_i a_i$ back to
        the origin. `gauge=False` switches it off.

        *What to look for:* without the gauge the centre of mass $|c|$
        creeps towards 1 while the energy hardly changes, until the image
        collapses and the energy drops to 0; at the end about half the faces
        are flipped, and the run still stops as "converged", since a map to
        a point has no tension.
        """
    ),
    code(
        """
        loose = gf.harmonic_map_to_sphere(surface, gauge=False, record_every=10)
        areas = gf.vertex_areas(metric)
        centres = [np.linalg.norm(areas @ f.state) / areas.sum() for f in loose.frames]
        figure, axes = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
        axes.plot(loose.frame_times, centres, label="|centre of mass|")
        axes.plot(loose.times, loose.energies / loose.energies[0], label="E / E(0)")
        axes.set(xlabel="t", title="the harmonic map flow without the gauge")
        axes.legend(frameon=False)
        plt.show()
        flips = len(loose.extras["flipped_faces"])
        print(
            f"{loose.reason} after {loose.n_steps} steps; flipped faces: "
            f"{flips} of {surface.n_faces}"
        )
        """
    ),
    md(
        """
        ## 3. A bumpy disk onto the unit disk

        `gf.harmonic_map_to_disk` puts the boundary loop on the unit circle,
        spaced by arc length, and solves the Dirichlet problem
        $L_{II} f_I = -L_{IB} f_B$ for the interior: one sparse solve. With
        positive weights the result would be an embedding (Tutte, Floater);
        a cotangent weight turns negative on an edge whose two opposite
        angles add up to more than $\\pi$, and then a face can fold. The
        surface is `disk_map.lifted_disk`: the flat disk sample raised by
        three Gaussian bumps.

        The angle distortion: $|\\mu|$ per face, and the error of each
        corner angle of the image against the surface's. The checkerboard
        is drawn in the plane of the map and, pulled back, on the surface.

        *What to look for:* no folds despite the negative weights; $|\\mu|$
        of a few hundredths; the checks stay close to square on the surface,
        and come out larger on the bumps, whose area the map squeezes.
        """
    ),
    code(
        """
        disk = disk_map.lifted_disk("bumps", n_rings=24)
        with warnings.catch_warnings():  # negative weights: counted below
            warnings.simplefilter("ignore", gf.GeomflowWarning)
            flat = gf.harmonic_map_to_disk(disk)
        uv, folds = flat.state, flat.extras["folds"]
        negative = flat.extras["n_negative_weights"]
        print(
            f"{disk.n_vertices} vertices, {negative} negative cotangent weights, "
            f"{len(folds)} folded faces"
        )
        angles = gf.map_quality.angle_distortion(flat.extras["metric"], uv)
        for key, value in angles.items():
            print(f"{key:17} {value:.4g}")
        """
    ),
    code(
        """
        checks = disk_map.checkerboard(disk, uv, checks=8)
        mu = gf.map_quality.beltrami_coefficients(flat.extras["metric"], uv)
        x, y = uv.T
        figure, (left, right) = plt.subplots(
            1, 2, figsize=(10, 4.8), layout="constrained"
        )
        left.tripcolor(
            x,
            y,
            disk.faces,
            facecolors=checks,
            cmap="Greys",
            vmin=-0.3,
            vmax=1.3,
            edgecolors="#8090a0",
            linewidth=0.1,
        )
        left.set_title("checkerboard in the plane of the map")
        shade = right.tripcolor(x, y, disk.faces, facecolors=mu, cmap="magma_r")
        right.set_title("angle distortion |mu| per face")
        figure.colorbar(shade, ax=right, shrink=0.8)
        for axes in (left, right):
            axes.add_patch(plt.Circle((0, 0), 1.0, fill=False, lw=0.8))
            axes.set_aspect("equal")
            axes.set_axis_off()
        plt.show()
        """
    ),
    code(
        """
        if gf.viz.rendering_available():
            picture = gf.viz.plot(
                disk, checks, cmap="gray", clim=(-0.3, 1.3), window_size=(640, 480)
            )
            show([picture], ["the checkerboard pulled back to the surface"], width=6)
        """
    ),
]


# ---------------------------------------------------------------------- 04

CURVATURE_FLOW = [
    md(
        """
        # Curvature flow: uniform, flat, laid out

        The discrete conformal curvature flow changes a metric by one
        number per vertex, $u_i$: each edge becomes
        $\\ell_{ij} e^{(u_i + u_j)/2}$, until the angle defects $K_i$ reach a
        target $K^*_i$. The energy it minimizes is convex in $u$, its
        gradient is $K(u) - K^*$ and its Hessian the cotangent Laplacian $L$
        (Luo; Springborn, Schröder and Pinkall). The computations come from
        `gf.curvature_flow` and `gf.layout_flat` and from the helpers of
        `experiments/ricci_sphere.py`, `flat_torus.py` and
        `disk_flatten.py`.
        """
    ),
    SETUP_TEXT,
    SETUP_PATH,
    SETUP_IMPORTS,
    code(
        """
        from matplotlib.collections import PolyCollection

        from experiments import disk_flatten, flat_torus, ricci_sphere
        """
    ),
    md(
        """
        ## 1. The bumpy sphere to uniform curvature: Newton against Euler

        Target `"uniform"`: $K^*_i = 4\\pi / n$ at each of the $n$ vertices.
        The same gradient, two inner products:

        | method | one step | what it is |
        |---|---|---|
        | `"explicit"` | $u \\mathrel{+}= \\Delta t\\,(K^* - K)$ | discrete Ricci flow |
        | `"newton"` | $u \\mathrel{+}= L^{-1} (K^* - K)$ | the Hessian metric |

        Either step is halved while it would raise the energy (Newton's
        until it lowers it enough: an Armijo line search) or break a
        triangle inequality.

        Gauss–Bonnet holds for every metric on the mesh: the angles of each
        triangle add up to $\\pi$, so $\\sum_i K_i = 2\\pi V - \\pi F
        = 2\\pi\\chi = 4\\pi$. `ricci_sphere.run_flows` records
        $|\\sum_i K_i - 4\\pi|$ after every step of both.

        *What to look for:* Newton's error drops quadratically, to round-off
        in a handful of steps; Euler's falls quickly at first, then slowly
        (the smooth modes of the error relax at the rate of the smallest
        eigenvalues of $L$) and is still far from done after 300 steps; the
        Gauss–Bonnet error stays at round-off throughout.
        """
    ),
    code(
        """
        sphere = gf.sample_metric("bumpy_sphere", level=3, amplitude=0.15)
        runs = ricci_sphere.run_flows(
            sphere, "uniform", tol=1e-10, explicit_steps=300, record_every=10
        )
        print(f"{sphere.mesh.n_vertices} vertices")
        print(
            f"{'method':9} {'steps':>5} {'reason':>10} {'max|K - K*|':>12} "
            f"{'Gauss-Bonnet':>12}"
        )
        for method, (run, bonnet) in runs.items():
            print(
                f"{method:9} {run.n_steps:5d} {run.reason:>10} "
                f"{run.curvature_error[-1]:12.2e} {bonnet.max():12.2e}"
            )
        rate = ricci_sphere.rate_per_step(runs["explicit"][0].curvature_error)
        print(f"explicit: the error shrinks by a factor {rate:.4f} per step")
        """
    ),
    code(
        """
        figure, (left, right) = plt.subplots(
            1, 2, figsize=(10, 3.6), layout="constrained"
        )
        for method, (run, bonnet) in runs.items():
            left.semilogy(run.curvature_error, ".-", ms=3, label=method)
            right.semilogy(bonnet, ".-", ms=3, label=method)
        left.set(xlabel="step", ylabel="max |K - K*|", title="curvature error")
        right.set(xlabel="step", ylabel="|sum K - 4 pi|", title="Gauss-Bonnet")
        right.set_ylim(1e-16, 1e-10)
        for axes in (left, right):
            axes.legend(frameon=False)
        plt.show()
        """
    ),
    md(
        """
        The angle defects before the flow and after each method, in units
        of the target $4\\pi / n$, so that the target is 1, the middle of
        the colour scale. They are drawn on the original surface: the
        metric changes, the embedding does not.
        """
    ),
    code(
        """
        n = sphere.mesh.n_vertices
        defects = {"before": sphere.angle_defects()}
        for method, (run, _) in runs.items():
            defects[f"{method}, {run.n_steps} steps"] = run.metric.angle_defects()
        style = {"clim": (-1, 3), "cmap": "coolwarm", "scalar_name": "K n / 4 pi"}
        style["window_size"] = (480, 368)
        if gf.viz.rendering_available():
            pictures = [
                gf.viz.plot(sphere, K * n / (4 * np.pi), **style)
                for K in defects.values()
            ]
            show(pictures, list(defects), width=3.8)
        """
    ),
    md(
        """
        ## 2. The flat torus

        A torus ($\\chi = 0$) admits zero curvature at every vertex. Newton's
        flow with target `"flat"` finds it; `gf.layout_flat` then unfolds the
        flat triangles into the plane along a spanning tree of the faces.
        The edges the tree does not cross are the cut; the translations
        carrying one side of the cut onto the other span the period
        lattice, reduced to a basis $p_1, p_2$. A torus of revolution with
        radii $R = 1 > r$ is conformal to a rectangle with side ratio
        $r / \\sqrt{R^2 - r^2}$.

        *What to look for:* $p_1 \\perp p_2$; $|p_1| / |p_2|$ close to the
        ratio above; the period cell has the area of the flat metric; a
        checkerboard in lattice coordinates continues across the copies,
        and stays made of squares on the surface.
        """
    ),
    code(
        """
        r = 0.4
        torus = gf.sample_mesh("torus", n_major=100, n_minor=40, minor_radius=r)
        flattened = gf.curvature_flow(torus, target="flat", method="newton")
        layout = gf.layout_flat(flattened.metric)
        p1, p2 = layout.periods
        lengths = np.linalg.norm(layout.periods, axis=1)
        angle = np.degrees(np.arccos(p1 @ p2 / lengths.prod()))
        cell = abs(np.linalg.det(layout.periods))
        print(
            f"Newton: {flattened.n_steps} steps, "
            f"max |K| = {flattened.curvature_error[-1]:.1e}"
        )
        print(f"p1 = {np.round(p1, 6)}, p2 = {np.round(p2, 6)}")
        print(
            f"|p1| / |p2| = {lengths[0] / lengths[1]:.5f}, "
            f"r / sqrt(1 - r^2) = {r / np.sqrt(1 - r**2):.5f}"
        )
        print(f"angle between them: {angle:.6f} degrees")
        print(f"cell area {cell:.6f}, flat area {flattened.metric.total_area():.6f}")
        """
    ),
    code(
        """
        colours, counts = flat_torus.checkerboard(layout, checks=5)
        faces = plt.get_cmap(flat_torus.CHECK_MAP)(colours)
        figure, axes = plt.subplots(figsize=(7, 5), layout="constrained")
        for a in (-1, 0, 1):
            for b in (-1, 0, 1):
                copy = PolyCollection(
                    layout.corner_uv + a * p1 + b * p2,
                    facecolors=faces if a == b == 0 else 0.35 * faces + 0.65,
                    edgecolors="none",
                    antialiased=False,  # no seams between the faces
                )
                axes.add_collection(copy)
        # the period cell, centred on the domain: it has the domain's area
        corner = layout.corner_uv.reshape(-1, 2).mean(axis=0) - (p1 + p2) / 2
        cell_outline = corner + np.array([[0, 0], p1, p1 + p2, p2])
        axes.add_patch(plt.Polygon(cell_outline, fill=False, ec="red", lw=1.5))
        for vector, name in ((p1, "p1"), (p2, "p2")):
            arrow = {"arrowstyle": "->", "color": "red", "lw": 2.5}
            axes.annotate("", xy=corner + vector, xytext=corner, arrowprops=arrow)
            axes.text(*(corner + vector / 2), f" {name}", color="red", fontsize=13)
        axes.autoscale_view()
        axes.set_aspect("equal")
        title = f"fundamental domain, {counts[0]} x {counts[1]} checks"
        axes.set_title(title + " (faint: neighbours; red: period cell)")
        plt.show()
        """
    ),
    code(
        """
        if gf.viz.rendering_available():
            picture = gf.viz.plot(
                torus,
                colours,
                cmap=flat_torus.CHECK_MAP,
                clim=(0, 1),
                window_size=(640, 480),
            )
            show([picture], ["the same checkerboard on the torus"], width=6)
        """
    ),
    md(
        """
        ## 3. A disk flattened two ways

        `disk_flatten.curved_disk` lifts the unit square by a bump. The
        curvature flow with target `"flat"` drives the interior defects to
        zero with $u = 0$ held on the boundary; laid out by `gf.layout_flat`
        it gives a planar map that is discretely conformal, with the
        boundary free to take whatever shape that needs. The harmonic map
        to the disk (notebook 03) instead fixes the boundary on the unit
        circle in advance. `disk_flatten.quality` compares them by $|\\mu|$,
        corner angle errors and the conformality gap.

        *What to look for:* the curvature flow's mean $|\\mu|$ an order of
        magnitude below the harmonic map's; the harmonic map's worst corner
        error near $\\pi/2$, where the square's corners are opened flat onto
        the circle.
        """
    ),
    code(
        """
        bump = disk_flatten.curved_disk("bump", n=24, height=0.4)
        source = gf.EdgeMetric.from_mesh(bump)
        flow = gf.curvature_flow(source, target="flat", method="newton")
        with warnings.catch_warnings():  # negative cotangent weights
            warnings.simplefilter("ignore", gf.GeomflowWarning)
            harmonic = gf.harmonic_map_to_disk(bump)
        maps = {
            "curvature flow": gf.layout_flat(flow.metric).uv,
            "harmonic": harmonic.state,
        }
        rows = {name: disk_flatten.quality(source, uv) for name, uv in maps.items()}
        keys = [
            "mean_mu",
            "max_mu",
            "mean_angle_error",
            "max_angle_error",
            "conformality_gap",
            "n_flipped",
        ]
        print(f"{'':17}" + "".join(f"{name:>16}" for name in rows))
        for key in keys:
            print(f"{key:17}" + "".join(f"{row[key]:16.4g}" for row in rows.values()))
        """
    ),
    code(
        """
        mus = {
            k: gf.map_quality.beltrami_coefficients(source, uv)
            for k, uv in maps.items()
        }
        top = np.percentile(np.concatenate(list(mus.values())), 99)
        figure, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
        for ax, (name, uv) in zip(axes, maps.items(), strict=True):
            shade = ax.tripcolor(
                *uv.T,
                bump.faces,
                facecolors=mus[name],
                cmap="magma_r",
                vmin=0,
                vmax=top,
            )
            ax.set_title(f"{name}: mean |mu| = {rows[name]['mean_mu']:.3f}")
            ax.set_aspect("equal")
            ax.set_axis_off()
        figure.colorbar(shade, ax=axes, shrink=0.8, label="|mu|")
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
    write("03_harmonic_maps.ipynb", HARMONIC_MAPS)
    write("04_curvature_flow.ipynb", CURVATURE_FLOW)
