"""Switching map of the three-junction chain over two inputs (Lopez et al. 2024, Fig. 1(c)).

Every map point is one chain: input ``I_A`` for 10 ms, reset, input ``I_B`` for 10 ms; all
points are independent chains in ONE transient. Prints the configuration ``[n_A A, n_B B]``
(number of AP→P switching events per input) as a character map and the number of distinct
configurations (the paper finds 16).

Run: ``python examples/lopez2024_map.py``
"""

from __future__ import annotations

import numpy as np

from xbar.reproduce.lopez2024 import switching_map


def main() -> None:
    grid = np.linspace(300e-6, 900e-6, 21)
    na, nb = switching_map(grid, grid, seed=3)
    print("rows: I_B from 900 down to 300 uA; columns: I_A from 300 to 900 uA; cell = n_A n_B")
    for j in range(len(grid) - 1, -1, -1):
        print(f"{grid[j] * 1e6:5.0f} " + " ".join(f"{int(a)}{int(b)}" for a, b in zip(na[j], nb[j], strict=True)))
    print(f"distinct configurations: {len(np.unique(4 * na + nb))} (paper: 16)")


if __name__ == "__main__":
    main()
